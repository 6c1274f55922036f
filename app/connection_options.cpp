#include "app/connection_options.hpp"

#include <cstdlib>
#include <memory>
#include <stdexcept>

namespace app {

EnvLookup processEnvironment() {
    return [](const char* name) -> const char* { return std::getenv(name); };
}

const std::vector<EnvKeyword>& stage1EnvKeywords() {
    static const std::vector<EnvKeyword> table = {
        {"STAGE1_POSTGRES_HOST", "host"},         {"STAGE1_POSTGRES_PORT", "port"},
        {"STAGE1_POSTGRES_DB", "dbname"},         {"STAGE1_POSTGRES_USER", "user"},
        {"STAGE1_POSTGRES_PASSWORD", "password"}, {"STAGE1_POSTGRES_SSLMODE", "sslmode"},
    };
    return table;
}

namespace {

struct ConninfoOptionsDeleter {
    void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

// Only the keywords the DSN actually sets, so it overrides exactly those and nothing else.
void overlayDsn(db::ConnectParams& params, const std::string& dsn) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> options(PQconninfoParse(dsn.c_str(), &error));
    if (!options) {
        std::string message = error ? error : "out of memory";
        PQfreemem(error);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw std::invalid_argument("--dsn is not a valid libpq connection string or URI: " + message);
    }
    for (PQconninfoOption* o = options.get(); o->keyword; ++o)
        if (o->val) params.set(o->keyword, o->val);
}

}  // namespace

db::ConnectParams resolveConnection(const ConnectionRequest& request, const EnvLookup& env) {
    db::ConnectParams params;
    params.set("application_name", request.applicationName);
    for (const auto& [variable, keyword] : stage1EnvKeywords()) {
        const char* value = env(variable);
        if (value && *value) params.set(keyword, value);
    }
    if (request.dsn) overlayDsn(params, *request.dsn);
    return params;
}

}  // namespace app
