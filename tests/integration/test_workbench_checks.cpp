// The Workbench's checks request (the Checks panel without a window) against the real cluster:
// planted problems, the one-click placeholder for a missing dataset, the spool, and Cancel.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "app/ops/placeholder_dataset.hpp"
#include "app/ops/spool.hpp"
#include "app/workbench/workbench.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/workbench_harness.hpp"

using namespace std::chrono_literals;
using testsupport::TestDatabase;

namespace {

const char* const kOrphanDataset = "99999999-9999-4999-8999-999999999999";

struct Harness : testsupport::WorkbenchHarness {
    void runChecks() {
        wb.checks().run();
        REQUIRE(wb.state().checks.request.running());
        REQUIRE(until([&] { return !wb.state().checks.request.running(); }));
        REQUIRE(wb.state().checks.request.phase == app::RequestPhase::Done);
    }

    const db::CheckResult& check(const std::string& name) {
        for (const auto& c : wb.state().checks.results)
            if (c.name == name) return c;
        FAIL("no check named " << name);
        throw std::logic_error("unreachable");
    }
};

// A dataset with one run that has folds, a simulation and its configs: every check passes.
void seedClean(db::Connection& conn) {
    conn.exec(R"sql(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count) VALUES
          ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance', 'btc_2025_4h', 3);
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config) VALUES
          ('aaaaaaaa-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'btc_pred_1', '[]', '{}',
           '{}', 'completed', 'c1');
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end)
          VALUES ('aaaaaaaa-0000-4000-8000-000000000001', 0, now(), now(), now(), now());
        INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, serialized_config) VALUES
          ('bbbbbbbb-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', 'btc_sim_1', 's1');
    )sql");
}

// Runs whose dataset does not exist (possible once the foreign key is gone), with folds so only
// the orphan check fails for them, and one run on the real dataset without serialized_config.
void plantProblems(db::Connection& conn) {
    conn.exec(R"sql(
        ALTER TABLE walkforward_runs DROP CONSTRAINT walkforward_runs_dataset_id_fkey;
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config)
          SELECT ('cccccccc-0000-4000-8000-00000000000' || i)::uuid, '99999999-9999-4999-8999-999999999999',
                 'lost_' || i, '[]', '{}', '{}', 'completed', 'c'
          FROM generate_series(1, 3) i;
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status) VALUES
          ('dddddddd-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'no_config', '[]', '{}',
           '{}', 'completed');
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end)
          SELECT r.run_id, 0, now(), now(), now(), now() FROM walkforward_runs r
          WHERE NOT EXISTS (SELECT 1 FROM walkforward_folds f WHERE f.run_id = r.run_id);
    )sql");
}

}  // namespace

TEST_CASE("workbench checks: clean data passes every check, the absent spool included") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedClean(conn);
    testsupport::ScratchDir dir;
    Harness h;
    h.connectTo(database);
    h.wb.checks().setSpoolPath((dir.path() / "pending_postgres_inserts.sql").string());
    h.runChecks();
    const app::ChecksState& c = h.wb.state().checks;
    CHECK(c.ran);
    CHECK(c.results.size() == 17);  // the 14 PostgreSQL checks of stage1ctl validate and the 3 of the spool
    for (const auto& check : c.results) CHECK_MESSAGE(check.ok, check.name << ": " << check.summary);
    CHECK(c.fixes.empty());
    CHECK(h.check("row_counts").summary == "1 datasets, 1 runs, 1 folds, 1 simulations");
    CHECK(h.check("spool_statements").summary.find("no spool file at") == 0);
    CHECK(c.ranOn == h.wb.state().connection.target);
    CHECK(!c.finishedAt.empty());

    h.wb.checks().setSpoolPath("");  // blank: the spool is not checked
    h.runChecks();
    CHECK(h.wb.state().checks.results.size() == 14);
}

TEST_CASE(
    "workbench checks: an orphaned dataset id is backfilled as a placeholder with that id, selected, and "
    "the re-run passes") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedClean(conn);
    plantProblems(conn);
    Harness h;
    h.connectTo(database);
    h.wb.checks().setSpoolPath("");
    h.runChecks();

    const db::CheckResult& orphans = h.check("runs_missing_dataset");
    CHECK(!orphans.ok);
    REQUIRE(orphans.rows.size() == 1);
    CHECK(orphans.rows[0] == std::string("dataset ") + kOrphanDataset + " (missing): 3 runs, e.g. lost_1");
    CHECK(orphans.fix.find("backfill-dataset") != std::string::npos);
    const db::CheckResult& noConfig = h.check("runs_without_serialized_config");
    CHECK(!noConfig.ok);
    REQUIRE(noConfig.rows.size() == 1);
    CHECK(noConfig.rows[0].find("dddddddd-0000-4000-8000-000000000001  no_config") == 0);
    CHECK(noConfig.fix.find("0003_backfill_legacy_serialized_config.sql") != std::string::npos);

    REQUIRE(h.wb.state().checks.fixes.size() == 1);
    const app::PlaceholderFix fix = h.wb.state().checks.fixes[0];
    CHECK(fix.datasetId == kOrphanDataset);
    CHECK(fix.slug == kOrphanDataset);
    CHECK(!fix.slugKnown);

    h.wb.checks().fix(fix);
    CHECK(h.wb.state().backfill.fromFix == fix.key());
    REQUIRE(h.until([&] { return h.wb.state().backfill.result.has_value() && !h.wb.busy(); }));
    CHECK(h.wb.state().backfill.result->inserted);
    CHECK(h.wb.state().backfill.result->datasetId == kOrphanDataset);
    db::Result row = conn.query(
        "SELECT questdb_tag, source, granularity, (SELECT count(*) FROM walkforward_runs r "
        "WHERE r.dataset_id = d.dataset_id) FROM indicator_datasets d WHERE dataset_id = $1::uuid",
        {std::string(kOrphanDataset)});
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, 0) == kOrphanDataset);
    CHECK(row.text(0, 1) == "laptop_imgui");
    CHECK(row.text(0, 2) == "unknown");
    CHECK(row.integer(0, 3) == 3);  // the orphaned runs attach to it
    CHECK(h.wb.state().selection.datasetId == kOrphanDataset);

    // The checks ran again by themselves: the orphan check passes, the config one still fails.
    CHECK(h.wb.state().checks.request.phase == app::RequestPhase::Done);
    CHECK(h.check("runs_missing_dataset").ok);
    CHECK(!h.check("runs_without_serialized_config").ok);
    CHECK(h.wb.state().checks.fixes.empty());
}

TEST_CASE(
    "workbench checks: the spool's missing datasets are backfilled by their slug, with the spooled id if "
    "any") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedClean(conn);
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    auto run = [](const std::string& id, const std::string& datasetSql) {
        return "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, "
               "feature_columns, "
               "hyperparameters, walk_config, serialized_config) VALUES (" +
               app::sqlLiteral(id) + "::uuid, " + datasetSql + ", E'm', E'[]', E'{}', E'{}', E'cfg');";
    };
    // A placeholder the desktop queued, and a run on it.
    auto adaPreview = app::previewPlaceholder("ada_2024_1d", "", "");
    REQUIRE(adaPreview.preview);
    app::appendToSpool(spool, app::placeholderInsertStatement(*adaPreview.preview, "2026-11-26T12:00:00Z"),
                       "dataset");
    app::appendToSpool(spool,
                       run("eeeeeeee-0000-4000-8000-000000000001",
                           app::sqlLiteral(app::placeholderDatasetUuid("ada_2024_1d")) + "::uuid"),
                       "a run on it");
    auto sol = app::previewPlaceholder("sol_2025_4h", "", "");
    REQUIRE(sol.preview);
    app::appendToSpool(spool, app::placeholderInsertStatement(*sol.preview, "2026-11-26T12:00:00Z"),
                       "dataset");

    Harness h;
    h.connectTo(database);
    h.wb.checks().setSpoolPath(spool.string());
    h.runChecks();
    const db::CheckResult& missing = h.check("spool_missing_datasets");
    CHECK(!missing.ok);
    CHECK(missing.rows.size() == 2);
    REQUIRE(h.wb.state().checks.fixes.size() == 2);
    std::optional<app::PlaceholderFix> ada;
    for (const auto& f : h.wb.state().checks.fixes)
        if (f.slug == "ada_2024_1d") ada = f;
    REQUIRE(ada);
    CHECK(ada->datasetId == app::placeholderDatasetUuid("ada_2024_1d"));  // as the spooled INSERT names it
    CHECK(ada->slugKnown);

    h.wb.checks().fix(*ada);
    REQUIRE(h.until([&] {
        return h.wb.state().backfill.result.has_value() && !h.wb.busy() &&
               h.wb.state().checks.fixes.size() == 1;
    }));
    CHECK(conn.query("SELECT 1 FROM indicator_datasets WHERE questdb_tag = 'ada_2024_1d' AND dataset_id = "
                     "$1::uuid",
                     {app::placeholderDatasetUuid("ada_2024_1d")})
              .rows() == 1);
    const app::PlaceholderFix solFix = h.wb.state().checks.fixes.at(0);
    CHECK(solFix.slug == "sol_2025_4h");
    CHECK(solFix.datasetId == sol.preview->datasetId);  // as the spooled INSERT names it
    CHECK(h.check("spool_missing_datasets").rows.size() == 1);

    h.wb.checks().fix(solFix);
    REQUIRE(h.until([&] {
        return h.wb.state().backfill.result.has_value() && !h.wb.busy() && h.wb.state().checks.fixes.empty();
    }));
    CHECK(h.check("spool_missing_datasets").ok);
}

TEST_CASE(
    "workbench checks: Cancel while a check waits on a lock stops the whole run, and the next run works") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedClean(conn);
    Harness h;
    h.connectTo(database);
    h.wb.checks().setSpoolPath("");

    db::Connection locker = database.connect();
    locker.exec("BEGIN; LOCK TABLE walkforward_runs IN ACCESS EXCLUSIVE MODE");
    h.wb.checks().run();
    const app::RequestStatus& request = h.wb.state().checks.request;
    REQUIRE(request.running());
    // Waits on the lock; the UI side only drains the mailbox meanwhile.
    CHECK(!h.until([&] { return !request.running(); }, 600ms));
    const auto cancelled = std::chrono::steady_clock::now();
    h.wb.cancel(request);
    REQUIRE(h.until([&] { return !request.running(); }, 5s));
    // Every later check touches the locked table too: had the cancel only failed the running
    // check, the next one would wait on the lock again.
    CHECK(std::chrono::steady_clock::now() - cancelled < 2s);
    CHECK(request.phase == app::RequestPhase::Cancelled);
    CHECK(!h.wb.state().checks.ran);
    CHECK(h.wb.state().connection.phase == app::ConnectionPhase::Connected);
    locker.exec("ROLLBACK");

    h.runChecks();
    for (const auto& check : h.wb.state().checks.results) CHECK_MESSAGE(check.ok, check.name);
}
