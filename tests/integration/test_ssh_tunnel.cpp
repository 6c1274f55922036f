// The managed SSH tunnel against a real sshd on loopback and a private PostgreSQL behind it.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <thread>

#include "app/connect/ssh_tunnel.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/process.hpp"
#include "tests/support/sshd_server.hpp"

using nlohmann::json;
using testsupport::SshdServer;

namespace {

// stage1ctl with a managed tunnel; the user's own ssh config stays out of it.
testsupport::ProcessResult ctlThroughTunnel(const SshdServer& sshd, const testsupport::PrivateCluster& pg,
                                            std::vector<std::string> extra, const std::string& key,
                                            const std::string& localPort) {
    std::vector<std::string> argv = {testsupport::requiredEnv("STAGE1CTL")};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.insert(argv.end(), {"--tunnel", sshd.target(), "--tunnel-remote", "127.0.0.1:" + pg.port(),
                             "--tunnel-local-port", localPort, "--ssh-identity", key, "--ssh-known-hosts",
                             sshd.knownHostsFile(), "--user", "postgres", "--db", "postgres"});
    return testsupport::runProcess(argv,
                                   {{"STAGE1_SSH_CONFIG", "/dev/null"}, {"PGPASSFILE", "/nonexistent"}});
}

app::TunnelSpec specFor(const SshdServer& sshd, const testsupport::PrivateCluster& pg,
                        const std::string& key) {
    app::TunnelSpec spec;
    auto target = app::parseSshTarget(sshd.target());
    spec.destination = target->destination;
    spec.sshPort = target->port;
    spec.remotePort = std::stoi(pg.port());
    spec.localPort = std::stoi(testsupport::closedLoopbackPort());
    spec.identityFile = key;
    spec.knownHostsFile = sshd.knownHostsFile();
    spec.configFile = "/dev/null";
    spec.startTimeoutMs = 8000;
    return spec;
}

}  // namespace

TEST_CASE(
    "a managed tunnel carries stage1ctl to PostgreSQL through sshd, and its ssh ends with the command") {
    testsupport::PrivateCluster pg;
    pg.appendHba("host all postgres 127.0.0.1/32 trust");
    SshdServer sshd;
    const std::string local = testsupport::closedLoopbackPort();
    auto r = ctlThroughTunnel(sshd, pg, {"doctor", "--json"}, sshd.clientKey(), local);
    INFO(r.out << r.err);
    CHECK(r.exitCode == 1);  // connected; the postgres database has no Stage 1 schema
    auto j = json::parse(r.out);
    bool sawServer = false;
    for (const auto& s : j["steps"])
        if (s["name"] == "server") {
            sawServer = true;
            CHECK(s["detail"].get<std::string>().find("server sees client 127.0.0.1") != std::string::npos);
        }
    CHECK(sawServer);
    CHECK(testsupport::countProcessesWithArgument("127.0.0.1:" + local + ":") == 0);
    // The host key was learned on first use (accept-new) and is kept.
    CHECK(testsupport::readFile(sshd.knownHostsFile()).find("ssh-ed25519") != std::string::npos);
}

TEST_CASE("tunnel failures are diagnosed: wrong key, changed host key, busy local port") {
    testsupport::PrivateCluster pg;
    SshdServer sshd;

    auto wrongKey = ctlThroughTunnel(sshd, pg, {"status", "--json"}, sshd.unauthorizedKey(),
                                     testsupport::closedLoopbackPort());
    CHECK(wrongKey.exitCode == 3);
    CHECK(json::parse(wrongKey.out)["diagnosis"]["kind"] == "ssh_auth_failed");

    testsupport::writeFile(sshd.knownHostsFile(),
                           "[127.0.0.1]:" + sshd.port() + " " + sshd.otherHostPublicKey());
    auto changed =
        ctlThroughTunnel(sshd, pg, {"status", "--json"}, sshd.clientKey(), testsupport::closedLoopbackPort());
    CHECK(changed.exitCode == 3);
    CHECK(json::parse(changed.out)["diagnosis"]["kind"] == "ssh_host_key_changed");
    testsupport::writeFile(sshd.knownHostsFile(), "");

    int holder = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(bind(holder, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(listen(holder, 1) == 0);
    getsockname(holder, reinterpret_cast<sockaddr*>(&addr), &len);
    const std::string busy = std::to_string(ntohs(addr.sin_port));
    auto pinned = ctlThroughTunnel(sshd, pg, {"status", "--json"}, sshd.clientKey(), busy);
    CHECK(pinned.exitCode == 3);
    CHECK(json::parse(pinned.out)["diagnosis"]["kind"] == "tunnel_port_busy");

    // Not pinned: the tunnel takes a free port instead.
    app::TunnelSpec spec = specFor(sshd, pg, sshd.clientKey());
    spec.localPort = std::stoi(busy);
    spec.localPortPinned = false;
    app::SshTunnel tunnel(spec);
    int used = tunnel.start();
    CHECK(used != std::stoi(busy));
    CHECK(tunnel.alive());
    tunnel.stop();
    CHECK_FALSE(tunnel.alive());
    CHECK(testsupport::countProcessesWithArgument("127.0.0.1:" + std::to_string(used) + ":") == 0);
    close(holder);
}

TEST_CASE("the tunnel notices sshd dying and comes back when it returns") {
    testsupport::PrivateCluster pg;
    SshdServer sshd;
    std::vector<std::string> output;
    app::SshTunnel tunnel(specFor(sshd, pg, sshd.clientKey()), [&](const std::string&) {});
    tunnel.start();
    REQUIRE(tunnel.alive());
    sshd.stop();
    bool died = false;
    for (int i = 0; i < 100 && !died; ++i) {
        died = !tunnel.alive();
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(died);
    sshd.start();
    CHECK_NOTHROW(tunnel.start());
    CHECK(tunnel.alive());
}

TEST_CASE("SIGTERM to stage1ctl while its tunnel is up leaves no ssh behind") {
    testsupport::PrivateCluster pg;
    pg.appendHba("host all postgres 127.0.0.1/32 trust");
    auto admin = pg.admin();
    admin.exec("BEGIN; LOCK TABLE pg_catalog.pg_class IN ACCESS EXCLUSIVE MODE");  // status blocks on it
    SshdServer sshd;
    const std::string local = testsupport::closedLoopbackPort();
    std::string command = "\"$0\" status --statement-timeout 60000 --tunnel " + sshd.target() +
                          " --tunnel-remote 127.0.0.1:" + pg.port() + " --tunnel-local-port " + local +
                          " --ssh-identity " + sshd.clientKey() + " --ssh-known-hosts " +
                          sshd.knownHostsFile() +
                          " --user postgres --db postgres & pid=$!; "
                          // SIGTERM once the tunnel forwards (under load that can take a while).
                          "for i in $(seq 150); do (exec 3<>/dev/tcp/127.0.0.1/" +
                          local +
                          ") 2>/dev/null && break; sleep 0.1; done; sleep 0.5; kill -TERM $pid; wait $pid; "
                          "code=$?; sleep 0.5; exit $code";
    auto r = testsupport::runProcess({"/bin/bash", "-c", command, testsupport::requiredEnv("STAGE1CTL")},
                                     {{"STAGE1_SSH_CONFIG", "/dev/null"}});
    admin.exec("ROLLBACK");
    INFO(r.err);
    CHECK(r.exitCode == 128 + SIGTERM);
    int left = 1;
    for (int wait = 0; wait < 30 && left > 0; ++wait) {  // ssh may take a moment to go
        left = testsupport::countProcessesWithArgument("127.0.0.1:" + local + ":");
        if (left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    CHECK(left == 0);
}
