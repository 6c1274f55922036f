// Everything the window shows, as plain data. Panels (ui/) draw it and call the intents of the
// feature controllers (app/workbench/*_controller.hpp); each slice is written by its own controller
// only, on the UI thread, when intents come in or results arrive through the mailbox.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/connect/connection_settings.hpp"
#include "app/connect/diagnosis.hpp"
#include "app/connect/doctor.hpp"
#include "app/ops/data_checks.hpp"
#include "app/ops/placeholder_dataset.hpp"
#include "app/runconfig/fold_findings.hpp"
#include "app/runconfig/run_compare.hpp"
#include "app/runconfig/run_config.hpp"
#include "app/runconfig/text_diff.hpp"
#include "app/workbench/event_log.hpp"
#include "db/browse/questdb_table.hpp"
#include "db/browse/run_facts.hpp"
#include "db/browse/stage1_queries.hpp"
#include "db/pg/session.hpp"
#include "db/search/find.hpp"
#include "db/search/run_search.hpp"

namespace app {

// Idle -> Running (cancellable) -> Done | Failed | Cancelled, for every request the window makes.
enum class RequestPhase { Idle, Running, Done, Failed, Cancelled };

struct RequestStatus {
    RequestPhase phase = RequestPhase::Idle;
    db::RequestId id = 0;
    double elapsedMs = 0;
    std::optional<Diagnosis> failure;
    bool running() const { return phase == RequestPhase::Running; }
};

// ---- connection ----

// The QuestDB fields of the connection form (empty = STAGE1_QUESTDB_* or QuestDB's default; no
// host anywhere = not configured). The password comes from STAGE1_QUESTDB_PASSWORD or ~/.pgpass.
struct QuestDbForm {
    std::string host, port, user, dbname;
    bool operator==(const QuestDbForm& o) const {
        return host == o.host && port == o.port && user == o.user && dbname == o.dbname;
    }
};

// What the connection panel edits. Filled at start-up from --dsn, STAGE1_* and the profile.
struct ConnectionForm {
    std::string profile;  // the profile it came from ("" = none)
    ConnectionMode mode = ConnectionMode::Direct;
    std::string host, port, dbname = "stage1_trading", user = "stage1_app",
                            sslmode;  // empty: the default (require for another machine, else libpq's prefer)
    std::string sslrootcert;          // the CA file verify-ca and verify-full check the server against
    int tunnelLocalPort = 5433;
    std::string sshTarget;
    std::string remoteHost = "127.0.0.1";
    int remotePort = 5432;
    std::string password;                              // typed at the prompt; memory only
    std::map<std::string, std::string> extraKeywords;  // other --dsn keywords, passed through
    QuestDbForm questdb;
    bool operator==(const ConnectionForm& o) const;
    bool operator!=(const ConnectionForm& o) const { return !(*this == o); }
};

// Reconnecting: the connection was lost (server restart, terminated session, tunnel or network
// down); retries run with backoff and the view is restored when it is back.
enum class ConnectionPhase { Disconnected, Connecting, Connected, Reconnecting, Failed };
enum class TunnelMode { None, External, Managed };

struct ConnectionStatus {
    ConnectionPhase phase = ConnectionPhase::Disconnected;
    std::string target;  // user@host:port/db (never a password)
    db::ServerFacts facts;
    std::optional<double> latencyMs;
    int schemaVersion = 0;
    int pendingMigrations = 0;
    bool schemaUpToDate = false;
    RequestStatus request;
    std::optional<Diagnosis> diagnosis;  // the diagnosis card, until the next attempt
    bool passwordRequested = false;      // the server wants one: the panel shows the prompt
    // Set: Connect waits until the user allows the password to go to another machine on a
    // connection that may be plaintext (sslmode disable, allow or prefer); asked once per profile.
    std::string plaintextPasswordQuestion;
    TunnelMode tunnel = TunnelMode::None;
    int tunnelLocalPort = 0;
    std::string reconnectReason;  // why the connection was lost
    int reconnectAttempts = 0;
    double nextRetryAt = 0;  // tick() time of the next attempt
};

struct DoctorState {
    RequestStatus request;  // runs on its own thread (its own connections), not cancellable
    DoctorReport report;    // of the last finished run
    bool ran() const { return request.phase == RequestPhase::Done; }
};

// ---- hierarchy ----

template <typename Item>
struct PagedList {
    std::vector<Item> items;
    std::optional<db::PageCursor> next;  // more to load
    // The list starts mid-way (a run revealed by its keyset position): newer rows may exist above
    // items.front(), loaded upwards on request.
    bool newerAbove = false;
    // Bumped when a reveal replaces the list: a page asked for before it no longer fits and is dropped.
    std::uint32_t replacements = 0;
    bool loaded = false;
    RequestStatus request;
};

// One run in the tree. A dataset can hold a hundred thousand of these, so the node stays small:
// row.datasetId is left empty (the parent DatasetNode has it), and the simulation list, larger
// than the run itself, exists only once the run was expanded.
struct RunNode {
    db::RunRow row;
    bool expanded = false;
    std::unique_ptr<PagedList<db::SimulationRow>> simulationList;

    const PagedList<db::SimulationRow>& simulations() const {
        static const PagedList<db::SimulationRow> none;
        return simulationList ? *simulationList : none;
    }
    PagedList<db::SimulationRow>& simulationsToLoad() {
        if (!simulationList) simulationList = std::make_unique<PagedList<db::SimulationRow>>();
        return *simulationList;
    }
};

struct DatasetNode {
    db::DatasetRow row;
    bool expanded = false;
    PagedList<RunNode> runs;
};

// Evaluated on the server (p_search / p_status of the fn_list_* functions).
struct HierarchyFilters {
    std::string datasetSearch;
    std::string runSearch, runStatus;
    std::string simulationSearch, simulationStatus;
};

struct HierarchyState {
    PagedList<DatasetNode> datasets;
    HierarchyFilters filters;
    std::uint64_t revision = 0;  // bumped on every change, so views can cache what they derive
};

enum class RowKind { Dataset, Run, Simulation, MoreDatasets, NewerRuns, MoreRuns, MoreSimulations };

// One line of the tree as drawn: which node, at which depth.
struct VisibleRow {
    RowKind kind;
    int dataset = -1, run = -1, simulation = -1;
    int depth = 0;
};
std::vector<VisibleRow> flattenHierarchy(const HierarchyState& hierarchy);

struct Selection {
    enum class Kind { None, Dataset, Run, Simulation };
    Kind kind = Kind::None;
    std::string datasetId, runId, simulationId;
    bool operator==(const Selection& o) const {
        return kind == o.kind && datasetId == o.datasetId && runId == o.runId &&
               simulationId == o.simulationId;
    }
};

// ---- details, copy, paste ----

struct DetailsState {
    RequestStatus request;
    std::optional<db::StoredConfig> stored;
    std::string shownText;          // exactly what Copy puts on the clipboard
    bool derivedFromJsonb = false;  // serialized_config is NULL: the legacy form was derived
    std::optional<ParsedConfig> parsed;
    std::optional<ParseError> parseError;  // the stored text does not parse (shown, flagged)
    std::string hash;
};

struct PasteState {
    bool present = false;
    std::string text;
    std::optional<ParsedConfig> parsed;
    std::optional<ParseError> error;
    std::string hash;
    std::optional<TextDiff> diff;  // against the selected run's config (both canonical)
    std::string diffAgainst;       // what the diff compares with, by id ("run <run_id>")
    Selection diffSelection;       // the same as a selection, so a view can tell it is the selected one
    std::vector<db::ConfigMatch> matches;
    RequestStatus findRequest;
};

// ---- placeholder backfill ----

struct BackfillInputs {
    std::string slug, uuid, symbol;
    bool operator==(const BackfillInputs& o) const {
        return slug == o.slug && uuid == o.uuid && symbol == o.symbol;
    }
    bool operator!=(const BackfillInputs& o) const { return !(*this == o); }
};

struct BackfillState {
    BackfillInputs inputs;
    PreviewResult preview;  // computed locally; nothing is sent while it has a problem
    RequestStatus request;
    std::optional<db::PlaceholderResult> result;
    std::string queuedOffline;  // the spool file it went to, when the server could not be reached
    // key() of the Checks panel's fix these inputs came from; cleared when the inputs change, so
    // the Checks panel shows the outcome only while it is still its own.
    std::string fromFix;
};

// ---- data checks (the Checks panel; checks_controller.cpp) ----

struct ChecksState {
    std::string spoolPath;  // also checked; "" = skip the spool. Starts as the window's own spool.
    RequestStatus request;
    bool ran = false;  // results hold a finished run
    std::vector<db::CheckResult> results;
    std::vector<PlaceholderFix> fixes;  // the missing datasets a placeholder can supply
    std::string ranOn;                  // connection target of that run
    std::string checkedSpool;           // the spool path of that run ("" = not checked)
    std::string finishedAt;             // HH:MM:SS
    bool rerun = false;                 // a backfill landed during a run: run again after it
};

// ---- search and jump (the search bar above the tree, Ctrl+L; search_controller.cpp) ----

struct SearchState {
    std::string query;                            // what the results are of
    std::optional<db::search::QueryError> error;  // the query does not parse: nothing was sent
    std::vector<std::string> fields;              // the fields it named: the results' extra columns
    std::vector<db::search::SearchRow> rows;
    std::optional<db::PageCursor> next;  // more to load
    bool active = false;                 // the results list is shown instead of the tree
    RequestStatus request;
    std::vector<std::string> history;  // recent queries that ran, newest first
    std::string jumpText;              // what the jump box looked up last
    std::vector<db::search::FindMatch> jumpMatches;
    RequestStatus jumpRequest;
};

// ---- compare (the Compare tab; compare_controller.cpp) ----

struct CompareState {
    // The runs marked for comparison (Ctrl/Shift-click in the tree or the search results), in the
    // order they were marked: the columns, the first one the reference until another is chosen.
    std::vector<std::string> marked;
    std::string anchorRunId;  // where a Shift-click range starts (the last plain or Ctrl click)
    RequestStatus request;
    std::vector<db::RunFacts> runs;    // of the last comparison, in column order
    std::vector<std::string> unknown;  // marked runs that no longer exist
    std::optional<RunComparison> comparison;
    bool onlyDifferences = true;
    size_t reference = 0;  // column the deltas and feature changes are against
};

// ---- folds (the run's Details; folds_controller.cpp) ----

struct FoldsState {
    std::string runId;  // whose folds these are (the selected run's, once loaded)
    RequestStatus request;
    std::optional<db::RunFolds> run;
    std::vector<FoldFinding> findings;
    std::vector<std::string> metricNames;
    std::string chartMetric;  // the metric the bar chart shows ("" = the first)
};

// ---- the selection's QuestDB side (questdb_controller.cpp; ui/questdb_section.cpp) ----

struct QuestDbSideState {
    bool configured = false;                // a QuestDB host is known (form, STAGE1_QUESTDB_*, profile)
    std::string target;                     // "admin@host:8812/qdb" it asks (never a password)
    Selection of;                           // the selection these facts are of
    std::string kind;                       // "dataset" | "run" | "simulation"
    std::string table;                      // questdb_tag / prediction_measurement / questdb_namespace
    std::optional<long long> expectedRows;  // a dataset's indicator_datasets.row_count
    bool placeholder = false;  // a placeholder dataset (laptop_imgui, row_count 0): nothing to compare yet
    std::string problem;       // why nothing was asked ("the row is not in the loaded tree", a bad name)
    RequestStatus request;     // failure: a QuestDB diagnosis (app/questdb/questdb_diagnosis.hpp)
    std::optional<db::QuestDbTable> result;
    bool rowCountMismatch() const {
        return result && result->exists && expectedRows && !placeholder && *expectedRows != result->rowCount;
    }
};

struct WorkbenchState {
    ConnectionForm form;
    ConnectionStatus connection;
    DoctorState doctor;
    HierarchyState hierarchy;
    Selection selection;
    DetailsState details;
    PasteState paste;
    BackfillState backfill;
    ChecksState checks;
    SearchState search;
    CompareState compare;
    FoldsState folds;
    QuestDbSideState questdb;
    std::vector<LogEntry> log;
};

}  // namespace app
