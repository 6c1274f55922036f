// Through a real PgBouncer in transaction pooling mode (issue 18, section 4): the reading and writing
// commands and the window work and leave nothing on the server connection other clients share;
// migrate and replay-spool refuse and change nothing; on PostgreSQL's own port they still work.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <filesystem>
#include <memory>

#include "db/pg/transaction.hpp"
#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/pgbouncer.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/workbench_harness.hpp"

using nlohmann::json;
using testsupport::ProcessResult;
namespace fs = std::filesystem;

namespace {

const std::string kDataset = "11111111-1111-4111-8111-111111111111";

// A private cluster (its pg_hba lets 127.0.0.1 in) with a migrated, seeded stage1_trading, stage1_app
// allowed to log in, and a pgbouncer in front of it: transaction mode, one server connection per role.
struct Pooled {
    testsupport::PrivateCluster pg;
    std::unique_ptr<testsupport::PgBouncer> bouncer;

    explicit Pooled(bool migrateAndSeed = true) {
        pg.admin().exec("CREATE DATABASE stage1_trading");
        pg.admin().exec("CREATE DATABASE stage1_fresh");
        pg.appendHba("host all all 127.0.0.1/32 trust");
        if (migrateAndSeed) {
            auto owner = db::Connection::open(pg.adminParams("stage1_trading"));
            db::MigrateOptions options;
            db::migrate(owner, db::embeddedMigrations(), options);
            owner.exec("ALTER ROLE stage1_app LOGIN");
            ProcessResult seeded =
                ctl(directDsn("postgres"), {"demo-seed", "--datasets", "2", "--runs-per-dataset", "4",
                                            "--sims-per-run", "1", "--folds-per-run", "1"});
            REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
        }
        bouncer = std::make_unique<testsupport::PgBouncer>(
            pg.port(), "stage1_trading", std::vector<std::string>{"stage1_app", "postgres"});
    }

    std::string directDsn(const std::string& user, const std::string& dbname = "stage1_trading") const {
        return "host=127.0.0.1 port=" + pg.port() + " dbname=" + dbname + " user=" + user +
               " sslmode=disable passfile=/dev/null connect_timeout=5";
    }
    db::ConnectParams direct(const std::string& user) const {
        db::ConnectParams p = pg.tcpParams(user, "stage1_trading");
        p.set("sslmode", "disable");
        return p;
    }
    static ProcessResult ctl(const std::string& dsn, std::vector<std::string> args,
                             const std::map<std::string, std::string>& env = {}) {
        args.insert(args.begin(), testsupport::requiredEnv("STAGE1CTL"));
        args.push_back("--dsn");
        args.push_back(dsn);
        return testsupport::runProcess(args, env);
    }
    ProcessResult pooledCtl(const std::vector<std::string>& args, const std::string& user = "stage1_app",
                            const std::map<std::string, std::string>& env = {}) const {
        return ctl(bouncer->dsn(user), args, env);
    }
    // What a client of `user` that sets nothing finds on the pooler's (single, shared) server connection.
    std::string pooledSetting(const std::string& user, const std::string& name = "statement_timeout") const {
        auto conn = db::Connection::open(bouncer->params(user));
        return std::string(conn.query("SELECT current_setting($1)", {name}).text(0, 0));
    }
};

long long scalar(db::Connection& conn, const std::string& sql) {
    return conn.query(sql).integer(0, 0);
}

}  // namespace

TEST_CASE("a pooler is told apart from a direct connection by its made-up backend pid") {
    Pooled pooled(false);
    auto direct = db::Connection::open(pooled.direct("postgres"));
    CHECK_FALSE(direct.throughPooler());
    auto throughBouncer = db::Connection::open(pooled.bouncer->params("postgres"));
    CHECK(throughBouncer.throughPooler());
}

TEST_CASE("through PgBouncer in transaction mode, browse, search, config and backfill work as stage1_app") {
    Pooled pooled;
    ProcessResult datasets = pooled.pooledCtl({"datasets", "--json"});
    REQUIRE_MESSAGE(datasets.exitCode == 0, (datasets.err + pooled.bouncer->log()));
    json rows = json::parse(datasets.out)["rows"];
    REQUIRE(rows.size() == 2);
    const std::string slug = rows[0]["slug"];

    ProcessResult runs = pooled.pooledCtl({"runs", "--dataset", slug, "--limit", "3", "--json"});
    REQUIRE_MESSAGE(runs.exitCode == 0, runs.err);
    json page = json::parse(runs.out);
    REQUIRE(page["rows"].size() == 3);
    CHECK_FALSE(page["next_cursor"].is_null());
    ProcessResult rest = pooled.pooledCtl({"runs", "--dataset", slug, "--limit", "3", "--after",
                                           page["next_cursor"].get<std::string>(), "--json"});
    REQUIRE_MESSAGE(rest.exitCode == 0, rest.err);
    CHECK(json::parse(rest.out)["rows"].size() == 1);

    const std::string run = page["rows"][0]["run_id"];
    ProcessResult sims = pooled.pooledCtl({"sims", "--run", run, "--json"});
    CHECK_MESSAGE(sims.exitCode == 0, sims.err);
    ProcessResult shown = pooled.pooledCtl({"config", "show", "--run", run});
    CHECK_MESSAGE(shown.exitCode == 0, shown.err);
    CHECK_FALSE(shown.out.empty());

    ProcessResult search = pooled.pooledCtl({"search", "status = 'no such status'", "--format", "csv"});
    CHECK_MESSAGE(search.exitCode == 0, search.err);

    ProcessResult backfill = pooled.pooledCtl({"backfill-dataset", "--slug", "pooled_2025_1h", "--json"});
    CHECK_MESSAGE(backfill.exitCode == 0, backfill.err);
    auto owner = db::Connection::open(pooled.direct("postgres"));
    CHECK(scalar(owner, "SELECT count(*) FROM indicator_datasets WHERE questdb_tag = 'pooled_2025_1h'") == 1);

    ProcessResult doctor = pooled.pooledCtl({"doctor"});
    CHECK_MESSAGE(doctor.out.find("through a connection pooler") != std::string::npos, doctor.out);
    ProcessResult directDoctor = Pooled::ctl(pooled.directDsn("stage1_app"), {"doctor"});
    CHECK(directDoctor.out.find("through a connection pooler") == std::string::npos);
}

TEST_CASE("through PgBouncer our statement timeout holds for us and never reaches the next client") {
    Pooled pooled;
    // The server's own value for the role, as a direct client that sets nothing sees it.
    const std::string own = [&] {
        auto conn = db::Connection::open(pooled.direct("stage1_app"));
        return std::string(conn.query("SHOW statement_timeout").text(0, 0));
    }();
    CHECK(pooled.pooledSetting("stage1_app") == own);

    SUBCASE("stage1ctl with STAGE1_STATEMENT_TIMEOUT_MS and with --statement-timeout") {
        ProcessResult fromEnv =
            pooled.pooledCtl({"datasets"}, "stage1_app", {{"STAGE1_STATEMENT_TIMEOUT_MS", "4321"}});
        REQUIRE_MESSAGE(fromEnv.exitCode == 0, fromEnv.err);
        CHECK(pooled.pooledSetting("stage1_app") == own);
        ProcessResult fromFlag = pooled.pooledCtl({"datasets", "--statement-timeout", "1234"});
        REQUIRE_MESSAGE(fromFlag.exitCode == 0, fromFlag.err);
        CHECK(pooled.pooledSetting("stage1_app") == own);
        ProcessResult backfill =
            pooled.pooledCtl({"backfill-dataset", "--slug", "leak_check_1d", "--statement-timeout", "2345"});
        REQUIRE_MESSAGE(backfill.exitCode == 0, backfill.err);
        CHECK(pooled.pooledSetting("stage1_app") == own);
    }

    SUBCASE("the same server connection, one client after the other: the timeout is ours alone") {
        auto ours = db::Connection::open(pooled.bouncer->params("stage1_app"));
        ours.setStatementTimeout(200);
        CHECK(std::string(ours.query("SELECT current_setting('statement_timeout')").text(0, 0)) == "200ms");
        try {
            ours.query("SELECT pg_sleep(2)");
            FAIL("the statement timeout did not apply through the pooler");
        } catch (const db::Error& e) {
            CHECK(e.info().sqlstate == "57014");
        }
        {
            db::Transaction transaction(ours);
            CHECK(std::string(ours.query("SHOW statement_timeout").text(0, 0)) == "200ms");
        }
        const long long ourServer = scalar(ours, "SELECT pg_backend_pid()");
        auto next = db::Connection::open(pooled.bouncer->params("stage1_app"));
        CHECK(scalar(next, "SELECT pg_backend_pid()") == ourServer);  // the one shared server connection
        CHECK(std::string(next.query("SHOW statement_timeout").text(0, 0)) == own);

        // And the check would see a leak: what a session-level set_config leaves behind.
        ours.query("SELECT set_config('statement_timeout', '777ms', false)");
        CHECK(std::string(next.query("SHOW statement_timeout").text(0, 0)) == "777ms");
    }
}

TEST_CASE("the window's Workbench connects through PgBouncer, loads the tree and leaves no timeout behind") {
    Pooled pooled;
    testsupport::WorkbenchHarness h;
    testsupport::editForm(h.wb, [&](app::ConnectionForm& f) {
        f.host = "127.0.0.1";
        f.port = pooled.bouncer->port();
        f.user = "stage1_app";
        f.dbname = "stage1_trading";
        f.sslmode = "disable";
        f.extraKeywords["passfile"] = "/dev/null";
    });
    h.wb.connection().connect();
    REQUIRE(h.until([&] { return h.phase() != app::ConnectionPhase::Connecting; }));
    REQUIRE_MESSAGE(h.phase() == app::ConnectionPhase::Connected, pooled.bouncer->log());
    CHECK(h.wb.state().connection.facts.throughPooler);
    REQUIRE(h.until([&] { return h.wb.state().hierarchy.datasets.loaded && !h.wb.busy(); }));
    CHECK(h.wb.state().hierarchy.datasets.items.size() == 2);
    CHECK(pooled.pooledSetting("stage1_app") == "0");
}

TEST_CASE(
    "migrate and replay-spool refuse to run through PgBouncer, change nothing, and work on the direct port") {
    Pooled pooled;
    auto owner = db::Connection::open(pooled.direct("postgres"));
    owner.exec(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) VALUES ('" +
        kDataset + "', 'BTC', '4h', 'test', 'pooled_spool')");
    const long long ledger = scalar(owner, "SELECT count(*) FROM stage1_schema_migrations");

    SUBCASE("migrate") {
        const std::string fresh = pooled.bouncer->dsn("postgres", "stage1_fresh");  // nothing applied yet
        ProcessResult refused = Pooled::ctl(fresh, {"migrate", "--json"});
        CHECK(refused.exitCode == 2);
        CHECK_MESSAGE(refused.err.find("connection pooler") != std::string::npos, refused.err);
        CHECK(refused.err.find("--port 5432") != std::string::npos);
        CHECK(refused.err.find("session-mode pool") != std::string::npos);
        CHECK(json::parse(refused.out)["error"]["kind"] == "pooler");
        auto freshOwner = db::Connection::open(pooled.pg.adminParams("stage1_fresh"));
        CHECK(freshOwner.query("SELECT to_regclass('stage1_schema_migrations') IS NULL").boolean(0, 0));
        CHECK(pooled.pooledCtl({"migrate"}, "postgres").exitCode == 2);  // an up-to-date one alike
        CHECK(scalar(owner, "SELECT count(*) FROM stage1_schema_migrations") == ledger);

        ProcessResult direct = Pooled::ctl(pooled.directDsn("postgres", "stage1_fresh"), {"migrate"});
        CHECK_MESSAGE(direct.exitCode == 0, direct.err);
        CHECK(scalar(freshOwner, "SELECT count(*) FROM stage1_schema_migrations") == ledger);
        CHECK(Pooled::ctl(pooled.directDsn("postgres"), {"migrate"}).out.find("nothing to apply") !=
              std::string::npos);
        // status only reads: it works through the pooler.
        CHECK(pooled.pooledCtl({"status"}, "postgres").exitCode == 0);
    }

    SUBCASE("replay-spool") {
        testsupport::ScratchDir dir;
        const fs::path spool = dir.path() / "pending_postgres_inserts.sql";
        const std::string script =
            "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, "
            "feature_columns, "
            "hyperparameters, walk_config) VALUES ('00000000-0000-4000-8000-000000000001', '" +
            kDataset + "', 'pooled', '[]', '{}', '{}');\n";
        testsupport::writeFile(spool, script);
        ProcessResult refused = pooled.pooledCtl({"replay-spool", spool.string()}, "postgres");
        CHECK(refused.exitCode == 2);
        CHECK_MESSAGE(refused.err.find("connection pooler") != std::string::npos, refused.err);
        CHECK(refused.err.find("--port 5432") != std::string::npos);
        CHECK(testsupport::readFile(spool) == script);  // not renamed, not archived
        CHECK_FALSE(fs::exists(dir.path() / "archive"));
        CHECK(scalar(owner, "SELECT count(*) FROM stage1_spool_ledger") == 0);
        CHECK(scalar(owner,
                     "SELECT count(*) FROM walkforward_runs WHERE prediction_measurement = 'pooled'") == 0);
        // Nothing of the refused run is left on the shared server connection either.
        CHECK(pooled.pooledSetting("postgres", "application_name") != "stage1ctl replay-spool");

        ProcessResult direct = Pooled::ctl(pooled.directDsn("postgres"), {"replay-spool", spool.string()});
        CHECK_MESSAGE(direct.exitCode == 0, direct.err);
        CHECK(scalar(owner,
                     "SELECT count(*) FROM walkforward_runs WHERE prediction_measurement = 'pooled'") == 1);
        CHECK(scalar(owner, "SELECT count(*) FROM stage1_spool_ledger") == 1);
    }
}
