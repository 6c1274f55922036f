#include <nlohmann/json.hpp>

#include "app/ctl_commands.hpp"

namespace app {

namespace {

const std::vector<OptionSpec>& commonOptions() {
    static const std::vector<OptionSpec> options = {
        {"dsn", true, "libpq connection string or postgresql:// URI (else STAGE1_POSTGRES_*, else PG*)"},
        {"json", false, "machine-readable output"},
        {"help", false, "show this help"},
    };
    return options;
}

const std::vector<CtlCommand>& commands() {
    static const std::vector<CtlCommand> all = {migrateCommand(), statusCommand(), demoSeedCommand()};
    return all;
}

std::vector<OptionSpec> optionsOf(const CtlCommand& command) {
    std::vector<OptionSpec> options = command.options;
    options.insert(options.end(), commonOptions().begin(), commonOptions().end());
    return options;
}

void printUsage(std::ostream& out) {
    out << "usage: stage1ctl <command> [options]\n\ncommands:\n";
    for (const auto& c : commands()) {
        std::string name = "  " + c.name;
        name.resize(18, ' ');
        out << name << c.summary << "\n";
    }
    out << "\nRun 'stage1ctl <command> --help' for a command's options.\n"
           "Exit codes: 0 ok, 1 failed, 2 usage error, 3 cannot connect.\n";
}

void printCommandHelp(const CtlCommand& c, std::ostream& out) {
    out << "usage: stage1ctl " << c.name << " [options]\n"
        << c.summary << "\n\noptions:\n"
        << describeOptions(optionsOf(c));
}

}  // namespace

bool jsonOutput(const ParsedArgs& args) {
    return args.flags.count("json") > 0;
}

std::optional<db::Connection> connectForCommand(const ParsedArgs& args, CtlIo& io) {
    ConnectionRequest request;
    request.dsn = args.value("dsn");
    db::ConnectParams params = resolveConnection(request, io.env);  // UsageError-like invalid_argument
    try {
        return db::Connection::open(params);
    } catch (const db::Error& e) {
        std::string message = "cannot connect to " + params.describe() + ": " + e.info().message;
        if (jsonOutput(args)) {
            nlohmann::json j = {
                {"ok", false},
                {"error",
                 {{"kind", "connection"}, {"target", params.describe()}, {"message", e.info().message}}}};
            io.out << j.dump(2) << "\n";
        }
        io.err << "stage1ctl: " << message << "\n";
        return std::nullopt;
    }
}

std::vector<db::Migration> migrationCatalog(const ParsedArgs& args) {
    if (auto dir = args.value("migrations-dir")) return db::loadMigrationsFromDirectory(*dir);
    return db::embeddedMigrations();
}

int reportFailure(const ParsedArgs& args, CtlIo& io, const std::string& kind, const std::string& message,
                  const std::optional<db::DbError>& cause) {
    if (jsonOutput(args)) {
        nlohmann::json error = {{"kind", kind}, {"message", message}};
        if (cause) {
            error["sqlstate"] = cause->sqlstate;
            error["server_message"] = cause->message;
            error["detail"] = cause->detail;
            error["hint"] = cause->hint;
        }
        io.out << nlohmann::json{{"ok", false}, {"error", error}}.dump(2) << "\n";
    }
    io.err << "stage1ctl: " << message << "\n";
    return kExitFailed;
}

int runStage1ctl(const std::vector<std::string>& args, CtlIo io) {
    if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
        printUsage(args.empty() ? io.err : io.out);
        return args.empty() ? kExitUsage : kExitOk;
    }
    const CtlCommand* command = nullptr;
    for (const auto& c : commands())
        if (c.name == args[0]) command = &c;
    if (!command) {
        io.err << "stage1ctl: unknown command '" << args[0] << "'\n\n";
        printUsage(io.err);
        return kExitUsage;
    }
    try {
        ParsedArgs parsed = parseOptions({args.begin() + 1, args.end()}, optionsOf(*command));
        if (parsed.flags.count("help")) {
            printCommandHelp(*command, io.out);
            return kExitOk;
        }
        return command->run(parsed, io);
    } catch (const std::invalid_argument& e) {  // UsageError and a malformed --dsn
        io.err << "stage1ctl " << command->name << ": " << e.what() << "\n(see 'stage1ctl " << command->name
               << " --help')\n";
        return kExitUsage;
    } catch (const db::Error& e) {
        io.err << "stage1ctl " << command->name << ": " << e.info().describe() << "\n";
        return kExitFailed;
    } catch (const std::exception& e) {
        io.err << "stage1ctl " << command->name << ": " << e.what() << "\n";
        return kExitFailed;
    }
}

}  // namespace app
