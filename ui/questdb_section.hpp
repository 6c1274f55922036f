// The selection's QuestDB side in the details panel: the table its row names, whether it exists,
// its rows (a dataset's against row_count), first and last timestamp, and for a run which folds'
// test windows the data does not cover. A hint when QuestDB is not configured; the diagnosis card
// when it cannot be reached. Tags: questdb.hint, questdb.table, questdb.rows, questdb.mismatch,
// questdb.first, questdb.last, questdb.coverage, questdb.uncovered.<fold>, questdb.cancel,
// questdb.retry.
#pragma once

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

void DrawQuestDbSection(app::Workbench& wb, UiContext& ctx);

}  // namespace ui
