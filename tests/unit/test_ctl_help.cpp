// stage1ctl's own words about itself: --version, the command list, help <command>, <command> --help,
// and the man page's option lists against the tables.
#include <doctest/doctest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli/ctl_commands.hpp"
#include "stage1_version.hpp"
#include "tests/support/help_text.hpp"
#include "tests/support/process.hpp"

namespace {

struct CtlRun {
    int code;
    std::string out;
    std::string err;
};

CtlRun run(const std::vector<std::string>& args) {
    std::istringstream in;
    std::ostringstream out, err;
    app::CtlIo io{in, out, err, [](const char*) -> const char* { return nullptr; }, nullptr};
    int code = app::runStage1ctl(args, io);
    return {code, out.str(), err.str()};
}

using testsupport::helpSection;

std::vector<std::string> split(const std::string& words) {
    std::istringstream in(words);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

}  // namespace

TEST_CASE("--version prints the project version") {
    auto r = run({"--version"});
    CHECK(r.code == 0);
    CHECK(r.out == std::string("stage1ctl ") + STAGE1_VERSION + "\n");
}

TEST_CASE("the command list keeps a gap between every name and its summary") {
    auto r = run({"--help"});
    REQUIRE(r.code == 0);
    for (const char* heading : {"commands:", "Environment:"}) {
        auto lines = helpSection(r.out, heading);
        REQUIRE(lines.size() > 10);
        // One column for all: the summary starts at the same place on every line, after two spaces.
        size_t column = lines[0].find_first_not_of(' ', lines[0].find("  ", 2));
        for (const auto& line : lines) {
            INFO(line);
            REQUIRE(line.size() > column);
            CHECK(line.substr(column - 2, 2) == "  ");
            CHECK(line[column] != ' ');
        }
    }
    CHECK(r.out.find("backfill-dataset  create a placeholder") != std::string::npos);
}

TEST_CASE("help <command> and <command> --help print the same usage for every command") {
    auto lines = helpSection(run({"--help"}).out, "commands:");
    REQUIRE(lines.size() >= 15);
    for (const auto& line : lines) {
        std::string name = line.substr(2, line.find("  ", 2) - 2);
        INFO(name);
        std::vector<std::string> words = split(name);
        std::vector<std::string> helpArgs = {"help"};
        helpArgs.insert(helpArgs.end(), words.begin(), words.end());
        std::vector<std::string> flagArgs = words;
        flagArgs.push_back("--help");
        auto viaHelp = run(helpArgs);
        auto viaFlag = run(flagArgs);
        CHECK(viaHelp.code == 0);
        CHECK(viaFlag.code == 0);
        CHECK(viaHelp.out == viaFlag.out);
        CHECK(viaHelp.out.rfind("usage: stage1ctl " + name + " [options]", 0) == 0);
        // The summary of the list, then the options, the common ones included.
        CHECK(viaHelp.out.find(line.substr(line.find_first_not_of(' ', line.find("  ", 2)))) !=
              std::string::npos);
        CHECK(viaHelp.out.find("  --dsn VALUE") != std::string::npos);
        CHECK(viaHelp.out.find("  --json") != std::string::npos);
    }
}

TEST_CASE("positional arguments appear in a command's usage line") {
    CHECK(run({"help", "restore-check"}).out.rfind("usage: stage1ctl restore-check [options] <dump>\n", 0) ==
          0);
    CHECK(run({"replay-spool", "--help"}).out.rfind("usage: stage1ctl replay-spool [options] <file>\n", 0) ==
          0);
    CHECK(run({"help", "compare"}).out.rfind("usage: stage1ctl compare [options] <run_id>...\n", 0) == 0);
    CHECK(run({"folds", "--help"}).out.find("  --run VALUE") != std::string::npos);
}

TEST_CASE("config alone lists its commands and help of an unknown command is a usage error") {
    auto group = run({"help", "config"});
    CHECK(group.code == 0);
    CHECK(group.out.find("stage1ctl config show: ") != std::string::npos);
    CHECK(group.out.find("stage1ctl config find: ") != std::string::npos);
    CHECK(run({"config", "--help"}).out == group.out);
    auto bare = run({"config"});
    CHECK(bare.code == 2);
    CHECK(bare.err == group.out);
    auto unknown = run({"help", "frobnicate"});
    CHECK(unknown.code == 2);
    CHECK(unknown.err.find("unknown command 'frobnicate'") != std::string::npos);
}

TEST_CASE("a long option keeps two spaces before its help text") {
    auto lines = helpSection(run({"demo-seed", "--help"}).out, "options:");
    REQUIRE(lines.size() > 6);
    // The longest option sets one column for all, two spaces after it.
    const std::string longest = "  --null-config-percent VALUE";
    size_t column = longest.size() + 2;
    bool seen = false;
    for (const auto& line : lines) {
        INFO(line);
        REQUIRE(line.size() > column);
        CHECK(line.substr(column - 2, 2) == "  ");
        CHECK(line[column] != ' ');
        seen = seen || line.rfind(longest + "  share of rows", 0) == 0;
    }
    CHECK(seen);
}

TEST_CASE("the man page documents every option of every command's table") {
    std::ifstream file(testsupport::requiredEnv("STAGE1_SOURCE_DIR") + "/assets/stage1ctl.1");
    REQUIRE(file);
    std::ostringstream text;
    text << file.rdbuf();
    const std::string manual = text.str();
    for (const auto& command : app::ctlCommands()) {
        for (const auto& option : app::commandOptions(command)) {
            if (option.positional) continue;
            std::string roff = "\\-\\-";  // roff spells "-" as "\-"
            for (char c : option.name) roff += c == '-' ? std::string("\\-") : std::string(1, c);
            INFO(command.name << ": --" << option.name);
            CHECK(manual.find(roff) != std::string::npos);
        }
    }
    // And the ways to call it besides a command.
    CHECK(manual.find(".B stage1ctl completion bash") != std::string::npos);
    CHECK(manual.find("connection options") != std::string::npos);
    // migrate and replay-spool refuse a connection pooler with exit 2 (ctl_connection.cpp).
    CHECK(manual.find(".SH CONNECTION POOLERS") != std::string::npos);
    CHECK(manual.find("through a connection pooler: nothing was changed") != std::string::npos);
}
