// One-click placeholder dataset: slug (+ optional uuid and symbol), previewed locally as the user
// types, sent only on "Backfill" and only when the preview has no problem.
#pragma once

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// Tags: backfill.inputs.slug, backfill.inputs.uuid, backfill.inputs.symbol, backfill.preview,
// backfill.problem, backfill.button, backfill.cancel, backfill.result.
void DrawBackfillPanel(app::Workbench& wb, UiContext& ctx);

}  // namespace ui
