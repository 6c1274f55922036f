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

#include "app/connection_settings.hpp"
#include "db/pg.hpp"

namespace app {

class PgToolMissing : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// `name` from `pgBinDir` when given (and only there), else from PATH, else from the newest
// /usr/lib/postgresql/<version>/bin. Throws PgToolMissing saying where it looked.
std::filesystem::path findPgProgram(const std::string& name, const std::optional<std::string>& pgBinDir,
                                    const EnvLookup& env);

// libpq keywords as the PG* variables libpq reads (host -> PGHOST, password -> PGPASSWORD, ...).
// Keywords without a variable are listed in *ignored (never their values).
std::map<std::string, std::string> libpqEnvironment(const db::ConnectParams& params,
                                                    std::vector<std::string>* ignored = nullptr);

struct ChildResult {
    int exitCode = -1;       // 128 + signal when killed
    std::string stderrText;  // the last 64 KiB
};

// Runs argv[0] (an absolute path) with the current environment plus `env` (replacing same-named
// variables), stdin and stdout on /dev/null, and waits. Throws std::runtime_error when it cannot start.
ChildResult runChild(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env);

}  // namespace app
