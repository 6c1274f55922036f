// stage1ctl validate against real databases, and the psql scripts covering the same ground.
// QuestDB is played by a PostgreSQL STAND-IN (a tables() function returning table_name, and plain
// tables named like the slugs): the tests never talk to a real QuestDB.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "app/ops/placeholder_dataset.hpp"
#include "app/ops/spool.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;
using testsupport::TestDatabase;

namespace {

const char* const kBtc = "11111111-1111-4111-8111-111111111111";
const char* const kEth = "22222222-2222-4222-8222-222222222222";
const char* const kRun1 = "aaaaaaaa-0000-4000-8000-000000000001";
const char* const kRun2 = "aaaaaaaa-0000-4000-8000-000000000002";

// Two datasets, two runs with folds, two simulations, every config recorded: every check passes.
void seedConsistent(db::Connection& conn) {
    conn.exec(R"sql(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count) VALUES
          ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance', 'btc_2025_4h', 3),
          ('22222222-2222-4222-8222-222222222222', 'ETH', '1h', 'binance', 'eth_2024_1h', 7);
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config) VALUES
          ('aaaaaaaa-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'btc_pred_1', '[]', '{}', '{}', 'completed', 'c1'),
          ('aaaaaaaa-0000-4000-8000-000000000002', '11111111-1111-4111-8111-111111111111', 'btc_pred_2', '[1]', '{}', '{}', 'completed', 'c2');
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end)
          SELECT r, i, now(), now(), now(), now()
          FROM unnest(ARRAY['aaaaaaaa-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000002']::uuid[]) r,
               generate_series(0, 1) i;
        INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, serialized_config) VALUES
          ('bbbbbbbb-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', 'btc_sim_1', 's1'),
          ('bbbbbbbb-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000002', 'btc_sim_2', 's2');
    )sql");
}

json checkNamed(const json& report, const std::string& name) {
    for (const auto& c : report.at("checks"))
        if (c.at("name") == name) return c;
    FAIL("no check named " << name << " in " << report.dump(2));
    return {};
}

// The psql report line of one check.
std::string lineOf(const std::string& out, const std::string& check) {
    size_t at = out.find(check + " ");
    if (at == std::string::npos) return "";
    return out.substr(at, out.find('\n', at) - at);
}

bool anyRowContains(const json& check, const std::string& text) {
    for (const auto& row : check.at("rows"))
        if (row.get<std::string>().find(text) != std::string::npos) return true;
    return false;
}

// The QuestDB stand-in: tables() lists the public tables, as QuestDB's tables() lists its own.
void makeQuestDbStandIn(db::Connection& q) {
    q.exec(R"sql(
        CREATE FUNCTION tables() RETURNS TABLE (id int, table_name text) LANGUAGE sql STABLE AS $$
            SELECT row_number() OVER ()::int, c.relname::text FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' $$;
        CREATE TABLE btc_2025_4h (ts timestamptz, close double precision);
        INSERT INTO btc_2025_4h SELECT now(), i FROM generate_series(1, 3) i;
        CREATE TABLE eth_2024_1h (ts timestamptz, close double precision);
        INSERT INTO eth_2024_1h SELECT now(), i FROM generate_series(1, 5) i;
        CREATE TABLE btc_pred_1 (ts timestamptz, prediction double precision);
        CREATE TABLE btc_sim_1 (ts timestamptz, pnl double precision);
    )sql");
}

}  // namespace

TEST_CASE("validate passes on a consistent database and reports the counts") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedConsistent(conn);
    auto run = database.ctl({"validate", "--json"});
    INFO(run.out << run.err);
    CHECK(run.exitCode == 0);
    json report = json::parse(run.out);
    CHECK(report["ok"] == true);
    CHECK(checkNamed(report, "row_counts")["summary"] == "2 datasets, 2 runs, 4 folds, 2 simulations");
    json perDataset = checkNamed(report, "runs_per_dataset");
    CHECK(perDataset["rows"] == json::array({"btc_2025_4h: 2 runs", "eth_2024_1h: 0 runs"}));
    CHECK(checkNamed(report, "migrations_pending")["ok"] == true);
    for (const auto& c : report["checks"]) {
        CHECK(c.contains("rows"));
        CHECK(c.contains("more"));
        CHECK(c.contains("fix"));
    }
    auto text = database.ctl({"validate"});
    CHECK(text.exitCode == 0);
    CHECK(text.out.find("validate: all 14 checks passed") != std::string::npos);
}

TEST_CASE(
    "validate finds orphans without the foreign keys, missing folds and configs, duplicates, old "
    "placeholders") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedConsistent(conn);
    // A database adopted without the keys can hold all of this.
    conn.exec(R"sql(
        ALTER TABLE walkforward_runs DROP CONSTRAINT walkforward_runs_dataset_id_fkey,
                                     DROP CONSTRAINT uq_walkforward_runs_dataset_measurement;
        ALTER TABLE walkforward_folds DROP CONSTRAINT walkforward_folds_run_id_fkey;
        ALTER TABLE simulation_runs DROP CONSTRAINT simulation_runs_run_id_fkey,
                                    DROP CONSTRAINT uq_simulation_runs_run_namespace;
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config)
          SELECT gen_random_uuid(), '99999999-9999-4999-8999-999999999999', 'lost_' || i, '[]', '{}', '{}', 'completed', 'c'
          FROM generate_series(1, 25) i;
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status) VALUES
          (gen_random_uuid(), '11111111-1111-4111-8111-111111111111', 'btc_pred_1', '[2]', '{}', '{}', 'pending');
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end)
          VALUES ('cccccccc-0000-4000-8000-000000000000', 0, now(), now(), now(), now());
        INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) VALUES
          (gen_random_uuid(), 'dddddddd-0000-4000-8000-000000000000', 'sim_lost'),
          (gen_random_uuid(), 'aaaaaaaa-0000-4000-8000-000000000001', 'btc_sim_1');
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count, created_at)
          VALUES (gen_random_uuid(), 'OLD', 'unknown', 'laptop_imgui', 'old_2020_1d', 0, now() - interval '30 days'),
                 (gen_random_uuid(), 'NEW', 'unknown', 'laptop_imgui', 'new_2026_1d', 0, now());
    )sql");
    auto run = database.ctl({"validate", "--json"});
    INFO(run.out << run.err);
    CHECK(run.exitCode == 1);
    json report = json::parse(run.out);
    CHECK(report["ok"] == false);

    json noFolds = checkNamed(report, "runs_without_folds");
    CHECK(noFolds["ok"] == false);
    CHECK(noFolds["rows"].size() == 20);  // bounded: the 25 completed ones are the findings
    CHECK(noFolds["more"] == 5);
    CHECK(noFolds["info"].size() == 1);  // the pending one is information, not a finding
    CHECK(anyRowContains(noFolds, "lost_"));
    CHECK(noFolds["info"][0].get<std::string>().find("btc_pred_1  status pending") != std::string::npos);
    CHECK(
        noFolds["summary"] ==
        "25 completed runs without folds; also 1 not completed (1 pending: normal, they have not completed)");
    CHECK(noFolds["fix"] != "");

    json missingDataset = checkNamed(report, "runs_missing_dataset");
    CHECK(missingDataset["ok"] == false);
    CHECK(missingDataset["rows"] ==
          json::array({"dataset 99999999-9999-4999-8999-999999999999 (missing): 25 runs, e.g. lost_1"}));
    CHECK(missingDataset["fix"].get<std::string>().find("stage1ctl backfill-dataset") != std::string::npos);
    CHECK(anyRowContains(checkNamed(report, "folds_missing_run"), "cccccccc-0000-4000-8000-000000000000"));
    CHECK(anyRowContains(checkNamed(report, "simulations_missing_run"),
                         "dddddddd-0000-4000-8000-000000000000"));

    json nullRuns = checkNamed(report, "runs_without_serialized_config");
    CHECK(nullRuns["ok"] == false);
    CHECK(nullRuns["rows"].size() == 1);
    CHECK(checkNamed(report, "simulations_without_serialized_config")["rows"].size() == 2);
    json dupRuns = checkNamed(report, "duplicate_run_measurements");
    CHECK(dupRuns["ok"] == false);
    CHECK(anyRowContains(dupRuns, std::string(kBtc) + " / btc_pred_1: 2 rows"));
    CHECK(anyRowContains(checkNamed(report, "duplicate_simulation_namespaces"), "btc_sim_1: 2 rows"));
    CHECK(checkNamed(report, "duplicate_simulation_namespaces")["fix"].get<std::string>().find(
              "resolve_duplicate_pairs.sql") != std::string::npos);

    json stale = checkNamed(report, "stale_placeholder_datasets");
    CHECK(stale["ok"] == false);
    CHECK(stale["rows"].size() == 1);
    CHECK(anyRowContains(stale, "old_2020_1d"));
    REQUIRE(stale["info"].size() == 1);  // the young one is waiting to be registered: information
    CHECK(stale["info"][0].get<std::string>().rfind("new_2026_1d (", 0) == 0);
    auto longer = database.ctl({"validate", "--json", "--placeholder-days", "60", "--max-rows", "3"});
    json relaxed = json::parse(longer.out);
    CHECK(checkNamed(relaxed, "stale_placeholder_datasets")["ok"] == true);
    CHECK(checkNamed(relaxed, "runs_without_folds")["rows"].size() == 3);
    CHECK(checkNamed(relaxed, "runs_without_folds")["more"] == 22);

    auto text = database.ctl({"validate"});
    CHECK(text.exitCode == 1);
    CHECK(text.out.find("FAIL  runs_without_folds") != std::string::npos);
    CHECK(text.out.find("... and 5 more") != std::string::npos);
    CHECK(text.out.find("        info: ") != std::string::npos);
    CHECK(text.out.find("fix: ") != std::string::npos);
}

TEST_CASE("validate reports pending migrations and a check that cannot run") {
    TestDatabase database;
    database.migrate();
    testsupport::ScratchDir dir;
    for (const auto& entry : std::filesystem::directory_iterator(testsupport::sourcePath("db/migrations")))
        std::filesystem::copy_file(entry.path(), dir.path() / entry.path().filename());
    testsupport::writeFile(dir.path() / "0999_future_change.sql", "SELECT 1;\n");
    auto pending = database.ctl({"validate", "--json", "--migrations-dir", dir.path().string()});
    INFO(pending.out << pending.err);
    CHECK(pending.exitCode == 1);
    json migrations = checkNamed(json::parse(pending.out), "migrations_pending");
    CHECK(migrations["ok"] == false);
    // (a migration added to the source tree after this build would be listed as pending too)
    CHECK(anyRowContains(migrations, "pending     0999_future_change.sql"));
    CHECK(migrations["fix"].get<std::string>().find("stage1ctl migrate") != std::string::npos);

    TestDatabase empty;  // nothing migrated: every data check fails alone, with the server's reason
    auto bare = empty.ctl({"validate", "--json"});
    CHECK(bare.exitCode == 1);
    json report = json::parse(bare.out);
    CHECK(checkNamed(report, "row_counts")["summary"].get<std::string>().find("could not run") == 0);
    CHECK(checkNamed(report, "migrations_pending")["ok"] == false);
}

TEST_CASE("validate --spool names the datasets to backfill with the exact command, and the command works") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedConsistent(conn);
    auto btc = app::previewPlaceholder("sol_2025_4h", "", "");
    REQUIRE(btc.preview);
    const std::string solId = btc.preview->datasetId;
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    app::appendToSpool(spool, app::placeholderInsertStatement(*btc.preview, "2026-11-26T12:00:00Z"),
                       "dataset");
    auto run = [](const std::string& id, const std::string& datasetSql) {
        return "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, "
               "feature_columns, "
               "hyperparameters, walk_config, serialized_config) VALUES (" +
               app::sqlLiteral(id) + "::uuid, " + datasetSql + ", E'm', E'[]', E'{}', E'{}', E'cfg');";
    };
    app::appendToSpool(spool, run("eeeeeeee-0000-4000-8000-000000000001", app::sqlLiteral(solId) + "::uuid"),
                       "r1");
    app::appendToSpool(
        spool,
        run("eeeeeeee-0000-4000-8000-000000000002",
            "(SELECT dataset_id FROM public.indicator_datasets WHERE questdb_tag = E'ada_2024_1d')"),
        "r2");
    app::appendToSpool(
        spool, run("eeeeeeee-0000-4000-8000-000000000003", "E'77777777-7777-4777-8777-777777777777'"), "r3");
    app::appendToSpool(spool, run("eeeeeeee-0000-4000-8000-000000000004", app::sqlLiteral(kBtc)),
                       "known dataset");
    app::appendToSpool(
        spool,
        "INSERT INTO public.simulation_runs (simulation_id, run_id, questdb_namespace) VALUES "
        "(E'ffffffff-0000-4000-8000-000000000001', E'eeeeeeee-0000-4000-8000-000000000001', E'n1'), "
        "(E'ffffffff-0000-4000-8000-000000000002', E'12121212-0000-4000-8000-000000000000', E'n2'), "
        "(E'ffffffff-0000-4000-8000-000000000003', " +
            app::sqlLiteral(kRun2) + ", E'n3');",
        "sims");
    app::appendToSpool(spool, "INSERT INTO public.walkforward_runs (run_id) VALUES (E'x', E'y');", "broken");

    auto check = database.ctl({"validate", "--json", "--spool", spool.string()});
    INFO(check.out << check.err);
    CHECK(check.exitCode == 1);
    json report = json::parse(check.out);
    json statements = checkNamed(report, "spool_statements");
    CHECK(statements["ok"] == false);
    // The run naming its dataset by a subquery is refused, as replay-spool would refuse it.
    REQUIRE(statements["rows"].size() == 2);
    CHECK(statements["rows"][0].get<std::string>().rfind(
              "line 6: refused, replay-spool quarantines it without sending it: a subquery", 0) == 0);
    CHECK(statements["rows"][1] ==
          "line 14: refused, replay-spool quarantines it without sending it: 1 column(s) named but a row "
          "holds 2 value(s)");
    CHECK(statements["summary"].get<std::string>().find("2 refused") != std::string::npos);
    json datasets = checkNamed(report, "spool_missing_datasets");
    CHECK(datasets["ok"] == false);
    const std::string backfill = "stage1ctl backfill-dataset --slug sol_2025_4h --uuid " + solId;
    CHECK(datasets["rows"].size() == 2);
    CHECK(anyRowContains(datasets, backfill));
    CHECK(!anyRowContains(datasets, "ada_2024_1d"));
    CHECK(anyRowContains(datasets, "77777777-7777-4777-8777-777777777777 (slug unknown)"));
    CHECK(!anyRowContains(datasets, kBtc));
    json runs = checkNamed(report, "spool_missing_runs");
    CHECK(runs["rows"] ==
          json::array({"run 12121212-0000-4000-8000-000000000000: 1 spooled simulation(s), line 12"}));

    // The printed command, run as printed, makes the row go away.
    auto backfilled = database.ctl({"backfill-dataset", "--slug", "sol_2025_4h", "--uuid", solId});
    CHECK(backfilled.exitCode == 0);
    json after = json::parse(database.ctl({"validate", "--json", "--spool", spool.string()}).out);
    CHECK(checkNamed(after, "spool_missing_datasets")["rows"].size() == 1);
    CHECK(!anyRowContains(checkNamed(after, "spool_missing_datasets"), "sol_2025_4h"));

    auto absent = database.ctl({"validate", "--json", "--spool", (dir.path() / "gone.sql").string()});
    CHECK(absent.exitCode == 0);
    CHECK(checkNamed(json::parse(absent.out), "spool_statements")["summary"].get<std::string>().find(
              "no spool file") == 0);
    CHECK(database.ctl({"validate", "--spool", dir.path().string()}).exitCode == 2);
}

TEST_CASE(
    "validate --questdb compares table presence and row counts with a PostgreSQL stand-in for QuestDB") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedConsistent(conn);
    conn.exec(
        "UPDATE simulation_runs SET questdb_namespace = 'bad name\"x' WHERE questdb_namespace = 'btc_sim_2'");
    TestDatabase questdb;  // NOT QuestDB: a PostgreSQL database that answers the same SQL
    auto q = questdb.connect();
    makeQuestDbStandIn(q);

    auto run = database.ctl({"validate", "--json", "--questdb", questdb.dsn()});
    INFO(run.out << run.err);
    CHECK(run.exitCode == 1);
    json report = json::parse(run.out);
    json datasets = checkNamed(report, "questdb_dataset_tables");
    CHECK(datasets["ok"] == false);
    CHECK(datasets["rows"] ==
          json::array({std::string("dataset ") + kEth +
                       ": table eth_2024_1h has 5 rows, PostgreSQL records row_count 7"}));
    json runs = checkNamed(report, "questdb_run_tables");
    CHECK(runs["rows"] == json::array({std::string("run ") + kRun2 + ": no table btc_pred_2 in QuestDB"}));
    json sims = checkNamed(report, "questdb_simulation_tables");
    CHECK(sims["rows"].size() == 1);
    CHECK(anyRowContains(sims, "table name 'bad name\"x' was not queried"));

    conn.exec("UPDATE indicator_datasets SET row_count = 5 WHERE questdb_tag = 'eth_2024_1h'");
    conn.exec(
        "UPDATE simulation_runs SET questdb_namespace = 'BTC_Sim_2' WHERE questdb_namespace = 'bad name\"x'");
    q.exec("CREATE TABLE btc_pred_2 (ts timestamptz); CREATE TABLE btc_sim_2 (ts timestamptz)");
    auto aligned = database.ctl({"validate", "--questdb", questdb.dsn()});
    INFO(aligned.out << aligned.err);
    CHECK(aligned.exitCode == 0);  // BTC_Sim_2 matches btc_sim_2: QuestDB names are case-insensitive
    CHECK(aligned.out.find("ok    questdb_dataset_tables") != std::string::npos);

    auto unreachable =
        database.ctl({"validate", "--json", "--questdb",
                      "host=127.0.0.1 port=" + testsupport::closedLoopbackPort() + " user=admin"});
    CHECK(unreachable.exitCode == 3);
    json down = checkNamed(json::parse(unreachable.out), "questdb_connection");
    CHECK(down["ok"] == false);
    CHECK(down["summary"].get<std::string>().find("Connection refused") != std::string::npos);
    CHECK(database.ctl({"validate", "--questdb", "host=x nonsense"}).exitCode == 2);
}

TEST_CASE("validate exits 2 on usage errors and 3 when PostgreSQL is unreachable") {
    TestDatabase database;
    CHECK(database.ctl({"validate", "--max-rows", "0"}).exitCode == 2);
    CHECK(database.ctl({"validate", "--top", "x"}).exitCode == 2);
    auto refused = testsupport::runProcess({testsupport::requiredEnv("STAGE1CTL"), "validate", "--dsn",
                                            "host=127.0.0.1 port=" + testsupport::closedLoopbackPort()});
    CHECK(refused.exitCode == 3);
}

TEST_CASE("questdb_checks.sql lists what to compare and checks one table, on the stand-in for QuestDB") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedConsistent(conn);
    const std::string script = testsupport::sourcePath("db/checks/questdb_checks.sql");
    auto expected = database.psqlFile(script, {"expected=1"});
    INFO(expected.out << expected.err);
    CHECK(expected.exitCode == 0);
    CHECK(expected.out.find("dataset    | 11111111-1111-4111-8111-111111111111 | btc_2025_4h") !=
          std::string::npos);
    CHECK(expected.out.find("btc_sim_2") != std::string::npos);

    TestDatabase questdb;  // the stand-in, not QuestDB
    auto q = questdb.connect();
    makeQuestDbStandIn(q);
    auto list = questdb.psqlFile(script);
    CHECK(list.exitCode == 0);
    CHECK(list.out.find("btc_2025_4h") != std::string::npos);
    auto good = questdb.psqlFile(script, {"table=btc_2025_4h", "expected_rows=3"});
    CHECK(good.exitCode == 0);
    CHECK(good.out.find("ok: btc_2025_4h has 3 rows, as expected") != std::string::npos);
    auto wrong = questdb.psqlFile(script, {"table=eth_2024_1h", "expected_rows=7"});
    CHECK(wrong.exitCode != 0);
    CHECK(wrong.out.find("FAIL: eth_2024_1h has 5 rows, PostgreSQL records 7") != std::string::npos);
    auto missing = questdb.psqlFile(script, {"table=btc_pred_2"});
    CHECK(missing.exitCode != 0);
    CHECK(missing.out.find("FAIL: no table btc_pred_2") != std::string::npos);
    auto hostile = questdb.psqlFile(script, {"table=x\"; DROP TABLE btc_2025_4h; --"});
    CHECK(hostile.exitCode != 0);
    CHECK(q.query("SELECT count(*) FROM btc_2025_4h").integer(0, 0) == 3);
}

TEST_CASE("postgres_checks.sql also flags completed runs without folds and old empty placeholders") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedConsistent(conn);
    const std::string script = testsupport::sourcePath("db/checks/postgres_checks.sql");
    auto clean = database.psqlFile(script);
    INFO(clean.out << clean.err);
    CHECK(clean.exitCode == 0);
    CHECK(clean.out.find("2 datasets, 2 runs, 4 folds, 2 simulations") != std::string::npos);
    conn.exec(R"sql(
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config)
          VALUES (gen_random_uuid(), '22222222-2222-4222-8222-222222222222', 'eth_pred', '[]', '{}', '{}', 'completed', 'c');
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count, created_at)
          VALUES (gen_random_uuid(), 'OLD', 'unknown', 'laptop_imgui', 'old_2020_1d', 0, now() - interval '10 days');
    )sql");
    auto flagged = database.psqlFile(script);
    INFO(flagged.out << flagged.err);
    CHECK(flagged.exitCode != 0);
    CHECK(lineOf(flagged.out, "runs without folds")
              .find("| FAIL | 1 completed run(s) without folds; 0 not completed") != std::string::npos);
    CHECK(lineOf(flagged.out, "stale placeholder datasets").find("| FAIL |") != std::string::npos);
    auto relaxed = database.psqlFile(script, {"placeholder_days=30"});
    CHECK(lineOf(relaxed.out, "stale placeholder datasets").find("| ok   |") != std::string::npos);
}
