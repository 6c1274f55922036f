// How every stage1ctl command finds and reaches the server.
#include <nlohmann/json.hpp>

#include "app/cli/ctl_commands.hpp"
#include "app/cli/interrupt.hpp"
#include "app/connect/connect_failure.hpp"
#include "app/connect/profiles.hpp"
#include "app/connect/ssh_tunnel.hpp"

namespace app {

const std::vector<OptionSpec>& connectionOptions() {
    static const std::vector<OptionSpec> options = {
        {"dsn", true, "libpq connection string or postgresql:// URI"},
        {"host", true, "server host (overrides --dsn and STAGE1_POSTGRES_HOST)"},
        {"port", true, "server port"},
        {"db", true, "database (default stage1_trading)"},
        {"user", true, "role (default stage1_app)"},
        {"sslmode", true, "disable|allow|prefer|require|verify-ca|verify-full"},
        {"profile", true, "saved profile (else STAGE1_PROFILE)"},
        {"tunnel-port", true, "connect through an SSH tunnel you run, listening on this local port"},
        {"tunnel", true, "run the SSH tunnel: user@host[:sshport]"},
        {"tunnel-remote", true, "PostgreSQL as seen from the ssh host (default 127.0.0.1:5432)"},
        {"tunnel-local-port", true,
         "local end of the managed tunnel (default 5433; a busy unpinned port is replaced)"},
        {"ssh-identity", true, "private key for the managed tunnel"},
        {"ssh-known-hosts", true, "known_hosts file for the managed tunnel"},
        {"statement-timeout", true, "milliseconds (default 15000)"},
    };
    return options;
}

const std::vector<std::string>& sslModes() {
    static const std::vector<std::string> modes = {"disable", "allow",     "prefer",
                                                   "require", "verify-ca", "verify-full"};
    return modes;
}

namespace {

ConnectionSettings settingsFromFlags(const ParsedArgs& args) {
    ConnectionSettings s;
    if (auto dsn = args.value("dsn")) s = settingsFromDsn(*dsn);
    if (auto v = args.value("host")) s.host = *v;
    if (auto v = args.value("port")) s.port = std::to_string(args.integer("port", 0, 1, 65535));
    if (auto v = args.value("db")) s.dbname = *v;
    if (auto v = args.value("user")) s.user = *v;
    if (auto v = args.value("sslmode")) {
        const std::vector<std::string>& modes = sslModes();
        if (std::find(modes.begin(), modes.end(), *v) == modes.end())
            throw UsageError(
                "--sslmode must be one of disable, allow, prefer, require, verify-ca, verify-full; got '" +
                *v + "'");
        s.sslmode = *v;
    }
    if (args.value("tunnel-port")) {
        s.mode = ConnectionMode::Tunnel;
        s.tunnelLocalPort = static_cast<int>(args.integer("tunnel-port", 5433, 1, 65535));
    }
    if (auto target = args.value("tunnel")) {
        if (!parseSshTarget(*target))
            throw UsageError("--tunnel expects user@host or user@host:port, got '" + *target + "'");
        s.mode = ConnectionMode::Tunnel;
        s.sshTarget = *target;
    }
    if (auto remote = args.value("tunnel-remote")) {
        auto colon = remote->rfind(':');
        if (colon == std::string::npos || colon == 0)
            throw UsageError("--tunnel-remote expects host:port, got '" + *remote + "'");
        s.remoteHost = remote->substr(0, colon);
        s.remotePort = static_cast<int>(
            parseInteger(remote->substr(colon + 1), "the port of --tunnel-remote", 1, 65535));
    }
    if (args.value("tunnel-local-port"))
        s.tunnelLocalPort = static_cast<int>(args.integer("tunnel-local-port", 5433, 1, 65535));
    if (auto v = args.value("ssh-identity")) s.sshIdentity = *v;
    if (auto v = args.value("ssh-known-hosts")) s.sshKnownHosts = *v;
    if (args.value("statement-timeout"))
        s.statementTimeoutMs = static_cast<int>(args.integer("statement-timeout", 15000, 0, 86400000));
    return s;
}

ConnectionSettings profileSettings(const ParsedArgs& args, CtlIo& io) {
    std::optional<std::string> name = args.value("profile");
    if (!name) {
        const char* fromEnv = io.env("STAGE1_PROFILE");
        if (fromEnv && *fromEnv) name = fromEnv;
    }
    if (!name) return {};
    auto path = profilesPath(io.env);
    ProfileFile file;
    try {
        file = loadProfiles(path);
    } catch (const std::runtime_error& e) {
        throw UsageError(e.what());
    }
    for (const auto& w : file.warnings) io.err << "stage1ctl: " << w << "\n";
    const Profile* profile = file.find(*name);
    if (!profile) {
        std::string known;
        for (const auto& p : file.profiles) known += (known.empty() ? "" : ", ") + p.name;
        throw UsageError("no profile named '" + *name + "' in " + path.string() +
                         (known.empty() ? " (the file has none)" : " (known: " + known + ")"));
    }
    return profile->settings;
}

bool wantsPassword(const std::string& message) {
    return message.find("no password supplied") != std::string::npos;
}

}  // namespace

ResolvedConnection resolveForCommand(const ParsedArgs& args, CtlIo& io) {
    try {
        return resolveConnection(settingsFromFlags(args), profileSettings(args, io), io.env, "stage1ctl");
    } catch (const UsageError&) {
        throw;
    } catch (const std::invalid_argument& e) {  // malformed --dsn or STAGE1_* value
        throw UsageError(e.what());
    }
}

namespace {

// A password known before connecting, or asked for, is warned about before it may cross the
// network in clear; one that did (no TLS, and the server asked for it) is warned about after.
db::Connection openAsking(ResolvedConnection& connection, CtlIo& io) {
    const auto risk = plaintextPasswordWarning(connection, io.env);
    const char* fromEnv = io.env("PGPASSWORD");
    if (risk && (connection.settings.password || (fromEnv && *fromEnv)))
        io.err << "warning: " << *risk << "\n";
    auto checked = [&](db::Connection conn) {
        if (!PQsslInUse(conn.raw()) && PQconnectionUsedPassword(conn.raw()) &&
            leavesThisMachine(connection, io.env))
            io.err << "warning: the password went to " << connection.describe()
                   << " without TLS; ask for sslmode=require or verify-full\n";
        return conn;
    };
    try {
        return checked(db::Connection::open(connection.connectParams()));
    } catch (const db::Error& e) {
        if (!wantsPassword(e.info().message) || !io.askPassword || connection.settings.password) throw;
        if (risk) io.err << "warning: " << *risk << "\n";
        auto password = io.askPassword("Password for " + connection.describe() + ": ");
        if (!password) throw;
        connection.settings.password = *password;
        return checked(db::Connection::open(connection.connectParams()));
    }
}

}  // namespace

namespace {

// The managed tunnel lives until stage1ctl exits (its destructor stops ssh).
std::unique_ptr<SshTunnel> commandTunnel;

// Starts the tunnel when the settings ask for one; false (after printing the diagnosis) if it
// cannot be brought up.
bool startTunnelIfManaged(const ParsedArgs& args, CtlIo& io, ResolvedConnection& connection) {
    std::optional<TunnelSpec> spec;
    try {
        spec = managedTunnelFor(connection);
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
    if (!spec) return true;
    commandTunnel = std::make_unique<SshTunnel>(
        *spec, [&io](const std::string& line) { io.err << "ssh: " << line << "\n"; });
    try {
        connection.tunnelLocalPort = commandTunnel->start();
        return true;
    } catch (const TunnelError& e) {
        Diagnosis d =
            diagnoseTunnelFailure(e.kind(), e.what(), e.sshOutput(), diagnosisContextFor(connection));
        printFailure(jsonOutput(args), io,
                     Failure{"tunnel", "the SSH tunnel to " + spec->destination + " is not up: " + e.what(),
                             std::nullopt, d, connection.describe()});
        return false;
    }
}

}  // namespace

std::optional<db::Connection> connectForCommand(const ParsedArgs& args, CtlIo& io, StatementTimeout timeout) {
    ResolvedConnection connection = resolveForCommand(args, io);
    if (!startTunnelIfManaged(args, io, connection)) return std::nullopt;
    try {
        db::Connection conn = openAsking(connection, io);
        const int ms = timeout == StatementTimeout::Configured ? connection.statementTimeoutMs : 0;
        conn.setStatementTimeout(ms);  // per transaction through a pooler: nothing left on its server session
        cancelOnInterrupt(conn.raw());
        return conn;
    } catch (const db::Error& e) {
        printFailure(
            jsonOutput(args), io,
            Failure{"connection", "cannot connect to " + connection.describe() + ":\n" + e.info().message,
                    e.info(), diagnoseFailure(e.info(), connection), connection.describe()});
        return std::nullopt;
    }
}

bool refusedThroughPooler(db::Connection& conn, const ParsedArgs& args, CtlIo& io,
                          const std::string& command) {
    if (!conn.throughPooler()) return false;
    const char* host = PQhost(conn.raw());
    const char* port = PQport(conn.raw());
    const std::string target = std::string(host && *host ? host : "(default host)") + ":" +
                               (port && *port ? port : "(default port)");
    printFailure(jsonOutput(args), io,
                 Failure{"pooler",
                         command + " refuses to run through a connection pooler (" + target +
                             " is one, e.g. PgBouncer: the server's pg_backend_pid() differs from the "
                             "backend pid the connection announced). It holds a session advisory lock "
                             "and session settings that a transaction-mode pool cannot keep, so nothing "
                             "was changed. Connect to PostgreSQL directly instead: its own port (e.g. "
                             "--port 5432, or a profile pointing at it), not the pooler's. A session-mode "
                             "pool would work, but it cannot be told apart from a transaction-mode one.",
                         std::nullopt, std::nullopt, target});
    return true;
}

}  // namespace app
