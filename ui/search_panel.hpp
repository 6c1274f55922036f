// The search bar above the tree (the run query language; Enter runs it, Esc clears it, ▾ lists the
// recent queries), its results as a flat, virtualized list across datasets that loads page by page
// as it scrolls, and the Ctrl+L jump box.
// Tags: search.query, search.history, search.error, search.results, search.row.<i>, search.more,
// search.copy_csv, search.close, jump.text, jump.match.<i>.
#pragma once

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

void DrawSearchBar(app::Workbench& wb, UiContext& ctx);
void DrawSearchResults(app::Workbench& wb, UiContext& ctx);
void OpenJumpBox(UiContext& ctx);  // Ctrl+L
void DrawJumpBox(app::Workbench& wb, UiContext& ctx);

}  // namespace ui
