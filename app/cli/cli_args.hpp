// Command-line parsing for stage1ctl: one subcommand, then --options (and, for commands that
// declare them, positional arguments). Every mistake is a UsageError whose text says what was wrong
// and what was expected.
#pragma once

#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace app {

class UsageError : public std::invalid_argument {
  public:
    using std::invalid_argument::invalid_argument;
};

struct OptionSpec {
    std::string name;  // without the leading "--"
    bool takesValue;
    std::string help;
    // A positional argument instead of an option: `name` is only its label in the help
    // (`<name>`); bare arguments fill the positional specs in order, and never as --name.
    bool positional = false;
    // Only on the last positional: it takes every further bare argument too (`<run_id>...`); the
    // command checks how many it got.
    bool repeats = false;
};

struct ParsedArgs {
    std::map<std::string, std::string> values;
    std::set<std::string> flags;
    std::vector<std::string> positional;  // at most as many as positional specs; the command checks

    bool has(const std::string& name) const { return values.count(name) || flags.count(name); }
    std::optional<std::string> value(const std::string& name) const;
    // Integer option within [min, max]; throws UsageError otherwise.
    long long integer(const std::string& name, long long fallback, long long min, long long max) const;
    // A UUID option (db::looksLikeUuid), nullopt when absent; throws UsageError when malformed.
    std::optional<std::string> uuid(const std::string& name) const;
};

// A whole number within [min, max]; UsageError naming `what` otherwise.
long long parseInteger(const std::string& text, const std::string& what, long long min, long long max);

// argv after the subcommand. Accepts "--name value", "--name=value" and, when specs declare
// positionals, bare arguments anywhere ("--" ends the options: everything after it is positional).
ParsedArgs parseOptions(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs);

std::string describeOptions(const std::vector<OptionSpec>& specs);

// Options before the command, as git, kubectl and psql users type them
// (`stage1ctl --profile prod runs --dataset x`): the leading "--name value" / "--name=value" words,
// split from the command and what follows it. Only `specs` may come there; anything else before
// the command is a UsageError. Stops at the first word that is not an option, and at --help, -h
// and --version, which answer by themselves. The options are checked by parseOptions, not here.
struct LeadingOptions {
    std::vector<std::string> options;  // as typed
    std::vector<std::string> rest;     // the command and everything after it
};
LeadingOptions splitLeadingOptions(const std::vector<std::string>& args,
                                   const std::vector<OptionSpec>& specs);

// The options given before the command joined into those given after it: one meaning in both
// places. The same option in both is a UsageError, as twice after it is (not "the later wins":
// a cron line that names two databases is a mistake to show, not to guess).
void mergeLeadingOptions(const ParsedArgs& before, ParsedArgs& after);

}  // namespace app
