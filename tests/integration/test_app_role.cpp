// What the stage1_app role may and may not do, checked as that role (SET ROLE).
#include <doctest/doctest.h>

#include "tests/support/test_database.hpp"

using testsupport::TestDatabase;

namespace {

const char* kSeed = R"sql(
INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag)
VALUES ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'test', 'btc_2025_4h');
INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters, walk_config)
VALUES ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'm1', '[]', '{}', '{}');
)sql";

std::string sqlstateOf(db::Connection& conn, const std::string& sql) {
    conn.exec("SAVEPOINT probe");
    try {
        conn.exec(sql);
        conn.exec("RELEASE SAVEPOINT probe");
        return "ok";
    } catch (const db::Error& e) {
        conn.exec("ROLLBACK TO SAVEPOINT probe");
        return e.info().sqlstate;
    }
}

}  // namespace

TEST_CASE(
    "stage1_app exists without LOGIN and can read, insert runs/folds/simulations and call the functions") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(kSeed);
    CHECK(conn.query("SELECT rolcanlogin FROM pg_roles WHERE rolname = 'stage1_app'").text(0, 0) == "f");

    conn.exec("BEGIN; SET LOCAL ROLE stage1_app");
    for (const char* sql :
         {"SELECT count(*) FROM indicator_datasets", "SELECT count(*) FROM walkforward_runs",
          "SELECT count(*) FROM walkforward_folds", "SELECT count(*) FROM simulation_runs",
          "SELECT count(*) FROM dataset_hierarchy", "SELECT count(*) FROM stage1_schema_migrations",
          "SELECT * FROM fn_list_datasets(10)",
          "SELECT * FROM fn_list_runs('11111111-1111-4111-8111-111111111111', 10)",
          "SELECT * FROM fn_list_simulations('22222222-2222-4222-8222-222222222222', 10)",
          "SELECT * FROM fn_upsert_placeholder_dataset('eth_2024_1h')",
          "INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
          "hyperparameters, walk_config, serialized_config) VALUES ('33333333-3333-4333-8333-333333333333', "
          "'11111111-1111-4111-8111-111111111111', 'm2', '[]', '{}', '{}', 'cfg')",
          "INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end) "
          "VALUES ('33333333-3333-4333-8333-333333333333', 0, now(), now(), now(), now())",
          "INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, serialized_config) "
          "VALUES ('44444444-4444-4444-8444-444444444444', '33333333-3333-4333-8333-333333333333', 'ns', "
          "'cfg')"}) {
        CAPTURE(sql);
        CHECK(sqlstateOf(conn, sql) == "ok");
    }
    CHECK(conn.query("SELECT current_user").text(0, 0) == "stage1_app");
    conn.exec("COMMIT");
    CHECK(conn.query("SELECT count(*) FROM indicator_datasets WHERE questdb_tag = 'eth_2024_1h' AND source = "
                     "'laptop_imgui'")
              .integer(0, 0) == 1);
}

TEST_CASE("stage1_app cannot update, delete, truncate, drop, create, or insert datasets directly") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(kSeed);
    conn.exec("BEGIN; SET LOCAL ROLE stage1_app");
    for (const char* sql :
         {"UPDATE walkforward_runs SET status = 'x'",
          "UPDATE simulation_runs SET status = 'x'",
          "UPDATE indicator_datasets SET symbol = 'x'",
          "UPDATE walkforward_runs SET serialized_config = 'x'",
          "DELETE FROM walkforward_runs",
          "DELETE FROM indicator_datasets",
          "DELETE FROM walkforward_folds",
          "DELETE FROM simulation_runs",
          "TRUNCATE walkforward_folds",
          "TRUNCATE indicator_datasets CASCADE",
          "DROP TABLE simulation_runs",
          "DROP VIEW dataset_hierarchy",
          "DROP FUNCTION fn_list_runs(uuid, int, timestamptz, uuid, text, text)",
          "ALTER TABLE walkforward_runs ADD COLUMN x int",
          "CREATE TABLE public.sneaky (x int)",
          "CREATE VIEW public.sneaky_v AS SELECT 1",
          "CREATE FUNCTION public.sneaky_f() RETURNS int LANGUAGE sql AS 'SELECT 1'",
          "CREATE SCHEMA sneaky",
          "DELETE FROM stage1_schema_migrations",
          "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) "
          "VALUES (gen_random_uuid(), 'X', '1h', 'x', 'direct_insert')"}) {
        CAPTURE(sql);
        CHECK(sqlstateOf(conn, sql) == "42501");  // insufficient_privilege (also "must be owner")
    }
    conn.exec("ROLLBACK");
    CHECK(conn.query("SELECT count(*) FROM walkforward_runs").integer(0, 0) == 1);
}
