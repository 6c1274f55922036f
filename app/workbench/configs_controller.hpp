// The selected run's or simulation's config (Details), Copy, Paste, the diff of the two and the
// runs with an identical config. Writes WorkbenchState::details and ::paste.
#pragma once

#include <string>

#include "app/workbench/event_log.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class ConfigsController {
  public:
    ConfigsController(WorkbenchState& state, RequestRunner& runner, EventLog& log);

    // The selection changed (or F5): its config is loaded again.
    void load();
    void reset();  // a new connection: no details
    bool canCopy() const;
    std::string copyText() const;    // the stored bytes, exactly
    std::string copyAsJson() const;  // the documents as pretty JSON
    void paste(const std::string& clipboardText);
    void clearPaste();

  private:
    void updateDiff();
    void findIdentical();

    DetailsState& details_;
    PasteState& paste_;
    const Selection& selection_;
    const ConnectionStatus& connection_;
    RequestRunner& runner_;
    EventLog& log_;
};

}  // namespace app
