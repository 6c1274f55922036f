// The selection's QuestDB side: does the table the selected dataset (questdb_tag), run
// (prediction_measurement) or simulation (questdb_namespace) names exist in QuestDB, how many rows,
// the first and last timestamp; a dataset's rows against indicator_datasets.row_count; a run's
// range against its folds' test windows. One cancellable request per selection, on the runner's
// QuestDB session. Writes WorkbenchState::questdb only.
#pragma once

#include <vector>

#include "app/questdb/fold_coverage.hpp"
#include "app/workbench/connection_controller.hpp"
#include "app/workbench/event_log.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class QuestDbController {
  public:
    QuestDbController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                      const ConnectionController& connection);

    // The selection changed (or F5, or the QuestDB settings): the previous request is cancelled
    // and the new selection's table is asked for, when QuestDB is configured.
    void load();
    void cancel();
    void reset();  // a new PostgreSQL connection (or none): nothing selected, nothing running

  private:
    QuestDbSideState& side_;
    const WorkbenchState& state_;
    RequestRunner& runner_;
    EventLog& log_;
    const ConnectionController& connection_;
};

// The selected run's folds against its QuestDB table's range: set only when the QuestDB facts and
// the folds (WorkbenchState::folds, loaded by the Folds feature) are both of the selected run.
std::optional<FoldCoverage> questDbFoldCoverage(const WorkbenchState& state);
// The fold indexes whose test window the run's QuestDB table does not cover (empty when unknown):
// what the timeline marks.
std::vector<int> uncoveredFolds(const WorkbenchState& state);

}  // namespace app
