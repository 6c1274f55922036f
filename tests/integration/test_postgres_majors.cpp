// What depends on the server's major: the dataset_hierarchy view's privileges, 0006 replaced in
// place, doctor's version line, and pg_dump/pg_restore against the server. ./dev test runs every
// integration test on 14, 15 and 18 (STAGE1_PG_MAJOR), so each case holds on each of them.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>

#include "app/ops/pg_tools.hpp"
#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using testsupport::ScratchDir;
using testsupport::TestDatabase;

namespace {

long long count(db::Connection& conn, const std::string& sql) {
    return conn.query(sql).integer(0, 0);
}

// A role of this test only (roles are cluster-wide), dropped with everything it was granted.
class ScratchRole {
  public:
    ScratchRole(db::Connection& conn, std::string name) : conn_(conn), name_(std::move(name)) {
        conn_.exec("DROP ROLE IF EXISTS " + name_);
        conn_.exec("CREATE ROLE " + name_ + " NOLOGIN");
    }
    ~ScratchRole() {
        try {
            conn_.exec("RESET ROLE");
            conn_.exec("DROP OWNED BY " + name_);
            conn_.exec("DROP ROLE IF EXISTS " + name_);
        } catch (const std::exception&) {
        }
    }
    const std::string& name() const { return name_; }

  private:
    db::Connection& conn_;
    std::string name_;
};

// The SQLSTATE of sql run as `role`, or "" when it succeeded.
std::string sqlstateAs(db::Connection& conn, const std::string& role, const std::string& sql) {
    conn.exec("SET ROLE " + role);
    std::string state;
    try {
        conn.exec(sql);
    } catch (const db::Error& e) {
        state = e.info().sqlstate;
    }
    conn.exec("RESET ROLE");
    return state;
}

const char* kThreeRuns = R"sql(
INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count)
VALUES ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance_ohlcv', 'btc_2025_4h', 2190);
INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                              walk_config, status)
VALUES ('22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111', 'a', '[]', '{}', '{}', 'completed'),
       ('33333333-3333-4333-8333-333333333333', '11111111-1111-4111-8111-111111111111', 'b', '[]', '{}', '{}', 'failed'),
       ('44444444-4444-4444-8444-444444444444', '11111111-1111-4111-8111-111111111111', 'c', '[]', '{}', '{}', 'pending');
INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, parameters)
VALUES ('55555555-5555-4555-8555-555555555555', '22222222-2222-4222-8222-222222222222', 'sim_a', '{}');
)sql";

// The catalog as it was before 0006 was replaced in place.
std::vector<db::Migration> catalogWithFirst0006() {
    std::vector<db::MigrationSource> sources;
    for (const auto& m : db::embeddedMigrations())
        sources.push_back({m.fileName(), m.version == 6
                                             ? testsupport::readFile(testsupport::sourcePath(
                                                   "tests/fixtures/0006_dataset_hierarchy_view.pre-pg14.sql"))
                                             : m.sql});
    return db::buildCatalog(sources);
}

}  // namespace

TEST_CASE("the dataset_hierarchy view never lets a role read more than the tables allow, on every major") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(kThreeRuns);
    ScratchRole role(conn, "s1_view_reader_" + database.name());

    // SELECT on the view alone reads nothing: the tables are checked against the querying role.
    conn.exec("GRANT SELECT ON public.dataset_hierarchy TO " + role.name());
    CHECK(sqlstateAs(conn, role.name(), "SELECT count(*) FROM public.dataset_hierarchy") == "42501");
    // Two of the three tables are not enough either.
    conn.exec("GRANT SELECT ON public.indicator_datasets, public.walkforward_runs TO " + role.name());
    CHECK(sqlstateAs(conn, role.name(), "SELECT count(*) FROM public.dataset_hierarchy") == "42501");
    conn.exec("GRANT SELECT ON public.simulation_runs TO " + role.name());
    CHECK(sqlstateAs(conn, role.name(), "SELECT count(*) FROM public.dataset_hierarchy") == "");

    // Row security applies as for the querying role: a policy showing it only completed runs.
    conn.exec("ALTER TABLE public.walkforward_runs ENABLE ROW LEVEL SECURITY");
    conn.exec("CREATE POLICY only_completed ON public.walkforward_runs TO " + role.name() +
              " USING (status = 'completed')");
    conn.exec("SET ROLE " + role.name());
    const long long runsSeen = count(conn, "SELECT count(DISTINCT run_id) FROM public.dataset_hierarchy");
    const long long rowsSeen = count(conn, "SELECT count(*) FROM public.dataset_hierarchy");
    conn.exec("RESET ROLE");
    CHECK(runsSeen == 1);
    CHECK(rowsSeen == 1);  // the completed run's one simulation
    CHECK(count(conn, "SELECT count(DISTINCT run_id) FROM public.dataset_hierarchy") == 3);

    // stage1_app, as 0009 grants it, reads every row through the view.
    conn.exec("ALTER TABLE public.walkforward_runs DISABLE ROW LEVEL SECURITY");
    conn.exec("SET ROLE stage1_app");
    CHECK(count(conn, "SELECT count(*) FROM public.dataset_hierarchy") == 3);
    CHECK(count(conn, "SELECT count(*) FROM public.dataset_hierarchy WHERE level = 'simulation'") == 1);
    conn.exec("RESET ROLE");
}

TEST_CASE("a filter on the dataset_hierarchy view still reaches the tables' indexes") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(kThreeRuns);
    conn.exec("ANALYZE");
    conn.exec("SET enable_seqscan = off");
    db::Result plan = conn.query(
        "EXPLAIN SELECT * FROM public.dataset_hierarchy WHERE run_id = "
        "'22222222-2222-4222-8222-222222222222'");
    std::string text;
    for (int i = 0; i < plan.rows(); ++i) text += std::string(plan.text(i, 0)) + "\n";
    INFO(text);
    // Inlined: the plan names the tables, not a Function Scan over the whole hierarchy.
    CHECK(text.find("Function Scan") == std::string::npos);
    CHECK(text.find("walkforward_runs") != std::string::npos);
}

TEST_CASE(
    "a database that applied the first text of 0006 gets the current one from migrate, on 15 and newer") {
    TestDatabase database;
    auto conn = database.connect();
    const auto first = catalogWithFirst0006();
    db::MigrateOptions options;
    if (conn.serverMajor() < 15) {
        // Why 0006 was replaced: PostgreSQL 14 has no security_invoker views.
        try {
            db::migrate(conn, first, options);
            FAIL("the first 0006 applied on PostgreSQL " << conn.serverVersion());
        } catch (const db::MigrateError& e) {
            CHECK(std::string(e.what()).find("unrecognized parameter \"security_invoker\"") !=
                  std::string::npos);
        }
        return;
    }
    db::migrate(conn, first, options);
    conn.exec(kThreeRuns);
    CHECK(count(conn,
                "SELECT count(*) FROM pg_class WHERE relname = 'dataset_hierarchy' AND "
                "reloptions::text LIKE '%security_invoker%'") == 1);

    auto status = database.ctl({"status", "--json"});
    CHECK(status.exitCode == 1);
    auto j = nlohmann::json::parse(status.out);
    REQUIRE(j["replaced"].size() == 1);
    CHECK(j["replaced"][0]["version"] == 6);
    CHECK(j["mismatched"].empty());

    auto migrated = database.ctl({"migrate"});
    INFO(migrated.err);
    CHECK(migrated.exitCode == 0);
    CHECK(migrated.err.find("0006_dataset_hierarchy_view.sql was replaced in place") != std::string::npos);
    CHECK(count(conn, "SELECT count(*) FROM stage1_schema_migrations WHERE version = 6 AND sha256 = '" +
                          db::embeddedMigrations()[5].sha256 + "'") == 1);
    CHECK(count(conn,
                "SELECT count(*) FROM pg_class WHERE relname = 'dataset_hierarchy' AND "
                "reloptions IS NOT NULL") == 0);
    CHECK(count(conn,
                "SELECT count(*) FROM pg_depend d JOIN pg_rewrite r ON r.oid = d.objid "
                "WHERE r.ev_class = 'public.dataset_hierarchy'::regclass "
                "AND d.refobjid = 'public.fn_dataset_hierarchy_rows()'::regprocedure") == 1);
    // The grants of 0009 survived the replacement, and the rows are the same.
    conn.exec("SET ROLE stage1_app");
    CHECK(count(conn, "SELECT count(*) FROM public.dataset_hierarchy") == 3);
    conn.exec("RESET ROLE");
    CHECK(database.ctl({"status"}).exitCode == 0);
    CHECK(database.ctl({"migrate"}).out.find("nothing to apply") != std::string::npos);
}

TEST_CASE("any other edit of 0006 is still a mismatch that migrate refuses") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec("UPDATE stage1_schema_migrations SET sha256 = repeat('0', 64) WHERE version = 6");
    auto refused = database.ctl({"migrate"});
    CHECK(refused.exitCode == 1);
    CHECK(refused.err.find("changed after they were applied") != std::string::npos);
}

TEST_CASE("doctor names the server's major and finds it supported") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    const std::string major = std::to_string(conn.serverMajor());
    auto doctor = database.ctl({"doctor", "--json"});
    INFO(doctor.out << doctor.err);
    auto j = nlohmann::json::parse(doctor.out);
    bool found = false;
    for (const auto& step : j["steps"])
        if (step["name"] == "server") {
            found = true;
            CHECK(step["ok"] == true);
            CHECK(step["detail"].get<std::string>().find("(major " + major + ")") != std::string::npos);
            CHECK(step["detail"].get<std::string>().find("UNSUPPORTED") == std::string::npos);
        }
    CHECK(found);
}

TEST_CASE("backup refuses a pg_dump older than the server before writing anything, and names the fix") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    const int serverMajor = conn.serverMajor();
    ScratchDir dir;
    const auto backups = dir.path() / "backups";

    // A bin folder whose programs say they are of the major before the server's.
    const auto oldBin = dir.path() / "old-bin";
    std::filesystem::create_directories(oldBin);
    for (const char* program : {"pg_dump", "pg_restore"}) {
        testsupport::writeFile(oldBin / program, "#!/bin/sh\necho '" + std::string(program) +
                                                     " (PostgreSQL) " + std::to_string(serverMajor - 1) +
                                                     ".9'\n");
        std::filesystem::permissions(oldBin / program, std::filesystem::perms::owner_all);
    }
    for (const auto& how :
         {std::vector<std::string>{"--pg-bin", oldBin.string()}, std::vector<std::string>{}}) {
        std::vector<std::string> argv = {"backup", "--json", "--dir", backups.string()};
        argv.insert(argv.end(), how.begin(), how.end());
        auto run = how.empty() ? database.ctlWithEnv(argv, {{"STAGE1_PG_BIN", oldBin.string()}})
                               : database.ctl(argv);
        INFO(run.out << run.err);
        CHECK(run.exitCode == 1);
        auto j = nlohmann::json::parse(run.out);
        CHECK(j["error"]["kind"] == "pg_tool_too_old");
        const std::string message = j["error"]["message"];
        CHECK(message.find("postgresql-client-" + std::to_string(serverMajor)) != std::string::npos);
        CHECK(message.find("--pg-bin /usr/lib/postgresql/" + std::to_string(serverMajor) + "/bin") !=
              std::string::npos);
        CHECK((!std::filesystem::exists(backups) || std::filesystem::is_empty(backups)));
    }

    // Debian's own client programs: newer or equal is fine (14, 15); older is refused the same way (18).
    const auto debianDump =
        app::findPgProgram("pg_dump", std::nullopt, [](const char* n) { return std::getenv(n); });
    const int debianMajor = app::pgProgramMajor(debianDump).value_or(0);
    REQUIRE(debianMajor >= 15);
    auto run = database.ctl({"backup", "--json", "--dir", backups.string()});
    INFO(run.out << run.err);
    auto j = nlohmann::json::parse(run.out);
    if (debianMajor >= serverMajor) {
        CHECK(run.exitCode == 0);
        CHECK(j["verify"]["ok"] == true);
    } else {
        CHECK(run.exitCode == 1);
        CHECK(j["error"]["kind"] == "pg_tool_too_old");
        CHECK((!std::filesystem::exists(backups) || std::filesystem::is_empty(backups)));
    }
}

TEST_CASE("on PostgreSQL 13 doctor says plainly it is unsupported and migrate applies nothing") {
    testsupport::PrivateCluster old("13");
    old.admin().exec("CREATE DATABASE stage1_trading");
    const std::string dsn = "host=" + *old.adminParams().find("host") + " port=" + old.port() +
                            " user=postgres dbname=stage1_trading";
    const std::string stage1ctl = testsupport::requiredEnv("STAGE1CTL");

    auto doctor = testsupport::runProcess({stage1ctl, "doctor", "--json", "--dsn", dsn});
    INFO(doctor.out << doctor.err);
    CHECK(doctor.exitCode != 0);
    auto j = nlohmann::json::parse(doctor.out);
    bool found = false;
    for (const auto& step : j["steps"])
        if (step["name"] == "server") {
            found = true;
            CHECK(step["ok"] == false);
            const std::string detail = step["detail"];
            CHECK(detail.find("(major 13)") != std::string::npos);
            CHECK(detail.find("UNSUPPORTED: PostgreSQL 13 is older than 14") != std::string::npos);
        }
    CHECK(found);

    auto migrate = testsupport::runProcess({stage1ctl, "migrate", "--json", "--dsn", dsn});
    INFO(migrate.out << migrate.err);
    CHECK(migrate.exitCode == 1);
    CHECK(nlohmann::json::parse(migrate.out)["error"]["kind"] == "unsupported_server");
    CHECK(migrate.err.find("older than 14") != std::string::npos);
    db::Connection conn = db::Connection::open(old.adminParams("stage1_trading"));
    CHECK(count(conn, "SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace") == 0);
}
