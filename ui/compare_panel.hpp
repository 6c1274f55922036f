// The Compare tab: the marked runs side by side, only the rows that differ by default, deltas
// against a reference column, features as sets, Copy as TSV / Markdown. And the marking itself,
// shared by the tree and the search results: Ctrl/Shift-click and the run's context menu.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// After a run's Selectable: a click marks it (Ctrl toggles, Shift a range of `listed()`, the runs
// of that list top to bottom, asked for only on a Shift-click); a right-click opens its menu
// ("Compare marked runs", mark / unmark). `tag` names the menu's items for tests.
using ListedRuns = std::function<std::vector<std::string>()>;
void MarkOnClick(app::Workbench& wb, UiContext& ctx, const std::string& runId, const ListedRuns& listed);
void RunContextMenu(app::Workbench& wb, UiContext& ctx, const std::string& runId);

// "Compare (n)" for the toolbars; starts the comparison and brings the tab forward.
void CompareMarkedButton(app::Workbench& wb, const char* tag);
// "3 runs marked  [Compare (3)] [Unmark]" above a list, when two or more runs are marked.
void DrawMarkedLine(app::Workbench& wb, const char* compareTag);

void DrawComparePanel(app::Workbench& wb, UiContext& ctx);

}  // namespace ui
