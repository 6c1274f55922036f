#include "app/connect/questdb_connection.hpp"

#include <memory>
#include <stdexcept>

namespace app {

namespace {

struct ConninfoDeleter {
    void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

std::optional<std::string> envText(const EnvLookup& env, const char* name) {
    const char* v = env(name);
    if (v && *v) return std::string(v);
    return std::nullopt;
}

}  // namespace

QuestDbSettings questDbSettingsFromDsn(const std::string& dsn, const std::string& what) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(PQconninfoParse(dsn.c_str(), &error));
    if (!options) {
        std::string why = error ? error : "out of memory";
        PQfreemem(error);
        while (!why.empty() && why.back() == '\n') why.pop_back();
        throw std::invalid_argument(what + " is not a valid connection string: " + maskPasswords(why));
    }
    QuestDbSettings s;
    for (PQconninfoOption* o = options.get(); o->keyword; ++o) {
        if (!o->val || !*o->val) continue;
        const std::string k = o->keyword, v = o->val;
        if (k == "host")
            s.host = v;
        else if (k == "port")
            s.port = v;
        else if (k == "user")
            s.user = v;
        else if (k == "dbname")
            s.dbname = v;
        else if (k == "password")
            s.password = v;
        else
            s.extraKeywords[k] = v;
    }
    return s;
}

QuestDbSettings questDbSettingsFromEnvironment(const EnvLookup& env) {
    QuestDbSettings fields;
    fields.host = envText(env, "STAGE1_QUESTDB_HOST");
    fields.port = envText(env, "STAGE1_QUESTDB_PORT");
    fields.user = envText(env, "STAGE1_QUESTDB_USER");
    fields.password = envText(env, "STAGE1_QUESTDB_PASSWORD");
    fields.dbname = envText(env, "STAGE1_QUESTDB_DBNAME");
    QuestDbSettings dsn;
    if (auto text = envText(env, "STAGE1_QUESTDB_DSN"))
        dsn = questDbSettingsFromDsn(*text, "STAGE1_QUESTDB_DSN");
    return fields.over(dsn);
}

ResolvedQuestDb resolveQuestDb(const QuestDbSettings& explicitSettings, const QuestDbSettings& profile,
                               const EnvLookup& env, bool explicitGiven) {
    ResolvedQuestDb r;
    QuestDbSettings known = explicitSettings.over(questDbSettingsFromEnvironment(env)).over(profile);
    r.configured = explicitGiven || known.host.has_value();
    QuestDbSettings defaults;
    defaults.port = kQuestDbDefaultPort;
    defaults.user = kQuestDbDefaultUser;
    defaults.dbname = kQuestDbDefaultDbname;
    r.settings = known.over(defaults);
    return r;
}

db::ConnectParams ResolvedQuestDb::connectParams(const std::string& applicationName) const {
    db::ConnectParams p;
    const QuestDbSettings& s = settings;
    auto put = [&](const char* keyword, const std::optional<std::string>& value) {
        if (value) p.set(keyword, *value);
    };
    put("host", s.host);
    put("port", s.port);
    put("user", s.user);
    put("dbname", s.dbname);
    put("password", s.password);
    // QuestDB's PG wire speaks no TLS: prefer would only add a refused SSLRequest round trip. A DSN
    // may still say otherwise (a TLS-terminating proxy in front), which the extras below keep.
    p.set("sslmode", "disable");
    // A QuestDB that does not answer must not hold a request for libpq's default of forever.
    p.set("connect_timeout", std::to_string(kQuestDbConnectTimeoutS));
    p.set("application_name", applicationName);
    for (const auto& [k, v] : s.extraKeywords) p.set(k, v);
    return p;
}

std::string ResolvedQuestDb::hostPort() const {
    return settings.host.value_or("(default host)") + ":" + settings.port.value_or(kQuestDbDefaultPort);
}

std::string ResolvedQuestDb::describe() const {
    return settings.user.value_or(kQuestDbDefaultUser) + "@" + hostPort() + "/" +
           settings.dbname.value_or(kQuestDbDefaultDbname);
}

}  // namespace app
