// stage1ctl's commands. runStage1ctl is the whole CLI behind main(), so tests can call it too.
#pragma once

#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "app/cli_args.hpp"
#include "app/connection_options.hpp"
#include "db/migration_catalog.hpp"
#include "db/pg.hpp"

namespace app {

enum ExitCode : int { kExitOk = 0, kExitFailed = 1, kExitUsage = 2, kExitConnection = 3 };

struct CtlIo {
    std::ostream& out;  // results (text or JSON)
    std::ostream& err;  // progress, notices, errors
    EnvLookup env;
};

struct CtlCommand {
    std::string name;
    std::string summary;
    std::vector<OptionSpec> options;  // command-specific; --dsn, --json and --help are added
    std::function<int(const ParsedArgs&, CtlIo&)> run;
};

int runStage1ctl(const std::vector<std::string>& args, CtlIo io);

// Shared by the commands.
bool jsonOutput(const ParsedArgs& args);
// Connects with --dsn / STAGE1_POSTGRES_* / libpq defaults; on failure prints why and returns
// nullopt (the caller exits with kExitConnection).
std::optional<db::Connection> connectForCommand(const ParsedArgs& args, CtlIo& io);
// Embedded migrations, or the files of --migrations-dir.
std::vector<db::Migration> migrationCatalog(const ParsedArgs& args);
// Prints a failed request (text or JSON) and returns kExitFailed.
int reportFailure(const ParsedArgs& args, CtlIo& io, const std::string& kind, const std::string& message,
                  const std::optional<db::DbError>& cause = std::nullopt);

// One registration function per command file.
CtlCommand migrateCommand();
CtlCommand statusCommand();
CtlCommand demoSeedCommand();

}  // namespace app
