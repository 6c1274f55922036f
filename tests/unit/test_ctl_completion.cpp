// stage1ctl's bash completion, run in a real bash the way bash runs it (COMP_WORDS, COMP_CWORD):
// what it offers must be what `stage1ctl --help` and `<command> --help` list, so a command or an
// option added to the tables without the completion knowing it fails here.
#include <doctest/doctest.h>

#include <algorithm>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "app/cli/ctl_commands.hpp"
#include "app/connect/profiles.hpp"
#include "tests/support/help_text.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

using Words = std::set<std::string>;

namespace {

std::string stage1ctl() {
    return testsupport::requiredEnv("STAGE1CTL");
}

// The script the binary writes, in a file bash can source.
struct CompletionScript {
    testsupport::ScratchDir dir;
    std::filesystem::path path = dir.path() / "stage1ctl";
    CompletionScript() {
        auto r = testsupport::runProcess({stage1ctl(), "completion", "bash"});
        REQUIRE(r.exitCode == 0);
        testsupport::writeFile(path, r.out);
    }
};

// What bash offers for the last word of `words` (stage1ctl itself first), as the completion
// function leaves it in COMPREPLY.
Words complete(const CompletionScript& script, std::vector<std::string> words,
               const std::map<std::string, std::string>& env = {}) {
    words.insert(words.begin(), stage1ctl());
    std::vector<std::string> argv = {
        "/bin/bash",
        "--norc",
        "--noprofile",
        "-c",
        "source \"$1\" || exit 9; shift; COMP_WORDS=(\"$@\"); COMP_CWORD=$(($# - 1)); "
        "COMP_LINE=\"$*\"; COMP_POINT=${#COMP_LINE}; _stage1ctl; "
        "printf '%s\\n' \"${COMPREPLY[@]}\"",
        "bash",
        script.path.string()};
    argv.insert(argv.end(), words.begin(), words.end());
    auto r = testsupport::runProcess(argv, env);
    REQUIRE_MESSAGE(r.exitCode == 0, r.err);
    Words out;
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);)
        if (!line.empty()) out.insert(line);
    return out;
}

using testsupport::helpSection;

// The commands `stage1ctl --help` lists ("config show" as one name).
std::vector<std::string> listedCommands() {
    auto help = testsupport::runProcess({stage1ctl(), "--help"});
    REQUIRE(help.exitCode == 0);
    std::vector<std::string> names;
    for (const auto& line : helpSection(help.out, "commands:"))
        names.push_back(line.substr(2, line.find("  ", 2) - 2));
    return names;
}

// The --options `stage1ctl <command> --help` lists.
Words listedOptions(const std::string& command) {
    std::vector<std::string> argv = {stage1ctl()};
    std::istringstream words(command);
    for (std::string w; words >> w;) argv.push_back(w);
    argv.push_back("--help");
    auto help = testsupport::runProcess(argv);
    REQUIRE(help.exitCode == 0);
    Words options;
    for (const auto& line : helpSection(help.out, "options:"))
        if (line.rfind("  --", 0) == 0) options.insert(line.substr(2, line.find(' ', 2) - 2));
    return options;
}

std::vector<std::string> split(const std::string& words) {
    std::istringstream in(words);
    std::vector<std::string> out;
    for (std::string w; in >> w;) out.push_back(w);
    return out;
}

}  // namespace

TEST_CASE("completion offers every command stage1ctl --help lists, and help and completion") {
    CompletionScript script;
    // Sourcing registers the function for the command name, as bash-completion does on first use.
    auto registered =
        testsupport::runProcess({"/bin/bash", "--norc", "--noprofile", "-c",
                                 "source \"$1\" && complete -p stage1ctl", "bash", script.path.string()});
    CHECK(registered.out == "complete -F _stage1ctl stage1ctl\n");
    Words expected = {"help", "completion"};
    for (const auto& name : listedCommands()) expected.insert(name.substr(0, name.find(' ')));
    CHECK(expected.size() >= 15);
    CHECK(complete(script, {""}) == expected);
    CHECK(complete(script, {"re"}) == Words{"restore-check", "replay-spool"});
    CHECK(complete(script, {"config", ""}) == Words{"show", "check", "find"});
    CHECK(complete(script, {"help", "ru"}) == Words{"runs"});
    CHECK(complete(script, {"completion", ""}) == Words{"bash"});
}

TEST_CASE("completion offers exactly the options each command's --help lists") {
    CompletionScript script;
    for (const auto& command : listedCommands()) {
        INFO(command);
        Words expected = listedOptions(command);
        CHECK(expected.count("--dsn"));
        std::vector<std::string> words = split(command);
        words.push_back("--");
        CHECK(complete(script, words) == expected);
        // The same after connection options given before the command.
        words.insert(words.begin(), {"--profile", "prod", "--dsn", "=", "host", "=", "x"});  // --dsn=host=x
        CHECK(complete(script, words) == expected);
    }
    CHECK(complete(script, {"runs", "--dataset", "x", "--st"}) == Words{"--status", "--statement-timeout"});
}

TEST_CASE("before the command, completion offers the connection options, --help and --version") {
    CompletionScript script;
    Words expected = {"--help", "--version"};
    for (const auto& o : app::connectionOptions()) expected.insert("--" + o.name);
    CHECK(complete(script, {"--"}) == expected);
    CHECK(complete(script, {"--prof"}) == Words{"--profile"});
    // After an option and its value comes the command, even when the value looks like one.
    CHECK(complete(script, {"--user", "migrate", "mi"}) == Words{"migrate"});
    CHECK(complete(script, {"--dsn", "=", "host", "=", "x", "sta"}) == Words{"status"});  // --dsn=host=x sta
    CHECK(complete(script, {"--dsn", "host", "=", "x", "sta"}) == Words{"status"});       // --dsn host=x sta
}

TEST_CASE("--profile completes the names of the profiles file, --sslmode its modes") {
    CompletionScript script;
    testsupport::ScratchDir config;
    app::Profile prod, staging;
    prod.name = "prod";
    staging.name = "staging-eu";
    app::saveProfiles(config.path() / "stage1-debugger" / "profiles.json", {prod, staging});
    const std::map<std::string, std::string> env = {{"XDG_CONFIG_HOME", config.path().string()}};

    CHECK(complete(script, {"--profile", ""}, env) == Words{"prod", "staging-eu"});
    CHECK(complete(script, {"--profile", "st"}, env) == Words{"staging-eu"});
    CHECK(complete(script, {"runs", "--profile", "p"}, env) == Words{"prod"});
    // --profile=st: bash hands over "--profile" "=" "st".
    CHECK(complete(script, {"--profile", "=", "st"}, env) == Words{"staging-eu"});
    CHECK(complete(script, {"--profile", "="}, env) == Words{"prod", "staging-eu"});
    // No profiles file: nothing, and no error on the terminal.
    testsupport::ScratchDir empty;
    CHECK(complete(script, {"--profile", ""}, {{"XDG_CONFIG_HOME", empty.path().string()}}).empty());

    CHECK(complete(script, {"status", "--sslmode", "verify"}) == Words{"verify-ca", "verify-full"});
    CHECK(complete(script, {"search", "--format", ""}) == Words{"text", "csv", "json"});
}

TEST_CASE("stage1ctl completion profiles lists the profile names, one a line") {
    testsupport::ScratchDir config;
    app::Profile a, b;
    a.name = "alpha";
    b.name = "beta";
    app::saveProfiles(config.path() / "stage1-debugger" / "profiles.json", {a, b});
    auto r = testsupport::runProcess({stage1ctl(), "completion", "profiles"},
                                     {{"XDG_CONFIG_HOME", config.path().string()}});
    CHECK(r.exitCode == 0);
    CHECK(r.out == "alpha\nbeta\n");
    auto wrong = testsupport::runProcess({stage1ctl(), "completion", "zsh"});
    CHECK(wrong.exitCode == 2);
    CHECK(wrong.err.find("completion expects 'bash'") != std::string::npos);
}

TEST_CASE("an option name takes a value in every table or in none, so the script skips values rightly") {
    // The script keeps one list of value-taking options for all commands.
    std::map<std::string, bool> takesValue;
    for (const auto& command : app::ctlCommands()) {
        for (const auto& o : app::commandOptions(command)) {
            if (o.positional) continue;
            INFO(command.name << " --" << o.name);
            auto [it, inserted] = takesValue.emplace(o.name, o.takesValue);
            CHECK(it->second == o.takesValue);
        }
    }
    CHECK(takesValue.size() > 20);
}
