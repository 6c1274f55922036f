// Running PostgreSQL's client programs (pg_dump, pg_restore) for stage1ctl backup. Connection
// settings reach them only through the child's environment (PGHOST, PGPASSWORD, ...): never on a
// command line (visible in ps) and never in a file.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/connect/connection_settings.hpp"
#include "db/pg/pg.hpp"

namespace app {

class PgToolMissing : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A program of an older major than the server: pg_dump refuses to dump a newer server, and an
// archive a newer pg_dump wrote is unreadable to an older pg_restore.
class PgToolTooOld : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// Where `name` comes from, first match wins:
//   1. `pgBinDir` (--pg-bin) when given, and only there;
//   2. $STAGE1_PG_BIN when set, and only there;
//   3. /usr/lib/postgresql/<serverMajor>/bin, Debian's folder for the server's own major (when known);
//   4. PATH;
//   5. the newest /usr/lib/postgresql/<version>/bin.
// Throws PgToolMissing saying where it looked. serverMajor 0 = not known yet.
std::filesystem::path findPgProgram(const std::string& name, const std::optional<std::string>& pgBinDir,
                                    const EnvLookup& env, int serverMajor = 0);

// The major of a PostgreSQL program from its --version ("pg_dump (PostgreSQL) 15.20 (Debian ...)"
// -> 15); nullopt when it does not say.
std::optional<int> pgProgramMajor(const std::filesystem::path& program);
std::optional<int> parsePgVersionMajor(const std::string& versionLine);

// Throws PgToolTooOld, naming what to install and how to point at it, when `program` is of an older
// major than the server (or does not tell its version).
void requireProgramForServer(const std::filesystem::path& program, int serverMajor,
                             const std::string& serverVersion);

// libpq keywords as the PG* variables libpq reads (host -> PGHOST, password -> PGPASSWORD, ...).
// Keywords without a variable are listed in *ignored (never their values).
std::map<std::string, std::string> libpqEnvironment(const db::ConnectParams& params,
                                                    std::vector<std::string>* ignored = nullptr);

struct ChildResult {
    int exitCode = -1;       // 128 + signal when killed
    std::string stderrText;  // the last 64 KiB
};

// Runs argv[0] (an absolute path) with the current environment plus `env` (replacing same-named
// variables), stdin on /dev/null, stdout on /dev/null (or with stderr into stderrText when
// `keepStdout`), and waits. Throws std::runtime_error when it cannot start.
ChildResult runChild(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                     bool keepStdout = false);

}  // namespace app
