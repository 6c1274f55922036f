// The real window in-process (Workbench + WindowShell + UiDriver + DrawAppWindow) against the real
// throwaway cluster: every step is a click or a key by test tag, every check reads real state, the
// database and the frame's text.
#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <thread>

#include <GLFW/glfw3.h>
#include <nlohmann/json.hpp>

#include "app/ops/placeholder_dataset.hpp"
#include "app/runconfig/run_config.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/test_database.hpp"
#include "tests/ui/window_harness.hpp"

namespace {

using testsupport::WindowHarness;

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// A line of the frame's text holding every part.
bool lineWith(const std::string& text, std::initializer_list<std::string> parts) {
    std::istringstream lines(text);
    for (std::string line; std::getline(lines, line);)
        if (std::all_of(parts.begin(), parts.end(), [&](const std::string& p) { return contains(line, p); }))
            return true;
    return false;
}

void seed(const testsupport::TestDatabase& database, int datasets, int runs, int sims = 1) {
    auto result = database.ctl({"demo-seed", "--datasets", std::to_string(datasets), "--runs-per-dataset",
                                std::to_string(runs), "--sims-per-run", std::to_string(sims)});
    INFO(result.err);
    REQUIRE(result.exitCode == 0);
}

const app::DatasetNode& datasetNode(const WindowHarness& w, const std::string& slug) {
    for (const auto& d : w.state().hierarchy.datasets.items)
        if (d.row.slug == slug) return d;
    FAIL("dataset " << slug << " is not in the tree");
    throw std::logic_error("unreachable");
}

// Expands the dataset by its toggle and waits for its first page of runs.
void expand(WindowHarness& w, const std::string& slug) {
    w.ui().click("tree.toggle.dataset." + slug);
    REQUIRE(w.ui().runUntil([&] { return datasetNode(w, slug).runs.loaded && !w.wb().busy(); }, 15.0));
}

// Clicks the run and waits for its config.
void selectRun(WindowHarness& w, const std::string& measurement) {
    w.ui().click("tree.run." + measurement);
    REQUIRE(w.ui().runUntil([&] { return w.state().details.stored.has_value() && !w.wb().busy(); }, 15.0));
    CHECK(w.state().selection.kind == app::Selection::Kind::Run);
}

struct RunRef {
    std::string id, measurement;
};

RunRef firstRun(db::Connection& conn, const std::string& datasetId) {
    db::Result r = conn.query(
        "SELECT run_id::text, prediction_measurement FROM walkforward_runs WHERE dataset_id = $1::uuid "
        "ORDER BY created_at DESC, run_id DESC LIMIT 1",
        {datasetId});
    REQUIRE(r.rows() == 1);
    return {std::string(r.text(0, 0)), std::string(r.text(0, 1))};
}

// Awkward bytes a clipboard might mangle: CRLF, a tab, trailing spaces, non-ASCII.
const std::string kAwkwardConfig =
    "# stage1 run-config v1\r\n\r\n[features]\r\nrsi_14  \r\n\"prix_caf\xC3\xA9\"\t\r\n\r\n"
    "[hyperparameters]\r\nlr = 0.05   \r\nnote = \"\xE2\x82\xAC \xE6\x97\xA5\xE6\x9C\xAC\"\r\n\r\n"
    "[walk]\r\nfolds = 4\r\n";

}  // namespace

TEST_CASE(
    "typing the connection fields and clicking Connect browses to a run whose config Copy puts on the "
    "clipboard byte for byte") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 2, 5);
    WindowHarness w;
    w.ui().fill("connect.host", testsupport::cluster().socketDir);
    w.ui().fill("connect.port", testsupport::cluster().port);
    w.ui().fill("connect.db", database.name());
    w.ui().fill("connect.user", "postgres");
    w.ui().click("doctor.button");
    REQUIRE(w.ui().runUntil([&] { return w.state().doctor.ran(); }, 20.0));
    CHECK(w.ui().drawn("doctor.steps"));
    w.screenshot("connection-panel");

    w.connectByTyping(database);
    std::string text = w.ui().snapshot();
    CHECK(contains(text, "Stage1 Server Debugger"));
    CHECK(lineWith(text, {"Connected", "postgres@" + testsupport::cluster().socketDir}));

    const auto& datasets = w.state().hierarchy.datasets.items;
    REQUIRE(datasets.size() == 2);
    const std::string slug = datasets[0].row.slug;
    db::Connection conn = database.connect();
    const RunRef run = firstRun(conn, datasets[0].row.datasetId);
    conn.query("UPDATE walkforward_runs SET serialized_config = $2 WHERE run_id = $1::uuid",
               {run.id, kAwkwardConfig});

    expand(w, slug);
    CHECK(datasetNode(w, slug).expanded);
    selectRun(w, run.measurement);
    CHECK(w.state().selection.runId == run.id);

    WindowHarness::setClipboard("something else");
    w.ui().click("details.copy");
    db::Result stored =
        conn.query("SELECT serialized_config FROM walkforward_runs WHERE run_id = $1::uuid", {run.id});
    const std::string expected(stored.text(0, 0));
    CHECK(expected == kAwkwardConfig);
    CHECK(WindowHarness::clipboard() == expected);
    CHECK(w.ctx().getClipboard() == expected);

    // Ctrl+C does the same from anywhere outside a text field.
    WindowHarness::setClipboard("something else");
    w.ui().press(ImGuiKey_C, true);
    CHECK(WindowHarness::clipboard() == expected);
    text = w.ui().snapshot();
    CHECK(contains(text, run.measurement));
    w.screenshot("hierarchy-selected-run");
}

TEST_CASE("Ctrl+V with a config that changes one hyperparameter shows that line removed and added") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 1, 4);
    WindowHarness w;
    w.connectByTyping(database);
    const std::string slug = w.state().hierarchy.datasets.items.at(0).row.slug;
    expand(w, slug);
    const std::string measurement = datasetNode(w, slug).runs.items.at(0).row.measurement;
    selectRun(w, measurement);

    REQUIRE(w.state().details.parsed.has_value());
    app::RunConfig config = w.state().details.parsed->config;
    REQUIRE(!config.hyperparameters.empty());
    const std::string key = config.hyperparameters.begin().key();
    const std::string before = app::serializeRunConfig(config);
    config.hyperparameters[key] = 987654;
    const std::string modified = app::serializeRunConfig(config);
    REQUIRE(before != modified);

    WindowHarness::setClipboard(modified);
    w.ui().press(ImGuiKey_V, true);
    REQUIRE(w.idle());
    REQUIRE(w.state().paste.present);
    REQUIRE(w.state().paste.diff.has_value());
    CHECK(w.state().paste.diff->removed == 1);
    CHECK(w.state().paste.diff->added == 1);
    std::string oldLine, newLine;
    for (const auto& line : w.state().paste.diff->lines) {
        if (line.kind == app::DiffLine::Kind::Removed) oldLine = line.text;
        if (line.kind == app::DiffLine::Kind::Added) newLine = line.text;
    }
    CHECK(contains(newLine, "987654"));
    const std::string text = w.ui().snapshot();
    INFO(text);
    CHECK(lineWith(text, {"-", oldLine}));
    CHECK(lineWith(text, {"+", newLine}));
}

TEST_CASE(
    "a pasted config of 10,000 features and 500 hyperparameters is compared, scrolled and drawn in bounded "
    "frames") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 1, 2);
    WindowHarness w;
    w.connectByTyping(database);
    const std::string slug = w.state().hierarchy.datasets.items.at(0).row.slug;
    expand(w, slug);
    selectRun(w, datasetNode(w, slug).runs.items.at(0).row.measurement);
    REQUIRE(w.state().details.parsed.has_value());

    // Data sizes users have, doubled: every view of it must stay within Debian imgui's 16-bit
    // indices (one draw list holds at most 65,536 vertices), or ImGui aborts the whole program.
    app::RunConfig big = w.state().details.parsed->config;
    big.featureColumns = nlohmann::json::array();
    for (int i = 0; i < 10000; ++i)
        big.featureColumns.push_back("feature_with_a_long_name_" + std::to_string(i));
    for (int i = 0; i < 500; ++i) big.hyperparameters["hp_" + std::to_string(i)] = i * 0.5;
    const std::string text = app::serializeRunConfig(big);
    REQUIRE(text.size() > 250000);
    WindowHarness::setClipboard(text);
    w.ui().click("tab.paste");
    w.ui().click("paste.button");
    REQUIRE(w.idle());
    REQUIRE(w.state().paste.present);
    REQUIRE(w.state().paste.diff.has_value());
    CHECK(w.state().paste.diff->added >= 10500);

    w.ui().resetStats();
    for (const char* tag : {"paste.diff", "paste.features"}) {
        for (int step = 0; step < 40 && w.ui().drawn(tag); ++step) w.ui().scroll(tag, -30.0f);
        w.ui().frames(5);
    }
    CHECK(w.ui().drawn("paste.button"));
    MESSAGE("10,000-feature paste: worst frame " << w.ui().worstFrameMs() << " ms, worst draw "
                                                 << w.ui().worstDrawMs() << " ms");
    std::printf("[frame-times] 10,000-feature paste: worst frame %.2f ms, worst draw %.2f ms\n",
                w.ui().worstFrameMs(), w.ui().worstDrawMs());
    CHECK(w.ui().worstDrawMs() < 50.0);
}

TEST_CASE("Apply in the filter bar reloads the tree once, the selected run's details included") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 1, 6);
    WindowHarness w;
    w.connectByTyping(database);
    const std::string slug = w.state().hierarchy.datasets.items.at(0).row.slug;
    expand(w, slug);
    selectRun(w, datasetNode(w, slug).runs.items.at(0).row.measurement);
    w.ui().fill("tree.filter.run", "m");
    REQUIRE(w.idle());
    const size_t logged = w.state().log.size();
    w.ui().click("tree.filter.apply");
    REQUIRE(w.idle());
    int refreshed = 0, applied = 0;
    for (size_t i = logged; i < w.state().log.size(); ++i) {
        refreshed += w.state().log[i].text == "refreshed" ? 1 : 0;
        applied += w.state().log[i].text == "filters applied" ? 1 : 0;
    }
    CHECK(applied == 1);
    CHECK(refreshed == 1);  // the panel used to refresh a second time, cancelling the first details load
    CHECK(w.state().hierarchy.filters.runSearch == "m");
    CHECK(datasetNode(w, slug).expanded);
    CHECK(w.state().details.stored.has_value());
}

TEST_CASE("Ctrl+V with clipboard garbage shows where it stops parsing and sends nothing") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 1, 2);
    WindowHarness w;
    w.connectByTyping(database);
    for (const std::string& garbage :
         {std::string("hello\nworld"), std::string("<html><body><b>lr</b> = 0.05</body></html>\n")}) {
        CAPTURE(garbage);
        WindowHarness::setClipboard(garbage);
        w.ui().press(ImGuiKey_V, true);
        w.ui().frames(2);
        REQUIRE(w.state().paste.present);
        REQUIRE(w.state().paste.error.has_value());
        CHECK(w.state().paste.findRequest.phase == app::RequestPhase::Idle);
        CHECK(w.ui().drawn("paste.error"));
        const std::string text = w.ui().snapshot();
        INFO(text);
        CHECK(contains(text, "line 1, column 1"));
    }
    CHECK(!w.wb().busy());
}

TEST_CASE(
    "Backfill from the panel creates the placeholder row, selects it, and says already present the "
    "second time") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 1, 2);
    WindowHarness w;
    w.connectByTyping(database);
    w.ui().click("tab.backfill");
    const std::string slug = "e2e_placeholder_4h";
    const std::string uuid = app::placeholderDatasetUuid(slug);
    w.ui().fill("backfill.inputs.slug", "Bad Slug");
    CHECK(w.ui().drawn("backfill.problem"));
    w.ui().fill("backfill.inputs.slug", slug);
    CHECK(!w.ui().drawn("backfill.problem"));
    std::string text = w.ui().snapshot();
    CHECK(contains(text, uuid));
    CHECK(contains(text, "laptop_imgui"));
    w.screenshot("backfill-preview");

    w.ui().click("backfill.button");
    REQUIRE(w.ui().runUntil([&] { return w.state().backfill.result.has_value() && !w.wb().busy(); }, 15.0));
    CHECK(w.state().backfill.result->inserted);
    db::Connection conn = database.connect();
    db::Result row =
        conn.query("SELECT source, granularity FROM indicator_datasets WHERE dataset_id = $1::uuid", {uuid});
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, 0) == "laptop_imgui");
    CHECK(row.text(0, 1) == "unknown");
    CHECK(w.state().selection.datasetId == uuid);
    w.ui().frames(2);
    CHECK(w.ui().drawn("tree.dataset." + slug));
    text = w.ui().snapshot();
    CHECK(lineWith(text, {"created"}));

    w.ui().click("backfill.button");
    REQUIRE(w.ui().runUntil([&] { return w.state().backfill.result.has_value() && !w.wb().busy(); }, 15.0));
    CHECK(!w.state().backfill.result->inserted);
    text = w.ui().snapshot();
    CHECK(contains(text, "already present"));
}

TEST_CASE("a server whose pg_hba rejects TCP shows the diagnosis card and its fix copies exactly") {
    testsupport::PrivateCluster cluster;
    WindowHarness w;
    w.ui().fill("connect.host", "127.0.0.1");
    w.ui().fill("connect.port", cluster.port());
    w.ui().fill("connect.db", "postgres");
    w.ui().fill("connect.user", "postgres");
    w.ui().click("connect.button");
    REQUIRE(
        w.ui().runUntil([&] { return w.state().connection.phase == app::ConnectionPhase::Failed; }, 15.0));
    REQUIRE(w.state().connection.diagnosis.has_value());
    const app::Diagnosis& d = *w.state().connection.diagnosis;
    CHECK(d.kind == app::DiagnosisKind::PgHbaNoEntry);
    w.ui().frames(2);
    const std::string text = w.ui().snapshot();
    INFO(text);
    CHECK(contains(text, "127.0.0.1/32"));
    CHECK(contains(text, d.title));
    REQUIRE(w.ui().drawn("diagnosis.title"));
    REQUIRE(!d.fixes.empty());
    WindowHarness::setClipboard("nothing yet");
    w.ui().click("diagnosis.fix.0.copy");
    CHECK(WindowHarness::clipboard() == d.fixes[0].text);
    w.screenshot("diagnosis-card");
}

TEST_CASE("a dataset with 1200 runs pages past 1000 in the tree and frames stay cheap") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 1, 1200, 0);
    WindowHarness w;
    w.connectByTyping(database);
    const std::string slug = w.state().hierarchy.datasets.items.at(0).row.slug;
    expand(w, slug);
    const auto started = std::chrono::steady_clock::now();
    while (datasetNode(w, slug).runs.items.size() < 1000) {
        REQUIRE(std::chrono::steady_clock::now() - started < std::chrono::seconds(60));
        const auto& runs = datasetNode(w, slug).runs;
        if (runs.request.running()) {
            w.ui().frame();
            continue;
        }
        if (w.ui().drawn("tree.more.runs." + slug)) {
            w.ui().click("tree.more.runs." + slug);
            continue;
        }
        // Wheel over any run row: the tree's table scrolls.
        std::string row;
        for (const std::string& tag : ui::DrawnTags())
            if (tag.rfind("tree.run.", 0) == 0) row = tag;
        REQUIRE(!row.empty());
        w.ui().scroll(row, -40.0f);
    }
    REQUIRE(w.idle());
    const size_t loaded = datasetNode(w, slug).runs.items.size();
    CHECK(loaded >= 1000);
    w.ui().resetStats();
    w.ui().frames(30);
    int drawnRuns = 0;
    for (const std::string& tag : ui::DrawnTags()) drawnRuns += tag.rfind("tree.run.", 0) == 0 ? 1 : 0;
    CHECK(drawnRuns > 0);
    CHECK(drawnRuns < 200);  // the clipper submits only the rows on screen
    MESSAGE("1200-run tree, " << loaded << " runs loaded: worst frame " << w.ui().worstFrameMs()
                              << " ms, worst draw " << w.ui().worstDrawMs() << " ms over 30 frames");
    std::printf("[frame-times] tree with %zu runs: worst frame %.2f ms, worst draw %.2f ms\n", loaded,
                w.ui().worstFrameMs(), w.ui().worstDrawMs());
    CHECK(w.ui().worstDrawMs() < 50.0);
}

TEST_CASE("a blocked page load keeps frames coming and its Cancel stops it within a second") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 1, 3);
    WindowHarness w;
    w.connectByTyping(database);
    REQUIRE(w.idle());
    const std::string slug = w.state().hierarchy.datasets.items.at(0).row.slug;

    db::Connection locker = database.connect();
    locker.exec("BEGIN; LOCK TABLE walkforward_runs IN ACCESS EXCLUSIVE MODE");
    w.ui().click("tree.toggle.dataset." + slug);
    const app::RequestStatus& runs = datasetNode(w, slug).runs.request;
    REQUIRE(runs.running());

    w.ui().resetStats();
    const auto waitStart = std::chrono::steady_clock::now();
    while (std::chrono::steady_clock::now() - waitStart < std::chrono::milliseconds(1500)) w.ui().frame();
    CHECK(runs.running());
    // Frames keep coming while the request waits; under Xvfb each one pays a software buffer swap,
    // so the count and the whole-frame time depend on the machine. The UI's own draw time must not.
    CHECK(w.ui().framesSinceReset() > 10);
    MESSAGE("while blocked: " << w.ui().framesSinceReset() << " frames, worst frame " << w.ui().worstFrameMs()
                              << " ms");
    std::printf("[frame-times] blocked request: %d frames in 1.5 s, worst frame %.2f ms\n",
                w.ui().framesSinceReset(), w.ui().worstFrameMs());
    CHECK(w.ui().worstDrawMs() < 50.0);
    const std::string text = w.ui().snapshot();
    INFO(text);
    CHECK(lineWith(text, {"loading runs of " + slug}));
    CHECK(contains(text, "loading"));

    w.ui().click("status.cancel");
    const auto cancelled = std::chrono::steady_clock::now();
    REQUIRE(w.ui().runUntil([&] { return !datasetNode(w, slug).runs.request.running(); }, 5.0));
    CHECK(std::chrono::steady_clock::now() - cancelled < std::chrono::seconds(1));
    CHECK(datasetNode(w, slug).runs.request.phase == app::RequestPhase::Cancelled);
    locker.exec("ROLLBACK");
}

TEST_CASE("SSH tunnel mode shows the tunnel fields and the ssh command to copy") {
    WindowHarness w;
    w.ui().click("connect.mode.tunnel");
    CHECK(w.state().form.mode == app::ConnectionMode::Tunnel);
    w.ui().fill("connect.host", "db.internal");
    w.ui().fill("connect.db", "stage1_trading");
    w.ui().fill("connect.user", "stage1_app");
    w.ui().fill("connect.tunnel.target", "analyst@203.0.113.10:2222");
    const std::string command = "ssh -N -L 127.0.0.1:" + std::to_string(w.state().form.tunnelLocalPort) +
                                ":127.0.0.1:" + std::to_string(w.state().form.remotePort) +
                                " -p 2222 analyst@203.0.113.10";
    const std::string text = w.ui().snapshot();
    INFO(text);
    CHECK(contains(text, command));
    CHECK(!w.ui().drawn("connect.port"));  // through a tunnel the local port is the tunnel's
    WindowHarness::setClipboard("nothing yet");
    w.ui().click("connect.tunnel.copy");
    CHECK(WindowHarness::clipboard() == command);
    w.screenshot("connection-tunnel");
}

TEST_CASE(
    "the status bar tells the connection's facts, not the form's: flipping Mode while connected changes "
    "nothing") {
    testsupport::TestDatabase database;
    database.migrate();
    seed(database, 1, 1);
    WindowHarness w;
    w.connectByTyping(database);
    REQUIRE(w.idle());
    w.ui().frames(2);
    const std::string before = w.ui().snapshot();
    CHECK(before.find("SSH tunnel via") == std::string::npos);
    w.ui().click("connection.settings");  // folded away once connected
    w.ui().frames(2);
    w.ui().click("connect.mode.tunnel");
    w.ui().frames(2);
    CHECK(w.state().form.mode == app::ConnectionMode::Tunnel);    // the form changed
    CHECK(w.state().connection.tunnel == app::TunnelMode::None);  // the connection did not
    const std::string after = w.ui().snapshot();
    CHECK(after.find("SSH tunnel via") == std::string::npos);
    CHECK(after.find("Connected") != std::string::npos);
}
