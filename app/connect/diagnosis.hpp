// What went wrong with a connect or a query, in words an analyst can act on: a stable kind, a title,
// a plain explanation and fixes to copy, worked out from libpq's text (every line of it) and the
// SQLSTATE. Pure functions: no I/O, so the CLI, the window and the tests share one table.
#pragma once

#include <string>
#include <vector>

#include "app/connect/diagnosis_kind.hpp"
#include "app/connect/hba_line.hpp"
#include "db/pg/pg.hpp"

namespace app {

struct Fix {
    std::string label;  // what to do and where (on the laptop, on the database server, in psql)
    std::string text;   // copyable as is: a command, a config line, environment settings
};

struct Diagnosis {
    DiagnosisKind kind = DiagnosisKind::Unknown;  // kindName() is its stable JSON identifier
    std::string title;                            // one line
    std::string explanation;                      // plain language: what happened and why
    std::vector<Fix> fixes;                       // concrete, in the order to try them
    std::string raw;                              // the original text (message, DETAIL, HINT), kept whole
};

// What the client tried (never a password). "" means "not configured, libpq's default".
struct DiagnosisContext {
    bool tunnel = false;
    std::string host, port, dbname, user, sslmode;
    bool tlsRequiredByDefault = false;  // sslmode=require is the default for another machine, not a choice
    int tunnelLocalPort = 5433;
    std::string sshTarget;  // user@host[:port]
    std::string remoteHost = "127.0.0.1";
    int remotePort = 5432;
    // e.g. "15" when known. When unknown, commands that need it fall back to forms that work for
    // every version on Debian (`systemctl reload postgresql` reloads all clusters, a log glob).
    std::string serverMajorVersion;
};

// Kinds in priority order (the first that matches wins), then "unknown":
//   cancelled, statement_timeout, read_only, permission_denied   -- the session was up: a query failed
//   server_shutdown, too_many_connections                        -- the server would not take anyone
//   database_missing, role_missing, password_failed, no_password -- login got as far as the credentials
//   pg_hba_no_entry                                              -- the server refused this client
//   ssl_cert_invalid, ssl_unsupported                            -- TLS failed before login
//   server_closed, timeout, connection_refused, host_unknown     -- the network, furthest first
// One message may hold several attempts (sslmode=prefer retries without TLS, several hosts); the
// attempt that got furthest tells the real story, so a password failure beats the plaintext
// retry's "no pg_hba.conf entry" line that follows it.
Diagnosis diagnose(const db::DbError& error, const DiagnosisContext& context);
// The managed SSH tunnel's failures (app/connect/diagnosis_tunnel.cpp): the kinds isTunnelKind()
// accepts. `kind` comes from TunnelError (app/connect/ssh_tunnel.hpp); sshOutput is what ssh printed.
Diagnosis diagnoseTunnelFailure(DiagnosisKind kind, const std::string& message, const std::string& sshOutput,
                                const DiagnosisContext& context);

// One "no pg_hba.conf entry for host ..." (or "pg_hba.conf rejects connection for host ...") line.
struct HbaRejection {
    enum class Encryption { Unknown, None, Ssl, Gss };
    std::string clientAddress;  // as the server saw it: 203.0.113.25, 2001:db8::25, a name with log_hostname
    std::string user;
    std::string database;
    Encryption encryption = Encryption::Unknown;  // "SSL encryption"/"SSL on", "no encryption"/"SSL off", ...
    bool rejectLine = false;                      // a `reject` line matched, rather than no line at all
};
std::vector<HbaRejection> parseHbaRejections(const std::string& text);

}  // namespace app
