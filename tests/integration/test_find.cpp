// stage1ctl find and db::search::findExact against the real cluster: every kind of id and name,
// nothing found, hostile text, and stage1_app's privileges are enough.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "db/search/find.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;
using testsupport::TestDatabase;

namespace {

std::string scalar(db::Connection& conn, const std::string& sql) {
    return std::string(conn.query(sql).text(0, 0));
}

json findJson(const TestDatabase& database, const std::string& text, int expectedExit = 0) {
    auto r = database.ctl({"find", text, "--json"});
    INFO(r.err);
    CHECK(r.exitCode == expectedExit);
    json j;
    REQUIRE_NOTHROW(j = json::parse(r.out));
    return j;
}

}  // namespace

TEST_CASE("find resolves every id and name to its kind and place in the tree, exactly") {
    TestDatabase database;
    database.migrate();
    auto seeded =
        database.ctl({"demo-seed", "--datasets", "2", "--runs-per-dataset", "3", "--sims-per-run", "2"});
    REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
    auto conn = database.connect();
    const std::string datasetId =
        scalar(conn, "SELECT dataset_id FROM indicator_datasets ORDER BY 1 LIMIT 1");
    const std::string slug =
        scalar(conn, "SELECT questdb_tag FROM indicator_datasets WHERE dataset_id = '" + datasetId + "'");
    const std::string runId =
        scalar(conn, "SELECT run_id FROM walkforward_runs WHERE dataset_id = '" + datasetId + "' LIMIT 1");
    const std::string measurement =
        scalar(conn, "SELECT prediction_measurement FROM walkforward_runs WHERE run_id = '" + runId + "'");
    const std::string simulationId =
        scalar(conn, "SELECT simulation_id FROM simulation_runs WHERE run_id = '" + runId + "' LIMIT 1");
    const std::string ns = scalar(
        conn, "SELECT questdb_namespace FROM simulation_runs WHERE simulation_id = '" + simulationId + "'");

    struct Case {
        std::string text, kind, id, matchedBy;
    };
    for (const Case& c :
         {Case{datasetId, "dataset", datasetId, "dataset_id"}, Case{slug, "dataset", datasetId, "slug"},
          Case{runId, "run", runId, "run_id"}, Case{measurement, "run", runId, "prediction_measurement"},
          Case{simulationId, "simulation", simulationId, "simulation_id"},
          Case{ns, "simulation", simulationId, "questdb_namespace"}}) {
        CAPTURE(c.text);
        json j = findJson(database, c.text);
        CHECK(j["query"] == c.text);
        REQUIRE(j["matches"].size() == 1);
        const json& m = j["matches"][0];
        CHECK(m["kind"] == c.kind);
        CHECK(m["id"] == c.id);
        CHECK(m["matched_by"] == c.matchedBy);
        CHECK(m["dataset_id"] == datasetId);
        if (c.kind == "dataset")
            CHECK(m["run_id"].is_null());
        else
            CHECK(m["run_id"] == runId);
    }
    // Exact, not a substring and not case-folded: a prefix of the slug or its upper case is nothing.
    CHECK(findJson(database, slug.substr(0, slug.size() - 1), 1)["matches"].empty());
    // Text output: one line per match; nothing found says so on stderr and exits 1.
    auto text = database.ctl({"find", runId});
    CHECK(text.exitCode == 0);
    CHECK(text.out.find("run  " + runId) == 0);
    auto none = database.ctl({"find", "no_such_thing_4h"});
    CHECK(none.exitCode == 1);
    CHECK(none.out.empty());
    CHECK(none.err.find("nothing is called 'no_such_thing_4h'") != std::string::npos);
    // A usage error names what is missing.
    auto usage = database.ctl({"find"});
    CHECK(usage.exitCode == 2);
    CHECK(usage.err.find("find needs the text to look up") != std::string::npos);
}

TEST_CASE("find treats hostile text as a name, and stage1_app may run it") {
    TestDatabase database;
    database.migrate();
    auto seeded =
        database.ctl({"demo-seed", "--datasets", "1", "--runs-per-dataset", "2", "--sims-per-run", "1"});
    REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
    for (const std::string hostile : {"'; DROP TABLE walkforward_runs; --", "$1", "x' OR '1'='1", "\\\\' ;",
                                      "00000000-0000-0000-0000-00000000000g"}) {
        CAPTURE(hostile);
        CHECK(findJson(database, hostile, 1)["matches"].empty());
    }
    auto conn = database.connect();
    CHECK(scalar(conn, "SELECT count(*) FROM walkforward_runs") == "2");
    const std::string runId = scalar(conn, "SELECT run_id FROM walkforward_runs LIMIT 1");
    conn.exec("BEGIN; SET LOCAL ROLE stage1_app");
    const auto matches = db::search::findExact(conn, runId);
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].kind == db::search::MatchKind::Run);
    conn.exec("ROLLBACK");
}
