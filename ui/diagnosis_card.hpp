// The diagnosis card: what went wrong with a connection or a request, why, and the fixes to copy
// (app::diagnose worked it out from libpq's text). Drawn inline where the request came from.
#pragma once

#include "app/connect/diagnosis.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// Kind, title, explanation, every fix (label, mono text, Copy -> clipboard exactly) and the raw
// server text under "Server said". Tags: diagnosis.title, diagnosis.fix.<n>.text,
// diagnosis.fix.<n>.copy (n from 0). One card per frame carries the tags.
// height <= 0: the rest of the area (the card scrolls inside when the fixes are long).
void DrawDiagnosisCard(const app::Diagnosis& diagnosis, UiContext& ctx, float height = 0.0f);

}  // namespace ui
