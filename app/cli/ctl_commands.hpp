// stage1ctl's commands. runStage1ctl is the whole CLI behind main(), so tests can call it too.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <istream>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/cli/cli_args.hpp"
#include "app/connect/connection_settings.hpp"
#include "app/connect/diagnosis.hpp"
#include "db/browse/stage1_queries.hpp"
#include "db/pg/pg.hpp"
#include "db/schema/migration_catalog.hpp"

namespace app {

enum ExitCode : int { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitConnection = 3 };

struct CtlIo {
    std::istream& in;   // configs for `config check` / `config find`
    std::ostream& out;  // results (text or JSON)
    std::ostream& err;  // progress, notices, errors
    EnvLookup env;
    // Asks for a password when the server wants one and none was given; empty = never ask
    // (not a terminal). The answer stays in memory only.
    std::function<std::optional<std::string>(const std::string& prompt)> askPassword;
};

struct CtlCommand {
    std::string name;
    std::string summary;
    std::vector<OptionSpec> options;  // command-specific; connection options, --json and --help are added
    std::function<int(const ParsedArgs&, CtlIo&)> run;
};

int runStage1ctl(const std::vector<std::string>& args, CtlIo io);

// Every command, in the order of `stage1ctl --help`, and each one's whole option table: its own,
// then the connection options, --json and --help. The help, the parser and the bash completion
// all read these.
const std::vector<CtlCommand>& ctlCommands();
std::vector<OptionSpec> commandOptions(const CtlCommand& command);
// stage1ctl completion bash | profiles (ctl_completion.cpp).
int runCompletion(const std::vector<std::string>& words, CtlIo& io);
std::string bashCompletionScript();
// The values --sslmode accepts.
const std::vector<std::string>& sslModes();

// Shared by the commands.
bool jsonOutput(const ParsedArgs& args);
// Flags, --dsn, STAGE1_* variables and --profile / STAGE1_PROFILE, resolved (ctl_connection.cpp).
// Throws UsageError for a malformed value or an unknown profile.
ResolvedConnection resolveForCommand(const ParsedArgs& args, CtlIo& io);
// Connects; on failure prints the diagnosis (text or JSON) and returns nullopt (the caller exits
// with kExitConnection). Asks for a password once when the server wants one and io allows it.
// Sets the statement_timeout (15 s unless configured; per transaction through a pooler); long maintenance
// commands (migrate, demo-seed) pass Timeout::None. Ctrl-C cancels the running statement.
enum class StatementTimeout { Configured, None };
std::optional<db::Connection> connectForCommand(const ParsedArgs& args, CtlIo& io,
                                                StatementTimeout timeout = StatementTimeout::Configured);
const std::vector<OptionSpec>& connectionOptions();
// migrate and replay-spool hold a session advisory lock (and session settings) that a transaction
// pool cannot keep. True, after printing why and which connection to use instead, when conn goes
// through a connection pooler; the caller then exits with kExitUsage, nothing changed.
bool refusedThroughPooler(db::Connection& conn, const ParsedArgs& args, CtlIo& io,
                          const std::string& command);
// Embedded migrations, or the files of --migrations-dir.
std::vector<db::Migration> migrationCatalog(const ParsedArgs& args);
// Every failure of every command, in one shape (stage1ctl(1), "JSON OUTPUT"): the message on stderr
// and, with --json, on stdout
//   {"ok": false,
//    "error": {"kind": ..., "message": ..., ["target": ...,]
//              ["sqlstate": ..., "server_message": ..., "detail": ..., "hint": ...]},
//    ["diagnosis": {"kind", "title", "explanation", "fixes": [...]}]}
struct Failure {
    std::string kind;     // stable: usage, connection, tunnel, query_failed, lock_busy, ...
    std::string message;  // for a person
    std::optional<db::DbError> cause;
    std::optional<Diagnosis> diagnosis;
    std::string target;  // user@host:port/db, for connection failures
};
void printFailure(bool json, CtlIo& io, const Failure& failure);
// printFailure for a command's own failures; returns kExitFailed.
int reportFailure(const ParsedArgs& args, CtlIo& io, const std::string& kind, const std::string& message,
                  const std::optional<db::DbError>& cause = std::nullopt);

// Rows as aligned text columns, then "(n rows)" and the cursor for the next page (ctl_browse.cpp).
void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows, const std::optional<db::PageCursor>& next);
nlohmann::json cursorJson(const std::optional<db::PageCursor>& next);  // the cursor, or null

// One registration function per command file.
CtlCommand migrateCommand();
CtlCommand statusCommand();
CtlCommand demoSeedCommand();
CtlCommand datasetsCommand();
CtlCommand runsCommand();
CtlCommand simsCommand();
CtlCommand configShowCommand();
CtlCommand configCheckCommand();
CtlCommand configFindCommand();
CtlCommand backfillDatasetCommand();
CtlCommand doctorCommand();
CtlCommand validateCommand();
CtlCommand backupCommand();
CtlCommand restoreCheckCommand();
CtlCommand replaySpoolCommand();
CtlCommand findCommand();
CtlCommand searchCommand();
CtlCommand compareCommand();
CtlCommand foldsCommand();

}  // namespace app
