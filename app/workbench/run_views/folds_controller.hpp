// The selected run's folds for its Details: the table, the timeline, what is wrong with the cut
// (app/runconfig/fold_findings.hpp) and the per-fold metric chart. Writes WorkbenchState::folds.
#pragma once

#include <string>

#include "app/workbench/event_log.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class FoldsController {
  public:
    FoldsController(WorkbenchState& state, RequestRunner& runner, EventLog& log);

    void load();  // the selection changed (or F5): a run's folds are loaded, anything else clears
    void chooseChartMetric(const std::string& name);
    void reset();  // a new connection

  private:
    FoldsState& folds_;
    const Selection& selection_;
    RequestRunner& runner_;
    EventLog& log_;
};

}  // namespace app
