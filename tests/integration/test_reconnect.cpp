// The window's session survives faults: a server restart, a terminated backend, a dead tunnel; a
// write that cannot reach the server waits in the spool file.
#include <doctest/doctest.h>

#include <chrono>
#include <thread>

#include "app/workbench/workbench.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/sshd_server.hpp"
#include "tests/support/test_database.hpp"
#include "tests/support/workbench_harness.hpp"

using namespace std::chrono_literals;

namespace {

// A Workbench driven the way the window drives it: drain, tick, with a clock.
struct Window {
    db::Mailbox mailbox;
    std::map<std::string, std::string> env;
    app::Workbench wb{mailbox, [this](const char* name) -> const char* {
                          auto it = env.find(name);
                          return it == env.end() ? nullptr : it->second.c_str();
                      }};
    std::chrono::steady_clock::time_point start = std::chrono::steady_clock::now();
    double worstFrameMs = 0;

    double now() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    }
    // One "frame": what the window does each frame; times it (it must never wait on the network).
    void frame() {
        auto t0 = std::chrono::steady_clock::now();
        mailbox.drain();
        wb.tick(now());
        wb.hierarchy().visibleRows();
        worstFrameMs = std::max(
            worstFrameMs,
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
        std::this_thread::sleep_for(5ms);
    }
    bool until(const std::function<bool()>& done, std::chrono::seconds limit = 30s) {
        auto deadline = std::chrono::steady_clock::now() + limit;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            frame();
        }
        return true;
    }
    app::ConnectionPhase phase() const { return wb.state().connection.phase; }
};

void seedPrivate(testsupport::PrivateCluster& pg) {
    pg.admin().exec("CREATE DATABASE stage1_trading");
    std::string dsn = "host=" + *pg.adminParams().find("host") + " port=" + pg.port() +
                      " user=postgres dbname=stage1_trading";
    for (auto args : {std::vector<std::string>{"migrate"},
                      std::vector<std::string>{"demo-seed", "--datasets", "2", "--runs-per-dataset", "5",
                                               "--sims-per-run", "1"}}) {
        args.insert(args.end(), {"--dsn", dsn});
        args.insert(args.begin(), testsupport::requiredEnv("STAGE1CTL"));
        auto r = testsupport::runProcess(args);
        REQUIRE_MESSAGE(r.exitCode == 0, r.err);
    }
}

// Connected, first dataset expanded, its first run selected with details loaded.
void openView(Window& w) {
    REQUIRE(w.until([&] {
        return w.phase() == app::ConnectionPhase::Connected && w.wb.state().hierarchy.datasets.loaded;
    }));
    w.wb.hierarchy().toggle(w.wb.hierarchy().visibleRows()[0]);
    REQUIRE(w.until([&] { return !w.wb.busy(); }));
    w.wb.hierarchy().select(w.wb.hierarchy().visibleRows()[1]);
    REQUIRE(w.until([&] { return w.wb.configs().canCopy(); }));
}

}  // namespace

TEST_CASE("a server restart mid-session: reconnecting, then back with the same view") {
    testsupport::PrivateCluster pg;
    seedPrivate(pg);
    Window w;
    testsupport::editForm(w.wb, [&](app::ConnectionForm& f) {
        f.host = *pg.adminParams().find("host");
        f.port = pg.port();
        f.user = "postgres";
    });
    w.wb.connection().connect();
    openView(w);
    const app::Selection before = w.wb.state().selection;
    const std::string text = w.wb.configs().copyText();

    pg.stopServer();
    REQUIRE(w.until([&] { return w.phase() == app::ConnectionPhase::Reconnecting; }));
    CHECK_FALSE(w.wb.state().connection.reconnectReason.empty());
    std::this_thread::sleep_for(1s);
    pg.startServer();
    REQUIRE(w.until([&] {
        return w.phase() == app::ConnectionPhase::Connected && w.wb.configs().canCopy() && !w.wb.busy();
    }));
    CHECK(w.wb.state().selection == before);
    CHECK(w.wb.state().hierarchy.datasets.items[0].expanded);
    CHECK(w.wb.configs().copyText() == text);
    CHECK(w.wb.hierarchy().selectedRowIndex() == 1);
    MESSAGE("worst frame during the restart: " << w.worstFrameMs << " ms");
    CHECK(w.worstFrameMs < 50);
}

TEST_CASE("pg_terminate_backend of our session: noticed, reconnected") {
    testsupport::TestDatabase database;
    database.migrate();
    Window w;
    testsupport::editForm(w.wb, [&](app::ConnectionForm& f) {
        f.host = testsupport::cluster().socketDir;
        f.port = testsupport::cluster().port;
        f.user = "postgres";
        f.dbname = database.name();
    });
    w.wb.connection().connect();
    REQUIRE(w.until([&] { return w.phase() == app::ConnectionPhase::Connected && !w.wb.busy(); }));
    auto admin = database.connect();
    admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'stage1-debugger' "
        "AND datname = $1",
        {database.name()});
    w.wb.refresh();  // the next request finds the session gone
    REQUIRE(w.until([&] { return w.phase() == app::ConnectionPhase::Reconnecting; }));
    REQUIRE(w.until([&] { return w.phase() == app::ConnectionPhase::Connected; }));
    CHECK(w.wb.state().connection.reconnectAttempts >= 1);
}

TEST_CASE("a backfill while the server is down goes to the spool file as SQL that psql applies later") {
    testsupport::PrivateCluster pg;
    seedPrivate(pg);
    testsupport::ScratchDir dir;
    Window w;
    w.env["STAGE1_SPOOL_PATH"] = (dir.path() / "pending_postgres_inserts.sql").string();
    testsupport::editForm(w.wb, [&](app::ConnectionForm& f) {
        f.host = *pg.adminParams().find("host");
        f.port = pg.port();
        f.user = "postgres";
    });
    w.wb.connection().connect();
    REQUIRE(w.until([&] { return w.phase() == app::ConnectionPhase::Connected && !w.wb.busy(); }));
    pg.stopServer();
    w.wb.backfill().setInputs({"eth_2024_1h", "", ""});
    w.wb.backfill().confirm();  // the request fails on the dead connection, or finds it down
    bool queued = w.until([&] { return !w.wb.state().backfill.queuedOffline.empty(); });
    for (const auto& entry : w.wb.state().log) MESSAGE(entry.text);
    REQUIRE(queued);
    CHECK(w.wb.state().backfill.queuedOffline == w.env["STAGE1_SPOOL_PATH"]);
    std::string spool = testsupport::readFile(w.env["STAGE1_SPOOL_PATH"]);
    CHECK(spool.find("'eth_2024_1h'") != std::string::npos);

    pg.startServer();
    auto applied = testsupport::runProcess({"/usr/bin/psql", "-X", "-v", "ON_ERROR_STOP=1", "-d",
                                            "host=" + *pg.adminParams().find("host") + " port=" + pg.port() +
                                                " user=postgres dbname=stage1_trading",
                                            "-f", w.env["STAGE1_SPOOL_PATH"]});
    CHECK_MESSAGE(applied.exitCode == 0, applied.err);
    auto conn = db::Connection::open(pg.adminParams("stage1_trading"));
    CHECK(conn.query("SELECT dataset_id FROM indicator_datasets WHERE questdb_tag = 'eth_2024_1h'")
              .text(0, 0) == "f3cdd64b-e779-8bf6-8717-aa5bc0102d3c");
}

TEST_CASE(
    "the window's managed tunnel: up, sshd killed, restarted when sshd returns, view kept, no ssh left") {
    testsupport::PrivateCluster pg;
    seedPrivate(pg);
    pg.appendHba("host all postgres 127.0.0.1/32 trust");
    testsupport::SshdServer sshd;
    int localPort = 0;
    {
        Window w;
        w.env["STAGE1_SSH_CONFIG"] = "/dev/null";
        testsupport::editForm(w.wb, [&](app::ConnectionForm& f) {
            f.mode = app::ConnectionMode::Tunnel;
            f.host = "127.0.0.1";
            f.user = "postgres";
            f.sshTarget = sshd.target();
            f.remoteHost = "127.0.0.1";
            f.remotePort = std::stoi(pg.port());
            f.tunnelLocalPort = std::stoi(testsupport::closedLoopbackPort());
        });
        localPort = w.wb.state().form.tunnelLocalPort;
        w.env["STAGE1_SSH_IDENTITY"] = sshd.clientKey();
        w.env["STAGE1_SSH_KNOWN_HOSTS"] = sshd.knownHostsFile();
        w.wb.connection().connect();
        openView(w);
        CHECK(w.wb.state().connection.tunnel == app::TunnelMode::Managed);
        const app::Selection before = w.wb.state().selection;

        sshd.stop();
        REQUIRE(w.until([&] { return w.phase() == app::ConnectionPhase::Reconnecting; }));
        std::this_thread::sleep_for(1s);
        sshd.start();
        REQUIRE(w.until(
            [&] {
                return w.phase() == app::ConnectionPhase::Connected && w.wb.configs().canCopy() &&
                       !w.wb.busy();
            },
            60s));
        CHECK(w.wb.state().selection == before);
        MESSAGE("worst frame during the tunnel restart: " << w.worstFrameMs << " ms");
        CHECK(w.worstFrameMs < 50);
        CHECK(testsupport::countProcessesWithArgument("127.0.0.1:" + std::to_string(localPort) + ":") == 1);
    }
    // The window is gone: so is its ssh.
    CHECK(testsupport::countProcessesWithArgument("127.0.0.1:" + std::to_string(localPort) + ":") == 0);
}
