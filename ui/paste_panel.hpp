// A config pasted from the clipboard: where it does not parse (line, column, a caret under it),
// or what it holds, how it differs from the selected run's, and which stored runs have it.
#pragma once

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

void DrawPastePanel(app::Workbench& wb, UiContext& ctx);

// wb.configs().paste(clipboard text). Ctrl+V, and the panel's Paste button.
void PasteFromClipboard(app::Workbench& wb, UiContext& ctx);

}  // namespace ui
