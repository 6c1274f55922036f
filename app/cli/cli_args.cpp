#include "app/cli/cli_args.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>

#include "db/browse/stage1_queries.hpp"

namespace app {

std::optional<std::string> ParsedArgs::value(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
}

long long parseInteger(const std::string& text, const std::string& what, long long min, long long max) {
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE || v < min || v > max)
        throw UsageError(what + " expects a whole number from " + std::to_string(min) + " to " +
                         std::to_string(max) + ", got '" + text + "'");
    return v;
}

long long ParsedArgs::integer(const std::string& name, long long fallback, long long min,
                              long long max) const {
    auto text = value(name);
    return text ? parseInteger(*text, "--" + name, min, max) : fallback;
}

std::optional<std::string> ParsedArgs::uuid(const std::string& name) const {
    auto text = value(name);
    if (text && !db::looksLikeUuid(*text))
        throw UsageError("--" + name + " expects a UUID, got '" + *text + "'");
    return text;
}

ParsedArgs parseOptions(const std::vector<std::string>& args, const std::vector<OptionSpec>& specs) {
    ParsedArgs parsed;
    std::vector<const OptionSpec*> positionals;
    for (const auto& s : specs)
        if (s.positional) positionals.push_back(&s);
    auto addPositional = [&](const std::string& arg) {
        if (positionals.empty())
            throw UsageError("unexpected argument '" + arg + "' (options start with --)");
        if (parsed.positional.size() >= positionals.size() && !positionals.back()->repeats)
            throw UsageError("unexpected argument '" + arg + "' (expected only <" + positionals.back()->name +
                             ">)");
        parsed.positional.push_back(arg);
    };
    bool optionsEnded = false;
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (optionsEnded || arg.rfind("--", 0) != 0) {
            addPositional(arg);
            continue;
        }
        if (arg.size() == 2) {
            if (positionals.empty()) throw UsageError("unexpected argument '--' (options start with --)");
            optionsEnded = true;
            continue;
        }
        std::string name = arg.substr(2);
        std::optional<std::string> inlineValue;
        if (auto eq = name.find('='); eq != std::string::npos) {
            inlineValue = name.substr(eq + 1);
            name = name.substr(0, eq);
        }
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs)
            if (s.name == name && !s.positional) spec = &s;
        if (!spec) throw UsageError("unknown option --" + name);
        if (parsed.has(name)) throw UsageError("--" + name + " given twice");
        if (!spec->takesValue) {
            if (inlineValue) throw UsageError("--" + name + " takes no value");
            parsed.flags.insert(name);
            continue;
        }
        if (inlineValue) {
            parsed.values[name] = *inlineValue;
        } else {
            if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
            parsed.values[name] = args[++i];
        }
    }
    return parsed;
}

LeadingOptions splitLeadingOptions(const std::vector<std::string>& args,
                                   const std::vector<OptionSpec>& specs) {
    LeadingOptions split;
    size_t i = 0;
    for (; i < args.size(); ++i) {
        const std::string& arg = args[i];
        if (arg == "--help" || arg == "-h" || arg == "--version") break;
        if (arg == "--") throw UsageError("unexpected argument '--' before the command");
        if (arg.rfind("-", 0) != 0) break;
        std::string name = arg.rfind("--", 0) == 0 ? arg.substr(2, arg.find('=') - 2) : arg;
        const OptionSpec* spec = nullptr;
        for (const auto& s : specs)
            if (s.name == name && !s.positional) spec = &s;
        if (!spec)
            throw UsageError(
                "unknown option " + (arg.rfind("--", 0) == 0 ? "--" + name : arg) +
                " before the command: only the connection options (--dsn, --profile, --host, ...) "
                "may come before it; give the command's own options after its name");
        split.options.push_back(arg);
        if (spec->takesValue && arg.find('=') == std::string::npos) {
            if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value");
            split.options.push_back(args[++i]);
        }
    }
    split.rest.assign(args.begin() + static_cast<long>(i), args.end());
    return split;
}

void mergeLeadingOptions(const ParsedArgs& before, ParsedArgs& after) {
    for (const auto& [name, value] : before.values) {
        // The values stay out of the message: a --dsn may hold a password.
        if (after.has(name)) throw UsageError("--" + name + " given twice: before the command and after it");
        after.values[name] = value;
    }
    for (const auto& name : before.flags) {
        if (after.has(name)) throw UsageError("--" + name + " given twice: before the command and after it");
        after.flags.insert(name);
    }
}

std::string describeOptions(const std::vector<OptionSpec>& specs) {
    auto leftOf = [](const OptionSpec& s) {
        return s.positional ? "  <" + s.name + ">" + (s.repeats ? "..." : "")
                            : "  --" + s.name + (s.takesValue ? " VALUE" : "");
    };
    // The help column starts at 29, or further right when a long option would touch it.
    size_t column = 29;
    for (const auto& s : specs) column = std::max(column, leftOf(s).size() + 2);
    std::string out;
    for (const auto& s : specs) {
        std::string left = leftOf(s);
        left.resize(column, ' ');
        out += left + s.help + "\n";
    }
    return out;
}

}  // namespace app
