// Every failure the diagnosis table knows that loopback can produce, made by real components: a
// private cluster for server-wide settings (pg_hba.conf, TLS, connection slots), listeners that play
// a firewalled host or a tunnel whose target is down, and the shared cluster for failed queries.
// Each check connects with db::Connection like the app, then asserts the kind diagnose() gives.
#include <doctest/doctest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <optional>
#include <thread>

#include "app/connect/diagnosis.hpp"
#include "tests/support/blackhole_listener.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using testsupport::BlackholeListener;
using testsupport::connectFailure;
using testsupport::PrivateCluster;
using testsupport::TestDatabase;
using Clock = std::chrono::steady_clock;

namespace {

std::optional<db::DbError> queryFailure(db::Connection& conn, const std::string& sql) {
    try {
        conn.exec(sql);
        return std::nullopt;
    } catch (const db::Error& e) {
        return e.info();
    }
}

std::string param(const db::ConnectParams& p, const char* keyword) {
    const std::string* v = p.find(keyword);
    return v ? *v : "";
}

// What the app would hand diagnose() for these parameters.
app::DiagnosisContext contextFor(const db::ConnectParams& p) {
    app::DiagnosisContext c;
    c.host = param(p, "host");
    c.port = param(p, "port");
    c.dbname = param(p, "dbname");
    c.user = param(p, "user");
    c.sslmode = param(p, "sslmode");
    return c;
}

// Connects (it must fail) and diagnoses the failure.
app::Diagnosis diagnoseConnect(const db::ConnectParams& params,
                               std::optional<app::DiagnosisContext> context = std::nullopt) {
    auto failure = connectFailure(params);
    REQUIRE_MESSAGE(failure.has_value(), "connecting to " << params.describe() << " was expected to fail");
    app::Diagnosis d = app::diagnose(*failure, context ? *context : contextFor(params));
    MESSAGE(app::kindName(d.kind) << ": " << d.raw);
    return d;
}

int fixIndex(const app::Diagnosis& d, const std::string& needle) {
    for (size_t i = 0; i < d.fixes.size(); ++i)
        if (d.fixes[i].text.find(needle) != std::string::npos) return static_cast<int>(i);
    return -1;
}

bool says(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

bool ipv6LoopbackWorks() {
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    if (s < 0) return false;
    sockaddr_in6 addr{};
    addr.sin6_family = AF_INET6;
    addr.sin6_addr = in6addr_loopback;
    bool ok = bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(s);
    return ok;
}

}  // namespace

TEST_CASE("pg_hba, TLS, password and login failures on a private cluster, and the suggested hba line works") {
    PrivateCluster cluster;
    testsupport::ScratchDir scratch;
    {
        db::Connection admin = cluster.admin();
        admin.exec(
            "CREATE ROLE stage1_app LOGIN PASSWORD 'right-horse-battery'; CREATE ROLE stage1_nologin "
            "NOLOGIN");
        admin.exec("CREATE DATABASE stage1_trading");
    }
    db::ConnectParams app = cluster.tcpParams("stage1_app", "stage1_trading");

    // No line for TCP and no TLS on offer: one plaintext attempt.
    app::Diagnosis plain = diagnoseConnect(app);
    CHECK(plain.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(says(plain.raw,
               "no pg_hba.conf entry for host \"127.0.0.1\", user \"stage1_app\", database "
               "\"stage1_trading\", no encryption"));
    CHECK(plain.fixes[0].text == "export STAGE1_POSTGRES_SSLMODE=require");
    CHECK(fixIndex(plain, "127.0.0.1/32") == 1);

    // sslmode=require against ssl = off.
    db::ConnectParams require = app;
    require.set("sslmode", "require");
    CHECK(diagnoseConnect(require).kind == app::DiagnosisKind::SslUnsupported);

    // With TLS on, sslmode=prefer tries twice: SSL encryption, then no encryption.
    std::string serverCertificate = cluster.enableSsl();
    app::Diagnosis twice = diagnoseConnect(app);
    CHECK(twice.kind == app::DiagnosisKind::PgHbaNoEntry);
    auto attempts = app::parseHbaRejections(twice.raw);
    REQUIRE(attempts.size() == 2);
    CHECK(attempts[0].encryption == app::HbaRejection::Encryption::Ssl);
    CHECK(attempts[1].encryption == app::HbaRejection::Encryption::None);
    CHECK(attempts[0].clientAddress == "127.0.0.1");
    REQUIRE(!twice.fixes.empty());
    std::string line = twice.fixes[0].text;
    CHECK(line == "hostssl stage1_trading stage1_app 127.0.0.1/32 scram-sha-256");

    // Apply the fix as written: the line, the check (no rows), the reload; no restart.
    int check = fixIndex(twice, "pg_hba_file_rules");
    int reload = fixIndex(twice, "pg_reload_conf");
    REQUIRE(check >= 0);
    REQUIRE(reload > check);
    testsupport::writeFile(cluster.dataDir() + "/pg_hba.conf", cluster.hbaText() + line + "\n");
    {
        db::Connection admin = cluster.admin();
        CHECK(admin.exec(twice.fixes[check].text).rows() == 0);
        CHECK(admin.exec(twice.fixes[reload].text).text(0, 0) == "t");
    }
    db::ConnectParams withPassword = app;
    withPassword.set("password", "right-horse-battery");
    std::optional<db::DbError> last;
    for (int i = 0; i < 40 && (last = connectFailure(withPassword)); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    CHECK_MESSAGE(!last, (last ? last->message : ""));
    if (!last) {
        db::Connection conn = db::Connection::open(withPassword);
        CHECK(conn.exec("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()").text(0, 0) == "t");
    }

    // A wrong password over TLS, then libpq's plaintext retry meets no line: the password wins.
    db::ConnectParams wrong = app;
    wrong.set("password", "wrong-horse");
    app::Diagnosis password = diagnoseConnect(wrong);
    CHECK(password.kind == app::DiagnosisKind::PasswordFailed);
    CHECK(says(password.raw, "password authentication failed for user \"stage1_app\""));
    CHECK(says(password.raw, "no encryption"));

    // No password anywhere: not in the parameters, the environment, or a password file.
    unsetenv("PGPASSWORD");
    CHECK(diagnoseConnect(app).kind == app::DiagnosisKind::NoPassword);

    // Under trust: an unknown role, an unknown database, a role without LOGIN.
    cluster.appendHba("hostssl all all 127.0.0.1/32 trust");
    CHECK(diagnoseConnect(cluster.tcpParams("stage1_ghost", "stage1_trading")).kind == app::DiagnosisKind::RoleMissing);
    app::Diagnosis noDb = diagnoseConnect(cluster.tcpParams("stage1_app", "stage1_nosuchdb"));
    CHECK(noDb.kind == app::DiagnosisKind::DatabaseMissing);
    CHECK(says(noDb.title, "\"stage1_nosuchdb\""));
    CHECK(diagnoseConnect(cluster.tcpParams("stage1_nologin", "stage1_trading")).kind == app::DiagnosisKind::PermissionDenied);

    // Certificates: signed by someone else, a missing root file, and a name that does not match.
    db::ConnectParams verify = cluster.tcpParams("stage1_app", "stage1_trading");
    verify.set("sslmode", "verify-ca");
    verify.set("sslrootcert",
               testsupport::makeSelfSignedCertificate(scratch.path().string(), "other", "Other CA"));
    app::Diagnosis otherCa = diagnoseConnect(verify);
    CHECK(otherCa.kind == app::DiagnosisKind::SslCertInvalid);
    CHECK(says(otherCa.raw, "certificate verify failed"));
    verify.set("sslrootcert", scratch.path().string() + "/missing-root.crt");
    app::Diagnosis missing = diagnoseConnect(verify);
    CHECK(missing.kind == app::DiagnosisKind::SslCertInvalid);
    CHECK(says(missing.raw, "root certificate file"));
    CHECK(says(missing.explanation, "missing-root.crt does not exist"));
    db::ConnectParams byName = verify;
    byName.set("sslmode", "verify-full");
    byName.set("sslrootcert", serverCertificate);
    byName.set("host", "db.example.internal");
    byName.set("hostaddr", "127.0.0.1");  // connect to loopback, verify against the name
    app::Diagnosis mismatch = diagnoseConnect(byName);
    CHECK(mismatch.kind == app::DiagnosisKind::SslCertInvalid);
    CHECK(mismatch.fixes[0].text == "export STAGE1_POSTGRES_HOST=localhost");
    byName.set("host", "localhost");  // the fix it suggests connects
    byName.set("password", "right-horse-battery");
    auto afterFix = connectFailure(byName);
    CHECK_MESSAGE(!afterFix, (afterFix ? afterFix->message : ""));
}

TEST_CASE(
    "connection slots run out on a private cluster (max_connections 4, 2 reserved), and IPv6 hba lines") {
    PrivateCluster cluster;
    {
        db::Connection admin = cluster.admin();
        admin.exec("CREATE ROLE stage1_app LOGIN");
        admin.exec("CREATE DATABASE stage1_trading");
    }
    cluster.appendHba("host all all 127.0.0.1/32 trust");
    bool ipv6 = ipv6LoopbackWorks();
    std::vector<std::pair<std::string, std::string>> settings = {{"max_connections", "4"},
                                                                 {"superuser_reserved_connections", "2"}};
    if (ipv6) settings.emplace_back("listen_addresses", "'127.0.0.1,::1'");
    cluster.restartWith(settings);
    db::ConnectParams app = cluster.tcpParams("stage1_app", "stage1_trading");
    app.set("sslmode", "disable");

    // A closed connection's backend holds its slot until it has exited: wait for that, or the
    // next step can find the slots still full.
    auto waitUntilNoOtherClients = [&cluster] {
        for (int i = 0; i < 200; ++i) {
            try {
                if (cluster.admin()
                        .query("SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'client backend' "
                               "AND pid <> pg_backend_pid()")
                        .integer(0, 0) == 0)
                    return;
            } catch (const db::Error&) {
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(25));
        }
        FAIL("backends of closed connections did not exit within 5 s");
    };
    std::vector<db::Connection> held;
    held.push_back(db::Connection::open(app));
    held.push_back(db::Connection::open(app));
    app::Diagnosis reserved = diagnoseConnect(app);
    CHECK(reserved.kind == app::DiagnosisKind::TooManyConnections);
    CHECK(says(reserved.raw, "remaining connection slots are reserved"));
    held.push_back(cluster.admin());
    held.push_back(cluster.admin());
    app::Diagnosis full = diagnoseConnect(app);
    CHECK(full.kind == app::DiagnosisKind::TooManyConnections);
    CHECK(says(full.raw, "too many clients already"));
    held.clear();
    waitUntilNoOtherClients();

    cluster.admin().exec("ALTER ROLE stage1_app CONNECTION LIMIT 1");
    waitUntilNoOtherClients();
    held.push_back(db::Connection::open(app));
    app::Diagnosis roleLimit = diagnoseConnect(app);
    CHECK(roleLimit.kind == app::DiagnosisKind::TooManyConnections);
    CHECK(fixIndex(roleLimit, "ALTER ROLE stage1_app CONNECTION LIMIT -1;") >= 0);
    held.clear();

    if (ipv6) {
        app::Diagnosis v6 = diagnoseConnect(cluster.tcpParams("stage1_app", "stage1_trading", "::1"));
        CHECK(v6.kind == app::DiagnosisKind::PgHbaNoEntry);
        CHECK(says(v6.raw, "no pg_hba.conf entry for host \"::1\""));
        CHECK(fixIndex(v6, "::1/128 scram-sha-256") >= 0);
    } else {
        MESSAGE("no IPv6 loopback here: the ::1 hba case was skipped");
    }
}

TEST_CASE("network failures without a server: refused, timeout, a hang-up, a cancelled connect") {
    db::ConnectParams p;
    p.set("host", "127.0.0.1");
    p.set("user", "stage1_app");
    p.set("dbname", "stage1_trading");
    p.set("passfile", "/nonexistent");

    p.set("port", testsupport::closedLoopbackPort());
    CHECK(diagnoseConnect(p).kind == app::DiagnosisKind::ConnectionRefused);
    app::DiagnosisContext tunnel = contextFor(p);
    tunnel.tunnel = true;
    tunnel.tunnelLocalPort = std::stoi(param(p, "port"));
    tunnel.sshTarget = "analyst@203.0.113.10";
    app::Diagnosis notUp = diagnoseConnect(p, tunnel);
    CHECK(notUp.kind == app::DiagnosisKind::ConnectionRefused);
    CHECK(says(notUp.title, "tunnel is not running"));
    CHECK(notUp.fixes[0].text == "ssh -N -L 127.0.0.1:" + std::to_string(tunnel.tunnelLocalPort) +
                                     ":127.0.0.1:5432 analyst@203.0.113.10");

    {
        BlackholeListener silent;
        p.set("port", silent.port());
        p.set("connect_timeout", "2");
        auto started = Clock::now();
        app::Diagnosis timedOut = diagnoseConnect(p);
        double seconds = std::chrono::duration<double>(Clock::now() - started).count();
        CHECK(timedOut.kind == app::DiagnosisKind::Timeout);
        CHECK(seconds < 5);
        CHECK(silent.accepted() >= 1);

        // The window's cancellable connect, abandoned while the server says nothing.
        std::atomic<bool> cancel{false};
        std::thread canceller([&] {
            std::this_thread::sleep_for(std::chrono::milliseconds(200));
            cancel = true;
        });
        started = Clock::now();
        std::optional<db::DbError> abandoned;
        try {
            db::Connection::openCancellable(p, cancel);
        } catch (const db::Error& e) {
            abandoned = e.info();
        }
        canceller.join();
        REQUIRE(abandoned);
        CHECK(app::diagnose(*abandoned, contextFor(p)).kind == app::DiagnosisKind::Cancelled);
        CHECK(std::chrono::duration<double>(Clock::now() - started).count() < 1.0);
    }
    {
        BlackholeListener hangUp(BlackholeListener::Behaviour::HangUp);  // a tunnel whose target is down
        p.set("port", hangUp.port());
        CHECK(diagnoseConnect(p).kind == app::DiagnosisKind::ServerClosed);
        tunnel.tunnelLocalPort = std::stoi(hangUp.port());
        app::Diagnosis behind = diagnoseConnect(p, tunnel);
        CHECK(behind.kind == app::DiagnosisKind::ServerClosed);
        CHECK(says(behind.title, "tunnel is up"));
    }
}

TEST_CASE("failed queries on the shared cluster: read-only, permission denied, statement timeout") {
    TestDatabase database;
    db::Connection conn = database.connect();
    app::DiagnosisContext context = contextFor(database.params());
    conn.exec("CREATE TABLE probe (x int)");

    // default_transaction_read_only gives the same SQLSTATE (25006) as a write sent to a standby.
    conn.exec("SET default_transaction_read_only = on");
    auto readOnly = queryFailure(conn, "INSERT INTO probe VALUES (1)");
    REQUIRE(readOnly);
    CHECK(readOnly->sqlstate == "25006");
    CHECK(app::diagnose(*readOnly, context).kind == app::DiagnosisKind::ReadOnly);
    conn.exec("SET default_transaction_read_only = off");

    // A role without grants; created and dropped inside a transaction, so nothing outlives the test.
    conn.exec("BEGIN; CREATE ROLE " + database.name() + "_reader NOLOGIN; SET LOCAL ROLE " + database.name() +
              "_reader");
    auto denied = queryFailure(conn, "SELECT * FROM probe");
    conn.exec("ROLLBACK");
    REQUIRE(denied);
    CHECK(denied->sqlstate == "42501");
    app::Diagnosis d = app::diagnose(*denied, context);
    CHECK(d.kind == app::DiagnosisKind::PermissionDenied);
    CHECK(fixIndex(d, "stage1ctl migrate") >= 0);

    conn.exec("SET statement_timeout = '100ms'");
    auto started = Clock::now();
    auto timedOut = queryFailure(conn, "SELECT pg_sleep(5)");
    REQUIRE(timedOut);
    CHECK(std::chrono::duration<double>(Clock::now() - started).count() < 2.0);
    CHECK(timedOut->sqlstate == "57014");
    CHECK(app::diagnose(*timedOut, context).kind == app::DiagnosisKind::StatementTimeout);
}

TEST_CASE("a query cancelled by the user, and a session ended by an administrator") {
    TestDatabase database;
    db::Connection conn = database.connect();
    app::DiagnosisContext context = contextFor(database.params());

    Clock::time_point cancelledAt;
    std::thread canceller([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        PGcancel* cancel = PQgetCancel(conn.raw());
        char error[256] = {};
        cancelledAt = Clock::now();
        PQcancel(cancel, error, sizeof error);
        PQfreeCancel(cancel);
    });
    auto cancelled = queryFailure(conn, "SELECT pg_sleep(30)");
    auto returnedAt = Clock::now();
    canceller.join();
    REQUIRE(cancelled);
    CHECK(std::chrono::duration<double>(returnedAt - cancelledAt).count() < 1.0);
    CHECK(cancelled->sqlstate == "57014");
    CHECK(app::diagnose(*cancelled, context).kind == app::DiagnosisKind::Cancelled);

    std::string pid(conn.exec("SELECT pg_backend_pid()").text(0, 0));
    {
        db::Connection admin = database.connect();
        // The second argument waits (ms) until the backend is gone.
        CHECK(admin.query("SELECT pg_terminate_backend($1::int, 5000)", {pid}).text(0, 0) == "t");
    }
    auto ended = queryFailure(conn, "SELECT 1");
    REQUIRE(ended);
    // The FATAL arrived while the session was idle, so libpq reports it as text with no SQLSTATE,
    // followed by its own "server closed the connection unexpectedly".
    MESSAGE("after pg_terminate_backend: [" << ended->sqlstate << "] " << ended->message);
    CHECK(says(ended->message, "terminating connection due to administrator command"));
    CHECK((ended->sqlstate.empty() || ended->sqlstate == "57P01"));
    CHECK(app::diagnose(*ended, context).kind == app::DiagnosisKind::ServerShutdown);
}
