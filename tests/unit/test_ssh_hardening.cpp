// Host-key checking cannot be switched off through the app, and nothing a user types reaches ssh
// as an option: the argv builder, the target parser and the spec / effective-config checks.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "app/connect/connection_settings.hpp"
#include "app/connect/ssh_tunnel.hpp"

namespace {

// ssh is started with execv(argv[0], argv): the builder hands over separate arguments, never one
// command line a shell would split. A change to a string-returning builder fails to compile here.
static_assert(
    std::is_same_v<decltype(std::declval<const app::SshTunnel&>().arguments()), std::vector<std::string>>,
    "ssh must be spawned from an argument vector, not a shell string");

app::TunnelSpec baseSpec() {
    app::TunnelSpec spec;
    spec.destination = "analyst@jump.example.internal";
    spec.sshPort = 2222;
    spec.localPort = 6543;
    return spec;
}

std::vector<std::string> argvOf(const app::TunnelSpec& spec) {
    return app::SshTunnel(spec).arguments();
}

// The -o options in argv order, read as ssh's getopt reads them: -F, -L, -i, -p and -o take the next
// argument as their value whatever it starts with; "-oX" is an option on its own.
std::vector<std::string> optionsIn(const std::vector<std::string>& argv) {
    std::vector<std::string> options;
    for (size_t i = 1; i < argv.size(); ++i) {
        const std::string& a = argv[i];
        if (a == "--") break;
        if ((a == "-F" || a == "-L" || a == "-i" || a == "-p" || a == "-o") && i + 1 < argv.size()) {
            if (a == "-o") options.push_back(argv[i + 1]);
            ++i;
        } else if (a.rfind("-o", 0) == 0 && a.size() > 2) {
            options.push_back(a.substr(2));
        }
    }
    return options;
}

std::string lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
    return s;
}

// What every argv must satisfy: one StrictHostKeyChecking (yes or accept-new, the first value ssh
// reads wins), no option that disables checking, the destination last and after "--".
void checkHostKeyPolicy(const std::vector<std::string>& argv, const std::string& destination) {
    const auto options = optionsIn(argv);
    int strict = 0;
    for (const auto& o : options) {
        const std::string l = lower(o);
        if (l.rfind("stricthostkeychecking", 0) == 0) {
            ++strict;
            CHECK((l == "stricthostkeychecking=accept-new" || l == "stricthostkeychecking=yes"));
        }
        CHECK(l.find("stricthostkeychecking=no") == std::string::npos);
        CHECK(l.find("stricthostkeychecking=off") == std::string::npos);
        CHECK(l.find("userknownhostsfile=/dev/null") == std::string::npos);
        CHECK(l.find("proxycommand") == std::string::npos);
        CHECK(l.find("knownhostscommand") == std::string::npos);
    }
    CHECK(strict == 1);
    REQUIRE(argv.size() >= 2);
    CHECK(argv[argv.size() - 2] == "--");
    CHECK(argv.back() == destination);
    CHECK(std::count(argv.begin(), argv.end(), "--") == 1);
}

}  // namespace

TEST_CASE("every ssh argv keeps host-key checking on and puts the destination after --") {
    checkHostKeyPolicy(argvOf(baseSpec()), "analyst@jump.example.internal");

    app::TunnelSpec full = baseSpec();
    full.identityFile = "/home/analyst/.ssh/id_ed25519";
    full.knownHostsFile = "/home/analyst/.ssh/known_hosts";
    full.configFile = "/home/analyst/.ssh/config";
    full.remoteHost = "db.internal";
    checkHostKeyPolicy(argvOf(full), "analyst@jump.example.internal");

    // Fields that hold what a user typed stay single arguments right after their flag: ssh's getopt
    // takes the next argument as the value even when it starts with '-'.
    app::TunnelSpec hostile = baseSpec();
    hostile.identityFile = "-oProxyCommand=touch /tmp/stage1-pwned";
    hostile.configFile = "-oStrictHostKeyChecking=no";
    const auto argv = argvOf(hostile);
    auto after = [&](const std::string& flag) {
        auto it = std::find(argv.begin(), argv.end(), flag);
        REQUIRE(it != argv.end());
        REQUIRE(it + 1 != argv.end());
        return *(it + 1);
    };
    CHECK(after("-i") == hostile.identityFile);
    CHECK(after("-F") == hostile.configFile);
    // Their text is an option value, not an -o option of its own.
    for (const auto& o : optionsIn(argv)) CHECK(lower(o).find("proxycommand") == std::string::npos);
    int strict = 0;
    for (const auto& o : optionsIn(argv)) strict += lower(o).rfind("stricthostkeychecking", 0) == 0;
    CHECK(strict == 1);
}

TEST_CASE("ssh targets that ssh would read as options or a shell would split are rejected") {
    for (const char* bad : {"-oProxyCommand=touch@host",
                            "-oStrictHostKeyChecking=no@host",
                            "analyst@-oProxyCommand=x",
                            "analyst@-host",
                            "-l@host",
                            "analyst@host -oStrictHostKeyChecking=no",
                            "analyst@host;touch /tmp/x",
                            "analyst@host|id",
                            "analyst@$(id)",
                            "analyst@`id`",
                            "analyst@host\nStrictHostKeyChecking no",
                            "analyst@host\t",
                            "ana lyst@host",
                            "analyst@host&",
                            "analyst@ho'st",
                            "analyst@ho\"st",
                            "a@b@c",
                            "analyst@.host",
                            "analyst@[::1];x",
                            "analyst@[::1 ]"}) {
        CAPTURE(bad);
        CHECK_FALSE(app::parseSshTarget(bad));
    }
    for (const char* good :
         {"analyst@jump.example.internal", "analyst@203.0.113.7:2222", "a.b-c_d@host-1.example",
          "analyst@[2001:db8::1]:22", "analyst@[fe80::1%eth0]"}) {
        CAPTURE(good);
        CHECK(app::parseSshTarget(good));
    }
}

TEST_CASE("the tunnel settings from a profile or the environment cannot carry an ssh option") {
    auto resolved = [](app::ConnectionSettings s) {
        s.mode = app::ConnectionMode::Tunnel;
        return app::resolveConnection(
            s, {}, [](const char*) -> const char* { return nullptr; }, "test");
    };
    app::ConnectionSettings target;
    target.sshTarget = "-oProxyCommand=sh@host";
    CHECK_THROWS_AS(app::managedTunnelFor(resolved(target)), std::invalid_argument);

    app::ConnectionSettings remote;
    remote.sshTarget = "analyst@203.0.113.7";
    remote.remoteHost = "-oProxyCommand=x";
    CHECK_THROWS_WITH_AS(app::managedTunnelFor(resolved(remote)), doctest::Contains("remote host"),
                         std::invalid_argument);
    remote.remoteHost = "db.internal -oStrictHostKeyChecking=no";
    CHECK_THROWS_AS(app::managedTunnelFor(resolved(remote)), std::invalid_argument);

    for (const char* knownHosts : {"/dev/null", "none", "NONE", "/dev/../dev/null", "/dev/zero", "/tmp",
                                   "/tmp/known_hosts /dev/null", "/tmp/kh\nStrictHostKeyChecking no"}) {
        CAPTURE(knownHosts);
        app::ConnectionSettings s;
        s.sshTarget = "analyst@203.0.113.7";
        s.sshKnownHosts = knownHosts;
        CHECK_THROWS_WITH_AS(app::managedTunnelFor(resolved(s)), doctest::Contains("known_hosts"),
                             std::invalid_argument);
    }

    // The same checks again where ssh would be started, whatever built the spec.
    app::TunnelSpec spec = baseSpec();
    spec.knownHostsFile = "/dev/null";
    CHECK(app::tunnelSpecProblem(spec));
    spec = baseSpec();
    spec.destination = "-oProxyCommand=touch /tmp/x";
    CHECK(app::tunnelSpecProblem(spec));
    spec = baseSpec();
    spec.knownHostsFile = "/home/analyst/.ssh/known_hosts_stage1";  // not there yet: ssh creates it
    CHECK_FALSE(app::tunnelSpecProblem(spec));
}

TEST_CASE("an effective ssh configuration without host-key checking is recognised") {
    const std::string safe =
        "user analyst\nhostname 203.0.113.7\nstricthostkeychecking accept-new\n"
        "userknownhostsfile /home/analyst/.ssh/known_hosts /home/analyst/.ssh/known_hosts2\n";
    CHECK_FALSE(app::hostKeyCheckingProblem(safe));
    CHECK_FALSE(app::hostKeyCheckingProblem("stricthostkeychecking true\nuserknownhostsfile ~/.ssh/kh\n"));
    CHECK(app::hostKeyCheckingProblem("stricthostkeychecking false\nuserknownhostsfile ~/.ssh/kh\n"));
    CHECK(app::hostKeyCheckingProblem("stricthostkeychecking ask\n"));
    CHECK(app::hostKeyCheckingProblem("stricthostkeychecking accept-new\nuserknownhostsfile /dev/null\n"));
    CHECK(
        app::hostKeyCheckingProblem("stricthostkeychecking accept-new\nuserknownhostsfile ~/kh /dev/null\n"));
    CHECK(app::hostKeyCheckingProblem("stricthostkeychecking yes\nuserknownhostsfile none\n"));
    CHECK(app::hostKeyCheckingProblem("user analyst\n"));  // not reported at all: fail closed
}
