// The diagnosis table against libpq's and the server's real texts (as PQerrorMessage gives them,
// trailing newline trimmed like db::Connection does), and the exact fixes it offers.
#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <set>

#include "app/connect/diagnosis.hpp"
#include "tests/support/process.hpp"

using app::Diagnosis;
using app::DiagnosisContext;
using app::HbaRejection;

namespace {

const std::string kAt = "connection to server at \"db.example.internal\" (203.0.113.10), port 5432 failed: ";
const std::string kHbaPlain = kAt +
                              "FATAL:  no pg_hba.conf entry for host \"203.0.113.25\", user \"stage1_app\", "
                              "database \"stage1_trading\", no encryption";
const std::string kHbaSsl = kAt +
                            "FATAL:  no pg_hba.conf entry for host \"203.0.113.25\", user \"stage1_app\", "
                            "database \"stage1_trading\", SSL encryption";
const std::string kPasswordFailed = kAt + "FATAL:  password authentication failed for user \"stage1_app\"";

db::DbError connectError(const std::string& message) {
    return {"", message, "", ""};
}
db::DbError queryError(const std::string& sqlstate, const std::string& message) {
    return {sqlstate, message, "", ""};
}

DiagnosisContext direct(const std::string& sslmode = "") {
    DiagnosisContext c;
    c.host = "db.example.internal";
    c.port = "5432";
    c.dbname = "stage1_trading";
    c.user = "stage1_app";
    c.sslmode = sslmode;
    return c;
}

DiagnosisContext tunnel() {
    DiagnosisContext c = direct();
    c.tunnel = true;
    c.port = "5433";
    c.sshTarget = "analyst@203.0.113.10";
    return c;
}

// Index of the first fix whose text contains `needle`, or -1.
int fixIndex(const Diagnosis& d, const std::string& needle) {
    for (size_t i = 0; i < d.fixes.size(); ++i)
        if (d.fixes[i].text.find(needle) != std::string::npos) return static_cast<int>(i);
    return -1;
}
bool hasFixText(const Diagnosis& d, const std::string& exact) {
    return std::any_of(d.fixes.begin(), d.fixes.end(), [&](const app::Fix& f) { return f.text == exact; });
}
bool says(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

}  // namespace

TEST_CASE("the kinds are the documented identifiers, in priority order, unknown last") {
    std::vector<std::string> expected = {"cancelled",
                                         "statement_timeout",
                                         "read_only",
                                         "permission_denied",
                                         "server_shutdown",
                                         "too_many_connections",
                                         "database_missing",
                                         "role_missing",
                                         "password_failed",
                                         "no_password",
                                         "pg_hba_no_entry",
                                         "ssl_cert_invalid",
                                         "ssl_unsupported",
                                         "server_closed",
                                         "timeout",
                                         "connection_refused",
                                         "host_unknown",
                                         "ssh_auth_failed",
                                         "ssh_host_key_changed",
                                         "ssh_unsafe_settings",
                                         "ssh_unreachable",
                                         "tunnel_port_busy",
                                         "tunnel_down",
                                         "unknown"};
    std::vector<std::string> names;
    for (app::DiagnosisKind kind : app::allDiagnosisKinds()) {
        names.emplace_back(app::kindName(kind));
        CHECK(app::kindFromName(app::kindName(kind)) == kind);  // the table reads both ways
    }
    CHECK(names == expected);
    CHECK_FALSE(app::kindFromName("no_such_kind").has_value());
    std::vector<std::string> tunnelNames;
    for (app::DiagnosisKind kind : app::allDiagnosisKinds())
        if (app::isTunnelKind(kind)) tunnelNames.emplace_back(app::kindName(kind));
    CHECK(tunnelNames == std::vector<std::string>{"ssh_auth_failed", "ssh_host_key_changed",
                                                  "ssh_unsafe_settings", "ssh_unreachable",
                                                  "tunnel_port_busy", "tunnel_down"});
}

TEST_CASE("hba lines are parsed: address, user, database and encryption, for PG 15 and PG <= 13 wording") {
    auto two = app::parseHbaRejections(kHbaSsl + "\n" + kHbaPlain);
    REQUIRE(two.size() == 2);
    CHECK(two[0].clientAddress == "203.0.113.25");
    CHECK(two[0].user == "stage1_app");
    CHECK(two[0].database == "stage1_trading");
    CHECK(two[0].encryption == HbaRejection::Encryption::Ssl);
    CHECK(two[1].encryption == HbaRejection::Encryption::None);
    CHECK_FALSE(two[0].rejectLine);

    auto old = app::parseHbaRejections(
        "FATAL:  no pg_hba.conf entry for host \"203.0.113.25\", user \"stage1_app\", database "
        "\"stage1_trading\", "
        "SSL on\nFATAL:  no pg_hba.conf entry for host \"203.0.113.25\", user \"stage1_app\", database "
        "\"stage1_trading\", SSL off");
    REQUIRE(old.size() == 2);
    CHECK(old[0].encryption == HbaRejection::Encryption::Ssl);
    CHECK(old[1].encryption == HbaRejection::Encryption::None);

    auto v6 = app::parseHbaRejections(
        "FATAL:  no pg_hba.conf entry for host \"2001:db8:5::25\", user \"u\", "
        "database \"d\", GSS encryption");
    REQUIRE(v6.size() == 1);
    CHECK(v6[0].clientAddress == "2001:db8:5::25");
    CHECK(v6[0].encryption == HbaRejection::Encryption::Gss);

    auto reject = app::parseHbaRejections(
        "FATAL:  pg_hba.conf rejects connection for host \"203.0.113.25\", "
        "user \"stage1_app\", database \"stage1_trading\", SSL encryption");
    REQUIRE(reject.size() == 1);
    CHECK(reject[0].rejectLine);
    CHECK(app::parseHbaRejections(kPasswordFailed).empty());
}

TEST_CASE(
    "no hba entry without encryption: ask for TLS first, then the hostssl lines, check, reload, tunnel") {
    Diagnosis d = app::diagnose(connectError(kHbaPlain), direct());
    CHECK(d.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(d.raw == kHbaPlain);
    CHECK(says(d.title, "stage1_app"));
    CHECK(says(d.title, "203.0.113.25"));
    REQUIRE(d.fixes.size() >= 8);
    CHECK(d.fixes[0].text == "export STAGE1_POSTGRES_SSLMODE=require");
    CHECK(d.fixes[1].text == "hostssl stage1_trading stage1_app 203.0.113.25/32 scram-sha-256");
    CHECK(d.fixes[2].text == "hostssl stage1_trading stage1_app 203.0.113.0/24 scram-sha-256");
    int check = fixIndex(d, "SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL;");
    int reload = fixIndex(d, "SELECT pg_reload_conf();");
    CHECK(check >= 0);
    CHECK(check < reload);
    CHECK(hasFixText(d, "sudo systemctl reload postgresql"));  // every cluster: the version is unknown
    CHECK(hasFixText(d, "ssh -N -L 127.0.0.1:5433:127.0.0.1:5432 '<user>@db.example.internal'"));
    int env = fixIndex(d, "STAGE1_POSTGRES_HOST=127.0.0.1");
    REQUIRE(env >= 0);
    CHECK(says(d.fixes[env].text, "STAGE1_POSTGRES_PORT=5433"));
    CHECK(says(d.explanation, "hostssl line never matches a plaintext connection"));
    CHECK(says(d.explanation, "203.0.113.25"));

    // sslmode=disable: the same order, and the reason names the mode.
    Diagnosis disabled = app::diagnose(connectError(kHbaPlain), direct("disable"));
    CHECK(disabled.fixes[0].text == "export STAGE1_POSTGRES_SSLMODE=require");
    CHECK(says(disabled.explanation, "sslmode=disable"));

    // With the server version known, the unit and the file are named exactly.
    DiagnosisContext known = direct();
    known.serverMajorVersion = "15";
    Diagnosis v15 = app::diagnose(connectError(kHbaPlain), known);
    CHECK(hasFixText(v15, "sudo systemctl reload postgresql@15-main"));
    CHECK(says(v15.fixes[1].label, "/etc/postgresql/15/main/pg_hba.conf"));
}

TEST_CASE("no hba entry over SSL, and the two-attempt message of sslmode=prefer") {
    Diagnosis ssl = app::diagnose(connectError(kHbaSsl), direct("require"));
    CHECK(ssl.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(ssl.fixes[0].text == "hostssl stage1_trading stage1_app 203.0.113.25/32 scram-sha-256");
    CHECK(fixIndex(ssl, "STAGE1_POSTGRES_SSLMODE") == -1);

    Diagnosis prefer = app::diagnose(connectError(kHbaSsl + "\n" + kHbaPlain), direct("prefer"));
    CHECK(prefer.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(prefer.fixes[0].text == "hostssl stage1_trading stage1_app 203.0.113.25/32 scram-sha-256");
    CHECK(fixIndex(prefer, "STAGE1_POSTGRES_SSLMODE") == -1);
    CHECK(says(prefer.explanation, "tried twice"));

    // PG <= 13 wording reads the same.
    Diagnosis old = app::diagnose(
        connectError("FATAL:  no pg_hba.conf entry for host \"203.0.113.25\", user \"stage1_app\", database "
                     "\"stage1_trading\", SSL off"),
        direct("allow"));
    CHECK(old.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(old.fixes[0].text == "export STAGE1_POSTGRES_SSLMODE=require");
    CHECK(old.fixes[1].text == "hostssl stage1_trading stage1_app 203.0.113.25/32 scram-sha-256");
}

TEST_CASE("no hba entry from an IPv6 address uses /128 and /64, and a reject line is called out") {
    Diagnosis v6 = app::diagnose(
        connectError(
            "connection to server at \"db.example.internal\" (2001:db8::10), port 5432 failed: FATAL:  no "
            "pg_hba.conf entry for host \"2001:db8:5::25\", user \"stage1_app\", database "
            "\"stage1_trading\", SSL encryption"),
        direct("require"));
    CHECK(v6.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(hasFixText(v6, "hostssl stage1_trading stage1_app 2001:db8:5::25/128 scram-sha-256"));
    CHECK(hasFixText(v6, "hostssl stage1_trading stage1_app 2001:db8:5::/64 scram-sha-256"));

    Diagnosis reject = app::diagnose(
        connectError(kAt +
                     "FATAL:  pg_hba.conf rejects connection for host \"203.0.113.25\", user \"stage1_app\", "
                     "database \"stage1_trading\", SSL encryption"),
        direct("require"));
    CHECK(reject.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(says(reject.explanation, "`reject` line matched first"));
    CHECK(hasFixText(reject, "hostssl stage1_trading stage1_app 203.0.113.25/32 scram-sha-256"));
}

TEST_CASE("no hba entry through the tunnel: the server saw loopback (or the jump host), not the laptop") {
    std::string loopback =
        "connection to server at \"db.example.internal\" (127.0.0.1), port 5433 failed: FATAL:  no "
        "pg_hba.conf "
        "entry for host \"127.0.0.1\", user \"stage1_app\", database \"stage1_trading\", no encryption";
    Diagnosis d = app::diagnose(connectError(loopback), tunnel());
    CHECK(d.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(d.fixes[0].text == "host stage1_trading stage1_app 127.0.0.1/32 scram-sha-256");
    CHECK(fixIndex(d, "/24") == -1);
    CHECK(fixIndex(d, "ssh -N") == -1);   // already tunnelling
    CHECK(fixIndex(d, "SSLMODE") == -1);  // SSH encrypts the way in
    CHECK(says(d.explanation, "not from your laptop"));

    std::string jump =
        "connection to server at \"db.example.internal\" (127.0.0.1), port 5433 failed: FATAL:  no "
        "pg_hba.conf entry for host \"203.0.113.7\", user \"stage1_app\", database "
        "\"stage1_trading\", SSL encryption";
    Diagnosis viaJump = app::diagnose(connectError(jump), tunnel());
    CHECK(viaJump.fixes[0].text == "hostssl stage1_trading stage1_app 203.0.113.7/32 scram-sha-256");
    CHECK(says(viaJump.explanation, "jump host"));
}

TEST_CASE("a wrong password over SSL then a plaintext retry is a password failure, not an hba problem") {
    Diagnosis d = app::diagnose(connectError(kPasswordFailed + "\n" + kHbaPlain), direct());
    CHECK(d.kind == app::DiagnosisKind::PasswordFailed);
    CHECK(says(d.title, "\"stage1_app\""));
    CHECK(says(d.explanation, "retry without TLS"));
    CHECK(hasFixText(d, "read -rs STAGE1_POSTGRES_PASSWORD && export STAGE1_POSTGRES_PASSWORD"));
    CHECK(hasFixText(d, "sudo -u postgres psql -c '\\password stage1_app'"));

    Diagnosis alone = app::diagnose(connectError(kPasswordFailed), direct("require"));
    CHECK(alone.kind == app::DiagnosisKind::PasswordFailed);
    CHECK_FALSE(says(alone.explanation, "retry"));
    CHECK(
        app::diagnose(queryError("28P01", "password authentication failed for user \"x\""), direct()).kind ==
        app::DiagnosisKind::PasswordFailed);
}

TEST_CASE("no password: the environment prompt, a ~/.pgpass line and chmod 600") {
    Diagnosis d = app::diagnose(connectError(kAt + "fe_sendauth: no password supplied"), direct());
    CHECK(d.kind == app::DiagnosisKind::NoPassword);
    CHECK(hasFixText(d, "db.example.internal:5432:stage1_trading:stage1_app:<password>"));
    CHECK(hasFixText(d, "chmod 600 ~/.pgpass"));
    CHECK(says(d.explanation, "repository"));
    Diagnosis viaTunnel = app::diagnose(connectError("fe_sendauth: no password supplied"), tunnel());
    CHECK(hasFixText(viaTunnel, "db.example.internal:5433:stage1_trading:stage1_app:<password>"));
}

TEST_CASE("missing role and database name what the server did not find") {
    Diagnosis role = app::diagnose(connectError(kAt + "FATAL:  role \"stage1_ap\" does not exist"), direct());
    CHECK(role.kind == app::DiagnosisKind::RoleMissing);
    CHECK(says(role.title, "\"stage1_ap\""));
    CHECK(hasFixText(role, "export STAGE1_POSTGRES_USER=stage1_app"));

    Diagnosis db =
        app::diagnose(connectError(kAt + "FATAL:  database \"stage1_tradng\" does not exist"), direct());
    CHECK(db.kind == app::DiagnosisKind::DatabaseMissing);
    CHECK(says(db.title, "\"stage1_tradng\""));
    CHECK(hasFixText(db, "export STAGE1_POSTGRES_DB=stage1_trading"));
    CHECK(app::diagnose(queryError("3D000", "database \"x\" does not exist"), direct()).kind ==
          app::DiagnosisKind::DatabaseMissing);
    // A role missing in a query (SET ROLE) is not a login problem.
    CHECK(app::diagnose(queryError("42704", "role \"ghost\" does not exist"), direct()).kind ==
          app::DiagnosisKind::Unknown);
}

TEST_CASE("refused: server down or wrong port when direct, the tunnel not running in tunnel mode") {
    std::string refused =
        "connection to server at \"127.0.0.1\", port 5433 failed: Connection refused\n\tIs the "
        "server running on that host and accepting TCP/IP connections?";
    Diagnosis direct_ = app::diagnose(connectError(refused), direct());
    CHECK(direct_.kind == app::DiagnosisKind::ConnectionRefused);
    CHECK(hasFixText(direct_, "pg_lsclusters"));
    CHECK(says(direct_.explanation, "listen_addresses"));

    DiagnosisContext t = tunnel();
    t.sshTarget = "analyst@203.0.113.10:2222";
    Diagnosis viaTunnel = app::diagnose(connectError(refused), t);
    CHECK(viaTunnel.kind == app::DiagnosisKind::ConnectionRefused);
    CHECK(says(viaTunnel.title, "tunnel is not running"));
    CHECK(viaTunnel.fixes[0].text == "ssh -N -L 127.0.0.1:5433:127.0.0.1:5432 -p 2222 analyst@203.0.113.10");
    CHECK(viaTunnel.fixes[1].text == "export STAGE1_POSTGRES_HOST=127.0.0.1 STAGE1_POSTGRES_PORT=5433");

    Diagnosis socket = app::diagnose(
        connectError(
            "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: No such file or "
            "directory\n\tIs the server running locally and accepting connections on that socket?"),
        DiagnosisContext{});
    CHECK(socket.kind == app::DiagnosisKind::ConnectionRefused);
    // PG <= 13 wording.
    CHECK(app::diagnose(
              connectError("could not connect to server: Connection refused\n\tIs the server running on "
                           "host \"203.0.113.10\" and accepting\n\tTCP/IP connections on port 5432?"),
              DiagnosisContext{})
              .kind == app::DiagnosisKind::ConnectionRefused);
}

TEST_CASE("timeout, unknown host, and a closed connection (tunnel up, target down)") {
    Diagnosis t = app::diagnose(connectError(kAt + "timeout expired"), direct());
    CHECK(t.kind == app::DiagnosisKind::Timeout);
    CHECK(says(t.explanation, "firewall"));
    CHECK(hasFixText(t, "nc -vz -w 5 db.example.internal 5432"));
    CHECK(app::diagnose(connectError(kAt + "Connection timed out\n\tIs the server running on that host and "
                                           "accepting TCP/IP connections?"),
                        direct())
              .kind == app::DiagnosisKind::Timeout);

    Diagnosis dns = app::diagnose(
        connectError(
            "could not translate host name \"db.example.internal\" to address: Name or service not known"),
        direct());
    CHECK(dns.kind == app::DiagnosisKind::HostUnknown);
    CHECK(says(dns.title, "\"db.example.internal\""));
    CHECK(hasFixText(dns, "nslookup db.example.internal"));

    std::string closed =
        "connection to server at \"db.example.internal\" (127.0.0.1), port 5433 failed: server "
        "closed the connection unexpectedly\n\tThis probably means the server terminated "
        "abnormally\n\tbefore or while processing the request.";
    Diagnosis viaTunnel = app::diagnose(connectError(closed), tunnel());
    CHECK(viaTunnel.kind == app::DiagnosisKind::ServerClosed);
    CHECK(says(viaTunnel.title, "tunnel is up"));
    CHECK(hasFixText(viaTunnel, "ssh -N -L 127.0.0.1:5433:127.0.0.1:5432 analyst@203.0.113.10"));
    CHECK(app::diagnose(connectError(closed), direct()).kind == app::DiagnosisKind::ServerClosed);
}

TEST_CASE("TLS: unsupported by the server, and three ways a certificate fails") {
    std::string unsupported = kAt + "server does not support SSL, but SSL was required";
    Diagnosis d = app::diagnose(connectError(unsupported), direct("require"));
    CHECK(d.kind == app::DiagnosisKind::SslUnsupported);
    CHECK(d.fixes[0].text == "ALTER SYSTEM SET ssl = on;\nSELECT pg_reload_conf();");
    CHECK(d.fixes[1].text == "export STAGE1_POSTGRES_SSLMODE=prefer");
    Diagnosis viaTunnel = app::diagnose(connectError(unsupported), tunnel());
    CHECK(viaTunnel.fixes[0].text == "export STAGE1_POSTGRES_SSLMODE=prefer");

    Diagnosis verify =
        app::diagnose(connectError(kAt + "SSL error: certificate verify failed"), direct("verify-ca"));
    CHECK(verify.kind == app::DiagnosisKind::SslCertInvalid);
    CHECK(hasFixText(verify,
                     "openssl s_client -starttls postgres -connect db.example.internal:5432 -showcerts "
                     "</dev/null"));

    Diagnosis missing = app::diagnose(
        connectError(kAt +
                     "root certificate file \"/home/analyst/.postgresql/root.crt\" does not exist\nEither "
                     "provide the file or change sslmode to disable server certificate verification."),
        direct("verify-full"));
    CHECK(missing.kind == app::DiagnosisKind::SslCertInvalid);
    CHECK(says(missing.explanation, "/home/analyst/.postgresql/root.crt does not exist"));
    CHECK(says(missing.fixes[0].text, "'/home/analyst/.postgresql/root.crt'"));

    Diagnosis name =
        app::diagnose(connectError(kAt + "server certificate for \"localhost\" (and 1 other name) does "
                                         "not match host name \"db.example.internal\""),
                      direct("verify-full"));
    CHECK(name.kind == app::DiagnosisKind::SslCertInvalid);
    CHECK(name.fixes[0].text == "export STAGE1_POSTGRES_HOST=localhost");
    CHECK(hasFixText(name, "export STAGE1_POSTGRES_SSLMODE=verify-ca"));
}

TEST_CASE("query failures are told apart by SQLSTATE") {
    CHECK(app::diagnose(queryError("25006", "cannot execute INSERT in a read-only transaction"), direct())
              .kind == app::DiagnosisKind::ReadOnly);
    Diagnosis ro =
        app::diagnose(queryError("25006", "cannot execute INSERT in a read-only transaction"), direct());
    CHECK(hasFixText(ro, "export PGTARGETSESSIONATTRS=read-write"));

    Diagnosis denied =
        app::diagnose(queryError("42501", "permission denied for table walkforward_runs"), direct());
    CHECK(denied.kind == app::DiagnosisKind::PermissionDenied);
    CHECK(hasFixText(denied, "stage1ctl migrate"));
    CHECK(says(denied.explanation, "permission denied for table walkforward_runs"));

    Diagnosis nologin =
        app::diagnose(connectError(kAt + "FATAL:  role \"stage1_app\" is not permitted to log in"), direct());
    CHECK(nologin.kind == app::DiagnosisKind::PermissionDenied);
    CHECK(hasFixText(nologin,
                     "sudo -u postgres psql -c 'ALTER ROLE stage1_app LOGIN' -c '\\password stage1_app'"));

    Diagnosis timedOut =
        app::diagnose(queryError("57014", "canceling statement due to statement timeout"), direct());
    CHECK(timedOut.kind == app::DiagnosisKind::StatementTimeout);
    CHECK(hasFixText(timedOut, "export STAGE1_STATEMENT_TIMEOUT_MS=60000"));
    CHECK(app::diagnose(queryError("57014", "canceling statement due to user request"), direct()).kind ==
          app::DiagnosisKind::Cancelled);
    CHECK(app::diagnose(connectError("cancelled"), direct()).kind == app::DiagnosisKind::Cancelled);

    CHECK(app::diagnose(queryError("57P01", "terminating connection due to administrator command"), direct())
              .kind == app::DiagnosisKind::ServerShutdown);
    CHECK(app::diagnose(connectError(kAt + "FATAL:  the database system is shutting down"), direct()).kind ==
          app::DiagnosisKind::ServerShutdown);
    CHECK(app::diagnose(connectError(kAt + "FATAL:  the database system is starting up"), direct()).kind ==
          app::DiagnosisKind::ServerShutdown);

    Diagnosis full = app::diagnose(connectError(kAt + "FATAL:  sorry, too many clients already"), direct());
    CHECK(full.kind == app::DiagnosisKind::TooManyConnections);
    CHECK(fixIndex(full, "pg_stat_activity") == 0);
    CHECK(app::diagnose(
              connectError(kAt + "FATAL:  remaining connection slots are reserved for non-replication "
                                 "superuser connections"),
              direct())
              .kind == app::DiagnosisKind::TooManyConnections);
    Diagnosis roleLimit =
        app::diagnose(queryError("53300", "too many connections for role \"stage1_app\""), direct());
    CHECK(hasFixText(roleLimit, "ALTER ROLE stage1_app CONNECTION LIMIT -1;"));
}

TEST_CASE("an unrecognised error keeps its whole text, DETAIL and HINT included") {
    db::DbError e{"23505", "duplicate key value violates unique constraint \"x\"",
                  "Key (id)=(1) already exists.", "Use another id."};
    Diagnosis d = app::diagnose(e, direct());
    CHECK(d.kind == app::DiagnosisKind::Unknown);
    CHECK(d.raw ==
          "duplicate key value violates unique constraint \"x\"\nDETAIL: Key (id)=(1) already exists.\n"
          "HINT: Use another id.");
    CHECK(says(d.explanation, "23505"));
    CHECK(app::diagnose(connectError("something new\non two lines"), DiagnosisContext{}).raw ==
          "something new\non two lines");
}

TEST_CASE("every kind has a title, an explanation and at least one fix") {
    std::set<app::DiagnosisKind> seen;
    for (const std::string& text :
         {kHbaPlain, kPasswordFailed, std::string("fe_sendauth: no password supplied"),
          std::string("FATAL:  role \"x\" does not exist"),
          std::string("FATAL:  database \"x\" does not exist"), std::string("Connection refused"),
          std::string("timeout expired"),
          std::string("could not translate host name \"x\" to address: Name or service not known"),
          std::string("server does not support SSL, but SSL was required"),
          std::string("SSL error: certificate verify failed"),
          std::string("server closed the connection unexpectedly"),
          std::string("FATAL:  sorry, too many clients already"),
          std::string("cannot execute INSERT in a read-only transaction"),
          std::string("permission denied for table t"),
          std::string("canceling statement due to statement timeout"),
          std::string("FATAL:  the database system is shutting down"),
          std::string("canceling statement due to user request"), std::string("what is this")}) {
        for (bool viaTunnel : {false, true}) {
            Diagnosis d = app::diagnose(connectError(text), viaTunnel ? tunnel() : direct());
            CAPTURE(text);
            CHECK_FALSE(d.title.empty());
            CHECK_FALSE(d.explanation.empty());
            CHECK_FALSE(d.fixes.empty());
            for (const auto& f : d.fixes) CHECK_FALSE(f.text.empty());
            seen.insert(d.kind);
        }
    }
    // Every kind the tunnel can fail with, TunnelError's included (ssh_unsafe_settings was missing).
    for (app::DiagnosisKind kind : app::allDiagnosisKinds()) {
        if (!app::isTunnelKind(kind)) continue;
        Diagnosis d = app::diagnoseTunnelFailure(kind, "ssh exited", "ssh said something", tunnel());
        CAPTURE(app::kindName(kind));
        CHECK(d.kind == kind);
        CHECK_FALSE(d.title.empty());
        CHECK_FALSE(d.explanation.empty());
        CHECK_FALSE(d.fixes.empty());
        seen.insert(d.kind);
    }
    CHECK(seen.size() == app::allDiagnosisKinds().size());
}

TEST_CASE("the offered pg_hba.conf line cannot be split or extended by what the names hold") {
    // A newline in the configured user would have started a second, wide-open line.
    DiagnosisContext c = direct("require");
    c.user = "stage1_app\nhost all all 0.0.0.0/0 trust";
    Diagnosis d = app::diagnose(connectError("FATAL:  no pg_hba.conf entry"), c);
    REQUIRE(d.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(hasFixText(d, "hostssl stage1_trading <user> <client-address>/32 scram-sha-256"));
    CHECK(fixIndex(d, "trust") == -1);

    // Blanks, commas, '#', quotes, keywords and the '+'/'@' prefixes are quoted, '"' doubled.
    CHECK(app::hbaLine("hostssl", "stage1 trading", "analyst, \"admin\"", "203.0.113.25/32") ==
          "hostssl \"stage1 trading\" \"analyst, \"\"admin\"\"\" 203.0.113.25/32 scram-sha-256");
    CHECK(app::hbaLine("host", "all", "replication", "10.0.0.0/8") ==
          "host \"all\" \"replication\" 10.0.0.0/8 scram-sha-256");
    CHECK(app::hbaLine("host", "@dbs", "+analysts", "10.0.0.0/8") ==
          "host \"@dbs\" \"+analysts\" 10.0.0.0/8 scram-sha-256");
    CHECK(app::hbaLine("host", "db#1", "", "10.0.0.1/32") ==
          "host \"db#1\" <user> 10.0.0.1/32 scram-sha-256");
    // Only an address with its prefix or a plain host name is written as the address.
    CHECK(app::hbaLine("host", "d", "u", "10.0.0.1/32 trust") ==
          "host d u <client-address>/32 scram-sha-256");
    CHECK(app::hbaLine("host", "d", "u", "samenet") == "host d u <client-address>/32 scram-sha-256");
    CHECK(app::hbaLine("host", "d", "u", "10.0.0.1/33") == "host d u <client-address>/32 scram-sha-256");
    CHECK(app::hbaLine("host", "d", "u", "client-7.example.internal") ==
          "host d u client-7.example.internal scram-sha-256");

    // Names from the server's message are quoted the same way.
    Diagnosis spaced = app::diagnose(
        connectError(kAt +
                     "FATAL:  no pg_hba.conf entry for host \"203.0.113.25\", user \"Analyst One\", database "
                     "\"stage1_trading\", SSL encryption"),
        direct("require"));
    CHECK(hasFixText(spaced, "hostssl stage1_trading \"Analyst One\" 203.0.113.25/32 scram-sha-256"));
}

TEST_CASE("a unix-socket client gets a local line, without an address, TLS or tunnel advice") {
    Diagnosis d = app::diagnose(
        connectError(
            "connection to server on socket \"/var/run/postgresql/.s.PGSQL.5432\" failed: FATAL:  no "
            "pg_hba.conf entry for host \"[local]\", user \"stage1_app\", database \"stage1_trading\", "
            "no encryption"),
        direct());
    CHECK(d.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(d.fixes[0].text == "local stage1_trading stage1_app scram-sha-256");
    CHECK(fixIndex(d, "SSLMODE") == -1);
    CHECK(fixIndex(d, "ssh -N") == -1);
    CHECK(says(d.explanation, "unix socket"));
}

TEST_CASE("an address with a NUL byte is not taken for the IP address before it") {
    // inet_pton reads up to the NUL: "127.0.0.1\0 trust" once passed as 127.0.0.1 and was written whole.
    std::string address("127.0.0.1\0 trust/32", 19);
    CHECK(app::hbaLine("host", "d", "u", address) == "host d u <client-address>/32 scram-sha-256");
}

TEST_CASE("the man page lists every diagnosis kind, in the table's order") {
    std::ifstream file(testsupport::requiredEnv("STAGE1_SOURCE_DIR") + "/assets/stage1ctl.1");
    REQUIRE(file.good());
    std::string page((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    size_t at = page.find("kind is one of");
    REQUIRE(at != std::string::npos);
    auto isNamePart = [](char c) { return std::islower(static_cast<unsigned char>(c)) || c == '_'; };
    for (app::DiagnosisKind kind : app::allDiagnosisKinds()) {
        const std::string name(app::kindName(kind));
        CAPTURE(name);
        size_t found = page.find(name, at);
        // a whole word: "timeout" is not the end of "statement_timeout"
        while (found != std::string::npos &&
               (isNamePart(page[found - 1]) || isNamePart(page[found + name.size()])))
            found = page.find(name, found + 1);
        REQUIRE(found != std::string::npos);
        at = found + name.size();
    }
}
