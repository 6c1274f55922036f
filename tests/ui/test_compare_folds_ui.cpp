// Compare and Folds in the real window, driven like a person: Ctrl/Shift-click marks runs in the
// tree and in the search results, Compare shows only the differences with a hidden count, the
// reference moves, the table copies as TSV and Markdown; a run's Details show its folds, the
// findings, the timeline and the metric chart with its hover.
#include <doctest/doctest.h>

#include <algorithm>

#include "tests/support/test_database.hpp"
#include "tests/ui/window_harness.hpp"
#include "ui/test_tags.hpp"

using testsupport::WindowHarness;

namespace {

// One dataset of six runs, four folds each; its first three runs carry demo-seed's deliberate
// fold problems (db/schema/demo_seed.cpp).
void seed(const testsupport::TestDatabase& database) {
    auto seeded =
        database.ctl({"demo-seed", "--datasets", "1", "--runs-per-dataset", "6", "--sims-per-run", "1"});
    REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
}

std::string only(const testsupport::TestDatabase& database, const std::string& sql) {
    auto r = database.connect().query(sql);
    REQUIRE(r.rows() == 1);
    return std::string(r.text(0, 0));
}

size_t lines(const std::string& text) {
    return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// The runs as the tree lists them (newest first), once the dataset is expanded.
std::vector<app::RunNode const*> treeRuns(WindowHarness& w) {
    std::vector<app::RunNode const*> runs;
    for (const auto& run : w.state().hierarchy.datasets.items.at(0).runs.items) runs.push_back(&run);
    return runs;
}

void expandDataset(WindowHarness& w) {
    const std::string slug = w.state().hierarchy.datasets.items.at(0).row.slug;
    w.ui().click("tree.toggle.dataset." + slug);
    REQUIRE(w.ui().runUntil([&] { return w.state().hierarchy.datasets.items.at(0).runs.loaded && w.idle(); },
                            15.0));
}

}  // namespace

TEST_CASE("compare: Ctrl and Shift-click mark runs in the tree, only differences, reference, copy, remove") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database);
    WindowHarness w;
    w.connectByTyping(database);
    expandDataset(w);
    const auto runs = treeRuns(w);
    REQUIRE(runs.size() == 6);
    auto tag = [&](size_t i) { return "tree.run." + runs[i]->row.measurement; };

    w.ui().click(tag(0));
    CHECK(w.state().compare.marked == std::vector<std::string>{runs[0]->row.runId});
    CHECK_FALSE(w.ui().drawn("tree.compare"));  // one run: nothing to compare yet
    w.ui().click(tag(2), true, false);          // Ctrl: adds
    w.ui().click(tag(4), true, true);           // Ctrl+Shift: adds the range from the last Ctrl-click
    CHECK(w.state().compare.marked == std::vector<std::string>{runs[0]->row.runId, runs[2]->row.runId,
                                                               runs[3]->row.runId, runs[4]->row.runId});
    w.ui().click(tag(3), true, false);  // Ctrl on a marked run: takes it out
    CHECK(w.state().compare.marked.size() == 3);
    CHECK(w.state().selection.runId == runs[3]->row.runId);  // the details follow the click

    REQUIRE(w.ui().drawn("tree.compare"));
    w.ui().click("tree.compare");
    REQUIRE(w.ui().runUntil([&] { return w.state().compare.comparison.has_value() && w.idle(); }, 15.0));
    w.ui().frames(2);
    REQUIRE(w.ui().drawn("compare.table"));  // the tab came forward by itself
    const app::RunComparison& comparison = *w.state().compare.comparison;
    CHECK(comparison.runIds ==
          std::vector<std::string>{runs[0]->row.runId, runs[2]->row.runId, runs[4]->row.runId});
    const size_t differing = comparison.differing();
    const size_t hidden = comparison.rows.size() - differing;
    REQUIRE(hidden > 0);  // walk.folds is 4 for every run
    std::string text = w.ui().snapshot();
    CHECK(text.find(std::to_string(hidden) + " where all runs agree are hidden") != std::string::npos);
    CHECK(text.find("measurement") != std::string::npos);
    CHECK(text.find("walk.folds") == std::string::npos);
    CHECK(text.find("reference") != std::string::npos);

    // The table as TSV and Markdown: a header and the differing rows only.
    w.ui().click("compare.copy_tsv");
    std::string tsv = WindowHarness::clipboard();
    CHECK(tsv.rfind("key\t" + runs[0]->row.runId + "\t", 0) == 0);
    CHECK(lines(tsv) == differing + 1);
    w.ui().click("compare.copy_markdown");
    const std::string markdown = WindowHarness::clipboard();
    CHECK(markdown.rfind("| key |", 0) == 0);
    CHECK(lines(markdown) == differing + 2);  // header, the |---| line, the rows

    // Every row when "Only differences" is off.
    w.ui().click("compare.only_differences");
    CHECK_FALSE(w.state().compare.onlyDifferences);
    text = w.ui().snapshot();
    CHECK(text.find("walk.folds") != std::string::npos);
    w.ui().click("compare.copy_tsv");
    CHECK(lines(WindowHarness::clipboard()) == comparison.rows.size() + 1);

    // Another reference, then one run less.
    w.ui().click("compare.make_reference.2");
    CHECK(w.state().compare.reference == 2);
    CHECK(w.ui().drawn("compare.reference.2"));
    CHECK(w.ui().drawn("compare.make_reference.0"));
    w.ui().click("compare.only_differences");
    CHECK(w.state().compare.onlyDifferences);
    w.screenshot("compare-runs");
    w.ui().click("compare.remove.1");
    CHECK(w.state().compare.comparison->runIds ==
          std::vector<std::string>{runs[0]->row.runId, runs[4]->row.runId});
    CHECK(w.state().compare.reference == 1);  // it stays on the same run
    CHECK_FALSE(w.wb().compare().isMarked(runs[2]->row.runId));

    // Down to none, one "x" at a time: the hint comes back.
    w.ui().click("compare.remove.1");
    CHECK(w.state().compare.comparison->runIds == std::vector<std::string>{runs[0]->row.runId});
    w.ui().click("compare.remove.0");
    CHECK_FALSE(w.state().compare.comparison.has_value());
    CHECK(w.state().compare.marked.empty());
    CHECK(w.ui().snapshot().find("Mark runs in the tree or the search results") != std::string::npos);
}

TEST_CASE("compare: the context menu compares the marked runs, a Shift range in the search results") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database);
    WindowHarness w;
    w.connectByTyping(database);
    expandDataset(w);
    const auto runs = treeRuns(w);
    w.ui().click("tree.run." + runs[1]->row.measurement);
    w.ui().click("tree.run." + runs[5]->row.measurement, true, false);
    w.ui().rightClick("tree.run." + runs[5]->row.measurement);
    REQUIRE(w.ui().drawn("menu.compare"));
    CHECK(w.ui().snapshot().find("Compare marked runs (2)") != std::string::npos);
    w.ui().click("menu.compare");
    REQUIRE(w.ui().runUntil([&] { return w.state().compare.comparison.has_value() && w.idle(); }, 15.0));
    CHECK(w.state().compare.comparison->runIds.size() == 2);

    // In the search results: a plain click, then Shift-click three rows down marks four runs.
    w.ui().fill("search.query", "walk.folds = 4");
    REQUIRE(w.ui().runUntil([&] { return w.state().search.request.phase == app::RequestPhase::Done; }, 15.0));
    REQUIRE(w.state().search.rows.size() == 6);
    w.ui().click("search.row.1");
    w.ui().click("search.row.4", false, true);
    std::vector<std::string> expected;
    for (size_t i = 1; i <= 4; ++i) expected.push_back(w.state().search.rows[i].runId);
    CHECK(w.state().compare.marked == expected);
    REQUIRE(w.ui().drawn("search.compare"));
    w.ui().click("search.compare");
    REQUIRE(w.ui().runUntil([&] { return w.state().compare.runs.size() == 4 && w.idle(); }, 15.0));
    CHECK(w.state().compare.comparison->runIds == expected);
}

TEST_CASE("compare: runs of 3,000 features each draw their feature sets in bounded frames") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database);
    auto conn = database.connect();
    auto ids = conn.query("SELECT run_id FROM walkforward_runs ORDER BY run_id LIMIT 2");
    const std::vector<std::string> runIds{std::string(ids.text(0, 0)), std::string(ids.text(1, 0))};
    for (size_t i = 0; i < runIds.size(); ++i)
        conn.query(
            "UPDATE walkforward_runs SET feature_columns = (SELECT jsonb_agg($2 || g || '_' || repeat('x', "
            "8)) "
            "FROM generate_series(1, 3000) g) WHERE run_id = $1",
            {runIds[i], std::string(i == 0 ? "alpha_" : "beta_")});
    WindowHarness w;
    w.connectByTyping(database);
    w.wb().compare().compare(runIds);
    REQUIRE(w.ui().runUntil([&] { return w.state().compare.comparison.has_value() && w.idle(); }, 15.0));
    w.ui().frames(2);
    REQUIRE(w.ui().drawn("compare.features.only.0"));
    w.ui().resetStats();
    w.ui().frames(20);
    CHECK(w.ui().worstDrawMs() < 50.0);
    const std::string text = w.ui().snapshot();
    CHECK(text.find("alpha_1000_xxxxxxxx, alpha_1001_xxxxxxxx") != std::string::npos);  // sorted
    CHECK(text.find("alpha_999_xxxxxxxx") == std::string::npos);  // the last sorted: counted, not drawn
    CHECK(text.find("and 2713 more") != std::string::npos);  // 287 names fit in the 6,000 characters shown
    // Copy features carries all 6,000, one row each.
    w.ui().click("compare.copy_features");
    const std::string tsv = WindowHarness::clipboard();
    CHECK(lines(tsv) == 6001);
    CHECK(tsv.find("\nalpha_3000_xxxxxxxx\t1\t\n") != std::string::npos);
}

TEST_CASE("folds: the table, the findings in words, the timeline and the metric chart with its hover") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database);
    WindowHarness w;
    w.connectByTyping(database);
    // demo-seed's first run overlaps its test windows.
    const std::string overlapping = only(
        database, "SELECT run_id FROM walkforward_runs WHERE prediction_measurement LIKE '%\\_\\_wf000000'");
    w.wb().hierarchy().revealRun(overlapping);
    REQUIRE(w.ui().runUntil([&] { return w.state().folds.run.has_value() && w.idle(); }, 15.0));
    w.ui().frames(2);
    CHECK(w.ui().drawn("folds.table"));
    CHECK(w.ui().drawn("folds.timeline"));
    CHECK(w.ui().drawn("folds.chart"));
    REQUIRE(w.ui().drawn("folds.finding.0"));
    CHECK(w.state().folds.findings.at(0).kind == "test_overlap");
    std::string text = w.ui().snapshot();
    CHECK(text.find("test_overlap") != std::string::npos);
    CHECK(text.find(w.state().folds.findings.at(0).message) != std::string::npos);
    CHECK(text.find("train start") != std::string::npos);  // the table's header
    const std::string firstTestStart = w.state().folds.run->folds.at(0).testStart.substr(0, 10);
    CHECK(text.find(firstTestStart) != std::string::npos);

    // Hovering the chart names a fold and its value; hovering a lane names the fold's windows.
    REQUIRE_FALSE(w.state().folds.chartMetric.empty());
    w.ui().hover("folds.chart");
    text = w.ui().snapshot();
    CHECK(text.find("fold ") != std::string::npos);
    CHECK(text.find(": " + w.state().folds.chartMetric + " ") != std::string::npos);
    CHECK(text.find("mean ") != std::string::npos);
    w.ui().hover("folds.timeline");
    text = w.ui().snapshot();
    CHECK(text.find("train ") != std::string::npos);
    CHECK(text.find("test  ") != std::string::npos);
    w.screenshot("folds-timeline");

    // A clean run says so; the third deliberate run starts testing before its training ends.
    const std::string clean = only(
        database, "SELECT run_id FROM walkforward_runs WHERE prediction_measurement LIKE '%\\_\\_wf000004'");
    w.wb().hierarchy().revealRun(clean);
    REQUIRE(w.ui().runUntil([&] { return w.state().folds.run && w.state().folds.runId == clean && w.idle(); },
                            15.0));
    w.ui().frames(2);
    CHECK(w.ui().drawn("folds.no_findings"));
    const std::string early = only(
        database, "SELECT run_id FROM walkforward_runs WHERE prediction_measurement LIKE '%\\_\\_wf000002'");
    w.wb().hierarchy().revealRun(early);
    REQUIRE(w.ui().runUntil([&] { return w.state().folds.run && w.state().folds.runId == early && w.idle(); },
                            15.0));
    w.ui().frames(2);
    REQUIRE_FALSE(w.state().folds.findings.empty());
    CHECK(w.state().folds.findings.front().kind == "test_before_train_end");
    CHECK(w.ui().snapshot().find("test_before_train_end") != std::string::npos);
}

TEST_CASE("folds: a run of 300 folds is one picture of thin lanes, and its frames stay short") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database);
    const std::string run = only(database, "SELECT run_id FROM walkforward_runs ORDER BY run_id LIMIT 1");
    auto conn = database.connect();
    conn.query("DELETE FROM walkforward_folds WHERE run_id = $1", {run});
    conn.query(
        "INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end, "
        "metrics) "
        "SELECT $1, i, t, t + interval '30 days', t + interval '30 days', t + interval '32 days', "
        "       jsonb_build_object('sharpe', sin(i)) "
        "FROM generate_series(0, 299) i, LATERAL (SELECT timestamptz '2024-01-01' + i * interval '1 day' AS "
        "t) s",
        {run});
    WindowHarness w;
    w.connectByTyping(database);
    w.wb().hierarchy().revealRun(run);
    REQUIRE(w.ui().runUntil([&] { return w.state().folds.run && w.state().folds.runId == run && w.idle(); },
                            15.0));
    REQUIRE(w.state().folds.run->folds.size() == 300);
    // Each test window overlaps the next: 299 findings, five shown and the rest folded away.
    REQUIRE(w.state().folds.findings.size() >= 299);
    w.ui().frames(2);
    CHECK(w.ui().drawn("folds.finding.4"));
    CHECK_FALSE(w.ui().drawn("folds.finding.5"));
    REQUIRE(w.ui().drawn("folds.more_findings"));
    w.ui().click("folds.more_findings");
    CHECK(w.ui().drawn("folds.finding.5"));
    w.ui().click("folds.more_findings");  // folded again
    w.ui().hover("folds.timeline");       // scrolls it into view
    const ui::TaggedRect* timeline = ui::FindTag("folds.timeline");
    REQUIRE(timeline != nullptr);
    const float height = timeline->max.y - timeline->min.y;
    CHECK(height < 500.0f);  // 300 lanes at full size would be over 4,000 px
    CHECK(height > 200.0f);
    w.ui().resetStats();
    w.ui().frames(30);
    CHECK(w.ui().worstDrawMs() < 50.0);
    // The last lane is reachable and names its fold.
    w.ui().hover("folds.lane.299");
    CHECK(w.ui().snapshot().find("fold 299") != std::string::npos);
}

TEST_CASE("a simulation's Details show its parameters as a table") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database);
    auto conn = database.connect();
    conn.exec(
        "UPDATE simulation_runs SET parameters = '{\"fee_bps\": 7, \"sizing\": {\"kind\": \"kelly\"}}'");
    WindowHarness w;
    w.connectByTyping(database);
    expandDataset(w);
    const app::RunNode& run = *treeRuns(w).at(0);
    w.ui().click("tree.toggle.run." + run.row.measurement);
    REQUIRE(w.ui().runUntil([&] { return treeRuns(w).at(0)->simulations().loaded && w.idle(); }, 15.0));
    const std::string ns = treeRuns(w).at(0)->simulations().items.at(0).namespaceName;
    w.ui().click("tree.sim." + ns);
    REQUIRE(w.ui().runUntil([&] { return w.state().details.stored.has_value() && w.idle(); }, 15.0));
    w.ui().frames(2);
    CHECK(w.state().selection.kind == app::Selection::Kind::Simulation);
    REQUIRE(w.ui().drawn("details.parameters"));
    const std::string text = w.ui().snapshot();
    CHECK(text.find("sizing.kind") != std::string::npos);
    CHECK(text.find("kelly") != std::string::npos);
    CHECK(text.find("fee_bps") != std::string::npos);
}
