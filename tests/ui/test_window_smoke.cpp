// The real GLFW/OpenGL window under Xvfb, against the real throwaway cluster.
#include <doctest/doctest.h>

#include <stb_image.h>

#include "db/schema/migration_catalog.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/sshd_server.hpp"
#include "tests/support/test_database.hpp"

namespace {

struct WindowRun {
    testsupport::ProcessResult process;
    std::string text;
    std::string png;
};

WindowRun runWindow(const std::string& dsn, const testsupport::ScratchDir& dir) {
    std::string png = (dir.path() / "window.png").string();
    std::string text = (dir.path() / "window.txt").string();
    WindowRun run;
    run.process = testsupport::runProcess({"/usr/bin/xvfb-run", "-a", "-s", "-screen 0 1280x800x24",
                                           testsupport::requiredEnv("STAGE1_DEBUGGER"), "--dsn", dsn,
                                           "--screenshot", png, "--snapshot-text", text, "--frames", "5"},
                                          {{"XDG_CONFIG_HOME", (dir.path() / "config").string()}});
    run.text = testsupport::readFile(text);
    run.png = png;
    return run;
}

// The PNG decodes to the window size and is not one flat colour.
void checkScreenshot(const std::string& path) {
    int width = 0, height = 0, channels = 0;
    unsigned char* pixels = stbi_load(path.c_str(), &width, &height, &channels, 3);
    REQUIRE(pixels != nullptr);
    CHECK(width >= 800);
    CHECK(height >= 500);
    long long distinct = 0;
    for (int i = 3; i < width * height * 3; i += 3)
        if (pixels[i] != pixels[0] || pixels[i + 1] != pixels[1] || pixels[i + 2] != pixels[2]) ++distinct;
    CHECK(distinct > width * height / 100);
    stbi_image_free(pixels);
}

}  // namespace

TEST_CASE("the window connects on its worker and shows the server and the schema version in its status bar") {
    testsupport::TestDatabase database;
    database.migrate();
    testsupport::ScratchDir dir;
    WindowRun run = runWindow(database.dsn(), dir);
    INFO(run.process.err);
    INFO(run.text);
    REQUIRE(run.process.exitCode == 0);
    CHECK(run.text.find("Stage1 Server Debugger") != std::string::npos);
    CHECK(run.text.find("Connected") != std::string::npos);
    CHECK(run.text.find("postgres@" + testsupport::cluster().socketDir) != std::string::npos);
    // The server's own version: ./dev test runs this against 14, 15 and 18 (STAGE1_PG_MAJOR).
    const std::string version(database.connect().query("SHOW server_version").text(0, 0));
    INFO("server " << version);
    CHECK(run.text.find("PostgreSQL " + version.substr(0, version.find(' '))) != std::string::npos);
    // The status bar: the schema version the ledger holds, and that nothing is pending.
    const std::string schema = "schema v" + std::to_string(db::embeddedMigrations().back().version);
    CHECK(run.text.find(schema) != std::string::npos);
    CHECK(run.text.find("up to date") != std::string::npos);
    CHECK(run.text.find("no TLS") != std::string::npos);  // the unix socket
    checkScreenshot(run.png);
}

TEST_CASE("the status bar says what protects the connection: TLS not verified, or verified") {
    testsupport::PrivateCluster cluster;
    const std::string certificate = cluster.enableSsl();
    cluster.appendHba("hostssl all all 127.0.0.1/32 trust");
    testsupport::ScratchDir dir;
    const std::string server = "host=127.0.0.1 port=" + cluster.port() + " user=postgres dbname=postgres ";

    WindowRun required = runWindow(server + "sslmode=require", dir);
    INFO(required.process.err);
    INFO(required.text);
    REQUIRE(required.process.exitCode == 0);
    CHECK(required.text.find("Connected") != std::string::npos);
    CHECK(required.text.find("TLS 1.") != std::string::npos);
    CHECK(required.text.find("certificate NOT verified (sslmode=require)") != std::string::npos);

    WindowRun verified = runWindow(server + "sslmode=verify-full sslrootcert=" + certificate, dir);
    INFO(verified.text);
    CHECK(verified.text.find("certificate verified (verify-full)") != std::string::npos);
    CHECK(verified.text.find("NOT verified") == std::string::npos);
}

TEST_CASE("the window shows a failed connection with its diagnosis and libpq's text instead of hanging") {
    testsupport::ScratchDir dir;
    WindowRun run = runWindow("host=127.0.0.1 port=" + testsupport::closedLoopbackPort() +
                                  " user=stage1_app dbname=stage1_trading "
                                  "connect_timeout=3",
                              dir);
    INFO(run.process.err);
    INFO(run.text);
    REQUIRE(run.process.exitCode == 0);
    CHECK(run.text.find("Cannot connect") != std::string::npos);
    CHECK(run.text.find("Connection refused") != std::string::npos);  // libpq's words, in the log
    CHECK(run.text.find("connection_refused") != std::string::npos);  // the diagnosis card's kind
    checkScreenshot(run.png);
}

TEST_CASE("SIGTERM to the window while its managed SSH tunnel is up leaves no ssh behind") {
    testsupport::PrivateCluster pg;
    pg.appendHba("host all postgres 127.0.0.1/32 trust");
    testsupport::SshdServer sshd;
    testsupport::ScratchDir dir;
    const std::string local = testsupport::closedLoopbackPort();
    // The window runs until killed; the shell waits until its tunnel forwards, then sends SIGTERM to the
    // window alone (by its name: a pattern over the arguments would hit xvfb-run too, which then dies
    // without stopping its Xvfb).
    const std::string script =
        "xvfb-run -a -s '-screen 0 1280x800x24' \"$0\" --dsn 'host=127.0.0.1 user=postgres dbname=postgres' "
        "& "
        "for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/" +
        local +
        ") 2>/dev/null && break; sleep 0.1; done; "
        "sleep 1; pkill -TERM -x stage1-debugger; wait; sleep 0.5";
    auto r = testsupport::runProcess({"/bin/bash", "-c", script, testsupport::requiredEnv("STAGE1_DEBUGGER")},
                                     {{"XDG_CONFIG_HOME", (dir.path() / "config").string()},
                                      {"STAGE1_CONNECTION_MODE", "tunnel"},
                                      {"STAGE1_SSH_TARGET", sshd.target()},
                                      {"STAGE1_TUNNEL_LOCAL_PORT", local},
                                      {"STAGE1_TUNNEL_REMOTE_PORT", pg.port()},
                                      {"STAGE1_SSH_IDENTITY", sshd.clientKey()},
                                      {"STAGE1_SSH_KNOWN_HOSTS", sshd.knownHostsFile()},
                                      {"STAGE1_SSH_CONFIG", "/dev/null"}});
    INFO(r.out << r.err);
    CHECK(testsupport::readFile(sshd.knownHostsFile()).find("ssh-ed25519") !=
          std::string::npos);  // it was up
    CHECK(testsupport::countProcessesWithArgument("127.0.0.1:" + local + ":") == 0);
}

TEST_CASE(
    "an idle window notices a stopped server within seconds, nobody touching it, and idles near zero CPU") {
    testsupport::PrivateCluster pg;
    const std::string clusterDir = pg.dataDir().substr(0, pg.dataDir().size() - std::string("/data").size());
    testsupport::ScratchDir dir;
    const std::string log = (dir.path() / "window.log").string();
    // Driven from outside like a person who walked away: the real window, interactive, no input.
    const std::string script =
        "xvfb-run -a -s '-screen 0 1280x800x24' \"$0\" --dsn \"$1\" 2>\"$2\" & X=$!; "
        "for i in $(seq 150); do grep -q 'connected as' \"$2\" && break; sleep 0.1; done; "
        "APP=$(pgrep -P $X -x stage1-debugger); sleep 1.5; "
        "C0=$(awk '{print $14+$15}' /proc/$APP/stat); sleep 4; C1=$(awk '{print $14+$15}' /proc/$APP/stat); "
        "\"$3\" stop \"$4\"; T0=$(date +%s%N); "
        "for i in $(seq 150); do grep -q 'connection lost' \"$2\" && break; sleep 0.1; done; T1=$(date "
        "+%s%N); "
        "echo \"idle_ticks=$((C1 - C0)) noticed_ms=$(( (T1 - T0) / 1000000 ))\"; kill -TERM $APP; wait";
    auto r = testsupport::runProcess(
        {"/bin/bash", "-c", script, testsupport::requiredEnv("STAGE1_DEBUGGER"),
         "host=" + *pg.adminParams().find("host") + " port=" + pg.port() + " user=postgres dbname=postgres",
         log, testsupport::sourcePath("tests/support/throwaway_cluster.sh"), clusterDir},
        {{"XDG_CONFIG_HOME", (dir.path() / "config").string()}});
    const std::string output = testsupport::readFile(log);
    INFO(r.out << r.err << output);
    REQUIRE(output.find("connected as postgres") != std::string::npos);
    CHECK(output.find("connection lost") != std::string::npos);
    int idleTicks = -1, noticedMs = -1;
    REQUIRE(std::sscanf(r.out.c_str(), "idle_ticks=%d noticed_ms=%d", &idleTicks, &noticedMs) == 2);
    MESSAGE("idle window: " << idleTicks << " CPU ticks in 4 s; a stopped server noticed after " << noticedMs
                            << " ms");
    CHECK(noticedMs < 8000);  // the probe runs every 5 s
    CHECK(idleTicks <= 40);   // 10 ms ticks: at most 10% of a core while nobody touches it
    pg.startServer();         // the destructor stops what it started
}
