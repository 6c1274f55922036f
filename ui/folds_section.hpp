// The run's folds in its Details: what is wrong with the cut (in words), the table, the timeline
// (one lane per fold, train and test on a shared date axis, flagged folds marked) and a bar chart of
// one metric per fold with its mean. The geometry is app/runconfig/fold_timeline.hpp's; this file
// only draws it.
#pragma once

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

void DrawFoldsSection(app::Workbench& wb, UiContext& ctx);

// A JSON object (jsonb text) as a two-column table of flattened paths and values, tagged `tag`.
void DrawParameterTable(const char* id, const std::string& jsonText, const std::string& tag);

}  // namespace ui
