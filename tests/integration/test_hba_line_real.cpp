// The pg_hba.conf lines the diagnosis offers, written into a real server's pg_hba.conf: names that
// need quoting (blanks, a comma, quotes, a keyword) and a unix-socket client ("[local]") get lines the
// server loads without error and that admit exactly that role to exactly that database.
#include <doctest/doctest.h>

#include <chrono>
#include <optional>
#include <thread>

#include "app/connect/diagnosis.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/scratch_dir.hpp"

using testsupport::connectFailure;
using testsupport::PrivateCluster;

namespace {

// The diagnosis of a connect that must fail, with the settings the app would pass.
app::Diagnosis diagnoseRefused(const db::ConnectParams& params) {
    std::optional<db::DbError> failure = connectFailure(params);
    REQUIRE(failure.has_value());
    app::DiagnosisContext context;
    context.user = *params.find("user");
    context.dbname = *params.find("dbname");
    app::Diagnosis d = app::diagnose(*failure, context);
    MESSAGE(app::kindName(d.kind) << ": " << d.raw);
    return d;
}

std::string offeredLine(const app::Diagnosis& d) {
    for (const app::Fix& fix : d.fixes)
        if (fix.label.rfind("On the database server, add this line", 0) == 0) return fix.text;
    FAIL("no pg_hba.conf line offered");
    return "";
}

// The postmaster applies a reload a moment after pg_reload_conf() returns.
std::optional<db::DbError> connectSoon(const db::ConnectParams& params) {
    std::optional<db::DbError> last;
    for (int i = 0; i < 40 && (last = connectFailure(params)); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    return last;
}

}  // namespace

TEST_CASE("quoted role and database names in the offered hba line admit exactly that role and database") {
    PrivateCluster cluster;
    {
        db::Connection admin = cluster.admin();
        admin.exec("CREATE ROLE \"Analyst, \"\"One\"\"\" LOGIN PASSWORD 'quoted-horse'");
        admin.exec("CREATE DATABASE \"all\"");
    }
    db::ConnectParams params = cluster.tcpParams("Analyst, \"One\"", "all");
    params.set("password", "quoted-horse");

    app::Diagnosis d = diagnoseRefused(params);
    REQUIRE(d.kind == app::DiagnosisKind::PgHbaNoEntry);
    std::string line = offeredLine(d);
    CHECK(line == "hostssl \"all\" \"Analyst, \"\"One\"\"\" 127.0.0.1/32 scram-sha-256");
    line.replace(0, line.find(' '), "host");  // no TLS on this cluster; the fields are the point
    cluster.appendHba(line);                  // throws when pg_hba_file_rules reports an error

    std::optional<db::DbError> failure = connectSoon(params);
    CHECK_MESSAGE(!failure, (failure ? failure->message : ""));
    // "all" quoted is the database named all, not every database.
    db::ConnectParams other = params;
    other.set("dbname", "postgres");
    std::optional<db::DbError> refused = connectFailure(other);
    REQUIRE(refused.has_value());
    CHECK(refused->message.find("no pg_hba.conf entry") != std::string::npos);
}

TEST_CASE("a unix-socket client is offered a local line, and that line admits it") {
    PrivateCluster cluster;
    {
        db::Connection admin = cluster.admin();
        admin.exec("CREATE ROLE stage1_app LOGIN PASSWORD 'socket-horse'");
        admin.exec("CREATE DATABASE stage1_trading");
    }
    // Only the superuser may use the socket, so the app role meets no line there.
    testsupport::writeFile(cluster.dataDir() + "/pg_hba.conf", "local all postgres trust\n");
    cluster.reload();
    db::ConnectParams params = cluster.adminParams("stage1_trading");
    params.set("user", "stage1_app");
    params.set("password", "socket-horse");
    params.set("passfile", "/nonexistent");

    app::Diagnosis d = diagnoseRefused(params);
    REQUIRE(d.kind == app::DiagnosisKind::PgHbaNoEntry);
    CHECK(d.raw.find("host \"[local]\"") != std::string::npos);
    std::string line = offeredLine(d);
    CHECK(line == "local stage1_trading stage1_app scram-sha-256");
    cluster.appendHba(line);
    std::optional<db::DbError> failure = connectSoon(params);
    CHECK_MESSAGE(!failure, (failure ? failure->message : ""));
}
