// Which server to talk to and how, decided in one place. Sources, highest first:
//   1. command-line flags and --dsn (a libpq conninfo string or URI),
//   2. STAGE1_POSTGRES_* environment variables,
//   3. a saved profile,
//   4. libpq's own defaults (PG* variables, the service file, .pgpass),
// and only then the product defaults (stage1_trading, stage1_app, 5 s) for what libpq would not
// decide either. Every field is optional so "unset" can fall through a layer.
// TLS: a direct connection to another machine defaults to sslmode=require, where libpq's prefer
// would fall back to plaintext without a word when the server offers no TLS. Over a unix socket, to
// loopback, and through the SSH tunnel (already encrypted) libpq's default stays.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace app {

using EnvLookup = std::function<const char*(const char*)>;
EnvLookup processEnvironment();

enum class ConnectionMode { Direct, Tunnel };

// Where QuestDB answers on its PostgreSQL wire protocol (the run's data side; resolved by
// app/connect/questdb_connection.hpp). Every field optional so layers fall through, as below.
struct QuestDbSettings {
    std::optional<std::string> host, port, user, dbname;
    std::optional<std::string> password;               // env or a DSN only; never saved
    std::map<std::string, std::string> extraKeywords;  // other keywords of a QuestDB DSN
    QuestDbSettings over(const QuestDbSettings& lower) const;
    bool operator==(const QuestDbSettings& o) const {
        return host == o.host && port == o.port && user == o.user && dbname == o.dbname &&
               password == o.password && extraKeywords == o.extraKeywords;
    }
};

struct ConnectionSettings {
    std::optional<std::string> host;  // may be a multi-host list "a,b"; passed to libpq untouched
    std::optional<std::string> port;
    std::optional<std::string> dbname;
    std::optional<std::string> user;
    std::optional<std::string> sslmode;
    std::optional<std::string> sslrootcert;
    std::optional<int> connectTimeoutS;
    std::optional<std::string> applicationName;
    std::optional<int> statementTimeoutMs;
    std::optional<ConnectionMode> mode;
    std::optional<int> tunnelLocalPort;
    std::optional<std::string> sshTarget;  // user@host[:port]
    std::optional<std::string> remoteHost;
    std::optional<int> remotePort;
    std::optional<std::string> sshIdentity;    // -i for the managed tunnel
    std::optional<std::string> sshKnownHosts;  // UserKnownHostsFile for the managed tunnel
    std::optional<std::string> sshConfig;      // -F for the managed tunnel (default: the user's)
    // Any other libpq keyword from --dsn (target_session_attrs, hostaddr, sslcert, ...), untouched.
    std::map<std::string, std::string> extraKeywords;
    // Only from --dsn or STAGE1_POSTGRES_PASSWORD or a prompt; never saved, never printed.
    std::optional<std::string> password;
    // The QuestDB beside this PostgreSQL (a profile's "questdb" object; STAGE1_QUESTDB_*).
    QuestDbSettings questdb;

    // Fields set here win over the ones in `lower`.
    ConnectionSettings over(const ConnectionSettings& lower) const;
};

// The settings once every layer and default has been applied.
struct ResolvedConnection {
    ConnectionSettings settings;  // with product defaults filled where libpq would not decide
    ConnectionMode mode = ConnectionMode::Direct;
    int tunnelLocalPort = 5433;
    std::string remoteHost = "127.0.0.1";
    int remotePort = 5432;
    int statementTimeoutMs = 15000;
    // sslmode=require came from the product default (no sslmode given anywhere), not the user.
    bool tlsRequiredByDefault = false;

    // libpq keywords. In tunnel mode host stays the real server name and hostaddr=127.0.0.1 with
    // the local port, so .pgpass lookup and verify-full still see the real name.
    db::ConnectParams connectParams() const;
    // "user@host:port/db" (tunnel: "user@host/db via 127.0.0.1:5433"); never a password.
    std::string describe() const;
};

// Parses --dsn into settings; throws std::invalid_argument with libpq's reason (which may quote the
// whole URI: its password is masked).
ConnectionSettings settingsFromDsn(const std::string& dsn);

// Text that may quote a connection string, with every password shown as ****: the value of any
// password=... keyword (quoted or not; sslpassword too) and the password of a postgres:// URI.
std::string maskPasswords(const std::string& text);
ConnectionSettings settingsFromEnvironment(const EnvLookup& env);
ResolvedConnection resolveConnection(const ConnectionSettings& flags, const ConnectionSettings& profile,
                                     const EnvLookup& env, const std::string& applicationName);

// The STAGE1_* variables this program reads, for --help and the docs.
struct EnvVariable {
    const char* name;
    const char* meaning;
};
const std::vector<EnvVariable>& stage1EnvironmentVariables();

// A host libpq reaches on this machine: a unix socket folder ("/..." or "@abstract"), "localhost",
// 127.0.0.0/8 or ::1. A list "a,b" is local only when every entry is; an empty host is libpq's
// default, the socket.
bool isLocalHost(const std::string& host);

// Whether a direct connection goes to another machine (host, hostaddr, PGHOST, PGHOSTADDR).
bool leavesThisMachine(const ResolvedConnection& connection, const EnvLookup& env);

// A warning for a password about to go to another machine on a connection the user allowed to be
// plaintext (sslmode disable, allow or prefer); nullopt otherwise (TLS required, local, tunnel).
std::optional<std::string> plaintextPasswordWarning(const ResolvedConnection& connection,
                                                    const EnvLookup& env);

// "user@host[:port]" -> {destination for ssh, port}; nullopt when malformed.
struct SshTarget {
    std::string destination;  // user@host
    std::optional<int> port;
};
std::optional<SshTarget> parseSshTarget(const std::string& text);

}  // namespace app
