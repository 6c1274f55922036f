// stage1ctl search against the real cluster: the documented --json and csv shapes, keyset paging
// with --after across datasets, no match (exit 0), a bad query refused before anything is sent
// (exit 2, with its column), and hostile values harmless.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <set>

#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;
using testsupport::TestDatabase;

namespace {

void seedSearchable(const TestDatabase& database) {
    auto seeded =
        database.ctl({"demo-seed", "--datasets", "2", "--runs-per-dataset", "5", "--sims-per-run", "1"});
    REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
    auto conn = database.connect();
    // One run of each dataset gets a rare model and feature, so a query has exactly two answers.
    conn.exec(
        "UPDATE walkforward_runs r SET hyperparameters = r.hyperparameters || '{\"model\": \"rare_model\"}', "
        "feature_columns = r.feature_columns || '[\"rare_feature\"]' "
        "WHERE r.run_id IN (SELECT DISTINCT ON (dataset_id) run_id FROM walkforward_runs ORDER BY "
        "dataset_id, run_id)");
}

json searchJson(const TestDatabase& database, const std::vector<std::string>& extra) {
    std::vector<std::string> argv = {"search"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back("--json");
    auto r = database.ctl(argv);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    json j;
    REQUIRE_NOTHROW(j = json::parse(r.out));
    return j;
}

}  // namespace

TEST_CASE("search: --json lists the matching runs across datasets with the named fields, newest first") {
    TestDatabase database;
    database.migrate();
    seedSearchable(database);
    json j = searchJson(database, {"hp.model = 'rare_model' and features has 'rare_feature'"});
    REQUIRE(j["runs"].size() == 2);
    CHECK(j["next"].is_null());
    std::set<std::string> datasets;
    for (const json& run : j["runs"]) {
        for (const char* key : {"run_id", "dataset_slug", "prediction_measurement", "status", "created_at"})
            CHECK(run.contains(key));
        datasets.insert(run["dataset_id"].get<std::string>());
        CHECK(run["fields"]["hp.model"] == "rare_model");
    }
    CHECK(datasets.size() == 2);  // across datasets
    CHECK(j["runs"][0]["created_at"].get<std::string>() >= j["runs"][1]["created_at"].get<std::string>());
    // Nothing matches: exit 0 and no rows.
    json none = searchJson(database, {"hp.model = 'no_such_model'"});
    CHECK(none["runs"].empty());
    CHECK(none["next"].is_null());
}

TEST_CASE("search: --limit and --after page through every match once, and csv has a header row") {
    TestDatabase database;
    database.migrate();
    seedSearchable(database);
    std::set<std::string> seen;
    std::optional<std::string> after;
    int pages = 0;
    do {
        std::vector<std::string> args = {"status != 'no_such_status'", "--limit", "3"};
        if (after) args.insert(args.end(), {"--after", *after});
        json page = searchJson(database, args);
        for (const json& run : page["runs"]) CHECK(seen.insert(run["run_id"].get<std::string>()).second);
        after = page["next"].is_null() ? std::nullopt
                                       : std::optional<std::string>(page["next"].get<std::string>());
        REQUIRE(++pages < 10);
    } while (after);
    CHECK(seen.size() == 10);

    auto csv = database.ctl({"search", "hp.model = 'rare_model'", "--format", "csv"});
    INFO(csv.err);
    REQUIRE(csv.exitCode == 0);
    CHECK(csv.out.rfind("dataset,measurement,status,created_at,hp.model,run_id\r\n", 0) == 0);
    int lines = 0;
    for (char c : csv.out) lines += c == '\n';
    CHECK(lines == 3);  // the header and two runs
    auto both = database.ctl({"search", "status = 'x'", "--format", "csv", "--json"});
    CHECK(both.exitCode == 2);
}

TEST_CASE("search: a bad query is refused with its column before connecting, hostile values are values") {
    TestDatabase database;
    database.migrate();
    seedSearchable(database);
    auto bad = database.ctl({"search", "status = "});
    CHECK(bad.exitCode == 2);
    CHECK(bad.err.find("query: column 10: expected a value after '='") != std::string::npos);
    auto json2 = database.ctl({"search", "hpx.model = 'a'", "--json"});
    CHECK(json2.exitCode == 2);
    json j;
    REQUIRE_NOTHROW(j = json::parse(json2.out));
    CHECK(j["ok"] == false);
    CHECK(j["error"]["message"].get<std::string>().find("column 1") != std::string::npos);
    for (const std::string hostile : {"'; DROP TABLE walkforward_runs; --", "$1", "\\", "%no%", "_no_"}) {
        CAPTURE(hostile);
        std::string quoted;
        for (char c : hostile) quoted += c == '\'' ? std::string("''") : std::string(1, c);
        json none = searchJson(database, {"measurement ~ '" + quoted + "' or hp.\"" + hostile + "\" exists"});
        CHECK(none["runs"].empty());
    }
    auto conn = database.connect();
    CHECK(std::string(conn.query("SELECT count(*) FROM walkforward_runs").text(0, 0)) == "10");
}

TEST_CASE("search: refused before anything is sent, even with no server to send it to") {
    // A server nobody listens on would be exit 3: exit 2 proves the query was judged first.
    auto r = testsupport::runProcess({testsupport::requiredEnv("STAGE1CTL"), "search", "(status = 'a'",
                                      "--dsn", "host=127.0.0.1 port=1 connect_timeout=1"});
    CHECK(r.exitCode == 2);
    CHECK(r.err.find("query: column ") != std::string::npos);
}
