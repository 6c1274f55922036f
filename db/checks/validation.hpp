// Data validation of a Stage 1 metadata database: consistency checks in PostgreSQL, references in
// the desktop's spool file, and alignment with the QuestDB tables the rows name. Pure queries that
// return results; nothing is printed, so stage1ctl validate and the window's Checks panel share them.
// db/checks/postgres_checks.sql and db/checks/questdb_checks.sql cover the same ground for psql.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "db/pg/pg.hpp"
#include "db/schema/migration_catalog.hpp"

namespace db {

// A dataset that listed rows need but indicator_datasets lacks: what a placeholder backfill takes.
struct MissingDataset {
    int row = 0;                      // index in CheckResult::rows of the row it belongs to
    std::string datasetId;            // lower-case; "" when the rows name it by slug only
    std::optional<std::string> slug;  // its QuestDB tag, when something names it
};

// What a check counts as a finding fails it (ok = false, listed in `rows`); what is normal on a
// healthy production database (a running run without folds yet, a placeholder younger than the
// grace period) is listed in `info` and never fails it: a nightly check that fails on healthy data
// teaches operators to ignore it.
struct CheckResult {
    std::string name;               // stable key, e.g. "runs_missing_dataset"
    std::string summary;            // one line for people
    bool ok = true;                 // informational checks are always ok
    std::vector<std::string> rows;  // offending (or, for informational checks, reported) rows, bounded
    long long more = 0;             // rows left out of `rows`
    std::string fix;                // what to do when it failed; "" when ok
    std::vector<std::string> info;  // rows worth knowing that are not findings, bounded
    long long infoMore = 0;         // rows left out of `info`
    // runs_missing_dataset and spool_missing_datasets: the listed rows a placeholder can fix.
    std::vector<MissingDataset> missingDatasets;

    // Lists `row` while fewer than maxRows are listed (returns its index); counts it in `more`
    // after that (returns -1).
    int addRow(std::string row, int maxRows) {
        if (static_cast<int>(rows.size()) >= maxRows) {
            ++more;
            return -1;
        }
        rows.push_back(std::move(row));
        return static_cast<int>(rows.size()) - 1;
    }
    // The same for `info` and `infoMore`.
    void addInfo(std::string row, int maxRows) {
        if (static_cast<int>(info.size()) >= maxRows)
            ++infoMore;
        else
            info.push_back(std::move(row));
    }
};

struct ValidationOptions {
    int maxRows = 20;            // rows listed per check, then "and N more"
    int topN = 5;                // informational distributions: the N highest and N lowest
    int placeholderAgeDays = 7;  // an empty placeholder dataset older than this is flagged
    // When set and it turns true (the window's Cancel), the run stops before the next check and
    // throws Error: a cancelled statement must not just fail its own check while the rest go on.
    const std::atomic<bool>* cancelled = nullptr;
};

bool allOk(const std::vector<CheckResult>& checks);

// Throws Error (SQLSTATE 57014, "cancelled") once options.cancelled has turned true.
void stopIfCancelled(const ValidationOptions& options);

// --- PostgreSQL -------------------------------------------------------------------------------
// Runs every check in one REPEATABLE READ READ ONLY transaction (one snapshot, no writes), each
// behind a savepoint: a check that cannot run (a missing table) fails alone with the server's
// reason instead of aborting the others. Checks that do not assume the foreign keys exist: a
// database adopted without them can hold orphans. Call it outside a transaction.
std::vector<CheckResult> runPostgresChecks(Connection& conn, const std::vector<Migration>& catalog,
                                           const ValidationOptions& options);

// --- Spool file (app/ops/spool.cpp writes it) ------------------------------------------------------
struct SpooledDataset {
    std::string datasetId, slug;
    int line = 0;
};
struct SpooledRun {
    std::string runId;
    std::optional<std::string> datasetId;  // a literal uuid
    std::optional<std::string>
        datasetSlug;  // not set by scanSpool (a dataset named by an expression is refused)
    std::string measurement;
    int line = 0;
};
struct SpooledSimulation {
    std::string simulationId, runId, namespaceName;
    int line = 0;
};
struct SpoolScan {
    std::vector<SpooledDataset> datasets;
    std::vector<SpooledRun> runs;
    std::vector<SpooledSimulation> simulations;
    int statements = 0;                 // every statement
    int refused = 0;                    // statements replay-spool would quarantine unsent
    std::vector<std::string> problems;  // refused statements and unreadable INSERTs, with their line
};

// Judges every statement as replay-spool does (db/spool/spool_grammar.hpp) and reads what the accepted
// INSERTs into indicator_datasets / walkforward_runs / simulation_runs reference. Pure: no database.
SpoolScan scanSpool(std::string_view text);

// Datasets the spooled rows reference that PostgreSQL lacks (with the backfill-dataset command),
// spooled simulations whose run is in neither place, and unreadable statements.
std::vector<CheckResult> checkSpoolReferences(Connection& conn, const SpoolScan& scan,
                                              const ValidationOptions& options);

// --- QuestDB -----------------------------------------------------------------------------------
// What PostgreSQL says QuestDB must hold: a table per dataset (questdb_tag, with row_count rows),
// per run (prediction_measurement) and per simulation (questdb_namespace).
struct QuestDbExpectation {
    std::string kind;                   // "dataset" | "run" | "simulation"
    std::string id;                     // dataset_id / run_id / simulation_id
    std::string table;                  // the table it names
    std::optional<long long> rowCount;  // datasets only
    // Runs and simulations: only a `completed` one must have written its table; a pending, running
    // or failed one without it is information. Datasets: a placeholder (source laptop_imgui,
    // row_count 0) has no row count to compare yet (stale_placeholder_datasets times that).
    std::string status;
    bool placeholder = false;
};
std::vector<QuestDbExpectation> questDbExpectations(Connection& pg);

// Compares against a QuestDB reached over its PostgreSQL wire protocol (port 8812). Uses only SQL
// QuestDB documents: `SELECT table_name FROM tables()` and `SELECT count(*) FROM "<table>"`, the
// name checked against questDbTableNameProblem first and quoted. Names match case-insensitively,
// as QuestDB resolves them. The tests run this against a PostgreSQL stand-in (a tables() function
// and plain tables), not against QuestDB itself.
std::vector<CheckResult> checkQuestDbAlignment(Connection& questdb,
                                               const std::vector<QuestDbExpectation>& expected,
                                               const ValidationOptions& options);

// nullopt when `name` may be quoted into SQL: 1-127 of [A-Za-z0-9_-], not starting with '-'.
std::optional<std::string> questDbTableNameProblem(std::string_view name);
std::string quoteQuestDbTable(std::string_view safeName);  // "name"; only after the check above

std::string asciiLower(std::string_view text);  // UUIDs and QuestDB names compare lower-cased

// A PostgreSQL text[] literal ({"a","b"}) for binding a list as one parameter.
std::string textArrayLiteral(const std::vector<std::string>& values);

}  // namespace db
