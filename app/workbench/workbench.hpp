// The window's controller: intents from the panels become requests on the Session; outcomes come
// back through the mailbox and are applied to WorkbenchState on the UI thread. No ImGui here, so
// the same logic is tested without a window.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/workbench/background_tasks.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "app/workbench/workbench_state.hpp"
#include "db/pg/mailbox.hpp"
#include "db/pg/session.hpp"

namespace app {

class Workbench {
  public:
    Workbench(db::Mailbox& mailbox, EnvLookup env);
    ~Workbench();
    Workbench(const Workbench&) = delete;
    Workbench& operator=(const Workbench&) = delete;

    const WorkbenchState& state() const { return state_; }

    // ---- connection (workbench_connection.cpp) ----
    // Fills the form from --dsn/flags, STAGE1_* and the profile; throws std::invalid_argument.
    void loadStartupSettings(const ConnectionSettings& flags, const std::string& profileName);
    ConnectionForm& form() { return state_.form; }
    std::vector<std::string> profileNames() const;
    void useProfile(const std::string& name);
    void saveProfile(const std::string& name);  // the form without its password
    void connect();
    void disconnect();
    void submitPassword(const std::string& password);
    void runDoctor();
    ResolvedConnection resolvedForm() const;

    // ---- hierarchy (workbench_hierarchy.cpp) ----
    // The filters change only through this intent: it stores them and reloads every loaded level
    // (expanded nodes stay expanded) once. Before a connection they wait for it.
    void applyFilters(const HierarchyFilters& filters);
    void refresh();       // F5: datasets again, the expanded levels, and the selection's details
    void toggle(const VisibleRow& row);
    void loadMore(const VisibleRow& row);
    void select(const VisibleRow& row);
    // Expands the tree down to a run (loading pages as needed) and selects it.
    void revealRun(const std::string& runId);
    void revealDataset(const std::string& datasetId);
    const std::vector<VisibleRow>& visibleRows();
    int selectedRowIndex();  // -1 when the selection is not in the tree

    // ---- details, copy, paste (workbench_configs.cpp) ----
    bool canCopy() const;
    std::string copyText() const;    // the stored bytes, exactly
    std::string copyAsJson() const;  // the documents as pretty JSON
    void paste(const std::string& clipboardText);
    void clearPaste();

    // ---- placeholder backfill (workbench_backfill.cpp) ----
    BackfillState& backfill() { return state_.backfill; }
    void updateBackfillPreview();  // after the slug / uuid / symbol inputs changed
    void confirmBackfill();

    // ---- data checks (workbench_checks.cpp) ----
    ChecksState& checks() { return state_.checks; }
    // Every check of stage1ctl validate, and the spool file's references, as one cancellable
    // request in one read-only snapshot.
    void runChecks();
    // A missing dataset's placeholder through the backfill path (preview -> create -> selected in
    // the tree); the checks run again once it landed.
    void backfillFix(const PlaceholderFix& fix);
    // The Backfill tab's inputs from the fix, for a slug to be typed before sending.
    void prefillBackfill(const PlaceholderFix& fix);

    // ---- everything ----
    void cancel(const RequestStatus& request);  // any running request, from its Cancel button
    void tick(double nowSeconds);               // latency probe every few seconds while idle
    bool busy() const;                          // a request is running
    // A failed request in words; tunnelError is the managed tunnel's own failure, when it was that.
    Diagnosis diagnoseRequest(const db::DbError& error, const TunnelError* tunnelError) const;
    void log(LogEntry::Level level, const std::string& text);
    // Every log entry also goes here as it is added (the window echoes them to stderr, so a terminal
    // or the journal sees what the log panel shows).
    void onLog(std::function<void(const LogEntry&)> sink) { logSink_ = std::move(sink); }

  private:
    template <typename T>
    db::RequestId submit(RequestStatus& status, std::function<T(db::Connection&)> work,
                         std::function<void(db::Outcome<T>)> done);
    // The same for work of several statements that stops between them when cancelled.
    template <typename T>
    db::RequestId submitCancellable(RequestStatus& status,
                                    std::function<T(db::Connection&, const std::atomic<bool>&)> work,
                                    std::function<void(db::Outcome<T>)> done);
    void afterPlaceholderBackfill();  // checks that ran are run again
    void loadDatasets(bool append);
    void loadRuns(int dataset, bool append);
    void loadSimulations(int dataset, int run, bool append);
    void loadDetails();
    void reveal(const std::string& id, bool datasetOnly);
    void updateDiff();
    void findIdentical();
    void touchHierarchy() { ++state_.hierarchy.revision; }
    void resetBrowsing();  // a new connection: empty tree, no selection (filters stay)
    void onConnected(const db::ServerFacts& facts);
    void onConnectionLost(const std::string& reason);
    void reconnect();
    void restoreView();
    bool connectionLost(const db::DbError& error) const;  // the error means the server is gone
    void spoolBackfill(const PlaceholderPreview& preview, const std::string& why);
    DatasetNode* datasetById(const std::string& id, int* index = nullptr);

    db::Mailbox& mailbox_;
    EnvLookup env_;
    WorkbenchState state_;
    // Declared before the session: the session's worker (which uses the tunnel) ends first.
    std::shared_ptr<SshTunnel> tunnel_;
    db::SessionOptions sessionOptions_;  // of the last connect, for reconnecting
    std::unique_ptr<db::Session> session_;
    BackgroundTasks background_;
    std::uint64_t generation_ = 0;  // bumped on connect/disconnect: late outcomes are dropped
    double lastPing_ = 0;
    double now_ = 0;  // the latest tick() time
    std::function<void(const LogEntry&)> logSink_;
    db::RequestId pingId_ = 0;
    std::uint64_t rowsRevision_ = ~0ULL;
    std::vector<VisibleRow> rows_;
    int selectedRow_ = -1;
    bool selectedRowKnown_ = false;
};

}  // namespace app
