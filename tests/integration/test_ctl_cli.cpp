// stage1ctl as operators and cron call it: usage errors, unreachable servers, demo-seed.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "db/schema/demo_seed.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/test_database.hpp"

using testsupport::TestDatabase;

namespace {

testsupport::ProcessResult ctl(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env = {}) {
    return testsupport::runStage1ctl(args, env);
}

}  // namespace

TEST_CASE("usage errors exit 2 and say what was wrong") {
    auto none = ctl({});
    CHECK(none.exitCode == 2);
    CHECK(none.err.find("usage: stage1ctl") != std::string::npos);
    auto unknown = ctl({"frobnicate"});
    CHECK(unknown.exitCode == 2);
    CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
    auto badFlag = ctl({"migrate", "--no-such-flag"});
    CHECK(badFlag.exitCode == 2);
    CHECK(badFlag.err.find("unknown option --no-such-flag") != std::string::npos);
    auto badNumber = ctl({"demo-seed", "--datasets", "many"});
    CHECK(badNumber.exitCode == 2);
    CHECK(badNumber.err.find("--datasets expects a whole number") != std::string::npos);
    auto badDsn = ctl({"status", "--dsn", "host=127.0.0.1 nonsense"});
    CHECK(badDsn.exitCode == 2);
    CHECK(badDsn.err.find("--dsn is not a valid") != std::string::npos);
    auto help = ctl({"migrate", "--help"});
    CHECK(help.exitCode == 0);
    CHECK(help.out.find("--lock-wait") != std::string::npos);
}

TEST_CASE("an unreachable server exits 3 with libpq's reason and no password in the output") {
    std::string port = testsupport::closedLoopbackPort();
    auto refused = ctl({"status", "--json"}, {{"STAGE1_POSTGRES_HOST", "127.0.0.1"},
                                              {"STAGE1_POSTGRES_PORT", port},
                                              {"STAGE1_POSTGRES_USER", "stage1_app"},
                                              {"STAGE1_POSTGRES_PASSWORD", "s3cret-never-printed"},
                                              {"STAGE1_POSTGRES_DB", "stage1_trading"}});
    CHECK(refused.exitCode == 3);
    CHECK(refused.err.find("Connection refused") != std::string::npos);
    CHECK(refused.err.find("stage1_app@127.0.0.1:" + port + "/stage1_trading") != std::string::npos);
    CHECK((refused.out + refused.err).find("s3cret-never-printed") == std::string::npos);
    auto j = nlohmann::json::parse(refused.out);
    CHECK(j["ok"] == false);
    CHECK(j["error"]["kind"] == "connection");
}

TEST_CASE("STAGE1_POSTGRES_* variables reach the server when no --dsn is given") {
    TestDatabase database;
    database.migrate();
    auto status = ctl({"status"}, {{"STAGE1_POSTGRES_HOST", testsupport::cluster().socketDir},
                                   {"STAGE1_POSTGRES_PORT", testsupport::cluster().port},
                                   {"STAGE1_POSTGRES_USER", "postgres"},
                                   {"STAGE1_POSTGRES_DB", database.name()}});
    INFO(status.err);
    CHECK(status.exitCode == 0);
    CHECK(status.out.find("0 pending, 0 mismatched") != std::string::npos);
}

TEST_CASE("demo-seed fills every table, leaves some configs NULL, and writes the legacy form exactly") {
    TestDatabase database;
    database.migrate();
    auto seeded = database.ctl({"demo-seed", "--datasets", "3", "--runs-per-dataset", "40", "--sims-per-run",
                                "2", "--folds-per-run", "3", "--null-config-percent", "20", "--json"});
    INFO(seeded.err);
    REQUIRE(seeded.exitCode == 0);
    auto j = nlohmann::json::parse(seeded.out);
    CHECK(j["datasets"] == 3);
    CHECK(j["runs"] == 120);
    CHECK(j["folds"] == 360);
    CHECK(j["simulations"] == 240);

    auto conn = database.connect();
    auto count = [&](const char* sql) { return conn.query(sql).integer(0, 0); };
    CHECK(count("SELECT count(*) FROM walkforward_runs WHERE serialized_config IS NULL") > 0);
    CHECK(count("SELECT count(*) FROM simulation_runs WHERE serialized_config IS NULL") > 0);
    // The seed writes what migration 0003 would have: compare with jsonb's own text form.
    CHECK(count("SELECT count(*) FROM walkforward_runs WHERE serialized_config IS NOT NULL AND "
                "serialized_config <> "
                "feature_columns::text || E'\\n' || hyperparameters::text || E'\\n' || walk_config::text") ==
          0);
    CHECK(count("SELECT count(*) FROM simulation_runs s JOIN walkforward_runs r USING (run_id) "
                "WHERE s.serialized_config IS NOT NULL AND s.serialized_config <> r.feature_columns::text || "
                "E'\\n' || "
                "r.hyperparameters::text || E'\\n' || r.walk_config::text || "
                "CASE WHEN s.parameters::text <> '{}' THEN E'\\n' || s.parameters::text ELSE '' END") == 0);
    CHECK(count("SELECT count(DISTINCT created_at) FROM walkforward_runs") < 120);  // ties on purpose

    // Seeding again never collides with the slugs already there.
    auto again =
        database.ctl({"demo-seed", "--datasets", "3", "--runs-per-dataset", "2", "--sims-per-run", "0"});
    INFO(again.err);
    CHECK(again.exitCode == 0);
    CHECK(count("SELECT count(*) FROM indicator_datasets") == 6);
}

TEST_CASE("with --json every kind of failure prints one JSON shape on stdout, and the message on stderr") {
    TestDatabase database;  // not migrated: the browse queries fail on the server
    const std::string stage1ctl = testsupport::requiredEnv("STAGE1CTL");
    struct Case {
        std::vector<std::string> argv;
        int exitCode;
        std::string kind;
        bool diagnosis;
    };
    const std::vector<Case> cases = {
        {{"runs", "--json", "--no-such-flag"}, 2, "usage", false},
        {{"datasets", "--json", "--limit", "many"}, 2, "usage", false},
        {{"datasets", "--json", "--dsn",
          "host=127.0.0.1 port=" + testsupport::closedLoopbackPort() +
              " dbname=x user=stage1_app connect_timeout=2"},
         3,
         "connection",
         true},
        {{"datasets", "--json", "--dsn", database.dsn()}, 1, "query_failed", false},
        {{"backup", "--json", "--dir", "/tmp", "--pg-bin", "/nonexistent", "--dsn", database.dsn()},
         1,
         "pg_tool_missing",
         false},
        {{"replay-spool", "/nonexistent/spool.sql", "--json", "--dsn", database.dsn()},
         1,
         "not_migrated",
         false},
    };
    for (const auto& c : cases) {
        std::vector<std::string> argv = {stage1ctl};
        argv.insert(argv.end(), c.argv.begin(), c.argv.end());
        auto r = testsupport::runProcess(argv);
        CAPTURE(c.argv[0]);
        CAPTURE(c.kind);
        INFO(r.out << r.err);
        CHECK(r.exitCode == c.exitCode);
        nlohmann::json j;
        REQUIRE_NOTHROW(j = nlohmann::json::parse(r.out));
        CHECK(j["ok"] == false);
        REQUIRE(j["error"].is_object());
        CHECK(j["error"]["kind"] == c.kind);
        REQUIRE(j["error"]["message"].is_string());
        CHECK(!j["error"]["message"].get<std::string>().empty());
        for (const auto& [key, value] : j.items())
            CHECK((key == "ok" || key == "error" || key == "diagnosis"));
        CHECK(j.contains("diagnosis") == c.diagnosis);
        if (c.kind == "query_failed")
            CHECK(j["error"]["sqlstate"] == "42883");  // fn_list_datasets is missing
        // The same message for a person on stderr.
        CHECK(r.err.find(j["error"]["message"].get<std::string>().substr(0, 30)) != std::string::npos);
    }
}
