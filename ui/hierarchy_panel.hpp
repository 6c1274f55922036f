// The dataset -> run -> simulation tree with its filter bar (filters run on the server). Draws
// WorkbenchState and calls Workbench intents only; it never waits on the database.
#pragma once

#include <string>

#include <imgui.h>

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// The filter bar, then the tree as one clipped table (only the rows on screen are submitted).
void DrawHierarchyPanel(app::Workbench& wb, UiContext& ctx);

// Shared with the details and paste panels (candidates for widgets.hpp).
// completed green, running blue, failed red, pending amber, anything else muted.
ImVec4 RunStatusColor(const std::string& status);
// "2026-01-01 00:01" from the server's timestamp text ("2026-01-01 00:01:00+00", ISO 8601 ...).
std::string ShortTimestamp(const std::string& timestamp);
// A small tinted label on the current text line ("legacy", "NULL cfg"); tooltip when hovered.
void Badge(const char* text, const ImVec4& color, const char* tooltip = nullptr);
// Muted text wrapped at the panel's edge (hints, empty states).
void Hint(const char* text);

}  // namespace ui
