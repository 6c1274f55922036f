// The Checks panel in the real window (Workbench + WindowShell + UiDriver + DrawAppWindow) against
// the real throwaway cluster: every step is a click by test tag; the checks read the frame's text,
// the Workbench's state and the database.
#include <doctest/doctest.h>

#include <algorithm>
#include <sstream>

#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"
#include "tests/ui/window_harness.hpp"

namespace {

using testsupport::WindowHarness;

const char* const kOrphanDataset = "99999999-9999-4999-8999-999999999999";

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A line of the frame's text holding every part.
bool lineWith(const std::string& text, std::initializer_list<std::string> parts) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (std::all_of(parts.begin(), parts.end(), [&](const std::string& p) { return contains(line, p); }))
            return true;
    return false;
}

// Two datasets with a run each (folds, a simulation, every config): every check passes.
void seedClean(db::Connection& conn) {
    conn.exec(R"sql(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count) VALUES
          ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance', 'btc_2025_4h', 3),
          ('22222222-2222-4222-8222-222222222222', 'ETH', '1h', 'binance', 'eth_2024_1h', 7);
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config) VALUES
          ('aaaaaaaa-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'btc_pred_1', '[]', '{}',
           '{}', 'completed', 'c1'),
          ('aaaaaaaa-0000-4000-8000-000000000002', '22222222-2222-4222-8222-222222222222', 'eth_pred_1', '[]', '{}',
           '{}', 'completed', 'c2');
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end)
          SELECT run_id, 0, now(), now(), now(), now() FROM walkforward_runs;
        INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, serialized_config) VALUES
          ('bbbbbbbb-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', 'btc_sim_1', 's1');
    )sql");
}

// What a database adopted without its foreign key can hold: runs whose dataset is missing, and a
// run written by a client that does not record its config.
void plantProblems(db::Connection& conn) {
    conn.exec(R"sql(
        ALTER TABLE walkforward_runs DROP CONSTRAINT walkforward_runs_dataset_id_fkey;
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config)
          SELECT ('cccccccc-0000-4000-8000-00000000000' || i)::uuid, '99999999-9999-4999-8999-999999999999',
                 'lost_' || i, '[]', '{}', '{}', 'completed', 'c'
          FROM generate_series(1, 4) i;
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status) VALUES
          ('dddddddd-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'no_config', '[]', '{}',
           '{}', 'completed');
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end)
          SELECT r.run_id, 0, now(), now(), now(), now() FROM walkforward_runs r
          WHERE NOT EXISTS (SELECT 1 FROM walkforward_folds f WHERE f.run_id = r.run_id);
    )sql");
}

// Opens the Checks tab, points it at `spool` and clicks Run checks; waits for the outcome.
void runChecksByClicking(WindowHarness& w, const std::string& spool) {
    w.ui().click("tab.checks");
    w.ui().fill("checks.spool", spool);
    CHECK(w.state().checks.spoolPath == spool);
    w.ui().click("checks.run");
    REQUIRE(w.ui().runUntil([&] { return !w.wb().busy(); }, 15.0));
    REQUIRE(w.state().checks.request.phase == app::RequestPhase::Done);
}

bool checkPassed(const WindowHarness& w, const std::string& name) {
    for (const auto& c : w.state().checks.results)
        if (c.name == name) return c.ok;
    FAIL("no check named " << name);
    return false;
}

}  // namespace

TEST_CASE(
    "the Checks panel shows the failing checks with their rows and fixes, its Backfill placeholder creates "
    "the missing dataset, and the re-run passes") {
    testsupport::TestDatabase database;
    database.migrate();
    db::Connection conn = database.connect();
    seedClean(conn);
    plantProblems(conn);
    testsupport::ScratchDir dir;
    WindowHarness w;
    w.connectByTyping(database);
    runChecksByClicking(w, (dir.path() / "pending_postgres_inserts.sql").string());

    std::string text = w.ui().snapshot();
    INFO(text);
    CHECK(lineWith(text, {"2 of 17 checks failed"}));
    CHECK(lineWith(text, {"FAIL", "runs_missing_dataset", "1 dataset referenced by runs but missing"}));
    CHECK(lineWith(text, {"dataset " + std::string(kOrphanDataset) + " (missing): 4 runs, e.g. lost_1"}));
    CHECK(lineWith(text, {"FAIL", "runs_without_serialized_config", "1 row of walkforward_runs"}));
    CHECK(lineWith(text, {"dddddddd-0000-4000-8000-000000000001", "no_config"}));
    CHECK(contains(text, "0003_backfill_legacy_serialized_config.sql"));  // the fix text
    CHECK(lineWith(text, {"ok", "row_counts", "2 datasets, 7 runs, 7 folds, 1 simulations"}));
    CHECK(lineWith(text, {"ok", "spool_statements", "no spool file at"}));
    const std::string button = "checks.backfill.runs_missing_dataset." + std::string(kOrphanDataset);
    CHECK(w.ui().drawn(button));
    CHECK(w.ui().drawn("checks.fixtext.runs_without_serialized_config"));

    // Only failed: the passing checks leave the list.
    w.ui().click("checks.only_failed");
    text = w.ui().snapshot();
    CHECK(!w.ui().drawn("checks.check.row_counts"));
    CHECK(w.ui().drawn("checks.check.runs_missing_dataset"));
    CHECK(w.ui().drawn("checks.check.runs_without_serialized_config"));
    w.screenshot("checks-panel");
    w.ui().click("checks.only_failed");
    CHECK(w.ui().drawn("checks.check.row_counts"));

    // "Type its slug…" hands the id to the Backfill tab, for a slug to be typed there.
    w.ui().click("checks.edit.runs_missing_dataset." + std::string(kOrphanDataset));
    w.ui().frames(2);
    CHECK(w.ui().drawn("backfill.inputs.slug"));
    CHECK(w.state().backfill.inputs.uuid == kOrphanDataset);
    CHECK(w.state().backfill.inputs.slug.empty());
    w.ui().click("tab.checks");

    w.ui().click(button);
    REQUIRE(w.ui().runUntil(
        [&] {
            return w.state().backfill.result.has_value() && !w.wb().busy() &&
                   checkPassed(w, "runs_missing_dataset");
        },
        15.0));
    db::Result row = conn.query(
        "SELECT questdb_tag, source, (SELECT count(*) FROM walkforward_runs r WHERE r.dataset_id = "
        "d.dataset_id) "
        "FROM indicator_datasets d WHERE dataset_id = $1::uuid",
        {std::string(kOrphanDataset)});
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, 0) == kOrphanDataset);  // no slug was known: the placeholder is named by its id
    CHECK(row.text(0, 1) == "laptop_imgui");
    CHECK(row.integer(0, 2) == 4);
    CHECK(w.state().selection.datasetId == kOrphanDataset);

    // The checks ran again on their own, and the Checks tab stayed in front.
    w.ui().frames(2);
    CHECK(w.ui().drawn("checks.run"));
    CHECK(w.ui().drawn("tree.dataset." + std::string(kOrphanDataset)));
    text = w.ui().snapshot();
    CHECK(lineWith(text, {"1 of 17 checks failed"}));
    CHECK(lineWith(text, {"ok", "runs_missing_dataset", "every run's dataset exists"}));
    CHECK(lineWith(text, {"FAIL", "runs_without_serialized_config"}));
    CHECK(lineWith(text, {"created: created placeholder dataset " + std::string(kOrphanDataset)}));
    CHECK(!w.ui().drawn(button));

    // And once more by hand: the same verdict.
    w.ui().click("checks.run");
    REQUIRE(w.ui().runUntil([&] { return !w.wb().busy(); }, 15.0));
    CHECK(checkPassed(w, "runs_missing_dataset"));
}

TEST_CASE("the Checks panel on clean data says every check passed, and its Cancel stops a blocked run") {
    testsupport::TestDatabase database;
    database.migrate();
    db::Connection conn = database.connect();
    seedClean(conn);
    // A run still running has no folds yet: normal, so information and never a failure.
    conn.exec(
        "INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
        "hyperparameters, walk_config, status, serialized_config) VALUES "
        "('aaaaaaaa-0000-4000-8000-000000000003', "
        "'22222222-2222-4222-8222-222222222222', 'eth_pred_running', '[]', '{}', '{}', 'running', 'c3')");
    testsupport::ScratchDir dir;
    WindowHarness w;
    w.connectByTyping(database);
    w.ui().click("tab.checks");
    CHECK(contains(w.ui().snapshot(), "Nothing checked yet"));

    db::Connection locker = database.connect();
    locker.exec("BEGIN; LOCK TABLE walkforward_runs IN ACCESS EXCLUSIVE MODE");
    w.ui().fill("checks.spool", "");
    w.ui().click("checks.run");
    w.ui().frames(5);
    REQUIRE(w.state().checks.request.running());
    std::string text = w.ui().snapshot();
    CHECK(lineWith(text, {"running the checks"}));
    w.ui().click("checks.cancel");
    REQUIRE(w.ui().runUntil([&] { return !w.state().checks.request.running(); }, 3.0));
    CHECK(w.state().checks.request.phase == app::RequestPhase::Cancelled);
    CHECK(contains(w.ui().snapshot(), "Cancelled."));
    locker.exec("ROLLBACK");

    runChecksByClicking(w, (dir.path() / "pending_postgres_inserts.sql").string());
    text = w.ui().snapshot();
    INFO(text);
    CHECK(lineWith(text, {"all 17 checks passed"}));
    CHECK(!contains(text, "FAIL"));
    CHECK(w.state().checks.fixes.empty());
    CHECK(lineWith(text, {"ok", "runs_without_folds", "no completed run without folds"}));
    CHECK(!contains(text, "info: aaaaaaaa-0000-4000-8000-000000000003"));  // folded until opened
    w.ui().click("checks.check.runs_without_folds");
    w.ui().frames(2);
    text = w.ui().snapshot();
    CHECK(
        lineWith(text, {"info: aaaaaaaa-0000-4000-8000-000000000003", "eth_pred_running", "status running"}));
}
