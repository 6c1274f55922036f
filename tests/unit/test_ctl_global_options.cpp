// Connection options before the command, as git, kubectl and psql users type them:
// `stage1ctl --profile prod runs --dataset x`. One parser and one meaning in both positions.
#include <doctest/doctest.h>

#include <sstream>
#include <string>
#include <vector>

#include "app/cli/ctl_commands.hpp"
#include "app/connect/profiles.hpp"
#include "stage1_version.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

struct CtlRun {
    int code;
    std::string out;
    std::string err;
};

// runStage1ctl with only the variables given: no STAGE1_* or profile of the machine leaks in.
CtlRun run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
    std::istringstream in;
    std::ostringstream out, err;
    app::CtlIo io{in, out, err,
                  [&env](const char* name) -> const char* {
                      auto it = env.find(name);
                      return it == env.end() ? nullptr : it->second.c_str();
                  },
                  nullptr};
    int code = app::runStage1ctl(args, io);
    return {code, out.str(), err.str()};
}

std::vector<std::string> joined(std::vector<std::string> a, const std::vector<std::string>& b) {
    a.insert(a.end(), b.begin(), b.end());
    return a;
}

}  // namespace

TEST_CASE("the leading connection options are split from the command, whatever form they take") {
    const auto& specs = app::connectionOptions();
    auto split = app::splitLeadingOptions(
        {"--profile", "prod", "--dsn=host=x port=5", "runs", "--dataset", "x"}, specs);
    CHECK(split.options == std::vector<std::string>{"--profile", "prod", "--dsn=host=x port=5"});
    CHECK(split.rest == std::vector<std::string>{"runs", "--dataset", "x"});
    // A value that looks like a command or an option is still the value.
    split = app::splitLeadingOptions({"--user", "migrate", "--host", "--weird", "status"}, specs);
    CHECK(split.options == std::vector<std::string>{"--user", "migrate", "--host", "--weird"});
    CHECK(split.rest == std::vector<std::string>{"status"});
    // --help and --version answer by themselves.
    CHECK(app::splitLeadingOptions({"--profile", "p", "--help"}, specs).rest ==
          std::vector<std::string>{"--help"});
    CHECK(app::splitLeadingOptions({"--version"}, specs).options.empty());
    CHECK(app::splitLeadingOptions({}, specs).rest.empty());
}

TEST_CASE("before the command, only connection options: anything else is a usage error naming it") {
    CHECK_THROWS_WITH_AS(app::splitLeadingOptions({"--dataset", "x", "runs"}, app::connectionOptions()),
                         doctest::Contains("unknown option --dataset before the command"), app::UsageError);
    CHECK_THROWS_WITH_AS(app::splitLeadingOptions({"--profile"}, app::connectionOptions()),
                         doctest::Contains("--profile needs a value"), app::UsageError);
    CHECK_THROWS_WITH_AS(app::splitLeadingOptions({"--", "runs"}, app::connectionOptions()),
                         doctest::Contains("'--' before the command"), app::UsageError);

    auto r = run({"--dataset", "x", "runs"});
    CHECK(r.code == app::kExitUsage);
    CHECK(r.out.empty());
    CHECK(r.err.find("stage1ctl: unknown option --dataset before the command: only the connection options") ==
          0);
    CHECK(r.err.find("see 'stage1ctl --help'") != std::string::npos);
    CHECK(run({"--json", "runs", "--dataset", "x"}).err.find("unknown option --json before the command") !=
          std::string::npos);
    CHECK(run({"-x", "status"}).err.find("unknown option -x before the command") != std::string::npos);
    // With --json anywhere the failure is JSON too.
    auto json = run({"--nonsense", "status", "--json"});
    CHECK(json.code == app::kExitUsage);
    CHECK(json.out.find("\"kind\": \"usage\"") != std::string::npos);

    auto alone = run({"--profile", "prod"});
    CHECK(alone.code == app::kExitUsage);
    CHECK(alone.err.find("no command after the connection options") != std::string::npos);
    // The values are checked by the same parser as after the command.
    CHECK(run({"--profile", "a", "--profile", "b", "status"}).err.find("--profile given twice") !=
          std::string::npos);
    CHECK(run({"--port", "many", "status"}).err.find("--port expects a whole number") != std::string::npos);
}

TEST_CASE("--help, --version and help keep working after leading connection options") {
    CHECK(run({"--version"}).out == std::string("stage1ctl ") + STAGE1_VERSION + "\n");
    CHECK(run({"--profile", "prod", "--version"}).out == std::string("stage1ctl ") + STAGE1_VERSION + "\n");
    auto usage = run({"--help"});
    CHECK(usage.code == 0);
    CHECK(usage.out.rfind("usage: stage1ctl [connection options] <command> [options]\n", 0) == 0);
    CHECK(run({"--dsn", "host=x", "--help"}).out == usage.out);
    CHECK(run({"--dsn", "host=x", "runs", "--help"}).out == run({"runs", "--help"}).out);
    CHECK(run({"--profile", "p", "help", "migrate"}).out == run({"help", "migrate"}).out);
}

TEST_CASE("the same connection option before and after the command is an error that names both places") {
    auto r = run({"--profile", "prod", "runs", "--dataset", "x", "--profile", "staging"});
    CHECK(r.code == app::kExitUsage);
    CHECK(r.err.find("runs: --profile given twice: before the command and after it") != std::string::npos);
    // Never the values: a --dsn may carry a password.
    auto dsn = run({"--dsn", "host=a password=s3cret-1", "status", "--dsn", "host=b password=s3cret-2"});
    CHECK(dsn.code == app::kExitUsage);
    CHECK(dsn.err.find("--dsn given twice") != std::string::npos);
    CHECK(dsn.err.find("s3cret") == std::string::npos);
}

TEST_CASE("a connection option means the same before the command as after it") {
    // A profile that points at a closed loopback port: the command resolves it, tries, and says where.
    testsupport::ScratchDir dir;
    app::Profile closed;
    closed.name = "closed";
    closed.settings.host = "127.0.0.1";
    closed.settings.port = testsupport::closedLoopbackPort();
    closed.settings.dbname = "stage1_trading";
    app::saveProfiles(dir.path() / "stage1-debugger" / "profiles.json", {closed});
    const std::map<std::string, std::string> env = {{"XDG_CONFIG_HOME", dir.path().string()}};

    const std::string target = "127.0.0.1:" + *closed.settings.port + "/stage1_trading";
    for (const std::vector<std::string>& options :
         {std::vector<std::string>{"--profile", "closed"}, std::vector<std::string>{"--profile=closed"},
          std::vector<std::string>{"--profile", "closed", "--user", "someone"}}) {
        auto before = run(joined(options, {"status", "--json"}), env);
        auto after = run(joined({"status", "--json"}, options), env);
        INFO(before.err);
        CHECK(before.code == app::kExitConnection);
        CHECK(before.err.find(target) != std::string::npos);
        CHECK(before.code == after.code);
        CHECK(before.out == after.out);
        CHECK(before.err == after.err);
    }
    // Split across both places, merged into one set of settings.
    auto split = run({"--profile", "closed", "status", "--user", "someone"}, env);
    CHECK(split.code == app::kExitConnection);
    CHECK(split.err.find("someone@" + target) != std::string::npos);
    // An unknown profile reads the same in both places.
    auto unknownBefore = run({"--profile", "nosuch", "status"}, env);
    CHECK(unknownBefore.code == app::kExitUsage);
    CHECK(unknownBefore.err.find("no profile named 'nosuch'") != std::string::npos);
    CHECK(unknownBefore.err == run({"status", "--profile", "nosuch"}, env).err);
}
