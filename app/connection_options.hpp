// The one place that decides which server to talk to: --dsn, then STAGE1_POSTGRES_* variables,
// then whatever libpq finds on its own (PG* variables, service file, .pgpass).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "db/pg.hpp"

namespace app {

// getenv by default; tests pass a map.
using EnvLookup = std::function<const char*(const char*)>;
EnvLookup processEnvironment();

struct ConnectionRequest {
    std::optional<std::string> dsn;  // libpq conninfo "host=... port=..." or postgresql:// URI
    std::string applicationName = "stage1ctl";
};

// The STAGE1_POSTGRES_* variables and the libpq keyword each one sets.
struct EnvKeyword {
    const char* variable;
    const char* keyword;
};
const std::vector<EnvKeyword>& stage1EnvKeywords();

// Throws std::invalid_argument with a user-facing message when the DSN does not parse.
db::ConnectParams resolveConnection(const ConnectionRequest& request, const EnvLookup& env);

}  // namespace app
