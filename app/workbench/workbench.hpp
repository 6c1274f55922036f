// The window's controller: one controller per feature (connection, tree, configs, backfill, checks,
// search, compare, folds, QuestDB) over one request runner, and the wiring between them. Panels read state()
// and call the feature controllers' intents; outcomes come back through the mailbox and each controller
// applies them to its own slice of WorkbenchState on the UI thread. No ImGui here, so the same logic is
// tested without a window.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/workbench/backfill_controller.hpp"
#include "app/workbench/checks_controller.hpp"
#include "app/workbench/configs_controller.hpp"
#include "app/workbench/connection_controller.hpp"
#include "app/workbench/event_log.hpp"
#include "app/workbench/hierarchy_controller.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/run_views/compare_controller.hpp"
#include "app/workbench/run_views/folds_controller.hpp"
#include "app/workbench/run_views/questdb_controller.hpp"
#include "app/workbench/search_controller.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class Workbench {
  public:
    Workbench(db::Mailbox& mailbox, EnvLookup env);
    ~Workbench();
    Workbench(const Workbench&) = delete;
    Workbench& operator=(const Workbench&) = delete;

    const WorkbenchState& state() const { return state_; }

    ConnectionController& connection() { return connection_; }
    HierarchyController& hierarchy() { return hierarchy_; }
    ConfigsController& configs() { return configs_; }
    BackfillController& backfill() { return backfill_; }
    ChecksController& checks() { return checks_; }
    SearchController& search() { return search_; }
    CompareController& compare() { return compare_; }
    FoldsController& folds() { return folds_; }
    QuestDbController& questdb() { return questdb_; }

    // F5: the datasets again, the expanded levels, and the selection's details.
    void refresh();
    void cancel(const RequestStatus& request);  // any running request, from its Cancel button
    void cancel(db::RequestId id);              // one of activeRequests()
    void tick(double nowSeconds);               // latency probe and reconnects
    bool busy() const { return runner_.busy(); }
    // What runs now, oldest first: the status bar's list and busy()'s.
    const std::vector<ActiveRequest>& activeRequests() const { return runner_.active(); }
    void log(LogEntry::Level level, const std::string& text) { log_.add(level, text); }
    // Every log entry also goes here as it is added.
    void onLog(std::function<void(const LogEntry&)> sink) { log_.onEntry(std::move(sink)); }

  private:
    void selectionChanged();  // the details of the new selection: config and folds

    WorkbenchState state_;
    EventLog log_;
    RequestRunner runner_;
    ConnectionController connection_;
    HierarchyController hierarchy_;
    ConfigsController configs_;
    BackfillController backfill_;
    ChecksController checks_;
    SearchController search_;
    CompareController compare_;
    FoldsController folds_;
    QuestDbController questdb_;
};

}  // namespace app
