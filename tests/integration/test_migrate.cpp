// stage1ctl migrate / status against real databases: empty, adopted Stage 1.3, edited, concurrent.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <thread>

#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using testsupport::ScratchDir;
using testsupport::TestDatabase;

namespace {

int catalogSize() {
    return static_cast<int>(db::embeddedMigrations().size());
}

long long count(db::Connection& conn, const std::string& sql) {
    return conn.query(sql).integer(0, 0);
}

// Copies db/migrations files with version <= upTo into dir, so a test can stop part-way.
void copyMigrations(const std::filesystem::path& dir, int upTo) {
    for (const auto& m : db::embeddedMigrations())
        if (m.version <= upTo) testsupport::writeFile(dir / m.fileName(), m.sql);
}

// Everything but serialized_config, in a fixed order: proves no row or value was lost.
std::string contentFingerprint(db::Connection& conn) {
    return std::string(conn.query(R"sql(
        SELECT md5(string_agg(x, '|' ORDER BY x)) FROM (
          SELECT 'd' || dataset_id || symbol || granularity || source || questdb_tag || row_count ||
                 coalesce(first_bar_ts::text, '') || coalesce(last_bar_ts::text, '') || created_at AS x
            FROM indicator_datasets
          UNION ALL SELECT 'r' || run_id || dataset_id || prediction_measurement || feature_columns::text ||
                 hyperparameters::text || walk_config::text || status || created_at FROM walkforward_runs
          UNION ALL SELECT 'f' || run_id || fold_index || train_start || train_end || test_start || test_end ||
                 metrics::text FROM walkforward_folds
          UNION ALL SELECT 's' || simulation_id || run_id || questdb_namespace || parameters::text || status ||
                 created_at FROM simulation_runs) t)sql")
                           .text(0, 0));
}

const char* kLegacyRows = R"sql(
INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count)
VALUES ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance_ohlcv', 'btc_2025_4h', 2190);
INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                              walk_config, status)
VALUES ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'btc_ret_fwd_6',
        '["rsi_14","atr_14"]', '{"num_leaves":31,"lr":0.05}', '{"folds":4,"train_bars":2000}', 'completed'),
       ('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111', 'btc_vol_fwd_12',
        '[]', '{}', '{"folds":1}', 'pending');
INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end, metrics)
VALUES ('22222222-2222-4222-8222-222222222222', 0, '2025-01-01', '2025-03-01', '2025-03-01', '2025-04-01',
        '{"sharpe":1.2}');
INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, parameters)
VALUES ('44444444-4444-4444-8444-444444444444', '22222222-2222-4222-8222-222222222222', 'sim_a', '{"fee_bps":4}'),
       ('55555555-5555-4555-8555-555555555555', '22222222-2222-4222-8222-222222222222', 'sim_b', '{}');
)sql";

std::string configOf(db::Connection& conn, const std::string& sql) {
    db::Result r = conn.query(sql);
    REQUIRE(r.rows() == 1);
    REQUIRE_FALSE(r.isNull(0, 0));
    return std::string(r.text(0, 0));
}

}  // namespace

TEST_CASE("an empty database gets every migration, and a second run applies nothing") {
    TestDatabase database;
    auto first = database.ctl({"migrate"});
    INFO(first.err);
    REQUIRE(first.exitCode == 0);
    CHECK(first.out.find("applied " + std::to_string(catalogSize()) + " migrations") != std::string::npos);

    auto conn = database.connect();
    CHECK(count(conn, "SELECT count(*) FROM stage1_schema_migrations") == catalogSize());
    CHECK(count(conn,
                "SELECT count(*) FROM stage1_schema_migrations WHERE applied_by = 'postgres' AND duration_ms "
                ">= 0") == catalogSize());
    std::string ledgerBefore(
        conn.query("SELECT string_agg(version || applied_at::text, ',' ORDER BY version) "
                   "FROM stage1_schema_migrations")
            .text(0, 0));

    auto second = database.ctl({"migrate"});
    REQUIRE(second.exitCode == 0);
    CHECK(second.out.find("nothing to apply") != std::string::npos);
    std::string ledgerAfter(conn.query("SELECT string_agg(version || applied_at::text, ',' ORDER BY version) "
                                       "FROM stage1_schema_migrations")
                                .text(0, 0));
    CHECK(ledgerAfter == ledgerBefore);

    auto status = database.ctl({"status", "--json"});
    REQUIRE(status.exitCode == 0);
    auto j = nlohmann::json::parse(status.out);
    CHECK(j["up_to_date"] == true);
    CHECK(j["schema_version"] == catalogSize());
    CHECK(j["applied"].size() == static_cast<size_t>(catalogSize()));
    CHECK(j["pending"].empty());
    CHECK(j["mismatched"].empty());
    CHECK(j["applied"][0]["sha256"] == db::embeddedMigrations()[0].sha256);
}

TEST_CASE("status on an unmigrated database lists everything as pending and exits 1") {
    TestDatabase database;
    auto status = database.ctl({"status", "--json"});
    CHECK(status.exitCode == 1);
    auto j = nlohmann::json::parse(status.out);
    CHECK(j["up_to_date"] == false);
    CHECK(j["schema_version"] == 0);
    CHECK(j["pending"].size() == static_cast<size_t>(catalogSize()));
}

TEST_CASE("an existing Stage 1.3 database is adopted: legacy configs backfilled exactly, nothing lost") {
    TestDatabase database;
    auto base = database.psqlFile(testsupport::sourcePath("tests/fixtures/stage13_base.sql"));
    REQUIRE_MESSAGE(base.exitCode == 0, base.err);
    auto conn = database.connect();
    conn.exec(kLegacyRows);
    std::string before = contentFingerprint(conn);

    auto migrate = database.ctl({"migrate"});
    INFO(migrate.err);
    REQUIRE(migrate.exitCode == 0);
    CHECK(contentFingerprint(conn) == before);
    CHECK(count(conn, "SELECT count(*) FROM walkforward_runs") == 2);
    CHECK(count(conn, "SELECT count(*) FROM simulation_runs") == 2);

    // jsonb's own text form, one document per line, as the issue specifies.
    CHECK(
        configOf(conn,
                 "SELECT serialized_config FROM walkforward_runs WHERE prediction_measurement = "
                 "'btc_ret_fwd_6'") ==
        "[\"rsi_14\", \"atr_14\"]\n{\"lr\": 0.05, \"num_leaves\": 31}\n{\"folds\": 4, \"train_bars\": 2000}");
    CHECK(configOf(conn,
                   "SELECT serialized_config FROM walkforward_runs WHERE prediction_measurement = "
                   "'btc_vol_fwd_12'") == "[]\n{}\n{\"folds\": 1}");
    CHECK(
        configOf(conn, "SELECT serialized_config FROM simulation_runs WHERE questdb_namespace = 'sim_a'") ==
        "[\"rsi_14\", \"atr_14\"]\n{\"lr\": 0.05, \"num_leaves\": 31}\n{\"folds\": 4, \"train_bars\": 2000}\n"
        "{\"fee_bps\": 4}");
    CHECK(
        configOf(conn, "SELECT serialized_config FROM simulation_runs WHERE questdb_namespace = 'sim_b'") ==
        "[\"rsi_14\", \"atr_14\"]\n{\"lr\": 0.05, \"num_leaves\": 31}\n{\"folds\": 4, \"train_bars\": 2000}");
}

TEST_CASE("the legacy backfill never overwrites a serialized_config that is already set") {
    TestDatabase database;
    ScratchDir dir;
    copyMigrations(dir.path(), 2);  // up to the new columns, before the backfill
    REQUIRE(database.ctl({"migrate", "--migrations-dir", dir.path().string()}).exitCode == 0);
    auto conn = database.connect();
    conn.exec(kLegacyRows);
    conn.exec(
        "UPDATE walkforward_runs SET serialized_config = 'kept as written' WHERE prediction_measurement = "
        "'btc_vol_fwd_12';"
        "UPDATE simulation_runs SET serialized_config = E'kept\\r\\nsim' WHERE questdb_namespace = 'sim_b'");

    REQUIRE(database.ctl({"migrate"}).exitCode == 0);
    CHECK(configOf(conn,
                   "SELECT serialized_config FROM walkforward_runs WHERE prediction_measurement = "
                   "'btc_vol_fwd_12'") == "kept as written");
    CHECK(configOf(conn, "SELECT serialized_config FROM simulation_runs WHERE questdb_namespace = 'sim_b'") ==
          "kept\r\nsim");
    CHECK(count(conn, "SELECT count(*) FROM walkforward_runs WHERE serialized_config IS NULL") == 0);
    CHECK(count(conn, "SELECT count(*) FROM simulation_runs WHERE serialized_config IS NULL") == 0);
}

TEST_CASE("an applied migration that was edited is refused and nothing more is applied") {
    TestDatabase database;
    ScratchDir dir;
    copyMigrations(dir.path(), 4);
    const std::string dirArg = dir.path().string();
    REQUIRE(database.ctl({"migrate", "--migrations-dir", dirArg}).exitCode == 0);

    // Add a pending file, then edit an applied one.
    copyMigrations(dir.path(), 5);
    auto edited = dir.path() / "0004_lookup_indexes.sql";
    testsupport::writeFile(edited, testsupport::readFile(edited) + "\n-- a later edit\n");

    auto refused = database.ctl({"migrate", "--migrations-dir", dirArg});
    CHECK(refused.exitCode == 1);
    CHECK(refused.err.find("0004_lookup_indexes.sql") != std::string::npos);
    CHECK(refused.err.find("changed after they were applied") != std::string::npos);
    auto conn = database.connect();
    CHECK(count(conn, "SELECT max(version) FROM stage1_schema_migrations") == 4);

    auto status = database.ctl({"status", "--json", "--migrations-dir", dirArg});
    CHECK(status.exitCode == 1);
    auto j = nlohmann::json::parse(status.out);
    REQUIRE(j["mismatched"].size() == 1);
    CHECK(j["mismatched"][0]["version"] == 4);
    CHECK(j["mismatched"][0]["file_sha256"] != j["mismatched"][0]["sha256"]);
    CHECK(j["pending"].size() == 1);
}

TEST_CASE("two concurrent migrate processes never both apply a migration") {
    TestDatabase database;
    testsupport::ProcessResult a, b;
    std::thread first([&] { a = database.ctl({"migrate", "--json"}); });
    std::thread second([&] { b = database.ctl({"migrate", "--json"}); });
    first.join();
    second.join();
    INFO(a.err << b.err);
    REQUIRE(a.exitCode == 0);
    REQUIRE(b.exitCode == 0);
    auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
    CHECK(ja["applied"].size() + jb["applied"].size() == static_cast<size_t>(catalogSize()));
    auto conn = database.connect();
    CHECK(count(conn, "SELECT count(*) FROM stage1_schema_migrations") == catalogSize());
}

TEST_CASE("a migrate that cannot get the lock says another migrate is running and applies nothing") {
    TestDatabase database;
    auto holder = database.connect();
    holder.query("SELECT pg_advisory_lock($1::bigint)", {std::to_string(db::kMigrateLockKey)});

    auto busy = database.ctl({"migrate", "--lock-wait", "1", "--json"});
    CHECK(busy.exitCode == 1);
    CHECK(busy.err.find("another migrate is running") != std::string::npos);
    CHECK(busy.err.find("stage1-tests") != std::string::npos);  // names the session holding it
    CHECK(nlohmann::json::parse(busy.out)["error"]["kind"] == "lock_busy");
    CHECK(count(holder, "SELECT count(*) FROM pg_class WHERE relname = 'stage1_schema_migrations'") == 0);

    // Released while a second one waits: it proceeds.
    testsupport::ProcessResult waited;
    std::thread waiter([&] { waited = database.ctl({"migrate", "--lock-wait", "30"}); });
    std::this_thread::sleep_for(std::chrono::milliseconds(700));
    holder.query("SELECT pg_advisory_unlock($1::bigint)", {std::to_string(db::kMigrateLockKey)});
    waiter.join();
    INFO(waited.err);
    CHECK(waited.exitCode == 0);
    CHECK(waited.err.find("another migrate is running") != std::string::npos);
    CHECK(count(holder, "SELECT count(*) FROM stage1_schema_migrations") == catalogSize());
}

TEST_CASE("duplicates before the unique migration stop it with the list, data intact, until resolved") {
    TestDatabase database;
    ScratchDir dir;
    copyMigrations(dir.path(), 4);
    REQUIRE(database.ctl({"migrate", "--migrations-dir", dir.path().string()}).exitCode == 0);
    auto conn = database.connect();
    conn.exec(kLegacyRows);
    conn.exec(R"sql(
      INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                    walk_config, created_at)
      VALUES ('66666666-6666-4666-8666-666666666666', '11111111-1111-4111-8111-111111111111', 'btc_ret_fwd_6',
              '[]', '{}', '{}', now() + interval '1 hour');
      INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace)
      VALUES ('77777777-7777-4777-8777-777777777777', '22222222-2222-4222-8222-222222222222', 'sim_a');)sql");
    std::string before = contentFingerprint(conn);

    auto failed = database.ctl({"migrate"});
    CHECK(failed.exitCode == 1);
    INFO(failed.err);
    CHECK(failed.err.find("0005_unique_deterministic_names.sql failed") != std::string::npos);
    CHECK(failed.err.find("66666666-6666-4666-8666-666666666666") != std::string::npos);
    CHECK(failed.err.find("22222222-2222-4222-8222-222222222222") != std::string::npos);
    CHECK(failed.err.find("btc_ret_fwd_6") != std::string::npos);
    CHECK(failed.err.find("77777777-7777-4777-8777-777777777777") != std::string::npos);
    CHECK(failed.err.find("sim_a") != std::string::npos);
    CHECK(failed.err.find("db/scripts/resolve_duplicate_pairs.sql") != std::string::npos);
    CHECK(contentFingerprint(conn) == before);
    CHECK(count(conn, "SELECT max(version) FROM stage1_schema_migrations") == 4);

    // The report mode of the resolution script changes nothing; apply=1 renames, then migrate passes.
    auto report = database.psqlFile(testsupport::sourcePath("db/scripts/resolve_duplicate_pairs.sql"));
    REQUIRE_MESSAGE(report.exitCode == 0, report.err);
    CHECK(contentFingerprint(conn) == before);
    auto apply =
        database.psqlFile(testsupport::sourcePath("db/scripts/resolve_duplicate_pairs.sql"), {"apply=1"});
    REQUIRE_MESSAGE(apply.exitCode == 0, apply.err);
    CHECK(count(conn, "SELECT count(*) FROM walkforward_runs") == 3);
    CHECK(count(conn, "SELECT count(*) FROM simulation_runs") == 3);
    CHECK(count(conn, "SELECT count(*) FROM stage1_duplicate_resolutions") == 2);
    // The oldest row of each group keeps its name.
    CHECK(count(conn,
                "SELECT count(*) FROM walkforward_runs WHERE run_id = '22222222-2222-4222-8222-222222222222' "
                "AND prediction_measurement = 'btc_ret_fwd_6'") == 1);
    auto retry = database.ctl({"migrate"});
    INFO(retry.err);
    CHECK(retry.exitCode == 0);
}

TEST_CASE("adopting a Stage 1.3 database whose tables differ stops with every difference listed") {
    TestDatabase database;
    auto base = database.psqlFile(testsupport::sourcePath("tests/fixtures/stage13_base.sql"));
    REQUIRE_MESSAGE(base.exitCode == 0, base.err);
    auto conn = database.connect();
    conn.exec(
        "ALTER TABLE walkforward_runs DROP COLUMN walk_config;"
        "ALTER TABLE simulation_runs ALTER COLUMN parameters TYPE json USING parameters::json");
    auto failed = database.ctl({"migrate"});
    CHECK(failed.exitCode == 1);
    INFO(failed.err);
    CHECK(failed.err.find("0001_stage13_base.sql failed") != std::string::npos);
    CHECK(failed.err.find("walk_config is missing") != std::string::npos);
    CHECK(failed.err.find("parameters is json (expected jsonb)") != std::string::npos);
    CHECK(count(conn, "SELECT count(*) FROM stage1_schema_migrations") == 0);
    CHECK(count(conn,
                "SELECT count(*) FROM pg_attribute WHERE attrelid = 'walkforward_runs'::regclass "
                "AND attname = 'serialized_config'") == 0);
}
