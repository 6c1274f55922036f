#include <nlohmann/json.hpp>

#include <algorithm>

#include "app/cli/ctl_commands.hpp"
#include "app/connect/connect_failure.hpp"
#include "stage1_version.hpp"

namespace app {

namespace {

const std::vector<OptionSpec>& commonOptions() {
    static const std::vector<OptionSpec> options = [] {
        std::vector<OptionSpec> o = connectionOptions();
        o.push_back({"json", false, "machine-readable output"});
        o.push_back({"help", false, "show this help"});
        return o;
    }();
    return options;
}

const std::vector<CtlCommand>& commands() {
    static const std::vector<CtlCommand> all = {
        migrateCommand(),     statusCommand(),       datasetsCommand(),
        runsCommand(),        simsCommand(),         configShowCommand(),
        configCheckCommand(), configFindCommand(),   backfillDatasetCommand(),
        doctorCommand(),      demoSeedCommand(),     validateCommand(),
        backupCommand(),      restoreCheckCommand(), replaySpoolCommand(),
        findCommand(),        searchCommand(),       compareCommand(),
        foldsCommand()};
    return all;
}

std::vector<OptionSpec> optionsOf(const CtlCommand& command) {
    std::vector<OptionSpec> options = command.options;
    options.insert(options.end(), commonOptions().begin(), commonOptions().end());
    return options;
}

// Pads to a column wide enough for the longest entry, so no name runs into its text.
template <typename Rows, typename NameOf>
size_t columnWidth(const Rows& rows, NameOf nameOf) {
    size_t width = 0;
    for (const auto& r : rows) width = std::max(width, std::string(nameOf(r)).size());
    return width + 4;  // two of indent, two of gap
}

void printUsage(std::ostream& out) {
    out << "usage: stage1ctl [connection options] <command> [options]\n"
           "       stage1ctl help <command> | completion bash | --version\n\ncommands:\n";
    const size_t commandColumn = columnWidth(commands(), [](const CtlCommand& c) { return c.name; });
    for (const auto& c : commands()) {
        std::string name = "  " + c.name;
        name.resize(commandColumn, ' ');
        out << name << c.summary << "\n";
    }
    out << "\nRun 'stage1ctl <command> --help' for a command's options. The connection options (--dsn,\n"
           "--profile, --host, ...) go before the command or after it, with the same meaning.\n"
           "Exit codes: 0 ok, 1 failed, 2 usage error, 3 cannot connect.\n\nEnvironment:\n";
    const auto& variables = stage1EnvironmentVariables();
    const size_t variableColumn = columnWidth(variables, [](const EnvVariable& v) { return v.name; });
    for (const auto& v : variables) {
        std::string name = std::string("  ") + v.name;
        name.resize(variableColumn, ' ');
        out << name << v.meaning << "\n";
    }
}

void printCommandHelp(const CtlCommand& c, std::ostream& out) {
    out << "usage: stage1ctl " << c.name << " [options]";
    for (const auto& o : c.options)
        if (o.positional) out << " <" << o.name << ">" << (o.repeats ? "..." : "");
    out << "\n" << c.summary << "\n\noptions:\n" << describeOptions(optionsOf(c));
}

// "config" alone names a group: its commands, one line each.
bool printGroupHelp(const std::string& group, std::ostream& out) {
    bool any = false;
    for (const auto& c : commands()) {
        if (c.name.rfind(group + " ", 0) != 0) continue;
        if (!any) out << "usage: stage1ctl " << group << " <command> [options]\n\ncommands:\n";
        any = true;
        out << "  stage1ctl " << c.name << ": " << c.summary << "\n";
    }
    if (any) out << "\nRun 'stage1ctl " << group << " <command> --help' for a command's options.\n";
    return any;
}

const CtlCommand* findCommand(const std::string& name) {
    for (const auto& c : commands())
        if (c.name == name) return &c;
    return nullptr;
}

// stage1ctl help [<command> [<word>]]
int runHelp(const std::vector<std::string>& words, CtlIo& io) {
    if (words.empty()) {
        printUsage(io.out);
        return kExitOk;
    }
    std::string name = words[0];
    if (words.size() > 1) name += " " + words[1];
    if (const CtlCommand* command = findCommand(name)) {
        printCommandHelp(*command, io.out);
        return kExitOk;
    }
    if (words.size() == 1 && printGroupHelp(name, io.out)) return kExitOk;
    io.err << "stage1ctl help: unknown command '" << name << "'\n\n";
    printUsage(io.err);
    return kExitUsage;
}

}  // namespace

const std::vector<CtlCommand>& ctlCommands() {
    return commands();
}

std::vector<OptionSpec> commandOptions(const CtlCommand& command) {
    return optionsOf(command);
}

bool jsonOutput(const ParsedArgs& args) {
    return args.flags.count("json") > 0;
}

std::vector<db::Migration> migrationCatalog(const ParsedArgs& args) {
    if (auto dir = args.value("migrations-dir")) return db::loadMigrationsFromDirectory(*dir);
    return db::embeddedMigrations();
}

void printFailure(bool json, CtlIo& io, const Failure& f) {
    if (json) {
        nlohmann::json error = {{"kind", f.kind}, {"message", f.message}};
        if (!f.target.empty()) error["target"] = f.target;
        if (f.cause) {
            error["sqlstate"] = f.cause->sqlstate;
            error["server_message"] = f.cause->message;
            error["detail"] = f.cause->detail;
            error["hint"] = f.cause->hint;
        }
        nlohmann::json out = {{"ok", false}, {"error", error}};
        if (f.diagnosis) out["diagnosis"] = diagnosisJson(*f.diagnosis);
        io.out << out.dump(2) << "\n";
    }
    io.err << "stage1ctl: " << f.message << "\n";
    if (f.diagnosis && f.diagnosis->kind != DiagnosisKind::Unknown)
        io.err << "\n" << diagnosisText(*f.diagnosis);
}

int reportFailure(const ParsedArgs& args, CtlIo& io, const std::string& kind, const std::string& message,
                  const std::optional<db::DbError>& cause) {
    printFailure(jsonOutput(args), io, Failure{kind, message, cause, std::nullopt, ""});
    return kExitFailed;
}

int runStage1ctl(const std::vector<std::string>& allArgs, CtlIo io) {
    // --json asks for JSON failures too, even when the arguments around it do not parse.
    const bool json = std::find(allArgs.begin(), allArgs.end(), "--json") != allArgs.end();
    // Connection options may come before the command too (stage1ctl --profile prod runs ...).
    LeadingOptions leading;
    ParsedArgs before;
    try {
        leading = splitLeadingOptions(allArgs, connectionOptions());
        before = parseOptions(leading.options, connectionOptions());
    } catch (const UsageError& e) {
        printFailure(json, io,
                     Failure{"usage", std::string(e.what()) + " (see 'stage1ctl --help')", std::nullopt,
                             std::nullopt, ""});
        return kExitUsage;
    }
    const std::vector<std::string>& args = leading.rest;
    if (args.empty() && !leading.options.empty()) {
        printFailure(json, io,
                     Failure{"usage", "no command after the connection options (see 'stage1ctl --help')",
                             std::nullopt, std::nullopt, ""});
        return kExitUsage;
    }
    if (args.empty() || args[0] == "--help" || args[0] == "-h") {
        printUsage(args.empty() ? io.err : io.out);
        return args.empty() ? kExitUsage : kExitOk;
    }
    if (args[0] == "help") return runHelp({args.begin() + 1, args.end()}, io);
    if (args[0] == "completion") return runCompletion({args.begin() + 1, args.end()}, io);
    if (args[0] == "--version") {
        io.out << "stage1ctl " << STAGE1_VERSION << "\n";
        return kExitOk;
    }
    // Two-word commands ("config show") take their second word from the next argument.
    size_t consumed = 1;
    std::string name = args[0];
    if (name == "config" && args.size() > 1 && args[1].rfind("--", 0) != 0) {
        name += " " + args[1];
        consumed = 2;
    }
    const CtlCommand* command = findCommand(name);
    if (!command) {
        // "config" or "config --help": the group's commands.
        const bool askedForHelp =
            args.size() > consumed && (args[consumed] == "--help" || args[consumed] == "-h");
        if (askedForHelp && printGroupHelp(name, io.out)) return kExitOk;
        if (args.size() == consumed && printGroupHelp(name, io.err)) return kExitUsage;
        io.err << "stage1ctl: unknown command '" << name << "'\n\n";
        printUsage(io.err);
        return kExitUsage;
    }
    const std::string who = command->name + ": ";
    try {
        ParsedArgs parsed =
            parseOptions({args.begin() + static_cast<long>(consumed), args.end()}, optionsOf(*command));
        mergeLeadingOptions(before, parsed);
        if (parsed.flags.count("help")) {
            printCommandHelp(*command, io.out);
            return kExitOk;
        }
        return command->run(parsed, io);
    } catch (const std::invalid_argument& e) {  // UsageError and a malformed --dsn
        printFailure(json, io,
                     Failure{"usage", who + e.what() + " (see 'stage1ctl " + command->name + " --help')",
                             std::nullopt, std::nullopt, ""});
        return kExitUsage;
    } catch (const db::Error& e) {
        // A statement that failed after connecting: cancelled, timed out, refused by privileges...
        Diagnosis diagnosis = diagnose(e.info(), DiagnosisContext{});
        printFailure(json, io,
                     Failure{"query_failed", who + e.info().describe(), e.info(),
                             diagnosis.kind != DiagnosisKind::Unknown ? std::optional<Diagnosis>(diagnosis)
                                                                      : std::nullopt,
                             ""});
        return kExitFailed;
    } catch (const std::exception& e) {
        printFailure(json, io, Failure{"failed", who + e.what(), std::nullopt, std::nullopt, ""});
        return kExitFailed;
    }
}

}  // namespace app
