// The window's controller without a window: every intent against the real cluster.
#include <doctest/doctest.h>

#include <chrono>
#include <set>
#include <thread>

#include "app/workbench/workbench.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/workbench_harness.hpp"

using namespace std::chrono_literals;
using testsupport::TestDatabase;

namespace {

using Harness = testsupport::WorkbenchHarness;

// Requests in the one list busy() and the status bar read whose label starts with `prefix`.
size_t active(const app::Workbench& wb, const std::string& prefix) {
    size_t n = 0;
    for (const app::ActiveRequest& r : wb.activeRequests()) n += r.label.rfind(prefix, 0) == 0;
    return n;
}

void seed(const TestDatabase& database, int datasets, int runs, int sims) {
    auto r =
        database.ctl({"demo-seed", "--datasets", std::to_string(datasets), "--runs-per-dataset",
                      std::to_string(runs), "--sims-per-run", std::to_string(sims), "--folds-per-run", "1"});
    REQUIRE_MESSAGE(r.exitCode == 0, r.err);
}

}  // namespace

TEST_CASE("workbench: connect, expand, select a run, and Copy gives the stored bytes exactly") {
    TestDatabase database;
    database.migrate();
    seed(database, 2, 4, 2);
    auto conn = database.connect();
    const std::string stored = "# pasted by hand \t \r\n[features]\r\nzürich ✓   ";
    std::string runId(
        conn.query("SELECT run_id FROM walkforward_runs ORDER BY created_at DESC, run_id DESC LIMIT 1")
            .text(0, 0));
    conn.query("UPDATE walkforward_runs SET serialized_config = $1 WHERE run_id = $2", {stored, runId});

    Harness h;
    h.connectTo(database);
    CHECK(h.wb.state().connection.facts.currentUser == "postgres");
    REQUIRE(h.until([&] { return h.wb.state().connection.schemaVersion > 0; }));
    CHECK(h.wb.state().connection.schemaUpToDate);
    CHECK(h.wb.state().hierarchy.datasets.items.size() == 2);

    // The dataset holding that run, expanded; then the run selected.
    std::string datasetId(
        conn.query("SELECT dataset_id FROM walkforward_runs WHERE run_id = $1", {runId}).text(0, 0));
    int d = h.rowOf(app::RowKind::Dataset, [&](const app::VisibleRow& r) {
        return h.wb.state().hierarchy.datasets.items[static_cast<size_t>(r.dataset)].row.datasetId ==
               datasetId;
    });
    REQUIRE(d >= 0);
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[static_cast<size_t>(d)]);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    int r = h.rowOf(app::RowKind::Run, [&](const app::VisibleRow& row) {
        return h.wb.state()
                   .hierarchy.datasets.items[static_cast<size_t>(row.dataset)]
                   .runs.items[static_cast<size_t>(row.run)]
                   .row.runId == runId;
    });
    REQUIRE(r >= 0);
    h.wb.hierarchy().select(h.wb.hierarchy().visibleRows()[static_cast<size_t>(r)]);
    REQUIRE(h.until([&] { return !h.wb.state().details.request.running() && h.wb.configs().canCopy(); }));
    CHECK(h.wb.configs().copyText() == stored);
    CHECK(
        h.wb.state().details.parseError.has_value());  // hand-written text is shown, flagged, still copyable
    CHECK(h.wb.hierarchy().selectedRowIndex() == r);
    CHECK(h.wb.configs().copyAsJson().find("\"feature_columns\"") != std::string::npos);
}

TEST_CASE("workbench: a pasted config is diffed against the selected run and its identical runs are found") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 5, 0);
    auto conn = database.connect();
    std::string runId(conn.query("SELECT run_id FROM walkforward_runs ORDER BY run_id LIMIT 1").text(0, 0));
    conn.query("UPDATE walkforward_runs SET serialized_config = NULL WHERE run_id = $1", {runId});

    Harness h;
    h.connectTo(database);
    h.wb.hierarchy().revealRun(runId);
    REQUIRE(h.until([&] { return h.wb.state().selection.runId == runId && h.wb.configs().canCopy(); }));
    CHECK(h.wb.state().details.derivedFromJsonb);
    CHECK(h.wb.hierarchy().selectedRowIndex() >= 0);
    const std::string legacy = h.wb.configs().copyText();

    h.wb.configs().paste(legacy);
    REQUIRE(h.until([&] { return !h.wb.state().paste.findRequest.running(); }));
    REQUIRE(h.wb.state().paste.diff);
    CHECK(h.wb.state().paste.diff->identical());
    REQUIRE(h.wb.state().paste.matches.size() == 1);
    CHECK(h.wb.state().paste.matches[0].runId == runId);

    // Change one value: the diff names it, and nothing else.
    std::string modified = legacy;
    auto at = modified.find("\"seed\": ");
    REQUIRE(at != std::string::npos);
    modified.insert(at + 8, "1");
    h.wb.configs().paste(modified);
    REQUIRE(h.until([&] { return !h.wb.state().paste.findRequest.running(); }));
    REQUIRE(h.wb.state().paste.diff);
    CHECK(h.wb.state().paste.diff->added == 1);
    CHECK(h.wb.state().paste.diff->removed == 1);
    CHECK(h.wb.state().paste.matches.empty());
}

TEST_CASE("workbench: every Copy button's text pastes back as the same run, and config check takes it") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 4, 0);
    auto conn = database.connect();
    const std::string legacyRun(
        conn.query("SELECT run_id FROM walkforward_runs ORDER BY run_id LIMIT 1").text(0, 0));
    const std::string currentRun(
        conn.query("SELECT run_id FROM walkforward_runs ORDER BY run_id DESC LIMIT 1").text(0, 0));
    conn.query("UPDATE walkforward_runs SET serialized_config = NULL WHERE run_id = $1", {legacyRun});

    Harness h;
    h.connectTo(database);
    for (const std::string& runId : {legacyRun, currentRun}) {
        CAPTURE(runId);
        h.wb.hierarchy().revealRun(runId);
        REQUIRE(h.until([&] { return h.wb.state().selection.runId == runId && h.wb.configs().canCopy(); }));
        const std::string copy = h.wb.configs().copyText(), json = h.wb.configs().copyAsJson();
        for (const std::string& text : {copy, json}) {
            CAPTURE(text);
            h.wb.configs().paste(text);
            REQUIRE(h.until([&] { return !h.wb.state().paste.findRequest.running(); }));
            REQUIRE(h.wb.state().paste.parsed);
            REQUIRE(h.wb.state().paste.diff);
            CHECK(h.wb.state().paste.diff->identical());
            bool found = false;
            for (const auto& match : h.wb.state().paste.matches) found = found || match.runId == runId;
            CHECK(found);
            auto check = database.ctl({"config", "check"}, text);
            CHECK_MESSAGE(check.exitCode == 0, check.err);
        }
        CHECK(h.wb.state().paste.parsed->form == app::ConfigForm::JsonObject);  // the last one pasted
    }
}

TEST_CASE(
    "workbench: a simulation's Copy and Copy as JSON paste back identical, and config check takes both") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 1, 1);
    Harness h;
    h.connectTo(database);
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows().at(0));  // the dataset
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    const int run = h.rowOf(app::RowKind::Run, [](const app::VisibleRow&) { return true; });
    REQUIRE(run >= 0);
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[static_cast<size_t>(run)]);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    const int sim = h.rowOf(app::RowKind::Simulation, [](const app::VisibleRow&) { return true; });
    REQUIRE(sim >= 0);
    h.wb.hierarchy().select(h.wb.hierarchy().visibleRows()[static_cast<size_t>(sim)]);
    REQUIRE(h.until([&] { return h.wb.configs().canCopy() && !h.wb.busy(); }));
    REQUIRE(h.wb.state().selection.kind == app::Selection::Kind::Simulation);
    const std::string json = h.wb.configs().copyAsJson();
    CHECK(json.find("\"parameters\"") != std::string::npos);  // the simulation's own part travels with it
    for (const std::string& text : {h.wb.configs().copyText(), json}) {
        CAPTURE(text);
        h.wb.configs().paste(text);
        REQUIRE(h.until([&] { return !h.wb.state().paste.findRequest.running(); }));
        REQUIRE(h.wb.state().paste.parsed);
        REQUIRE(h.wb.state().paste.diff);
        CHECK(h.wb.state().paste.diff->identical());
        auto check = database.ctl({"config", "check"}, text);
        CHECK_MESSAGE(check.exitCode == 0, check.err);
    }
}

TEST_CASE("workbench: garbage on the clipboard is an error with line and column, and nothing is sent") {
    TestDatabase database;
    database.migrate();
    Harness h;
    h.connectTo(database);
    h.wb.configs().paste("<html><body>not a config</body></html>");
    const auto& p = h.wb.state().paste;
    REQUIRE(p.error);
    CHECK(p.error->line == 1);
    CHECK(p.error->message().find("line 1, column") != std::string::npos);
    CHECK(p.findRequest.phase == app::RequestPhase::Idle);
    CHECK_FALSE(p.diff);
}

TEST_CASE("workbench: one-click backfill previews locally, creates, selects, then reports already present") {
    TestDatabase database;
    database.migrate();
    seed(database, 2, 2, 0);
    Harness h;
    h.connectTo(database);
    h.wb.backfill().setInputs({"BTC 2025", "", ""});
    CHECK_FALSE(h.wb.state().backfill.preview.preview);
    CHECK(h.wb.state().backfill.preview.problem.find("^[a-z0-9][a-z0-9_-]{0,62}$") != std::string::npos);
    h.wb.backfill().confirm();
    CHECK(h.wb.state().backfill.request.phase == app::RequestPhase::Idle);  // nothing sent

    h.wb.backfill().setInputs({"btc_2025_4h", "", ""});
    REQUIRE(h.wb.state().backfill.preview.preview);
    CHECK(h.wb.state().backfill.preview.preview->datasetId == "44744a70-d595-8a7e-90ab-1d7c7795b1f2");
    CHECK(h.wb.state().backfill.preview.preview->symbol == "BTC");
    h.wb.backfill().confirm();
    REQUIRE(
        h.until([&] { return h.wb.state().selection.datasetId == "44744a70-d595-8a7e-90ab-1d7c7795b1f2"; }));
    CHECK(h.wb.state().backfill.result->inserted);
    CHECK(h.wb.hierarchy().selectedRowIndex() >= 0);
    auto conn = database.connect();
    CHECK(conn.query("SELECT count(*) FROM indicator_datasets WHERE questdb_tag = 'btc_2025_4h' AND source = "
                     "'laptop_imgui'")
              .integer(0, 0) == 1);

    h.wb.backfill().confirm();
    REQUIRE(
        h.until([&] { return !h.wb.state().backfill.request.running() && h.wb.state().backfill.result; }));
    CHECK_FALSE(h.wb.state().backfill.result->inserted);
}

TEST_CASE("workbench: load more pages until more than a thousand runs are in the tree, each once") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 1200, 0);
    Harness h;
    h.connectTo(database);
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[0]);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    for (int guard = 0; guard < 20; ++guard) {
        const auto& runs = h.wb.state().hierarchy.datasets.items[0].runs;
        if (!runs.next) break;
        int more = h.rowOf(app::RowKind::MoreRuns, [](const app::VisibleRow&) { return true; });
        REQUIRE(more >= 0);
        h.wb.hierarchy().loadMore(h.wb.hierarchy().visibleRows()[static_cast<size_t>(more)]);
        REQUIRE(h.until([&] { return !h.wb.busy(); }));
    }
    const auto& items = h.wb.state().hierarchy.datasets.items[0].runs.items;
    CHECK(items.size() == 1200);
    std::set<std::string> ids;
    for (const auto& n : items) ids.insert(n.row.runId);
    CHECK(ids.size() == 1200);
    CHECK(h.wb.hierarchy().visibleRows().size() == 1201);  // the dataset and its runs; nothing more to load
    // Small nodes (docs/PERFORMANCE.md, resident memory): no run was expanded, so none holds a
    // simulation list, and none keeps its own copy of the dataset id.
    size_t withList = 0, withDatasetId = 0;
    for (const auto& n : items) {
        withList += n.simulationList != nullptr;
        withDatasetId += !n.row.datasetId.empty();
    }
    CHECK(withList == 0);
    CHECK(withDatasetId == 0);
    CHECK(active(h.wb, "loading runs of ") == 0);
}

namespace {

// The dataset's run ids in tree order (newest first), as the server orders them.
std::vector<std::string> runIdsInTreeOrder(db::Connection& conn) {
    auto r = conn.query("SELECT run_id FROM walkforward_runs ORDER BY created_at DESC, run_id DESC");
    std::vector<std::string> ids;
    for (int i = 0; i < r.rows(); ++i) ids.emplace_back(r.text(i, 0));
    return ids;
}

std::vector<std::string> loadedRunIds(const app::Workbench& wb) {
    std::vector<std::string> ids;
    for (const auto& n : wb.state().hierarchy.datasets.items[0].runs.items) ids.push_back(n.row.runId);
    return ids;
}

void loadMoreRuns(Harness& h) {
    int more = h.rowOf(app::RowKind::MoreRuns, [](const app::VisibleRow&) { return true; });
    REQUIRE(more >= 0);
    h.wb.hierarchy().loadMore(h.wb.hierarchy().visibleRows()[static_cast<size_t>(more)]);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
}

}  // namespace

TEST_CASE("workbench: pages grow with what is loaded, and F5 keeps every loaded run and what is expanded") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 3000, 0);
    auto conn = database.connect();
    const std::vector<std::string> expected = runIdsInTreeOrder(conn);
    REQUIRE(expected.size() == 3000);
    Harness h;
    h.connectTo(database);
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[0]);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    CHECK(loadedRunIds(h.wb).size() == 200);
    // Each page as large as what is loaded: 200, 400, 800, 1600, then the last 1400.
    for (size_t want : {400u, 800u, 1600u}) {
        loadMoreRuns(h);
        CHECK(loadedRunIds(h.wb).size() == want);
    }
    CHECK(loadedRunIds(h.wb) == std::vector<std::string>(expected.begin(), expected.begin() + 1600));

    // A run deep in the list expanded, then F5: the 1,600 runs stay, in order, and so does the expansion.
    int deep = h.rowOf(app::RowKind::Run, [](const app::VisibleRow& r) { return r.run == 1500; });
    REQUIRE(deep >= 0);
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[static_cast<size_t>(deep)]);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    h.wb.refresh();
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    CHECK(loadedRunIds(h.wb) == std::vector<std::string>(expected.begin(), expected.begin() + 1600));
    CHECK(h.wb.state().hierarchy.datasets.items[0].runs.items[1500].expanded);
    CHECK(h.wb.state().hierarchy.datasets.items[0].runs.next.has_value());

    loadMoreRuns(h);
    CHECK(loadedRunIds(h.wb) == expected);
    CHECK_FALSE(h.wb.state().hierarchy.datasets.items[0].runs.next.has_value());
}

TEST_CASE(
    "workbench: revealing a deep run loads the page that holds it by its keyset, not every page above") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 3000, 0);
    auto conn = database.connect();
    const std::vector<std::string> expected = runIdsInTreeOrder(conn);
    const std::string target = expected[2500];
    Harness h;
    h.connectTo(database);
    conn.exec("SELECT pg_stat_reset()");
    h.wb.hierarchy().revealRun(target);
    REQUIRE(h.until([&] { return h.wb.state().selection.runId == target && !h.wb.busy(); }));
    const auto& runs = h.wb.state().hierarchy.datasets.items[0].runs;
    // 20 newer runs for context, then the page of 200 that starts with the run.
    CHECK(loadedRunIds(h.wb) == std::vector<std::string>(expected.begin() + 2480, expected.begin() + 2700));
    CHECK(runs.newerAbove);
    CHECK(runs.next.has_value());
    CHECK(h.wb.hierarchy().selectedRowIndex() == 2 + 20);  // dataset row, "newer runs" row, 20 runs
    CHECK(h.wb.hierarchy().visibleRows()[1].kind == app::RowKind::NewerRuns);

    // "newer runs" loads upwards, contiguous with what is there.
    h.wb.hierarchy().loadMore(h.wb.hierarchy().visibleRows()[1]);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    CHECK(loadedRunIds(h.wb) == std::vector<std::string>(expected.begin() + 2280, expected.begin() + 2700));
    CHECK(h.wb.state().selection.runId == target);

    // Scrolling down continues from the window's end.
    loadMoreRuns(h);
    CHECK(loadedRunIds(h.wb) == std::vector<std::string>(expected.begin() + 2280, expected.begin() + 3000));

    // F5 reloads the window from its own first row, not from the top.
    h.wb.refresh();
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    CHECK(loadedRunIds(h.wb) == std::vector<std::string>(expected.begin() + 2280, expected.begin() + 3000));
    CHECK(h.wb.state().hierarchy.datasets.items[0].runs.newerAbove);

    // A run already in the tree is selected without a tree request (only its details load).
    h.wb.hierarchy().revealRun(expected[2900]);
    CHECK(active(h.wb, "showing the run") == 0);
    CHECK(active(h.wb, "loading runs") == 0);
    CHECK(h.wb.state().selection.runId == expected[2900]);
}

TEST_CASE("workbench: revealing the newest run has nothing above it, a run the filter hides is reported") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 500, 0);
    auto conn = database.connect();
    const std::vector<std::string> expected = runIdsInTreeOrder(conn);
    Harness h;
    h.connectTo(database);
    h.wb.hierarchy().revealRun(expected[0]);
    REQUIRE(h.until([&] { return h.wb.state().selection.runId == expected[0] && !h.wb.busy(); }));
    CHECK_FALSE(h.wb.state().hierarchy.datasets.items[0].runs.newerAbove);
    CHECK(loadedRunIds(h.wb) == std::vector<std::string>(expected.begin(), expected.begin() + 200));

    // Only failed runs shown: a completed run cannot be revealed, and the log says why.
    conn.query("UPDATE walkforward_runs SET status = 'completed' WHERE run_id = $1", {expected[300]});
    app::HierarchyFilters filters = h.wb.state().hierarchy.filters;
    filters.runStatus = "failed";
    h.wb.hierarchy().applyFilters(filters);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    h.wb.hierarchy().revealRun(expected[300]);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    CHECK(h.wb.state().selection.runId != expected[300]);
    bool logged = false;
    for (const auto& line : h.wb.state().log)
        logged = logged || line.text.find("is not in the tree (filtered out") != std::string::npos;
    CHECK(logged);
}

TEST_CASE("workbench: expanding a run loads its simulations and nothing stays counted as loading") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 2, 3);
    Harness h;
    h.connectTo(database);
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[0]);
    CHECK(h.wb.busy());
    CHECK(active(h.wb, "loading runs of ") == 1);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    CHECK(active(h.wb, "loading runs of ") == 0);
    int run = h.rowOf(app::RowKind::Run, [](const app::VisibleRow& r) { return r.run == 1; });
    REQUIRE(run >= 0);
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[static_cast<size_t>(run)]);
    CHECK(h.wb.busy());
    CHECK(active(h.wb, "loading simulations of ") == 1);
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    CHECK(active(h.wb, "loading simulations of ") == 0);
    const auto& runs = h.wb.state().hierarchy.datasets.items[0].runs.items;
    REQUIRE(runs.size() == 2);
    CHECK(runs[0].simulationList == nullptr);  // never expanded
    REQUIRE(runs[1].simulationList != nullptr);
    CHECK(runs[1].simulations().items.size() == 3);
    CHECK(h.wb.hierarchy().visibleRows().size() == 1 + 2 + 3);
    // F5 keeps the expanded run and its simulations.
    h.wb.refresh();
    REQUIRE(h.until([&] { return !h.wb.busy(); }));
    CHECK(h.wb.state().hierarchy.datasets.items[0].runs.items[1].simulations().items.size() == 3);
    CHECK(h.wb.hierarchy().visibleRows().size() == 1 + 2 + 3);
}

TEST_CASE("workbench: a blocked request shows as running and Cancel ends it within a second") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 3, 0);
    Harness h;
    h.connectTo(database);
    auto blocker = database.connect();
    blocker.exec("BEGIN; LOCK TABLE walkforward_runs IN ACCESS EXCLUSIVE MODE");
    h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[0]);
    std::this_thread::sleep_for(300ms);
    h.mailbox.drain();
    const auto& request = h.wb.state().hierarchy.datasets.items[0].runs.request;
    REQUIRE(request.running());
    auto started = std::chrono::steady_clock::now();
    h.wb.cancel(request);
    REQUIRE(h.until([&] { return !h.wb.state().hierarchy.datasets.items[0].runs.request.running(); }));
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(h.wb.state().hierarchy.datasets.items[0].runs.request.phase == app::RequestPhase::Cancelled);
    CHECK(active(h.wb, "loading runs of ") == 0);
    CHECK_FALSE(h.wb.busy());
    blocker.exec("ROLLBACK");
}

TEST_CASE("workbench: a refused connection fails with a diagnosis and the tree stays empty") {
    Harness h;
    testsupport::editForm(h.wb, [](app::ConnectionForm& f) {
        f.host = "127.0.0.1";
        f.port = "1";  // privileged port nobody listens on here
    });
    h.wb.connection().connect();
    REQUIRE(h.until([&] { return h.wb.state().connection.phase == app::ConnectionPhase::Failed; }));
    REQUIRE(h.wb.state().connection.diagnosis);
    CHECK(h.wb.state().connection.diagnosis->kind == app::DiagnosisKind::ConnectionRefused);
    CHECK(h.wb.hierarchy().visibleRows().empty());
    CHECK_FALSE(h.wb.state().log.empty());
}
