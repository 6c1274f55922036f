// The one-click placeholder dataset: previewed locally before anything is sent, written through
// fn_upsert_placeholder_dataset, or queued in the spool file when the server cannot be reached.
// Writes WorkbenchState::backfill.
#pragma once

#include <functional>
#include <string>

#include "app/workbench/event_log.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class BackfillController {
  public:
    BackfillController(WorkbenchState& state, RequestRunner& runner, EventLog& log, EnvLookup env,
                       std::function<void(const std::string& datasetId)> landed);

    const BackfillState& state() const { return backfill_; }
    void setInputs(const BackfillInputs& inputs);  // the preview follows at once
    void confirm();                                // sends the previewed placeholder
    // The Checks panel's fix: these inputs, sent at once, and remembered as coming from `fixKey`.
    void confirmFix(const BackfillInputs& inputs, const std::string& fixKey);

  private:
    void spoolOffline(const PlaceholderPreview& preview, const std::string& why);

    BackfillState& backfill_;
    const ConnectionStatus& connection_;
    RequestRunner& runner_;
    EventLog& log_;
    EnvLookup env_;
    std::function<void(const std::string&)> landed_;
};

}  // namespace app
