// The session log (state.log): every request, result and error, newest at the bottom, kept for the
// whole session; follows new lines while scrolled to the end.
#pragma once

#include <string>

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// Fills the space it is given. Tag: log.lines (and log.copy on the button below).
void DrawLogPanel(app::Workbench& wb, UiContext& ctx);

// A small "Copy all" button, right-aligned on the current line (the log's header).
void DrawLogCopyButton(app::Workbench& wb, UiContext& ctx);

// "HH:MM:SS LEVEL text" lines, as Copy all puts them on the clipboard.
std::string LogText(const app::WorkbenchState& state);

}  // namespace ui
