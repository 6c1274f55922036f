// The window with a real SCRAM password, typed at its prompt or given by --dsn / the environment:
// after connecting, browsing, saving a profile, backfilling (online and into the offline spool) and
// quitting, the password is in no file under HOME / XDG_*, not in imgui.ini, not in the log panel,
// the frame's text, the clipboard, stdout or stderr. The profile and the spool are mode 0600.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "tests/support/password_cluster.hpp"
#include "tests/support/workbench_harness.hpp"
#include "tests/ui/window_harness.hpp"

using testsupport::PasswordCluster;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// stdout and stderr of this process go to a file while it lives (GLFW, Mesa, ImGui and the app
// would print there); text() restores them and returns what was written.
class CapturedOutput {
  public:
    explicit CapturedOutput(const std::filesystem::path& file) : path_(file) {
        std::fflush(stdout);
        std::fflush(stderr);
        savedOut_ = ::dup(1);
        savedErr_ = ::dup(2);
        const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        ::dup2(fd, 1);
        ::dup2(fd, 2);
        ::close(fd);
    }
    ~CapturedOutput() { restore(); }
    std::string text() {
        restore();
        return testsupport::readFile(path_);
    }

  private:
    void restore() {
        if (savedOut_ < 0) return;
        std::fflush(stdout);
        std::fflush(stderr);
        ::dup2(savedOut_, 1);
        ::dup2(savedErr_, 2);
        ::close(savedOut_);
        ::close(savedErr_);
        savedOut_ = savedErr_ = -1;
    }
    std::filesystem::path path_;
    int savedOut_ = -1, savedErr_ = -1;
};

std::map<std::string, std::string> homeEnvironment(const std::filesystem::path& home) {
    return {{"HOME", home.string()},
            {"XDG_CONFIG_HOME", (home / "config").string()},
            {"XDG_DATA_HOME", (home / "data").string()},
            {"XDG_STATE_HOME", (home / "state").string()},
            {"XDG_CACHE_HOME", (home / "cache").string()},
            {"PGPASSFILE", (home / "no.pgpass").string()}};
}

// Clicks a tab; when the connection section (opened by a diagnosis) pushes the tabs out of the
// window, folds it first.
void clickTab(testsupport::WindowHarness& w, const std::string& tab) {
    w.ui().frames(2);
    if (!w.ui().drawn(tab) && w.ui().drawn("connection.settings")) {
        w.ui().click("connection.settings");
        w.ui().frames(2);
    }
    w.ui().click(tab);
}

}  // namespace

TEST_CASE("window: a password typed at the prompt is used, then found in no file, log, frame or output") {
    PasswordCluster pg;
    const std::string pw = PasswordCluster::kPassword;
    testsupport::ScratchDir home;
    const auto env = homeEnvironment(home.path());
    const auto configDir = home.path() / "config" / "stage1-debugger";
    std::filesystem::create_directories(configDir);
    const std::string layout = (configDir / "imgui.ini").string();
    const auto spool = home.path() / "data" / "stage1-debugger" / "pending_postgres_inserts.sql";

    std::string frames, logText, clipboard;
    CapturedOutput output(home.path() / "captured-output.txt");
    std::fprintf(stderr, "capture check\n");
    {
        testsupport::WindowHarness w(env, layout);
        w.ui().fill("connect.host", "127.0.0.1");
        w.ui().fill("connect.port", pg.port());
        w.ui().fill("connect.db", PasswordCluster::kDatabase);
        w.ui().fill("connect.user", "stage1_app");
        testsupport::editForm(w.wb(), [](app::ConnectionForm& f) { f.sslmode = "disable"; });
        // A profile saved before connecting: the form has no password yet, but the file must not
        // get one later either (it is saved again below, after the password was typed).
        w.ui().click("profile.save");
        w.ui().fill("profile.name", "secrets");

        w.ui().click("connect.button");
        REQUIRE(w.ui().runUntil([&] { return w.state().connection.passwordRequested; }, 20.0));
        frames += w.ui().snapshot();
        w.ui().fill("connect.password", pw);  // Enter submits
        REQUIRE(w.ui().runUntil(
            [&] {
                return w.state().connection.phase == app::ConnectionPhase::Connected &&
                       w.state().hierarchy.datasets.loaded && !w.wb().busy();
            },
            20.0));
        CHECK(w.state().connection.facts.currentUser == "stage1_app");
        CHECK(w.state().form.password.empty());  // handed to libpq, not kept in the form
        frames += w.ui().snapshot();

        // Browse: open a dataset, select a run.
        const std::string slug = w.state().hierarchy.datasets.items.at(0).row.slug;
        w.ui().click("tree.toggle.dataset." + slug);
        REQUIRE(w.ui().runUntil(
            [&] { return w.state().hierarchy.datasets.items.at(0).runs.loaded && !w.wb().busy(); }, 15.0));
        const std::string measurement =
            w.state().hierarchy.datasets.items.at(0).runs.items.at(0).row.measurement;
        w.ui().click("tree.run." + measurement);
        REQUIRE(
            w.ui().runUntil([&] { return w.state().details.stored.has_value() && !w.wb().busy(); }, 15.0));
        frames += w.ui().snapshot();

        // The profile again, now that a password was used.
        if (!w.ui().drawn("profile.save")) w.ui().click("connection.settings");
        w.ui().frames(2);
        w.ui().click("profile.save");
        w.ui().fill("profile.name", "secrets");
        frames += w.ui().snapshot();

        // Backfill online.
        clickTab(w, "tab.backfill");
        w.ui().fill("backfill.inputs.slug", "secret_window_4h");
        w.ui().click("backfill.button");
        REQUIRE(
            w.ui().runUntil([&] { return w.state().backfill.result.has_value() && !w.wb().busy(); }, 15.0));
        CHECK(w.state().backfill.result->inserted);
        frames += w.ui().snapshot();

        // Backfill while the server is down: queued in the spool file; then the session comes back
        // (it reconnects with the password it holds in memory).
        pg.cluster().stopServer();
        REQUIRE(w.ui().runUntil(
            [&] { return w.state().connection.phase == app::ConnectionPhase::Reconnecting; }, 30.0));
        // While reconnecting the tabs stay: the Backfill tab queues the write offline.
        clickTab(w, "tab.backfill");
        w.ui().fill("backfill.inputs.slug", "secret_offline_1h");
        w.ui().click("backfill.button");
        REQUIRE(w.ui().runUntil([&] { return !w.state().backfill.queuedOffline.empty(); }, 10.0));
        CHECK(w.ui().snapshot().find("queued offline") != std::string::npos);
        frames += w.ui().snapshot();
        pg.cluster().startServer();
        REQUIRE(w.ui().runUntil([&] { return w.state().connection.phase == app::ConnectionPhase::Connected; },
                                45.0));
        REQUIRE(w.ui().runUntil([&] { return !w.wb().busy(); }, 15.0));
        frames += w.ui().snapshot();

        // The log panel's Copy button: what a user would paste into a ticket.
        testsupport::WindowHarness::setClipboard("");
        w.ui().click("log.copy");
        clipboard = testsupport::WindowHarness::clipboard();
        for (const auto& entry : w.state().log) logText += entry.text + "\n";

        if (!w.ui().drawn("disconnect.button")) w.ui().click("connection.settings");
        w.ui().click("disconnect.button");
        w.ui().frames(2);
        frames += w.ui().snapshot();
    }  // quit: the window closes and ImGui writes imgui.ini
    const std::string printed = output.text();

    INFO(logText);
    CHECK(contains(logText, "connected as stage1_app"));
    CHECK(contains(logText, "(without the password)"));
    CHECK(contains(logText, "queued offline"));
    CHECK(contains(clipboard, "connected as stage1_app"));
    CHECK_FALSE(contains(logText, pw));
    CHECK_FALSE(contains(frames, pw));
    CHECK_FALSE(contains(clipboard, pw));
    CHECK(contains(printed, "capture check"));
    CHECK_FALSE(contains(printed, pw));

    // Every file the session wrote, byte for byte.
    REQUIRE(std::filesystem::exists(configDir / "profiles.json"));
    REQUIRE(std::filesystem::exists(layout));
    REQUIRE(std::filesystem::exists(spool));
    CHECK(contains(testsupport::readFile(spool), "secret_offline_1h"));
    const auto files = testsupport::filesUnder(home.path());
    INFO("scanned " << files.size() << " files");
    CHECK(testsupport::filesContaining(home.path(), pw).empty());
    CHECK(testsupport::permissionsOf(configDir / "profiles.json") == 0600);
    CHECK(testsupport::permissionsOf(configDir) == 0700);
    CHECK(testsupport::permissionsOf(spool) == 0600);
    CHECK(pg.admin()
              .query("SELECT count(*) FROM indicator_datasets WHERE questdb_tag = 'secret_window_4h'")
              .integer(0, 0) == 1);
}

TEST_CASE("window process: --dsn and STAGE1_POSTGRES_PASSWORD passwords stay out of its output and files") {
    PasswordCluster pg;
    const std::string pw = PasswordCluster::kPassword;
    auto runWindow = [&](const testsupport::ScratchDir& home, std::vector<std::string> args,
                         std::map<std::string, std::string> extraEnv) {
        const std::string snapshot = (home.path() / "frame.txt").string();
        std::vector<std::string> argv = {"/usr/bin/xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
                                         testsupport::requiredEnv("STAGE1_DEBUGGER")};
        argv.insert(argv.end(), args.begin(), args.end());
        argv.insert(argv.end(), {"--frames", "10", "--snapshot-text", snapshot});
        auto env = homeEnvironment(home.path());
        env.insert(extraEnv.begin(), extraEnv.end());
        auto r = testsupport::runProcess(argv, env);
        r.out += testsupport::readFile(snapshot);  // the frame's text, log panel included
        return r;
    };

    SUBCASE("--dsn with password=, --demo browses to a run") {
        testsupport::ScratchDir home;
        auto r = runWindow(home, {"--dsn", pg.appDsnWithoutPassword() + " password=" + pw, "--demo"}, {});
        INFO(r.err);
        CHECK(r.exitCode == 0);
        CHECK(contains(r.out, "Connected"));
        CHECK_FALSE(contains(r.out + r.err, pw));
        CHECK(std::filesystem::exists(home.path() / "config" / "stage1-debugger" / "imgui.ini"));
        CHECK(testsupport::filesContaining(home.path(), pw).empty());
    }
    SUBCASE("STAGE1_POSTGRES_PASSWORD, and a wrong database so the diagnosis card shows") {
        testsupport::ScratchDir home;
        auto r = runWindow(home, {"--demo"},
                           {{"STAGE1_POSTGRES_HOST", "127.0.0.1"},
                            {"STAGE1_POSTGRES_PORT", pg.port()},
                            {"STAGE1_POSTGRES_USER", "stage1_app"},
                            {"STAGE1_POSTGRES_DB", "no_such_db"},
                            {"STAGE1_POSTGRES_SSLMODE", "disable"},
                            {"STAGE1_POSTGRES_PASSWORD", pw}});
        INFO(r.err);
        CHECK(r.exitCode == 0);
        CHECK(contains(r.out, "no_such_db"));
        CHECK_FALSE(contains(r.out + r.err, pw));
        CHECK(testsupport::filesContaining(home.path(), pw).empty());
    }
    SUBCASE("a malformed URI with a password: refused, and masked") {
        testsupport::ScratchDir home;
        auto r = runWindow(home, {"--dsn", "postgresql://stage1_app:" + pw + "@[::1"}, {});
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, "postgresql://stage1_app:****@[::1"));
        CHECK_FALSE(contains(r.out + r.err, pw));
    }
}
