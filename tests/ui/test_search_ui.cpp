// The search bar, its results list and the Ctrl+L jump box in the real window, driven like a person.
#include <doctest/doctest.h>

#include <GLFW/glfw3.h>

#include "tests/support/test_database.hpp"
#include "tests/ui/window_harness.hpp"

using testsupport::WindowHarness;

namespace {

// Two datasets of four runs; one run of each gets a rare model, so the query has two answers.
void seedSearchable(const testsupport::TestDatabase& database) {
    auto seeded =
        database.ctl({"demo-seed", "--datasets", "2", "--runs-per-dataset", "4", "--sims-per-run", "1"});
    REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
    database.connect().exec(
        "UPDATE walkforward_runs r SET hyperparameters = r.hyperparameters || '{\"model\": \"rare_model\"}' "
        "WHERE r.run_id IN (SELECT DISTINCT ON (dataset_id) run_id FROM walkforward_runs ORDER BY "
        "dataset_id, run_id)");
}

}  // namespace

TEST_CASE("search bar: Enter runs the query across datasets, a result opens in the tree, Esc goes back") {
    testsupport::TestDatabase database;
    database.migrate();
    seedSearchable(database);
    WindowHarness w;
    w.connectByTyping(database);
    w.ui().fill("search.query", "hp.model = 'rare_model'");
    REQUIRE(w.ui().runUntil([&] { return w.state().search.request.phase == app::RequestPhase::Done; }, 15.0));
    REQUIRE(w.state().search.rows.size() == 2);
    CHECK(w.state().search.rows[0].datasetId != w.state().search.rows[1].datasetId);
    w.ui().frames(2);
    CHECK(w.ui().drawn("search.results"));
    const std::string text = w.ui().snapshot();
    CHECK(text.find("rare_model") != std::string::npos);  // the named field's column
    CHECK(w.state().search.history.at(0) == "hp.model = 'rare_model'");

    // A result is selectable like a tree row: it is revealed and its details load.
    const std::string runId = w.state().search.rows[1].runId;
    w.ui().click("search.row.1");
    REQUIRE(w.ui().runUntil([&] { return w.state().selection.runId == runId && w.state().details.stored; },
                            15.0));
    w.ui().moveMouseAway();
    w.ui().frames(2);
    w.screenshot("search-results");

    // Copy as CSV: a header row and one line per result.
    w.ui().click("search.copy_csv");
    const std::string csv = WindowHarness::clipboard();
    CHECK(csv.rfind("run_id,dataset,measurement,status,created_at,hp.model\r\n", 0) == 0);
    CHECK(std::count(csv.begin(), csv.end(), '\n') == 3);

    w.ui().moveMouseAway();
    w.ui().press(GLFW_KEY_ESCAPE);
    w.ui().frames(2);
    CHECK_FALSE(w.state().search.active);
    CHECK(w.ui().drawn("tree.filter.apply"));  // the tree is back
}

TEST_CASE("search bar: a malformed query shows its column inline and sends nothing") {
    testsupport::TestDatabase database;
    database.migrate();
    seedSearchable(database);
    WindowHarness w;
    w.connectByTyping(database);
    w.ui().fill("search.query", "hp.model = ");
    w.ui().frames(2);
    REQUIRE(w.state().search.error.has_value());
    CHECK(w.state().search.error->text() == "column 12: expected a value after '='");
    CHECK(w.ui().drawn("search.error"));
    CHECK(w.state().search.request.phase == app::RequestPhase::Idle);  // nothing was sent
    CHECK_FALSE(w.wb().busy());
}

TEST_CASE("Ctrl+L jumps to a run by its measurement and to a dataset by its slug") {
    testsupport::TestDatabase database;
    database.migrate();
    seedSearchable(database);
    auto conn = database.connect();
    const std::string runId(
        conn.query("SELECT run_id FROM walkforward_runs ORDER BY run_id DESC LIMIT 1").text(0, 0));
    const std::string measurement(
        conn.query("SELECT prediction_measurement FROM walkforward_runs WHERE run_id = $1", {runId})
            .text(0, 0));
    const std::string slug(
        conn.query("SELECT questdb_tag FROM indicator_datasets ORDER BY 1 LIMIT 1").text(0, 0));
    WindowHarness w;
    w.connectByTyping(database);
    w.ui().moveMouseAway();
    w.ui().press(GLFW_KEY_L, true);
    w.ui().frames(2);
    REQUIRE(w.ui().drawn("jump.text"));
    w.ui().fill("jump.text", measurement);
    REQUIRE(w.ui().runUntil([&] { return w.state().selection.runId == runId; }, 15.0));
    w.ui().frames(2);
    CHECK_FALSE(w.ui().drawn("jump.text"));  // one match: revealed, the box closed

    w.ui().press(GLFW_KEY_L, true);
    w.ui().frames(2);
    w.ui().fill("jump.text", slug);
    REQUIRE(w.ui().runUntil(
        [&] {
            return w.state().selection.kind == app::Selection::Kind::Dataset &&
                   !w.state().selection.datasetId.empty();
        },
        15.0));
}
