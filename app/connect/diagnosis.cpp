#include "app/connect/diagnosis.hpp"
#include "app/connect/hba_line.hpp"
#include "app/connect/ssh_tunnel.hpp"

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>
#include <string_view>

namespace app {

namespace {

using Encryption = HbaRejection::Encryption;
constexpr auto npos = std::string_view::npos;

// When neither the message nor the context names them: the role and database analysts use.
constexpr const char* kDefaultUser = "stage1_app";
constexpr const char* kDefaultDatabase = "stage1_trading";
constexpr const char* kCheckHbaSql =
    "SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL;";

// ---------------------------------------------------------------- reading the text

std::string firstOf(const std::string& a, const std::string& b) {
    return a.empty() ? b : a;
}

// The text between `before` and the next `after` on the same line; "" when absent.
std::string between(std::string_view text, std::string_view before, std::string_view after) {
    size_t start = text.find(before);
    if (start == npos) return "";
    start += before.size();
    size_t end = text.find(after, start);
    size_t newline = text.find('\n', start);
    if (end == npos || (newline != npos && newline < end)) return "";
    return std::string(text.substr(start, end - start));
}

// The name in `<word> "name"<suffix>`, e.g. quotedBefore(t, "role", " does not exist"): found from the
// suffix backwards so other quoted names earlier in the text are not taken.
std::string quotedBefore(std::string_view text, std::string_view word, std::string_view suffix) {
    std::string open = std::string(word) + " \"";
    std::string close = "\"" + std::string(suffix);
    for (size_t end = text.find(close); end != npos; end = text.find(close, end + 1)) {
        size_t start = text.rfind(open, end);
        if (start == npos) continue;
        start += open.size();
        std::string_view name = text.substr(start, end - start);
        if (name.find('\n') == npos && name.find('"') == npos) return std::string(name);
    }
    return "";
}

Encryption encryptionFrom(std::string_view words) {
    if (words.rfind("SSL encryption", 0) == 0 || words.rfind("SSL on", 0) == 0) return Encryption::Ssl;
    if (words.rfind("GSS encryption", 0) == 0) return Encryption::Gss;
    if (words.rfind("no encryption", 0) == 0 || words.rfind("SSL off", 0) == 0) return Encryption::None;
    return Encryption::Unknown;
}

// Everything the message and the context tell, with fallbacks resolved once.
struct Evidence {
    const db::DbError& error;
    const DiagnosisContext& context;
    std::string text;  // message, DETAIL and HINT: every line libpq and the server gave
    std::vector<HbaRejection> hba;

    bool has(std::string_view needle) const { return text.find(needle) != npos; }
    bool sqlstateIs(std::string_view code) const { return error.sqlstate == code; }
    bool sqlstateIn(std::string_view classPrefix) const { return error.sqlstate.rfind(classPrefix, 0) == 0; }

    std::string user() const { return context.user.empty() ? kDefaultUser : context.user; }
    std::string dbname() const { return context.dbname.empty() ? kDefaultDatabase : context.dbname; }
    // Where the client connected, as it would type it (the tunnel's local end in tunnel mode).
    std::string host() const {
        if (context.tunnel) return "127.0.0.1";
        std::string fromMessage = between(text, "connection to server at \"", "\"");
        if (fromMessage.empty()) fromMessage = between(text, "on host \"", "\"");  // libpq <= 13
        return firstOf(context.host, firstOf(fromMessage, "localhost"));
    }
    std::string port() const {
        if (context.tunnel) return std::to_string(context.tunnelLocalPort);
        std::string fromMessage = between(text, ", port ", " failed");
        if (fromMessage.empty()) fromMessage = between(text, "connections on port ", "?");  // libpq <= 13
        return firstOf(context.port, firstOf(fromMessage, "5432"));
    }
    std::string endpoint() const {
        std::string h = host();
        return (h.find(':') != npos ? "[" + h + "]" : h) + ":" + port();
    }
    // The database server's name for commands run there ("<db host>" when only a socket is known).
    std::string serverName() const {
        const std::string& h = context.host;
        if (h.empty() || h[0] == '/' || parseAddress(h).loopback || h == "localhost") return "<db host>";
        return h;
    }
    std::string major() const {
        std::string v = context.serverMajorVersion;
        return v.substr(0, v.find('.'));
    }
};

// ---------------------------------------------------------------- fixes shared by several kinds

std::string serviceCommand(const Evidence& e, const std::string& verb) {
    // Debian's postgresql.service passes reload and restart on to every cluster of every version.
    if (e.major().empty()) return "sudo systemctl " + verb + " postgresql";
    return "sudo systemctl " + verb + " postgresql@" + e.major() + "-main";
}

std::string serverLog(const Evidence& e) {
    return "/var/log/postgresql/postgresql-" + firstOf(e.major(), "*") + "-main.log";
}

std::string hbaFile(const Evidence& e) {
    if (e.major().empty()) return "pg_hba.conf (SHOW hba_file; names it)";
    return "/etc/postgresql/" + e.major() + "/main/pg_hba.conf";
}

std::string sshCommand(const Evidence& e) {
    const DiagnosisContext& c = e.context;
    return externalTunnelCommand(manualTunnelSpec(c.sshTarget, c.remoteHost, c.remotePort, c.tunnelLocalPort,
                                                  "<user>@" + e.serverName()));
}

std::vector<Fix> tunnelFixes(const Evidence& e, const std::string& why) {
    return {{why + " (keep it running in its own terminal)", sshCommand(e)},
            {"Then point the client at the tunnel's local end",
             "export STAGE1_POSTGRES_HOST=127.0.0.1 STAGE1_POSTGRES_PORT=" +
                 std::to_string(e.context.tunnelLocalPort)}};
}

Fix listenerCheck(const Evidence& e) {
    return {"See what listens on the tunnel's local port (it must be ssh, not a local PostgreSQL)",
            "lsof -nP -iTCP:" + std::to_string(e.context.tunnelLocalPort) + " -sTCP:LISTEN"};
}

Fix clusterStatus() {
    return {"On the database server, see which clusters run and on which port", "pg_lsclusters"};
}

Fix recentLog(const Evidence& e) {
    return {"Read the server log around the failure", "sudo tail -n 50 " + serverLog(e)};
}

Fix passwordPrompt() {
    return {"Give the password for this shell, typed at a hidden prompt (never in a file in the repository)",
            "read -rs STAGE1_POSTGRES_PASSWORD && export STAGE1_POSTGRES_PASSWORD"};
}

void append(std::vector<Fix>& to, std::vector<Fix> more) {
    to.insert(to.end(), std::make_move_iterator(more.begin()), std::make_move_iterator(more.end()));
}

bool allowsPlaintext(const std::string& sslmode) {
    return sslmode.empty() || sslmode == "disable" || sslmode == "allow" || sslmode == "prefer";
}

// ---------------------------------------------------------------- one matcher and one builder per kind

// A diagnosis before diagnose() adds the kind and the raw text.
struct Finding {
    std::string title;
    std::string explanation;
    std::vector<Fix> fixes;
};

bool isCancelled(const Evidence& e) {
    return (e.sqlstateIs("57014") && !e.has("statement timeout")) ||
           e.has("canceling statement due to user request") || e.error.message == "cancelled";
}
Finding cancelled(const Evidence& e) {
    bool connecting = e.error.message == "cancelled";
    return {connecting ? "The connection attempt was cancelled" : "The request was cancelled",
            connecting
                ? "The attempt to connect was abandoned on request before the server answered. Nothing "
                  "is known to be wrong; try again, and if it hangs again the diagnosis will say why."
                : "The statement was cancelled on request (a Cancel button, Ctrl+C, or another session "
                  "sending pg_cancel_backend) and the server stopped it. The connection is still fine; "
                  "nothing was changed by the cancelled statement.",
            {{"If it was slow, see what the app's sessions are running and waiting for (as a superuser)",
              "SELECT pid, state, wait_event_type, wait_event, now() - query_start AS running, query FROM "
              "pg_stat_activity WHERE usename = '" +
                  e.user() + "';"}}};
}

bool isStatementTimeout(const Evidence& e) {
    return e.has("canceling statement due to statement timeout");
}
Finding statementTimeout(const Evidence&) {
    return {"The query ran longer than statement_timeout and was stopped",
            "The server cancelled the statement when it reached the time limit of this session. The limit "
            "protects the server from runaway queries; this program sets one on every session "
            "(STAGE1_STATEMENT_TIMEOUT_MS, 15000 ms unless changed). Ask for less data at once (a shorter "
            "range, fewer runs, the next page) or raise the limit for this task.",
            {{"Raise the limit for this program (milliseconds)", "export STAGE1_STATEMENT_TIMEOUT_MS=60000"},
             {"Or raise it for the current psql session", "SET statement_timeout = '60s';"},
             {"See the limit in force", "SHOW statement_timeout;"}}};
}

bool isReadOnly(const Evidence& e) {
    return e.sqlstateIs("25006") || e.has("read-only transaction") || e.has("session is read-only") ||
           e.has("server is in hot standby mode");
}
Finding readOnly(const Evidence&) {
    return {"The write reached a read-only server or session",
            "The statement tried to change data, but the session is read-only: the host is most likely a "
            "standby (a replica that only follows the primary), or default_transaction_read_only is on for "
            "this role or database. Writes must go to the primary.",
            {{"Let libpq pick the primary among the hosts (add to the DSN, or set it in the environment)",
              "export PGTARGETSESSIONATTRS=read-write"},
             {"Check whether the server is a standby (true = standby)", "SELECT pg_is_in_recovery();"},
             {"Check the session setting", "SHOW default_transaction_read_only;"}}};
}

bool isPermissionDenied(const Evidence& e) {
    return e.sqlstateIs("42501") || e.has("permission denied for") || e.has("is not permitted to log in") ||
           e.has("must be owner of");
}
Finding permissionDenied(const Evidence& e) {
    std::string role = firstOf(quotedBefore(e.text, "role", " is not permitted to log in"), e.user());
    if (e.has("is not permitted to log in")) {
        return {"Role \"" + role + "\" may not log in",
                "The role exists but has NOLOGIN: migration 0009 creates " + std::string(kDefaultUser) +
                    " that way on purpose, and an administrator enables it once per server. The password is "
                    "then set at a prompt so it never reaches shell history or the server log.",
                {{"As an administrator on the database server",
                  "sudo -u postgres psql -c 'ALTER ROLE " + role + " LOGIN' -c '\\password " + role + "'"}}};
    }
    if (e.has("permission denied for database")) {
        std::string database =
            firstOf(between(e.text, "permission denied for database \"", "\""), e.dbname());
        return {"Role \"" + role + "\" may not connect to database \"" + database + "\"",
                "The server knows the role and the password was right, but the role lacks the CONNECT "
                "privilege on this database (REVOKE CONNECT ... FROM PUBLIC is common hardening).",
                {{"As an administrator", "GRANT CONNECT ON DATABASE " + database + " TO " + role + ";"}}};
    }
    return {
        "Role \"" + role + "\" lacks a privilege for this request",
        "The server refused the statement (" + e.error.message +
            "): the role has no grant for it. The privileges the debugger needs are granted by the "
            "migrations (0009); a database that has not been migrated to the latest version, or an object "
            "created by hand, lacks them. Runbook: docs/RUNBOOK.md, section \"The stage1_app role\".",
        {{"See whether migrations are pending (as the owner of the Stage 1 tables)", "stage1ctl status"},
         {"Apply them; this grants stage1_app what it needs", "stage1ctl migrate"},
         {"See the grants the role has on tables",
          "SELECT table_name, privilege_type FROM information_schema.role_table_grants WHERE grantee = '" +
              role + "' ORDER BY 1, 2;"}}};
}

bool isServerShutdown(const Evidence& e) {
    return e.sqlstateIn("57P") || e.has("the database system is shutting down") ||
           e.has("the database system is starting up") || e.has("the database system is in recovery mode") ||
           e.has("the database system is not yet accepting connections") ||
           e.has("the database system is not accepting connections") ||
           e.has("terminating connection due to administrator command") ||
           e.has("terminating connection due to crash of another server process");
}
Finding serverShutdown(const Evidence& e) {
    std::string why;
    if (e.has("administrator command"))
        why =
            "The server ended this session: an administrator stopped or restarted PostgreSQL, or ended the "
            "session with pg_terminate_backend.";
    else if (e.has("crash of another server process"))
        why =
            "Another server process crashed, so PostgreSQL ended every session and is recovering; it accepts "
            "connections again within seconds to minutes.";
    else if (e.has("starting up") || e.has("recovery mode") || e.has("not yet accepting"))
        why = "The server is starting up or recovering after a crash and does not accept connections yet.";
    else
        why = "The server is shutting down (a restart, an upgrade, or the machine going down).";
    return {"The server is shutting down, restarting, or ended the session",
            why +
                " Nothing is wrong with your settings: wait a moment and connect again. If it keeps "
                "happening, the server log says who stopped it or what crashed.",
            {clusterStatus(), {"Or check the service", serviceCommand(e, "status")}, recentLog(e)}};
}

bool isTooManyConnections(const Evidence& e) {
    return e.sqlstateIs("53300") || e.has("too many clients already") ||
           e.has("remaining connection slots are reserved") || e.has("too many connections for");
}
Finding tooManyConnections(const Evidence& e) {
    std::string role = between(e.text, "too many connections for role \"", "\"");
    std::string why =
        !role.empty() ? "Role \"" + role + "\" has reached its own CONNECTION LIMIT."
        : e.has("reserved")
            ? "Only the connection slots reserved for superusers are left (superuser_reserved_connections)."
            : "Every connection slot (max_connections) is taken.";
    std::vector<Fix> fixes = {
        {"See who holds the connections (as a superuser)",
         "SELECT usename, application_name, client_addr, state, count(*) FROM pg_stat_activity GROUP BY 1, "
         "2, 3, 4 "
         "ORDER BY 5 DESC;"},
        {"End the app's sessions idle for more than an hour (as a superuser)",
         "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '" +
             firstOf(role, e.user()) + "' AND state = 'idle' AND state_change < now() - interval '1 hour';"}};
    if (!role.empty())
        fixes.push_back({"Or lift the role's limit (as an administrator)",
                         "ALTER ROLE " + role + " CONNECTION LIMIT -1;"});
    else
        fixes.push_back({"Or raise the limit (as a superuser; takes effect after a restart)",
                         "ALTER SYSTEM SET max_connections = 200;\n" + serviceCommand(e, "restart")});
    return {"The server has no free connection slots",
            why +
                " Connections left open by closed notebooks, crashed scripts or many open windows are the "
                "usual cause; close what you do not use, or ask an administrator to end idle sessions.",
            fixes};
}

bool isDatabaseMissing(const Evidence& e) {
    return e.sqlstateIs("3D000") || !quotedBefore(e.text, "database", " does not exist").empty();
}
Finding databaseMissing(const Evidence& e) {
    std::string name = firstOf(quotedBefore(e.text, "database", " does not exist"), e.dbname());
    std::vector<Fix> fixes;
    if (name != kDefaultDatabase)
        fixes.push_back(
            {"Use the Stage 1 database", "export STAGE1_POSTGRES_DB=" + std::string(kDefaultDatabase)});
    fixes.push_back({"List the databases on this server", "SELECT datname FROM pg_database ORDER BY 1;"});
    if (e.context.tunnel) fixes.push_back(listenerCheck(e));
    return {
        "Database \"" + name + "\" does not exist on this server",
        "The server let you in but has no database named \"" + name +
            "\". Check the spelling of STAGE1_POSTGRES_DB (or dbname in the DSN), and that you reached the "
            "right server: a tunnel to another host, or a local PostgreSQL on the same port, gives this too.",
        fixes};
}

bool isRoleMissing(const Evidence& e) {
    return (e.error.sqlstate.empty() || e.sqlstateIs("28000")) &&
           !quotedBefore(e.text, "role", " does not exist").empty();
}
Finding roleMissing(const Evidence& e) {
    std::string name = quotedBefore(e.text, "role", " does not exist");
    std::vector<Fix> fixes;
    if (name != kDefaultUser)
        fixes.push_back(
            {"Log in as the application role", "export STAGE1_POSTGRES_USER=" + std::string(kDefaultUser)});
    fixes.push_back(
        {"List the roles that may log in", "SELECT rolname FROM pg_roles WHERE rolcanlogin ORDER BY 1;"});
    if (name == kDefaultUser)
        fixes.push_back(
            {"Create it: migration 0009 makes stage1_app (NOLOGIN; then ALTER ROLE stage1_app LOGIN)",
             "stage1ctl migrate"});
    if (e.context.tunnel) fixes.push_back(listenerCheck(e));
    return {
        "Role \"" + name + "\" does not exist on this server",
        "The server has no role named \"" + name +
            "\". Check the spelling of STAGE1_POSTGRES_USER (or user in the DSN), and that you reached the "
            "right server: a tunnel to another host, or a local PostgreSQL on the same port, gives this too.",
        fixes};
}

bool isPasswordFailed(const Evidence& e) {
    return e.sqlstateIs("28P01") || e.has("password authentication failed for user");
}
Finding passwordFailed(const Evidence& e) {
    std::string role = firstOf(between(e.text, "password authentication failed for user \"", "\""), e.user());
    std::string explanation =
        "A pg_hba.conf line matched and the server asked for a password, but the one sent for role \"" +
        role +
        "\" was not accepted. With scram-sha-256 the server answers the same way when the role does not "
        "exist, has no password, or only an old md5 one; the server log has the exact reason.";
    if (!e.hba.empty())
        explanation +=
            " The \"no pg_hba.conf entry\" line after it comes from libpq's automatic retry without "
            "TLS (sslmode=prefer) and is not the problem.";
    return {
        "Password authentication failed for \"" + role + "\"",
        explanation,
        {passwordPrompt(),
         {"Or check the ~/.pgpass lines libpq may use (host:port:database:user:password, first match wins)",
          "grep -n ':" + role + ":' ~/.pgpass"},
         {"Reset the password as an administrator on the database server (typed at a prompt)",
          "sudo -u postgres psql -c '\\password " + role + "'"},
         {"See the server's reason",
          "sudo grep -A1 'password authentication failed' " + serverLog(e) + " | tail -n 4"}}};
}

bool isNoPassword(const Evidence& e) {
    return e.has("no password supplied");
}
Finding noPassword(const Evidence& e) {
    const DiagnosisContext& c = e.context;
    std::string host = c.tunnel ? firstOf(c.host, "127.0.0.1") : firstOf(c.host, "localhost");
    if (!host.empty() && host[0] == '/') host = "localhost";  // .pgpass names a socket connection "localhost"
    std::string pgpass = host + ":" + e.port() + ":" + e.dbname() + ":" + e.user() + ":<password>";
    return {
        "The server asks for a password and none was given",
        "A pg_hba.conf line matched and requires a password, but the client had none: "
        "STAGE1_POSTGRES_PASSWORD is not set and no ~/.pgpass line matched host, port, database and user. "
        "Keep the password out of files in the repository and out of command lines (ps shows them).",
        {passwordPrompt(),
         {"Or add this line to ~/.pgpass (put the password in place of <password>)", pgpass},
         {"libpq ignores ~/.pgpass unless only you can read it", "chmod 600 ~/.pgpass"}}};
}

bool isHbaNoEntry(const Evidence& e) {
    return !e.hba.empty() || e.has("pg_hba.conf");
}
Finding hbaNoEntry(const Evidence& e) {
    const DiagnosisContext& c = e.context;
    HbaRejection first = e.hba.empty() ? HbaRejection{} : e.hba.front();
    auto saw = [&](Encryption kind) {
        return std::any_of(e.hba.begin(), e.hba.end(),
                           [&](const HbaRejection& r) { return r.encryption == kind; });
    };
    bool rejectLine =
        std::any_of(e.hba.begin(), e.hba.end(), [](const HbaRejection& r) { return r.rejectLine; });
    bool plaintextOnly = saw(Encryption::None) && !saw(Encryption::Ssl) && !saw(Encryption::Gss);
    // The server quotes names without escaping quotes inside them (user "a "b""): a name holding a
    // quote cannot be read back from the message, so the name the client connected with is used.
    auto name = [](const std::string& fromMessage, const std::string& connectedWith) {
        return connectedWith.find('"') != std::string::npos ? connectedWith
                                                            : firstOf(fromMessage, connectedWith);
    };
    std::string user = name(first.user, e.user());
    std::string database = name(first.database, e.dbname());
    Address address = parseAddress(first.clientAddress);
    bool viaTunnelLoopback = c.tunnel && address.loopback;
    // The server names a unix-socket client "[local]": only a `local` line admits it.
    bool local = first.clientAddress == "[local]";
    // Through the SSH tunnel the last hop is the server's own loopback, already behind SSH: `host`.
    std::string type = local                                             ? "local"
                       : viaTunnelLoopback                               ? "host"
                       : (saw(Encryption::Gss) && !saw(Encryption::Ssl)) ? "hostgssenc"
                                                                         : "hostssl";
    auto line = [&](const std::string& cidr) { return hbaLine(type, database, user, cidr); };
    std::string seen = first.clientAddress.empty() ? "your address" : first.clientAddress;
    std::string sslmode = firstOf(c.sslmode, "prefer");

    std::string explanation = (c.tunnel ? "The server behind the tunnel" : "The server at " + e.endpoint()) +
                              " checked pg_hba.conf top to bottom and found no line that lets role \"" +
                              user + "\" connect to database \"" + database + "\" from " + seen + ".";
    if (rejectLine) explanation += " A `reject` line matched first: the new line must go above it.";
    if (c.tunnel) {
        explanation +=
            " Through the SSH tunnel the server sees the connection coming from " + seen +
            (address.loopback ? " (the SSH server's own loopback)" : " (the jump host's address)") +
            ", not from your laptop, so the line must allow " + seen + ".";
        if (viaTunnelLoopback) explanation += " `host` is enough: SSH already encrypts the way in.";
    } else if (local) {
        explanation +=
            " The connection came through the server's unix socket, which only a `local` line admits.";
    } else {
        explanation +=
            " That is the address the server saw: behind NAT or a VPN it is the gateway's address, "
            "not your laptop's, and it is the one to allow.";
    }
    if (saw(Encryption::Ssl) && saw(Encryption::None))
        explanation += " libpq tried twice (sslmode=" + sslmode +
                       "): with SSL encryption, then without; neither attempt matched a line.";
    bool askForTls = plaintextOnly && allowsPlaintext(c.sslmode) && !viaTunnelLoopback && !local;
    if (askForTls) {
        explanation += " The connection was not encrypted (sslmode=" + sslmode +
                       ") and a hostssl line never matches a plaintext connection: ask for TLS with "
                       "sslmode=require.";
        if (sslmode == "prefer")
            explanation +=
                " With sslmode=prefer a plaintext attempt alone means the server did not offer TLS: "
                "if sslmode=require then says \"server does not support SSL\", enable ssl on the "
                "server too.";
    }
    explanation +=
        " pg_hba.conf is read again only on a reload, and a reload that fails keeps the old rules "
        "while still returning true, so check pg_hba_file_rules before reloading.";

    std::vector<Fix> fixes;
    if (askForTls) fixes.push_back({"On the laptop, ask for TLS", "export STAGE1_POSTGRES_SSLMODE=require"});
    fixes.push_back({"On the database server, add this line to " + hbaFile(e) + ", above any reject line",
                     line(withPrefix(address))});
    if (!address.network.empty())
        fixes.push_back(
            {"Or allow the whole network " + address.network + " instead", line(address.network)});
    fixes.push_back({"Check the edited file before reloading: this must return no rows", kCheckHbaSql});
    fixes.push_back(
        {"Reload the configuration as a superuser (open sessions keep running)", "SELECT pg_reload_conf();"});
    fixes.push_back({"Or reload from a shell on the database server", serviceCommand(e, "reload")});
    if (!c.tunnel && !local)
        append(fixes, tunnelFixes(e,
                                  "Or keep the port closed and use an SSH tunnel, which Debian's default "
                                  "127.0.0.1/32 line already admits"));
    return {(rejectLine ? "pg_hba.conf rejects " : "No pg_hba.conf entry for ") + user + " from " + seen,
            explanation, fixes};
}

bool isSslCertInvalid(const Evidence& e) {
    return e.has("certificate verify failed") || e.has("root certificate file") ||
           e.has("does not match host name") ||
           e.has("could not get server's host name from server certificate") ||
           e.has("certificate has expired");
}
Finding sslCertInvalid(const Evidence& e) {
    const DiagnosisContext& c = e.context;
    std::vector<Fix> fixes;
    std::string explanation;
    std::string rootFile = between(e.text, "root certificate file \"", "\"");
    std::string certName = between(e.text, "server certificate for \"", "\"");
    std::string askedName = between(e.text, "does not match host name \"", "\"");
    if (!rootFile.empty()) {
        explanation =
            "sslmode=" + firstOf(c.sslmode, "verify-ca") +
            " verifies the server's certificate, but libpq has no CA certificate to verify it with: " +
            rootFile + " does not exist.";
        fixes.push_back(
            {"Copy the CA certificate that signed the server's certificate there (on Debian the "
             "default is the self-signed snakeoil certificate)",
             "mkdir -p \"$(dirname '" + rootFile + "')\" && scp <user>@" + e.serverName() +
                 ":/etc/ssl/certs/ssl-cert-snakeoil.pem '" + rootFile + "'"});
    } else if (!askedName.empty()) {
        explanation = "The certificate is valid but was issued for \"" + certName +
                      "\" and the client asked for \"" + askedName +
                      "\"; sslmode=verify-full checks the name.";
        fixes.push_back({"Connect with a name the certificate was issued for",
                         "export STAGE1_POSTGRES_HOST=" + certName});
        fixes.push_back({"Or check only the CA, not the name", "export STAGE1_POSTGRES_SSLMODE=verify-ca"});
    } else {
        explanation =
            "The server's certificate was not signed by the CA the client trusts (sslrootcert), is "
            "self-signed, or has expired.";
        fixes.push_back(
            {"Show the certificate chain the server presents",
             "openssl s_client -starttls postgres -connect " + e.endpoint() + " -showcerts </dev/null"});
        fixes.push_back(
            {"Point the client at the CA that signed it", "export STAGE1_POSTGRES_SSLROOTCERT=<ca file>"});
    }
    if (c.tunnel)
        explanation += " Through the tunnel TLS is not what protects the traffic on the way: SSH is.";
    fixes.push_back(
        {"Or, while you sort out the certificate, encrypt without verifying (protects against "
         "eavesdropping, not against an impostor)",
         "export STAGE1_POSTGRES_SSLMODE=require"});
    return {"The server's certificate could not be verified", explanation, fixes};
}

bool isSslUnsupported(const Evidence& e) {
    return e.has("server does not support SSL");
}
Finding sslUnsupported(const Evidence& e) {
    Fix enable = {
        "On the database server, enable SSL (server.crt and server.key must be in the data directory; a "
        "reload is enough)",
        "ALTER SYSTEM SET ssl = on;\nSELECT pg_reload_conf();"};
    Fix prefer = {
        "Or let the client fall back to plaintext (only through an SSH tunnel or on a trusted network)",
        "export STAGE1_POSTGRES_SSLMODE=prefer"};
    std::string explanation = "The client requires TLS (sslmode=" + firstOf(e.context.sslmode, "require") +
                              ") but the server has ssl = off, so it declined the encrypted connection.";
    if (e.context.tlsRequiredByDefault) {
        explanation =
            "No sslmode was given, and for a server on another machine Stage1 requires TLS (sslmode=require) "
            "where libpq would fall back to plaintext without a word; this server has ssl = off, so it "
            "declined. Enable SSL on the server, or, on a network you trust, allow plaintext explicitly.";
        prefer.label =
            "Or allow plaintext explicitly (the password and every row then cross the network in "
            "clear)";
    }
    if (e.context.tunnel) {
        explanation += " Through the SSH tunnel the traffic is already encrypted, so sslmode=prefer is fine.";
        prefer.label = "Through the tunnel, let the client use plaintext inside SSH";
        return {"The server does not offer SSL, but the client requires it", explanation, {prefer, enable}};
    }
    return {"The server does not offer SSL, but the client requires it", explanation, {enable, prefer}};
}

bool isServerClosed(const Evidence& e) {
    return e.has("server closed the connection unexpectedly") || e.has("SSL SYSCALL error: EOF detected") ||
           e.has("Connection reset by peer") || e.has("SSL connection has been closed unexpectedly") ||
           e.has("no connection to the server") || e.has("could not receive data from server") ||
           e.has("could not send data to server");
}
Finding serverClosed(const Evidence& e) {
    const DiagnosisContext& c = e.context;
    if (c.tunnel) {
        std::string target = c.remoteHost + ":" + std::to_string(c.remotePort);
        return {
            "The tunnel is up but nothing answers behind it",
            "ssh accepted the connection on 127.0.0.1:" + std::to_string(c.tunnelLocalPort) +
                " but could not reach " + target +
                " as seen from the SSH server, so it closed it (its terminal shows \"channel N: open failed: "
                "connect failed\"). PostgreSQL is down on that host, or the target in -L is wrong.",
            {clusterStatus(),
             {"Restart the tunnel with the host and port PostgreSQL listens on, as seen from the SSH server",
              sshCommand(e)},
             recentLog(e)}};
    }
    return {"The server closed the connection unexpectedly",
            "The connection to " + e.endpoint() +
                " was cut without an error from PostgreSQL: the server process crashed or was killed (out of "
                "memory), the server restarted, the port belongs to another service, or a proxy or firewall "
                "dropped the connection. The server log says which.",
            {recentLog(e), clusterStatus()}};
}

bool isTimeout(const Evidence& e) {
    return e.has("timeout expired") || e.has("Connection timed out") || e.has("No route to host") ||
           e.has("Network is unreachable") || e.has("canceling authentication due to timeout");
}
Finding timeout(const Evidence& e) {
    const DiagnosisContext& c = e.context;
    if (c.tunnel) {
        return {
            "No answer through the tunnel before the timeout",
            "ssh took the connection on 127.0.0.1:" + std::to_string(c.tunnelLocalPort) +
                " but nothing came back from " + c.remoteHost + ":" + std::to_string(c.remotePort) +
                " (as seen from the SSH server) in time: a firewall between the SSH server and PostgreSQL "
                "drops the packets, or the target in -L is wrong.",
            {{"Restart the tunnel with the right target", sshCommand(e)}, listenerCheck(e)}};
    }
    std::vector<Fix> fixes = {
        {"Test whether the port answers at all", "nc -vz -w 5 " + e.host() + " " + e.port()},
        {"Give up sooner while you investigate (seconds)", "export STAGE1_POSTGRES_CONNECT_TIMEOUT=5"}};
    append(fixes, tunnelFixes(e, "If only SSH is open to you, use a tunnel"));
    return {
        "No answer from " + e.endpoint() + " before the timeout",
        "The connection attempt got no reply. A firewall (on the server, in the network, or a cloud security "
        "group) silently drops the packets, the VPN is not connected, the address is wrong, or the server is "
        "overloaded. libpq waits connect_timeout seconds (at least 2).",
        fixes};
}

bool isConnectionRefused(const Evidence& e) {
    return e.has("Connection refused") || e.has("accepting connections on that socket") ||
           e.has("no server socket at");
}
Finding connectionRefused(const Evidence& e) {
    const DiagnosisContext& c = e.context;
    if (c.tunnel) {
        std::vector<Fix> fixes = tunnelFixes(e, "Start the tunnel");
        fixes.push_back(listenerCheck(e));
        return {"The SSH tunnel is not running (nothing listens on 127.0.0.1:" +
                    std::to_string(c.tunnelLocalPort) + ")",
                "In tunnel mode the client connects to 127.0.0.1:" + std::to_string(c.tunnelLocalPort) +
                    " on this computer, and nothing listens there: the ssh -L tunnel was never started, has "
                    "exited, or forwards another port.",
                fixes};
    }
    std::vector<Fix> fixes = {
        clusterStatus(),
        {"Check the port and the addresses it listens on",
         "sudo -u postgres psql -c 'SHOW port' -c 'SHOW listen_addresses'"},
        {"Listen on the network too (pg_hba.conf still decides who gets in; needs a restart)",
         "sudo -u postgres psql -c \"ALTER SYSTEM SET listen_addresses = '*'\"\n" +
             serviceCommand(e, "restart")}};
    append(fixes, tunnelFixes(e, "Or, if it listens on localhost only, reach it through an SSH tunnel"));
    return {
        "Nothing accepts connections at " + e.endpoint(),
        "The host answered but refused the connection: PostgreSQL is not running there, listens on another "
        "port, or listens on localhost only (listen_addresses).",
        fixes};
}

bool isHostUnknown(const Evidence& e) {
    return e.has("could not translate host name");
}
Finding hostUnknown(const Evidence& e) {
    std::string name = firstOf(between(e.text, "could not translate host name \"", "\""), e.host());
    std::vector<Fix> fixes = {{"Ask DNS directly", "nslookup " + name}};
    if (e.context.tunnel)
        fixes.push_back({"Use a name the SSH server can resolve in the tunnel target", sshCommand(e)});
    else
        fixes.push_back({"Or connect by IP address", "export STAGE1_POSTGRES_HOST=<server address>"});
    return {"The host name \"" + name + "\" could not be resolved",
            "DNS has no address for \"" + name +
                "\": a typo, a VPN that is not connected (internal names resolve only on the VPN), "
                "or no network at all.",
            fixes};
}

Finding unknown(const Evidence& e) {
    std::string explanation =
        "This tool does not recognise the error; the full text is kept below and its first "
        "line usually says what happened.";
    if (!e.error.sqlstate.empty())
        explanation += " SQLSTATE " + e.error.sqlstate +
                       " is listed at https://www.postgresql.org/docs/current/errcodes-appendix.html.";
    return {"Unrecognised error", explanation, {recentLog(e)}};
}

struct Rule {
    DiagnosisKind kind;
    bool (*matches)(const Evidence&);
    Finding (*build)(const Evidence&);
};

// The priority order documented in diagnosis.hpp: the first match wins.
const std::vector<Rule>& rules() {
    static const std::vector<Rule> table = {
        {DiagnosisKind::Cancelled, isCancelled, cancelled},
        {DiagnosisKind::StatementTimeout, isStatementTimeout, statementTimeout},
        {DiagnosisKind::ReadOnly, isReadOnly, readOnly},
        {DiagnosisKind::PermissionDenied, isPermissionDenied, permissionDenied},
        {DiagnosisKind::ServerShutdown, isServerShutdown, serverShutdown},
        {DiagnosisKind::TooManyConnections, isTooManyConnections, tooManyConnections},
        {DiagnosisKind::DatabaseMissing, isDatabaseMissing, databaseMissing},
        {DiagnosisKind::RoleMissing, isRoleMissing, roleMissing},
        {DiagnosisKind::PasswordFailed, isPasswordFailed, passwordFailed},
        {DiagnosisKind::NoPassword, isNoPassword, noPassword},
        {DiagnosisKind::PgHbaNoEntry, isHbaNoEntry, hbaNoEntry},
        {DiagnosisKind::SslCertInvalid, isSslCertInvalid, sslCertInvalid},
        {DiagnosisKind::SslUnsupported, isSslUnsupported, sslUnsupported},
        {DiagnosisKind::ServerClosed, isServerClosed, serverClosed},
        {DiagnosisKind::Timeout, isTimeout, timeout},
        {DiagnosisKind::ConnectionRefused, isConnectionRefused, connectionRefused},
        {DiagnosisKind::HostUnknown, isHostUnknown, hostUnknown},
    };
    return table;
}

}  // namespace

std::vector<HbaRejection> parseHbaRejections(const std::string& text) {
    std::vector<HbaRejection> found;
    size_t lineStart = 0;
    while (lineStart < text.size()) {
        size_t lineEnd = std::min(text.find('\n', lineStart), text.size());
        std::string_view line(text.data() + lineStart, lineEnd - lineStart);
        lineStart = lineEnd + 1;
        HbaRejection r;
        size_t at = line.find("no pg_hba.conf entry for host \"");
        if (at == npos) {
            at = line.find("pg_hba.conf rejects connection for host \"");
            r.rejectLine = at != npos;
        }
        if (at == npos) continue;
        std::string_view rest = line.substr(at);
        r.clientAddress = between(rest, "for host \"", "\"");
        r.user = between(rest, "user \"", "\"");
        r.database = between(rest, "database \"", "\"");
        // The words after the database name say how the client connected.
        size_t database = rest.find("database \"");
        size_t close = database == npos ? npos : rest.find("\", ", database + std::strlen("database \""));
        if (close != npos) r.encryption = encryptionFrom(rest.substr(close + 3));
        found.push_back(r);
    }
    return found;
}

Diagnosis diagnose(const db::DbError& error, const DiagnosisContext& context) {
    Evidence evidence{error, context, error.describe(), {}};
    evidence.hba = parseHbaRejections(evidence.text);
    const Rule* rule = nullptr;
    for (const Rule& r : rules()) {
        if (r.matches(evidence)) {
            rule = &r;
            break;
        }
    }
    Finding f = rule ? rule->build(evidence) : unknown(evidence);
    return {rule ? rule->kind : DiagnosisKind::Unknown, std::move(f.title), std::move(f.explanation),
            std::move(f.fixes), evidence.text};
}

}  // namespace app
