// The spool is untrusted input (it is mirrored from analysts' desktops): replay-spool must never send
// what a desktop may not write, validate --spool must say so first, and the role the statements run
// as must hold even if the grammar were wrong. Against a real server whose log records every
// statement it receives.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "app/ops/placeholder_dataset.hpp"
#include "app/ops/spool.hpp"
#include "db/schema/migration_catalog.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/statement_log.hpp"
#include "tests/support/test_database.hpp"

namespace {

const std::string kDataset = "11111111-1111-4111-8111-111111111111";
const std::string kRun = "22222222-2222-4222-8222-222222222222";

// Each hostile statement, and a fragment of it that no legitimate statement of the replay contains:
// if the fragment shows up in the server's statement log, hostile text reached the server.
struct Hostile {
    std::string statement;
    std::string fragment;
};

const std::vector<Hostile> kHostile = {
    {"CREATE TABLE public.evil_marker(x int);", "evil_marker"},
    {"ALTER ROLE stage1_app SUPERUSER;", "SUPERUSER"},
    {"DELETE FROM walkforward_folds;", "DELETE FROM walkforward_folds"},
    {"UPDATE walkforward_runs SET status = 'tampered';", "tampered"},
    {"SELECT pg_sleep(0.01);", "pg_sleep"},
    {"GRANT ALL ON walkforward_runs TO PUBLIC;", "GRANT ALL"},
    {"SET search_path = evil, public;", "evil, public"},
    {"DO $$ BEGIN EXECUTE 'DROP TABLE walkforward_folds'; END $$;", "DROP TABLE walkforward_folds"},
    {"CALL evil_procedure();", "evil_procedure"},
    {"INSERT INTO stage1_spool_ledger (statement_sha256, first_line, source_file, outcome) VALUES "
     "(repeat('d', 64), 1, 'forged', 'applied');",
     "forged"},
    {"INSERT INTO public.stage1_schema_migrations (version, name, sha256, duration_ms) VALUES (999, "
     "'forged_m', "
     "'x', 1);",
     "forged_m"},
    {"INSERT INTO walkforward_runs SELECT * FROM walkforward_runs;", "SELECT * FROM walkforward_runs"},
    {"WITH gone AS (DELETE FROM simulation_runs RETURNING simulation_id) INSERT INTO simulation_runs "
     "(simulation_id) "
     "SELECT simulation_id FROM gone;",
     "WITH gone"},
    {"INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) VALUES "
     "('33333333-3333-4333-8333-000000000001', '" +
         kRun + "', 'ret') RETURNING *;",
     "'ret'"},
    {"INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
     "hyperparameters, "
     "walk_config) VALUES ('" +
         kRun + "', '" + kDataset +
         "', 'upd', '[]', '{}', '{}') ON CONFLICT (run_id) DO "
         "UPDATE SET status = 'hijacked';",
     "hijacked"},
    {"INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) VALUES "
     "('33333333-3333-4333-8333-000000000002', '" +
         kRun + "', pg_read_file('/etc/passwd'));",
     "pg_read_file"},
    {"INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) VALUES "
     "('33333333-3333-4333-8333-000000000003', '" +
         kRun + "', dblink('host=203.0.113.7', 'DROP TABLE x'));",
     "dblink"},
    {"INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) VALUES "
     "('33333333-3333-4333-8333-000000000004', '" +
         kRun + "', public.fn_upsert_placeholder_dataset('side_effect_slug', NULL, NULL)::text);",
     "side_effect_slug"},
    {"INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) VALUES "
     "('33333333-3333-4333-8333-000000000005', '" +
         kRun + "', (SELECT rolpassword FROM pg_authid LIMIT 1));",
     "rolpassword"},
    // A ';' hidden in a dollar-quoted body, in a value and in a DO block.
    {"INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) VALUES "
     "('33333333-3333-4333-8333-000000000006', '" +
         kRun + "', $q$x'); DROP TABLE indicator_datasets; --$q$);",
     "DROP TABLE indicator_datasets"},
    // A comment that hides a second statement: the statement after the line comment is read, and refused.
    {"INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) VALUES "
     "('33333333-3333-4333-8333-000000000007', '" +
         kRun + "', 'c') -- harmless?\nDELETE FROM indicator_datasets;",
     "DELETE FROM indicator_datasets"},
    {"TRUNCATE walkforward_runs CASCADE;", "TRUNCATE"},
    {"COPY walkforward_runs TO PROGRAM 'touch /tmp/stage1_owned';", "stage1_owned"},
};

// What must not change: roles and their attributes, memberships, relations, privileges, functions.
std::string catalogFingerprint(db::Connection& conn) {
    return std::string(conn.query(R"sql(
        SELECT md5(concat_ws('|',
          (SELECT string_agg(rolname || rolsuper || rolcreaterole || rolcreatedb || rolcanlogin || rolbypassrls,
                             ',' ORDER BY rolname) FROM pg_roles),
          (SELECT string_agg(roleid::regrole || '>' || member::regrole, ',' ORDER BY 1) FROM pg_auth_members),
          (SELECT string_agg(oid::regclass::text || coalesce(relacl::text, ''), ',' ORDER BY oid::regclass::text)
             FROM pg_class WHERE relnamespace = 'public'::regnamespace),
          (SELECT string_agg(oid::regprocedure::text || coalesce(proacl::text, ''), ',' ORDER BY 1)
             FROM pg_proc WHERE pronamespace = 'public'::regnamespace),
          (SELECT coalesce(nspacl::text, '') FROM pg_namespace WHERE nspname = 'public')))
    )sql")
                           .text(0, 0));
}

// Datasets, runs, folds, simulations, migrations applied beyond the embedded ones (0: no spool
// statement reached the ledger of the schema), and the run statuses.
std::string rowCounts(db::Connection& conn) {
    return std::string(
        conn.query("SELECT concat_ws(',', (SELECT count(*) FROM indicator_datasets), "
                   "(SELECT count(*) FROM walkforward_runs), (SELECT count(*) FROM walkforward_folds), "
                   "(SELECT count(*) FROM simulation_runs), (SELECT count(*) FROM stage1_schema_migrations) - $1, "
                   "string_agg(DISTINCT status, '+' ORDER BY status)) FROM walkforward_runs",
                   {std::to_string(db::embeddedMigrations().size())})
            .text(0, 0));
}

const char* kSeed = R"sql(
INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count)
VALUES ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance_ohlcv', 'btc_2025_4h', 2190);
INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                              walk_config, status)
VALUES ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'seed', '[]', '{}', '{}',
        'completed');
INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end)
VALUES ('22222222-2222-4222-8222-222222222222', 0, '2025-01-01', '2025-02-01', '2025-02-01', '2025-03-01');
)sql";

// The legitimate entries a desktop writes: a placeholder dataset (the window's own writer), then a
// run on it followed by its folds and a simulation, as the desktops queue them.
std::vector<std::string> legitimate() {
    auto preview = app::previewPlaceholder("eth_2024_1h", "", "");
    REQUIRE(preview.preview);
    const std::string dataset = preview.preview->datasetId;
    const std::string run = "44444444-4444-4444-8444-444444444444";
    return {
        app::placeholderInsertStatement(*preview.preview, "2026-11-26T12:00:00Z"),
        "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
        "hyperparameters, walk_config, status, serialized_config) VALUES (" +
            app::sqlLiteral(run) + "::uuid, " + app::sqlLiteral(dataset) +
            "::uuid, E'eth_ret_fwd_6', E'[\"rsi_14\"]'::jsonb, E'{}'::jsonb, E'{\"folds\": 2}'::jsonb, "
            "E'running', "
            "E'x''); DROP TABLE walkforward_runs; --');",
        "INSERT INTO public.walkforward_folds (run_id, fold_index, train_start, train_end, test_start, "
        "test_end, "
        "metrics) VALUES (" +
            app::sqlLiteral(run) +
            "::uuid, 0, E'2025-01-01'::timestamptz, E'2025-02-01'::timestamptz, E'2025-02-01'::timestamptz, "
            "E'2025-03-01'::timestamptz, E'{\"sharpe\": 1.1}'::jsonb), (" +
            app::sqlLiteral(run) +
            "::uuid, 1, E'2025-02-01', E'2025-03-01', E'2025-03-01', E'2025-04-01', E'{\"sharpe\": -0.2}');",
        "INSERT INTO public.simulation_runs (simulation_id, run_id, questdb_namespace, parameters, status, "
        "created_at) VALUES (E'55555555-5555-4555-8555-555555555555'::uuid, " +
            app::sqlLiteral(run) +
            "::uuid, E'sim_eth', E'{}'::jsonb, E'pending', now()) ON CONFLICT DO NOTHING;",
    };
}

}  // namespace

TEST_CASE(
    "a hostile spool: every hostile statement is quarantined unsent, the legitimate ones beside it applied") {
    testsupport::StatementLoggingCluster pg;
    db::Connection admin = pg.admin();
    admin.exec(kSeed);
    const std::string catalogBefore = catalogFingerprint(admin);
    const std::string countsBefore = rowCounts(admin);

    // Hostile and legitimate statements interleaved, each with the desktop's note line.
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    const auto legit = legitimate();
    size_t l = 0;
    for (size_t h = 0; h < kHostile.size(); ++h) {
        app::appendToSpool(spool, kHostile[h].statement, "hostile " + std::to_string(h));
        if (h % 5 == 0 && l < legit.size()) app::appendToSpool(spool, legit[l++], "desktop");
    }
    while (l < legit.size()) app::appendToSpool(spool, legit[l++], "desktop");
    const std::string spoolText = testsupport::readFile(spool);

    // validate --spool first: the same verdicts, nothing run.
    const size_t beforeValidate = pg.mark();
    auto validated = pg.ctl({"validate", "--spool", spool.string(), "--json"}, "postgres");
    INFO(validated.out << validated.err);
    CHECK(validated.exitCode == 1);
    auto report = nlohmann::json::parse(validated.out);
    bool sawSpoolCheck = false;
    for (const auto& check : report["checks"])
        if (check["name"] == "spool_statements") {
            sawSpoolCheck = true;
            CHECK(check["ok"] == false);
            CHECK(check["summary"].get<std::string>().find(std::to_string(kHostile.size()) + " refused") !=
                  std::string::npos);
        }
    CHECK(sawSpoolCheck);
    for (const auto& logged : pg.statementsSince(beforeValidate))
        for (const auto& h : kHostile)
            CHECK_MESSAGE(logged.text.find(h.fragment) == std::string::npos, logged.text);

    // The replay, as the superuser over the local socket, as the runbook's nightly job runs it.
    const size_t beforeReplay = pg.mark();
    auto replayed = pg.ctl({"replay-spool", spool.string(), "--json"}, "postgres");
    INFO(replayed.out << replayed.err);
    CHECK(replayed.exitCode == 1);
    auto r = nlohmann::json::parse(replayed.out);
    CHECK(r["applied"] == legit.size());
    CHECK(r["quarantined"] == kHostile.size());

    // Nothing hostile reached the server; the legitimate statements did.
    const auto logged = pg.statementsSince(beforeReplay);
    CHECK_FALSE(logged.empty());
    for (const auto& statement : logged)
        for (const auto& h : kHostile)
            CHECK_MESSAGE(statement.text.find(h.fragment) == std::string::npos, statement.text);
    bool sawWriterRole = false;
    for (const auto& statement : logged)
        sawWriterRole = sawWriterRole || statement.text.find("stage1_spool_writer") != std::string::npos;
    CHECK(sawWriterRole);

    // Roles, relations, privileges and functions unchanged; exactly the legitimate rows added.
    CHECK(catalogFingerprint(admin) == catalogBefore);
    CHECK(countsBefore == "1,1,1,0,0,completed");
    CHECK(rowCounts(admin) == "2,2,3,1,0,completed+running");
    CHECK(admin
              .query("SELECT serialized_config FROM walkforward_runs WHERE prediction_measurement = "
                     "'eth_ret_fwd_6'")
              .text(0, 0) == "x'); DROP TABLE walkforward_runs; --");
    CHECK(admin.query("SELECT count(*) FROM indicator_datasets WHERE questdb_tag = 'side_effect_slug'")
              .integer(0, 0) == 0);
    CHECK(
        admin.query("SELECT count(*) FROM stage1_spool_ledger WHERE source_file = 'forged'").integer(0, 0) ==
        0);

    // Every hostile statement is in the quarantine file, verbatim, under its reason.
    const std::string quarantine = testsupport::readFile(spool.string() + ".quarantine.sql");
    for (const auto& h : kHostile) {
        CHECK_MESSAGE(quarantine.find(h.statement) != std::string::npos, h.statement);
    }
    CHECK(quarantine.find("never sent to the server: CREATE statements are never replayed") !=
          std::string::npos);
    CHECK(quarantine.find("function call (pg_read_file(...))") != std::string::npos);
    CHECK(quarantine.find("DO UPDATE is not replayed") != std::string::npos);
    (void)spoolText;
}

TEST_CASE("the role spooled statements run as can insert into the four tables and do nothing else") {
    testsupport::StatementLoggingCluster pg;
    db::Connection admin = pg.admin();
    admin.exec(kSeed);
    // As the replay does it: inside a transaction, as the writer, then whatever a grammar bug let through.
    auto as = [&](const std::string& sql) {
        admin.exec("BEGIN");
        admin.query("SELECT set_config('role', 'stage1_spool_writer', true)");
        std::string state;
        try {
            admin.exec(sql);
        } catch (const db::Error& e) {
            state = e.info().sqlstate;
        }
        admin.exec("ROLLBACK");
        return state;
    };
    for (std::string sql : {
             "CREATE TABLE public.evil_marker(x int)",
             "ALTER ROLE stage1_app SUPERUSER",
             "DELETE FROM walkforward_folds",
             "UPDATE walkforward_runs SET status = 'tampered'",
             "TRUNCATE simulation_runs",
             "SELECT status FROM walkforward_runs",
             "SELECT * FROM indicator_datasets",
             "SELECT pg_read_file('/etc/passwd')",
             "SELECT public.fn_upsert_placeholder_dataset('side_effect_slug', NULL, NULL)",
             "INSERT INTO public.stage1_schema_migrations (version, name, sha256, duration_ms) VALUES (999, "
             "'x', 'x', 1)",
             "COPY walkforward_runs TO '/tmp/stage1_owned'",
         }) {
        CAPTURE(sql);
        const std::string state = as(sql);
        CHECK_MESSAGE(!state.empty(), "succeeded as stage1_spool_writer");
        CHECK(state == "42501");  // insufficient_privilege
    }
    // What a desktop writes, it may.
    CHECK(
        as("INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end) "
           "VALUES ('22222222-2222-4222-8222-222222222222', 1, now(), now(), now(), now()) ON CONFLICT DO "
           "NOTHING")
            .empty());

    // Logged in as the writer itself (the hardened set-up), even SET ROLE has nowhere to go.
    admin.exec("ALTER ROLE stage1_spool_writer LOGIN");
    db::Connection writer = pg.connect("stage1_spool_writer");
    for (const char* sql :
         {"SET ROLE postgres", "SET SESSION AUTHORIZATION postgres", "SET ROLE stage1_app"}) {
        CAPTURE(sql);
        std::string state;
        try {
            writer.exec(sql);
        } catch (const db::Error& e) {
            state = e.info().sqlstate;
        }
        CHECK(state == "42501");
    }
    writer.exec("GRANT ALL ON walkforward_runs TO PUBLIC");  // a warning, and nothing granted
    CHECK_FALSE(
        admin.query("SELECT has_table_privilege('public', 'walkforward_runs', 'DELETE')").boolean(0, 0));
}

TEST_CASE("replay-spool logged in as the writer role itself applies the desktop's statements") {
    testsupport::StatementLoggingCluster pg;
    db::Connection admin = pg.admin();
    admin.exec(kSeed);
    admin.exec("ALTER ROLE stage1_spool_writer LOGIN");
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    for (const auto& statement : legitimate()) app::appendToSpool(spool, statement, "desktop");
    auto replayed = pg.ctl({"replay-spool", spool.string(), "--json"}, "stage1_spool_writer");
    INFO(replayed.out << replayed.err);
    CHECK(replayed.exitCode == 0);
    CHECK(nlohmann::json::parse(replayed.out)["applied"] == legitimate().size());
    CHECK(rowCounts(admin) == "2,2,3,1,0,completed+running");
}
TEST_CASE(
    "replay-spool says what to do when the writer role is missing or out of reach, and touches nothing") {
    testsupport::TestDatabase database;
    database.migrate();
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    app::appendToSpool(spool, legitimate()[0], "desktop");
    const std::string before = testsupport::readFile(spool);

    // A role that owns nothing and may not become the writer.
    auto conn = database.connect();
    const std::string outsider = "s1_outsider_" + database.name();
    conn.exec("DROP ROLE IF EXISTS " + outsider);
    conn.exec("CREATE ROLE " + outsider + " LOGIN");
    conn.exec("GRANT SELECT ON stage1_spool_ledger TO " + outsider);
    auto r = testsupport::runProcess({testsupport::requiredEnv("STAGE1CTL"), "replay-spool", spool.string(),
                                      "--dsn", database.dsn() + " user=" + outsider});
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(r.err.find("cannot become stage1_spool_writer") != std::string::npos);
    CHECK(r.err.find("GRANT stage1_spool_writer TO " + outsider) != std::string::npos);
    CHECK(testsupport::readFile(spool) == before);
    conn.exec("DROP OWNED BY " + outsider);
    conn.exec("DROP ROLE " + outsider);
}

TEST_CASE("replay-spool on a cluster without the writer role says to migrate, and touches nothing") {
    testsupport::StatementLoggingCluster pg;  // its own cluster: the role is cluster-wide
    db::Connection admin = pg.admin();
    admin.exec("DROP OWNED BY stage1_spool_writer");
    admin.exec("DROP ROLE stage1_spool_writer");
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    app::appendToSpool(spool, legitimate()[0], "desktop");
    const std::string before = testsupport::readFile(spool);
    auto r = pg.ctl({"replay-spool", spool.string(), "--json"}, "postgres");
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);
    CHECK(nlohmann::json::parse(r.out)["error"]["kind"] == "not_migrated");
    CHECK(r.err.find("no role stage1_spool_writer (migration 0012)") != std::string::npos);
    CHECK(testsupport::readFile(spool) == before);
}
