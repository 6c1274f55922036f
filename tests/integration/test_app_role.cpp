// What the stage1_app role may and may not do, checked as that role (SET ROLE).
#include <doctest/doctest.h>

#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"
#include "tests/support/cluster_tweaks.hpp"
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
          "SELECT * FROM fn_list_runs_newer('11111111-1111-4111-8111-111111111111', 10)",
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

TEST_CASE(
    "stage1_app cannot read secrets or server files, run programs, take other roles, or hide statements") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(kSeed);
    // A superuser session to aim pg_terminate_backend at; its pid, from before the role switch.
    auto other = database.connect();
    const std::string otherPid(other.query("SELECT pg_backend_pid()::text").text(0, 0));
    conn.exec("BEGIN; SET LOCAL ROLE stage1_app");
    const std::vector<std::string> refused = {
        // Password hashes and server files.
        "SELECT rolpassword FROM pg_authid",
        "SELECT count(*) FROM pg_authid",
        "SELECT passwd FROM pg_shadow",
        "SELECT pg_read_file('postgresql.conf')",
        "SELECT pg_read_file('/etc/passwd', 0, 100, true)",
        "SELECT pg_read_binary_file('PG_VERSION')",
        "SELECT pg_ls_dir('.')",
        "SELECT pg_stat_file('PG_VERSION')",
        "SELECT lo_import('/etc/passwd')",
        "COPY indicator_datasets TO '/tmp/stage1_app_copy'",
        "COPY indicator_datasets FROM '/etc/hostname'",
        "COPY (SELECT 1) TO PROGRAM 'touch /tmp/stage1_app_program'",
        // Other roles and server settings (SET ROLE: see the login test below).
        "ALTER ROLE stage1_app SUPERUSER",
        "ALTER ROLE stage1_app CREATEROLE",
        "CREATE ROLE stage1_sneaky",
        "GRANT pg_read_server_files TO stage1_app",
        "SET log_statement = 'none'",  // cannot hide what it runs from the server log
        "SELECT set_config('log_statement', 'none', false)",
        "SELECT pg_terminate_backend(" + otherPid + ")",
        "SELECT pg_reload_conf()",
        // Changing what the app's own functions and views do (ALTER / CREATE OR REPLACE / ownership).
        "ALTER FUNCTION fn_upsert_placeholder_dataset(text, uuid, text) SECURITY INVOKER",
        "ALTER FUNCTION fn_list_datasets(int, timestamptz, uuid, text) OWNER TO stage1_app",
        "CREATE OR REPLACE FUNCTION public.fn_list_datasets(p_limit int DEFAULT 50, p_before_created_at "
        "timestamptz DEFAULT NULL, p_before_id uuid DEFAULT NULL, p_search text DEFAULT NULL) RETURNS SETOF "
        "int LANGUAGE sql AS 'SELECT 1'",
        "ALTER VIEW dataset_hierarchy RENAME TO sneaky",
        "ALTER TABLE indicator_datasets RENAME COLUMN symbol TO sneaky",
        "ALTER TABLE walkforward_runs DISABLE TRIGGER ALL",
        "ALTER TABLE indicator_datasets OWNER TO stage1_app",
        "CREATE INDEX sneaky_idx ON walkforward_runs (status)",
        "CREATE TRIGGER sneaky AFTER INSERT ON walkforward_runs FOR EACH ROW EXECUTE FUNCTION "
        "fn_placeholder_dataset_uuid()",
        // The ledgers: what was migrated and what was replayed.
        "UPDATE stage1_schema_migrations SET sha256 = 'x'",
        "INSERT INTO stage1_schema_migrations (version, name, sha256, duration_ms) VALUES (9999, 'x', 'x', "
        "0)",
        "SELECT count(*) FROM stage1_spool_ledger",
        "DELETE FROM stage1_spool_ledger",
        // No schema of its own either: "$user" comes first in the default search_path, so a schema
        // named stage1_app would shadow public for every later session of the role.
        "CREATE SCHEMA stage1_app",
        "CREATE SCHEMA AUTHORIZATION stage1_app",
        "CREATE TABLE sneaky_unqualified (x int)",
        "CREATE SEQUENCE public.sneaky_seq",
        "CREATE EXTENSION IF NOT EXISTS dblink",
    };
    for (const auto& sql : refused) {
        CAPTURE(sql);
        CHECK(sqlstateOf(conn, sql) == "42501");  // insufficient_privilege
    }
    // GRANT without a grant option grants nothing (PostgreSQL only warns).
    CHECK(sqlstateOf(conn, "GRANT UPDATE, DELETE, TRUNCATE ON walkforward_runs TO stage1_app") == "ok");
    CHECK(conn.query("SELECT has_table_privilege('stage1_app', 'walkforward_runs', 'UPDATE') OR "
                     "has_table_privilege('stage1_app', 'walkforward_runs', 'DELETE') OR "
                     "has_table_privilege('stage1_app', 'walkforward_runs', 'TRUNCATE')")
              .text(0, 0) == "f");
    // A temporary table is the session's own (TEMP is PostgreSQL's default for PUBLIC) and cannot
    // stand in for the tables the SECURITY DEFINER function writes: it pins its search_path and
    // schema-qualifies every table.
    CHECK(sqlstateOf(conn, "CREATE TEMP TABLE indicator_datasets (LIKE public.indicator_datasets)") == "ok");
    CHECK(sqlstateOf(conn, "SELECT * FROM fn_upsert_placeholder_dataset('shadow_test')") == "ok");
    CHECK(conn.query("SELECT count(*) FROM pg_temp.indicator_datasets").integer(0, 0) == 0);
    CHECK(conn.query("SELECT current_user").text(0, 0) == "stage1_app");
    conn.exec("COMMIT");
    CHECK(conn.query("SELECT count(*) FROM public.indicator_datasets WHERE questdb_tag = 'shadow_test'")
              .integer(0, 0) == 1);
    CHECK(conn.query("SELECT count(*) FROM walkforward_runs").integer(0, 0) == 1);
    // ALTER SYSTEM cannot run inside a transaction block, so it is tried on its own.
    conn.exec("SET ROLE stage1_app");
    try {
        conn.exec("ALTER SYSTEM SET log_statement = 'none'");
        FAIL("stage1_app changed the server configuration");
    } catch (const db::Error& e) {
        CHECK(e.info().sqlstate == "42501");
    }
    conn.exec("RESET ROLE");
}

TEST_CASE("logged in as stage1_app, a session cannot become another role") {
    // SET ROLE and SET SESSION AUTHORIZATION are judged by the role that logged in, so this needs a
    // real login as stage1_app: a private cluster, where giving the role LOGIN touches no other test.
    testsupport::PrivateCluster pg;
    pg.admin().exec("CREATE DATABASE app_login");
    {
        auto owner = db::Connection::open(pg.adminParams("app_login"));
        db::MigrateOptions options;
        db::migrate(owner, db::embeddedMigrations(), options);
    }
    pg.admin().exec("ALTER ROLE stage1_app LOGIN");
    db::ConnectParams asApp = pg.adminParams("app_login");
    asApp.set("user", "stage1_app");
    auto conn = db::Connection::open(asApp);
    CHECK(conn.query("SELECT session_user").text(0, 0) == "stage1_app");
    conn.exec("BEGIN");
    for (const char* sql : {"SET ROLE postgres", "SET SESSION AUTHORIZATION postgres",
                            "SET ROLE pg_read_server_files", "SET ROLE pg_write_server_files",
                            "SET ROLE pg_execute_server_program", "SELECT rolpassword FROM pg_authid",
                            "SELECT pg_read_file('postgresql.conf')", "ALTER ROLE postgres PASSWORD 'x'"}) {
        CAPTURE(sql);
        CHECK(sqlstateOf(conn, sql) == "42501");
    }
    conn.exec("ROLLBACK");
    CHECK(conn.query("SELECT current_user").text(0, 0) == "stage1_app");
}
