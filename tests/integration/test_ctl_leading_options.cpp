// Connection options before the command against the real cluster: `stage1ctl --dsn ... migrate`
// and `stage1ctl --profile prod runs --dataset x` do what the same options after the command do.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "app/connect/profiles.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;
using testsupport::TestDatabase;

namespace {

testsupport::ProcessResult ctl(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env = {}) {
    return testsupport::runStage1ctl(args, env);
}

}  // namespace

TEST_CASE("stage1ctl --dsn ... migrate, then status with --dsn before and after the command") {
    TestDatabase database;
    auto migrate = ctl({"--dsn", database.dsn(), "migrate", "--json"});
    INFO(migrate.err);
    REQUIRE(migrate.exitCode == 0);
    CHECK(json::parse(migrate.out)["ok"] == true);

    auto before = ctl({"--dsn", database.dsn(), "status"});
    auto after = ctl({"status", "--dsn", database.dsn()});
    INFO(before.err);
    CHECK(before.exitCode == 0);
    CHECK(before.out.find("0 pending, 0 mismatched") != std::string::npos);
    CHECK(before.out == after.out);
    CHECK(before.exitCode == after.exitCode);
    // --dsn=... is one word, as after the command.
    CHECK(ctl({"--dsn=" + database.dsn(), "status"}).out == after.out);
}

TEST_CASE("stage1ctl --profile prod runs --dataset x lists the runs the profile's database holds") {
    TestDatabase database;
    database.migrate();
    auto seeded = database.ctl({"demo-seed", "--datasets", "1", "--runs-per-dataset", "3", "--sims-per-run",
                                "0", "--folds-per-run", "1"});
    REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
    std::string slug = std::string(
        database.connect().query("SELECT questdb_tag FROM indicator_datasets LIMIT 1").text(0, 0));

    testsupport::ScratchDir config;
    app::Profile prod;
    prod.name = "prod";
    prod.settings.host = testsupport::cluster().socketDir;
    prod.settings.port = testsupport::cluster().port;
    prod.settings.user = "postgres";
    prod.settings.dbname = database.name();
    app::saveProfiles(config.path() / "stage1-debugger" / "profiles.json", {prod});
    const std::map<std::string, std::string> env = {{"XDG_CONFIG_HOME", config.path().string()},
                                                    {"STAGE1_PROFILE", ""}};

    auto before = ctl({"--profile", "prod", "runs", "--dataset", slug, "--json"}, env);
    INFO(before.err);
    REQUIRE(before.exitCode == 0);
    CHECK(json::parse(before.out)["rows"].size() == 3);
    auto after = ctl({"runs", "--dataset", slug, "--json", "--profile", "prod"}, env);
    CHECK(after.exitCode == 0);
    CHECK(after.out == before.out);
    // Flags before the command override the profile, as after it: a database that does not exist.
    auto overridden = ctl({"--profile", "prod", "--db", "no_such_database", "runs", "--dataset", slug}, env);
    CHECK(overridden.exitCode == 3);
    CHECK(overridden.err.find("no_such_database") != std::string::npos);
    // Twice, once in each place: refused before anything connects.
    auto twice = ctl({"--profile", "prod", "runs", "--dataset", slug, "--profile", "prod"}, env);
    CHECK(twice.exitCode == 2);
    CHECK(twice.err.find("--profile given twice: before the command and after it") != std::string::npos);
}
