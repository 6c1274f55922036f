// The checks of stage1ctl validate, with the window's own spool file, as one cancellable request.
// A missing dataset they find is fixed through the backfill feature's intents, then the checks run
// again so the panel shows what is left. Writes WorkbenchState::checks.
#pragma once

#include <string>

#include "app/workbench/backfill_controller.hpp"
#include "app/workbench/event_log.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class ChecksController {
  public:
    ChecksController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                     BackfillController& backfill, EnvLookup env);

    const ChecksState& state() const { return checks_; }
    void setSpoolPath(const std::string& path);  // "" = the spool is not checked
    void run();
    // A missing dataset's placeholder through the backfill (preview -> create -> selected in the
    // tree); the checks run again once it landed.
    void fix(const PlaceholderFix& fix);
    // The Backfill tab's inputs from the fix, for a slug to be typed before sending.
    void prefill(const PlaceholderFix& fix);
    void placeholderLanded();  // checks that ran are run again

  private:
    ChecksState& checks_;
    const ConnectionStatus& connection_;
    RequestRunner& runner_;
    EventLog& log_;
    BackfillController& backfill_;
};

}  // namespace app
