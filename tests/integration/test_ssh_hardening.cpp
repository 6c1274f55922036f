// The managed tunnel cannot be talked into running without host-key checking or into running a
// shell: a stand-in ssh records the exact argv it gets, a real sshd shows ssh's own verdict, and
// stage1ctl / the window refuse hostile settings before any ssh starts.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sys/stat.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <thread>

#include "app/connect/diagnosis.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "app/workbench/workbench.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/sshd_server.hpp"
#include "tests/support/workbench_harness.hpp"

using nlohmann::json;
using testsupport::ScratchDir;

namespace {

// A stand-in for /usr/bin/ssh: writes its arguments NUL-separated to call.<pid> (quoted "$@", so
// exactly what execv handed it), answers `-G` with a safe configuration, and fails otherwise.
std::string writeRecordingSsh(const std::filesystem::path& dir) {
    const std::string path = (dir / "ssh").string();
    testsupport::writeFile(path,
                           "#!/bin/sh\n"
                           "for a in \"$0\" \"$@\"; do printf '%s\\0' \"$a\"; done > \"" +
                               (dir / "call").string() +
                               ".$$\"\n"
                               "if [ \"$1\" = -G ]; then\n"
                               "  echo 'stricthostkeychecking accept-new'\n"
                               "  echo 'userknownhostsfile /nonexistent/known_hosts'\n"
                               "  exit 0\n"
                               "fi\n"
                               "echo 'stand-in ssh: not connecting' >&2\n"
                               "exit 1\n");
    ::chmod(path.c_str(), 0755);
    return path;
}

// Every recorded call, each as its argv.
std::vector<std::vector<std::string>> recordedCalls(const std::filesystem::path& dir) {
    std::vector<std::vector<std::string>> calls;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
        if (entry.path().filename().string().rfind("call.", 0) != 0) continue;
        const std::string bytes = testsupport::readFile(entry.path());
        std::vector<std::string> argv;
        size_t start = 0;
        for (size_t nul; (nul = bytes.find('\0', start)) != std::string::npos; start = nul + 1)
            argv.push_back(bytes.substr(start, nul - start));
        calls.push_back(std::move(argv));
    }
    return calls;
}

testsupport::ProcessResult ctl(const std::vector<std::string>& args,
                               const std::map<std::string, std::string>& env = {}) {
    return testsupport::runStage1ctl(args, env);
}

}  // namespace

TEST_CASE("ssh gets exactly the argument vector: shell syntax in the target runs nothing") {
    ScratchDir dir;
    const std::string ssh = writeRecordingSsh(dir.path());
    const std::string marker = (dir.path() / "pwned").string();
    // ${IFS} is a space to a shell; the spec itself holds no whitespace, so only the "no leading
    // '-', no whitespace" rule applies and the text reaches the spawn step.
    const std::string payload = "stage1tun@127.0.0.1;touch${IFS}" + marker + "`touch${IFS}" + marker +
                                "`$(touch${IFS}" + marker + ")";

    // Control: the same command line through a shell does create the file.
    {
        const std::string line = ssh + " -N " + payload;
        auto viaShell = testsupport::runProcess({"/bin/sh", "-c", line});
        REQUIRE(std::filesystem::exists(marker));
        std::filesystem::remove(marker);
        for (const auto& entry : std::filesystem::directory_iterator(dir.path()))
            if (entry.path().filename().string().rfind("call.", 0) == 0)
                std::filesystem::remove(entry.path());
    }

    app::TunnelSpec spec;
    spec.sshBinary = ssh;
    spec.destination = payload;
    spec.configFile = "/dev/null";
    spec.knownHostsFile = (dir.path() / "known_hosts").string();
    spec.localPort = std::stoi(testsupport::closedLoopbackPort());
    spec.startTimeoutMs = 5000;
    REQUIRE_FALSE(app::tunnelSpecProblem(spec));
    app::SshTunnel tunnel(spec);
    const auto expected = tunnel.arguments();
    CHECK_THROWS_AS(tunnel.start(), app::TunnelError);  // the stand-in does not connect

    CHECK_FALSE(std::filesystem::exists(marker));
    const auto calls = recordedCalls(dir.path());
    REQUIRE(calls.size() == 2);  // ssh -G (the settings check), then ssh itself
    bool sawProbe = false, sawTunnel = false;
    for (const auto& argv : calls) {
        std::vector<std::string> withoutProbe = argv;
        if (argv.size() > 1 && argv[1] == "-G") {
            sawProbe = true;
            withoutProbe.erase(withoutProbe.begin() + 1);
        } else {
            sawTunnel = true;
        }
        CHECK(withoutProbe == expected);
        CHECK(argv.back() == payload);
        CHECK(argv[argv.size() - 2] == "--");
    }
    CHECK(sawProbe);
    CHECK(sawTunnel);
}

TEST_CASE("an ssh config that turns host-key checking off does not get its way") {
    testsupport::PrivateCluster pg;
    testsupport::SshdServer sshd;
    ScratchDir dir;
    auto target = app::parseSshTarget(sshd.target());
    REQUIRE(target);
    app::TunnelSpec spec;
    spec.destination = target->destination;
    spec.sshPort = target->port;
    spec.remotePort = std::stoi(pg.port());
    spec.localPort = std::stoi(testsupport::closedLoopbackPort());
    spec.identityFile = sshd.clientKey();
    spec.knownHostsFile = sshd.knownHostsFile();
    spec.startTimeoutMs = 8000;

    SUBCASE("UserKnownHostsFile /dev/null in the config: refused before ssh connects") {
        spec.knownHostsFile.clear();
        spec.configFile = (dir.path() / "ssh_config").string();
        testsupport::writeFile(spec.configFile,
                               "Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n");
        app::SshTunnel tunnel(spec);
        try {
            tunnel.start();
            FAIL("the tunnel started with known_hosts /dev/null");
        } catch (const app::TunnelError& e) {
            CHECK(e.kind() == app::DiagnosisKind::SshUnsafeSettings);
            CHECK(std::string(e.what()).find("UserKnownHostsFile") != std::string::npos);
        }
        CHECK_FALSE(tunnel.alive());
        CHECK(testsupport::countProcessesWithArgument("127.0.0.1:" + std::to_string(spec.localPort) + ":") ==
              0);
    }

    SUBCASE(
        "StrictHostKeyChecking no in the config: the command line's accept-new wins, a changed key is "
        "refused") {
        spec.configFile = (dir.path() / "ssh_config").string();
        testsupport::writeFile(spec.configFile, "Host *\n  StrictHostKeyChecking no\n");
        testsupport::writeFile(sshd.knownHostsFile(),
                               "[127.0.0.1]:" + sshd.port() + " " + sshd.otherHostPublicKey());
        app::SshTunnel tunnel(spec);
        try {
            tunnel.start();
            FAIL("the tunnel started although the host key differs from known_hosts");
        } catch (const app::TunnelError& e) {
            INFO(e.what());
            CHECK(e.kind() == app::DiagnosisKind::SshHostKeyChanged);
            CHECK(e.sshOutput().find("Host key verification failed") != std::string::npos);
        }
        CHECK_FALSE(tunnel.alive());
    }
}

TEST_CASE("stage1ctl refuses hostile tunnel settings from flags, environment and profiles before ssh runs") {
    ScratchDir dir;
    const std::string marker = (dir.path() / "pwned").string();
    const std::map<std::string, std::string> quiet = {{"STAGE1_SSH_CONFIG", "/dev/null"},
                                                      {"XDG_CONFIG_HOME", (dir.path() / "config").string()},
                                                      {"HOME", dir.path().string()},
                                                      {"PGPASSFILE", "/nonexistent"}};
    auto refused = [&](const testsupport::ProcessResult& r, const std::string& why) {
        INFO(r.out << r.err);
        CHECK(r.exitCode == 2);
        CHECK(r.err.find(why) != std::string::npos);
        CHECK_FALSE(std::filesystem::exists(marker));
    };
    refused(ctl({"status", "--tunnel", "-oProxyCommand=touch " + marker + "@203.0.113.7"}, quiet),
            "--tunnel expects user@host");
    refused(ctl({"status", "--tunnel", "analyst@-oProxyCommand=touch"}, quiet), "--tunnel expects user@host");
    refused(ctl({"status", "--tunnel", "analyst@203.0.113.7", "--ssh-known-hosts", "/dev/null"}, quiet),
            "/dev/null");
    refused(
        ctl({"status", "--tunnel", "analyst@203.0.113.7", "--tunnel-remote", "-oProxyCommand=x:5432"}, quiet),
        "remote host");

    auto env = quiet;
    env["STAGE1_CONNECTION_MODE"] = "tunnel";
    env["STAGE1_SSH_TARGET"] = "-oProxyCommand=touch${IFS}" + marker + "@203.0.113.7";
    refused(ctl({"status"}, env), "ssh target");
    env["STAGE1_SSH_TARGET"] = "analyst@203.0.113.7";
    env["STAGE1_SSH_KNOWN_HOSTS"] = "none";
    refused(ctl({"status"}, env), "known_hosts");

    std::filesystem::create_directories(dir.path() / "config" / "stage1-debugger");
    testsupport::writeFile(
        dir.path() / "config" / "stage1-debugger" / "profiles.json",
        json{{"profiles",
              {{{"name", "evil"},
                {"mode", "tunnel"},
                {"tunnel", {{"ssh_target", "analyst@203.0.113.7"}, {"ssh_known_hosts", "/dev/null"}}}}}}}
            .dump());
    refused(ctl({"status", "--profile", "evil"}, quiet), "/dev/null");
}

TEST_CASE("the window refuses a tunnel whose known_hosts is /dev/null and logs why") {
    db::Mailbox mailbox;
    app::Workbench wb(mailbox, [](const char* name) -> const char* {
        if (std::string(name) == "STAGE1_SSH_KNOWN_HOSTS") return "/dev/null";
        if (std::string(name) == "STAGE1_SSH_CONFIG") return "/dev/null";
        return nullptr;
    });
    testsupport::editForm(wb, [&](app::ConnectionForm& form) {
        form.mode = app::ConnectionMode::Tunnel;
        form.sshTarget = "analyst@203.0.113.7";
    });
    wb.connection().connect();
    CHECK(wb.state().connection.phase == app::ConnectionPhase::Disconnected);
    REQUIRE_FALSE(wb.state().log.empty());
    CHECK(wb.state().log.back().level == app::LogEntry::Level::Error);
    CHECK(wb.state().log.back().text.find("/dev/null") != std::string::npos);

    testsupport::editForm(
        wb, [](app::ConnectionForm& form) { form.sshTarget = "-oProxyCommand=sh@203.0.113.7"; });
    wb.connection().connect();
    CHECK(wb.state().connection.phase == app::ConnectionPhase::Disconnected);
    CHECK(wb.state().log.back().text.find("ssh target") != std::string::npos);
}

TEST_CASE("every tunnel command the app offers parses in ssh -G to the host, port and forward it names") {
    // What a person pastes: ssh reads "host:port" as a host name, so a target's port must become -p.
    app::DiagnosisContext c;
    c.tunnel = true;
    c.sshTarget = "analyst@jump.example.internal:2222";
    c.tunnelLocalPort = 6543;
    c.remoteHost = "10.0.0.5";
    c.remotePort = 5433;
    app::ConnectionForm form;
    form.sshTarget = c.sshTarget;
    form.tunnelLocalPort = c.tunnelLocalPort;
    form.remoteHost = c.remoteHost;
    form.remotePort = c.remotePort;
    const app::TunnelSpec spec =
        app::manualTunnelSpec(c.sshTarget, c.remoteHost, c.remotePort, c.tunnelLocalPort);
    const std::string expected = app::externalTunnelCommand(spec);

    // Every place that offers it uses the one builder: the tunnel-down fix, the refused-connection
    // fix, and (ui::TunnelCommand, checked in the window's tests) the connection panel.
    app::Diagnosis down = app::diagnoseTunnelFailure(app::DiagnosisKind::TunnelDown, "ssh exited", "", c);
    CHECK(down.fixes.at(0).text == expected);
    db::DbError refused{"", "connection to server at \"127.0.0.1\", port 6543 failed: Connection refused\n",
                        "", ""};
    app::Diagnosis notUp = app::diagnose(refused, c);
    CHECK(notUp.fixes.at(0).text == expected);

    std::vector<std::string> argv = app::manualTunnelArgv(spec);
    argv.insert(argv.begin() + 1, {"-G", "-F", "/dev/null"});
    argv[0] = "/usr/bin/ssh";
    auto r = testsupport::runProcess(argv);
    INFO(expected << "\n" << r.err);
    REQUIRE(r.exitCode == 0);
    auto has = [&](const std::string& line) {
        return ("\n" + r.out).find("\n" + line + "\n") != std::string::npos;
    };
    CHECK(has("hostname jump.example.internal"));
    CHECK(has("user analyst"));
    CHECK(has("port 2222"));
    CHECK(has("localforward [127.0.0.1]:6543 [10.0.0.5]:5433"));

    // An IPv6 database host is bracketed, as ssh wants it in -L.
    auto v6 =
        app::manualTunnelArgv(app::manualTunnelSpec("analyst@jump.example.internal", "::1", 5432, 6543));
    v6.insert(v6.begin() + 1, {"-G", "-F", "/dev/null"});
    v6[0] = "/usr/bin/ssh";
    auto r6 = testsupport::runProcess(v6);
    CHECK(r6.exitCode == 0);
    CHECK(("\n" + r6.out).find("\nlocalforward [127.0.0.1]:6543 [::1]:5432\n") != std::string::npos);
}
