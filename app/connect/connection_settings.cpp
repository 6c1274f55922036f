#include "app/connect/connection_settings.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <regex>
#include <stdexcept>

namespace app {

namespace {

template <typename T>
void fill(std::optional<T>& field, const std::optional<T>& lower) {
    if (!field && lower) field = lower;
}

int parseInt(const std::string& text, const std::string& what, int min, int max) {
    errno = 0;
    char* end = nullptr;
    long v = std::strtol(text.c_str(), &end, 10);
    if (text.empty() || *end != '\0' || errno == ERANGE || v < min || v > max)
        throw std::invalid_argument(what + " must be a whole number from " + std::to_string(min) + " to " +
                                    std::to_string(max) + ", got '" + text + "'");
    return static_cast<int>(v);
}

struct ConninfoOptionsDeleter {
    void operator()(PQconninfoOption* o) const { PQconninfoFree(o); }
};

bool envSet(const EnvLookup& env, const char* name) {
    const char* v = env(name);
    return v && *v;
}

}  // namespace

EnvLookup processEnvironment() {
    return [](const char* name) -> const char* { return std::getenv(name); };
}

const std::vector<EnvVariable>& stage1EnvironmentVariables() {
    static const std::vector<EnvVariable> variables = {
        {"STAGE1_POSTGRES_HOST", "server host name, address or unix socket folder (libpq host)"},
        {"STAGE1_POSTGRES_PORT", "server port (libpq port)"},
        {"STAGE1_POSTGRES_DB", "database (default stage1_trading)"},
        {"STAGE1_POSTGRES_USER", "role (default stage1_app)"},
        {"STAGE1_POSTGRES_PASSWORD", "password, kept in memory only (prefer ~/.pgpass)"},
        {"STAGE1_POSTGRES_SSLMODE",
         "disable | allow | prefer | require | verify-ca | verify-full (default: require for a server on "
         "another machine, libpq's prefer on this one and through the SSH tunnel)"},
        {"STAGE1_POSTGRES_SSLROOTCERT", "CA certificate file for verify-ca / verify-full"},
        {"STAGE1_POSTGRES_CONNECT_TIMEOUT", "seconds before a connection attempt gives up (default 5)"},
        {"STAGE1_STATEMENT_TIMEOUT_MS",
         "statement_timeout of every statement (default 15000; per statement through a pooler)"},
        {"STAGE1_CONNECTION_MODE", "direct (default) | tunnel"},
        {"STAGE1_TUNNEL_LOCAL_PORT", "tunnel mode: local end of the ssh -L tunnel (default 5433)"},
        {"STAGE1_SSH_TARGET", "tunnel mode: user@host[:port] of the ssh server"},
        {"STAGE1_TUNNEL_REMOTE_HOST",
         "tunnel mode: PostgreSQL as seen from the ssh server (default 127.0.0.1)"},
        {"STAGE1_TUNNEL_REMOTE_PORT", "tunnel mode: its port (default 5432)"},
        {"STAGE1_SSH_IDENTITY", "tunnel mode: private key for ssh -i (default: ssh's own keys and agent)"},
        {"STAGE1_SSH_KNOWN_HOSTS", "tunnel mode: known_hosts file (default: ~/.ssh/known_hosts)"},
        {"STAGE1_SSH_CONFIG", "tunnel mode: ssh config file for ssh -F (default: ~/.ssh/config)"},
        {"STAGE1_QUESTDB_HOST",
         "QuestDB host (its PostgreSQL wire protocol); set: the run's QuestDB side is shown"},
        {"STAGE1_QUESTDB_PORT", "QuestDB PostgreSQL wire port (default 8812)"},
        {"STAGE1_QUESTDB_USER", "QuestDB user (default admin)"},
        {"STAGE1_QUESTDB_PASSWORD", "QuestDB password, kept in memory only (or ~/.pgpass)"},
        {"STAGE1_QUESTDB_DBNAME", "QuestDB database name (default qdb)"},
        {"STAGE1_QUESTDB_DSN",
         "QuestDB as one libpq conninfo; the STAGE1_QUESTDB_* fields above win over its keywords"},
        {"STAGE1_PROFILE", "saved profile to use when --profile is not given"},
        {"STAGE1_SPOOL_PATH",
         "where the window queues writes it could not deliver (default "
         "$XDG_DATA_HOME/stage1-debugger/pending_postgres_inserts.sql)"},
    };
    return variables;
}

ConnectionSettings ConnectionSettings::over(const ConnectionSettings& lower) const {
    ConnectionSettings out = *this;
    fill(out.host, lower.host);
    fill(out.port, lower.port);
    fill(out.dbname, lower.dbname);
    fill(out.user, lower.user);
    fill(out.sslmode, lower.sslmode);
    fill(out.sslrootcert, lower.sslrootcert);
    fill(out.connectTimeoutS, lower.connectTimeoutS);
    fill(out.applicationName, lower.applicationName);
    fill(out.statementTimeoutMs, lower.statementTimeoutMs);
    fill(out.mode, lower.mode);
    fill(out.tunnelLocalPort, lower.tunnelLocalPort);
    fill(out.sshTarget, lower.sshTarget);
    fill(out.remoteHost, lower.remoteHost);
    fill(out.remotePort, lower.remotePort);
    fill(out.sshIdentity, lower.sshIdentity);
    fill(out.sshKnownHosts, lower.sshKnownHosts);
    fill(out.sshConfig, lower.sshConfig);
    fill(out.password, lower.password);
    for (const auto& [k, v] : lower.extraKeywords) out.extraKeywords.emplace(k, v);  // emplace keeps ours
    out.questdb = questdb.over(lower.questdb);
    return out;
}

QuestDbSettings QuestDbSettings::over(const QuestDbSettings& lower) const {
    QuestDbSettings out = *this;
    fill(out.host, lower.host);
    fill(out.port, lower.port);
    fill(out.user, lower.user);
    fill(out.dbname, lower.dbname);
    fill(out.password, lower.password);
    for (const auto& [k, v] : lower.extraKeywords) out.extraKeywords.emplace(k, v);
    return out;
}

std::string maskPasswords(const std::string& text) {
    static const std::regex keyword(R"((password\s*=\s*)('(?:[^'\\]|\\.)*'?|[^\s]*))", std::regex::icase);
    static const std::regex uri(R"(((?:postgres|postgresql)://[^:/@\s]*:)[^@\s]*@)", std::regex::icase);
    return std::regex_replace(std::regex_replace(text, keyword, "$1****"), uri, "$1****@");
}

ConnectionSettings settingsFromDsn(const std::string& dsn) {
    char* error = nullptr;
    std::unique_ptr<PQconninfoOption, ConninfoOptionsDeleter> options(PQconninfoParse(dsn.c_str(), &error));
    if (!options) {
        std::string message = error ? error : "out of memory";
        PQfreemem(error);
        while (!message.empty() && message.back() == '\n') message.pop_back();
        throw std::invalid_argument("--dsn is not a valid libpq connection string or URI: " +
                                    maskPasswords(message));
    }
    ConnectionSettings s;
    for (PQconninfoOption* o = options.get(); o->keyword; ++o) {
        if (!o->val) continue;
        std::string k = o->keyword, v = o->val;
        if (k == "host")
            s.host = v;
        else if (k == "port")
            s.port = v;
        else if (k == "dbname")
            s.dbname = v;
        else if (k == "user")
            s.user = v;
        else if (k == "password")
            s.password = v;
        else if (k == "sslmode")
            s.sslmode = v;
        else if (k == "sslrootcert")
            s.sslrootcert = v;
        else if (k == "connect_timeout")
            s.connectTimeoutS = parseInt(v, "connect_timeout in --dsn", 0, 3600);
        else if (k == "application_name")
            s.applicationName = v;
        else
            s.extraKeywords[k] = v;
    }
    return s;
}

ConnectionSettings settingsFromEnvironment(const EnvLookup& env) {
    ConnectionSettings s;
    auto text = [&](const char* name) -> std::optional<std::string> {
        const char* v = env(name);
        if (v && *v) return std::string(v);
        return std::nullopt;
    };
    auto number = [&](const char* name, int min, int max) -> std::optional<int> {
        auto v = text(name);
        if (!v) return std::nullopt;
        return parseInt(*v, name, min, max);
    };
    s.host = text("STAGE1_POSTGRES_HOST");
    s.port = text("STAGE1_POSTGRES_PORT");
    s.dbname = text("STAGE1_POSTGRES_DB");
    s.user = text("STAGE1_POSTGRES_USER");
    s.password = text("STAGE1_POSTGRES_PASSWORD");
    s.sslmode = text("STAGE1_POSTGRES_SSLMODE");
    s.sslrootcert = text("STAGE1_POSTGRES_SSLROOTCERT");
    s.connectTimeoutS = number("STAGE1_POSTGRES_CONNECT_TIMEOUT", 0, 3600);
    s.statementTimeoutMs = number("STAGE1_STATEMENT_TIMEOUT_MS", 0, 86400000);
    if (auto mode = text("STAGE1_CONNECTION_MODE")) {
        if (*mode == "direct")
            s.mode = ConnectionMode::Direct;
        else if (*mode == "tunnel")
            s.mode = ConnectionMode::Tunnel;
        else
            throw std::invalid_argument("STAGE1_CONNECTION_MODE must be 'direct' or 'tunnel', got '" + *mode +
                                        "'");
    }
    s.tunnelLocalPort = number("STAGE1_TUNNEL_LOCAL_PORT", 1, 65535);
    s.sshTarget = text("STAGE1_SSH_TARGET");
    s.remoteHost = text("STAGE1_TUNNEL_REMOTE_HOST");
    s.remotePort = number("STAGE1_TUNNEL_REMOTE_PORT", 1, 65535);
    s.sshIdentity = text("STAGE1_SSH_IDENTITY");
    s.sshKnownHosts = text("STAGE1_SSH_KNOWN_HOSTS");
    s.sshConfig = text("STAGE1_SSH_CONFIG");
    return s;
}

bool isLocalHost(const std::string& host) {
    size_t from = 0;
    while (from <= host.size()) {
        size_t comma = host.find(',', from);
        if (comma == std::string::npos) comma = host.size();
        const std::string one = host.substr(from, comma - from);
        const bool local = one.empty() || one.front() == '/' || one.front() == '@' || one == "localhost" ||
                           one == "::1" || one.rfind("127.", 0) == 0;
        if (!local) return false;
        from = comma + 1;
    }
    return true;
}

namespace {

// Where a direct connection goes when the settings leave the host to libpq: PGHOST, PGHOSTADDR,
// else its default socket. hostaddr (given or from the environment) is where it really connects.
bool settingsLeaveThisMachine(const ConnectionSettings& s, const EnvLookup& env) {
    auto envText = [&](const char* name) {
        const char* v = env(name);
        return std::string(v ? v : "");
    };
    auto hostaddr = s.extraKeywords.find("hostaddr");
    const std::string address = hostaddr != s.extraKeywords.end() ? hostaddr->second
                                : s.host                          ? std::string()
                                                                  : envText("PGHOSTADDR");
    if (!address.empty()) return !isLocalHost(address);
    return !isLocalHost(s.host.value_or(envText("PGHOST")));
}

}  // namespace

ResolvedConnection resolveConnection(const ConnectionSettings& flags, const ConnectionSettings& profile,
                                     const EnvLookup& env, const std::string& applicationName) {
    ResolvedConnection r;
    r.settings = flags.over(settingsFromEnvironment(env)).over(profile);
    ConnectionSettings& s = r.settings;
    // Product defaults only where libpq's own environment would not decide either.
    const bool service = envSet(env, "PGSERVICE") || s.extraKeywords.count("service");
    if (!s.dbname && !service && !envSet(env, "PGDATABASE")) s.dbname = "stage1_trading";
    if (!s.user && !service && !envSet(env, "PGUSER")) s.user = "stage1_app";
    if (!s.connectTimeoutS && !envSet(env, "PGCONNECT_TIMEOUT")) s.connectTimeoutS = 5;
    if (!s.applicationName) s.applicationName = applicationName;
    r.mode = s.mode.value_or(ConnectionMode::Direct);
    // A service file or PGSSLMODE (PGREQUIRESSL, its old form) is the user's choice too.
    if (!s.sslmode && r.mode == ConnectionMode::Direct && !service && !envSet(env, "PGSSLMODE") &&
        !envSet(env, "PGREQUIRESSL") && settingsLeaveThisMachine(s, env)) {
        s.sslmode = "require";
        r.tlsRequiredByDefault = true;
    }
    r.tunnelLocalPort = s.tunnelLocalPort.value_or(5433);
    r.remoteHost = s.remoteHost.value_or("127.0.0.1");
    r.remotePort = s.remotePort.value_or(5432);
    r.statementTimeoutMs = s.statementTimeoutMs.value_or(15000);
    return r;
}

bool leavesThisMachine(const ResolvedConnection& connection, const EnvLookup& env) {
    return connection.mode == ConnectionMode::Direct && settingsLeaveThisMachine(connection.settings, env);
}

std::optional<std::string> plaintextPasswordWarning(const ResolvedConnection& connection,
                                                    const EnvLookup& env) {
    const char* fromEnv = env("PGSSLMODE");
    const std::string sslmode =
        connection.settings.sslmode.value_or(fromEnv && *fromEnv ? fromEnv : "prefer");
    if (sslmode != "disable" && sslmode != "allow" && sslmode != "prefer") return std::nullopt;
    if (!leavesThisMachine(connection, env)) return std::nullopt;
    return "the password for " + connection.describe() +
           " may cross the network without TLS (sslmode=" + sslmode +
           (sslmode == "prefer" ? ", and the server may not offer TLS" : "") +
           "): use sslmode=require (the default for a server on another machine) or verify-full";
}

db::ConnectParams ResolvedConnection::connectParams() const {
    db::ConnectParams p;
    const ConnectionSettings& s = settings;
    auto put = [&](const char* keyword, const std::optional<std::string>& value) {
        if (value) p.set(keyword, *value);
    };
    if (mode == ConnectionMode::Tunnel) {
        p.set("host", s.host.value_or("127.0.0.1"));
        p.set("hostaddr", "127.0.0.1");
        p.set("port", std::to_string(tunnelLocalPort));
    } else {
        put("host", s.host);
        put("port", s.port);
    }
    put("dbname", s.dbname);
    put("user", s.user);
    put("password", s.password);
    put("sslmode", s.sslmode);
    put("sslrootcert", s.sslrootcert);
    if (s.connectTimeoutS) p.set("connect_timeout", std::to_string(*s.connectTimeoutS));
    put("application_name", s.applicationName);
    for (const auto& [k, v] : s.extraKeywords) {
        if (mode == ConnectionMode::Tunnel && k == "hostaddr") continue;  // the tunnel decides
        p.set(k, v);
    }
    return p;
}

std::string ResolvedConnection::describe() const {
    const ConnectionSettings& s = settings;
    std::string user = s.user.value_or("(default user)");
    std::string db = s.dbname.value_or("(default database)");
    if (mode == ConnectionMode::Tunnel)
        return user + "@" + s.host.value_or("127.0.0.1") + "/" + db +
               " via tunnel 127.0.0.1:" + std::to_string(tunnelLocalPort);
    return user + "@" + s.host.value_or("(default host)") + ":" + s.port.value_or("(default port)") + "/" +
           db;
}

std::optional<SshTarget> parseSshTarget(const std::string& text) {
    // Becomes an ssh argument: only the characters user and host names are made of, and never a
    // leading '-' (ssh would read "-oProxyCommand=...@host" as an option).
    auto nameChars = [](const std::string& s, const char* extra) {
        return !s.empty() && s.front() != '-' && s.front() != '.' &&
               std::all_of(s.begin(), s.end(), [extra](unsigned char c) {
                   return std::isalnum(c) || (c != 0 && std::strchr(extra, c) != nullptr);
               });
    };
    auto at = text.rfind('@');
    if (at == std::string::npos || at == 0 || at + 1 >= text.size()) return std::nullopt;
    const std::string user = text.substr(0, at);
    if (!nameChars(user, "._-")) return std::nullopt;
    SshTarget target;
    std::string host = text.substr(at + 1);
    bool bracketed = false;
    // [v6]:port or host:port; a bare IPv6 address without brackets has several colons.
    if (host.front() == '[') {
        auto close = host.find(']');
        if (close == std::string::npos) return std::nullopt;
        std::string rest = host.substr(close + 1);
        if (!rest.empty()) {
            if (rest[0] != ':') return std::nullopt;
            try {
                target.port = parseInt(rest.substr(1), "ssh port", 1, 65535);
            } catch (const std::invalid_argument&) {
                return std::nullopt;
            }
        }
        host = host.substr(1, close - 1);
        bracketed = true;
    } else if (auto colon = host.find(':');
               colon != std::string::npos && host.find(':', colon + 1) == std::string::npos) {
        try {
            target.port = parseInt(host.substr(colon + 1), "ssh port", 1, 65535);
        } catch (const std::invalid_argument&) {
            return std::nullopt;
        }
        host = host.substr(0, colon);
    }
    // Host names, IPv4, and IPv6 (with a %zone inside brackets).
    if (!nameChars(host, bracketed ? ":.%_-" : ":._-")) return std::nullopt;
    target.destination = user + "@" + host;
    return target;
}

}  // namespace app
