// stage1ctl doctor (and the CLI's password prompt) against a private cluster whose pg_hba.conf,
// passwords and TLS the test controls: every failure loopback allows gives its diagnosis.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <sstream>

#include "app/cli/ctl_commands.hpp"
#include "tests/support/blackhole_listener.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/doctor_run.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;

namespace {

using Doctor = testsupport::DoctorRun;

// stage1ctl doctor --json over TCP to 127.0.0.1.
Doctor doctor(const std::string& port, std::vector<std::string> extra,
              std::map<std::string, std::string> env = {}) {
    std::vector<std::string> args = {"--host", "127.0.0.1", "--port", port};
    args.insert(args.end(), extra.begin(), extra.end());
    env.emplace("STAGE1_POSTGRES_CONNECT_TIMEOUT", "2");
    return testsupport::runDoctorJson(args, env);
}

std::string kindOf(const Doctor& d) {
    return d.report["diagnosis"].is_null() ? "" : d.report["diagnosis"]["kind"].get<std::string>();
}

bool anyFixContains(const Doctor& d, const std::string& text) {
    for (const auto& f : d.report["diagnosis"]["fixes"])
        if (f["text"].get<std::string>().find(text) != std::string::npos) return true;
    return false;
}

}  // namespace

TEST_CASE("doctor names every connection failure against a private cluster, then passes once fixed") {
    testsupport::PrivateCluster cluster;
    cluster.admin().exec("CREATE DATABASE stage1_trading");
    const std::string adminDsn = "host=" + *cluster.adminParams().find("host") + " port=" + cluster.port() +
                                 " user=postgres dbname=stage1_trading";
    auto migrated =
        testsupport::runProcess({testsupport::requiredEnv("STAGE1CTL"), "migrate", "--dsn", adminDsn});
    REQUIRE_MESSAGE(migrated.exitCode == 0, migrated.err);
    cluster.admin().exec("ALTER ROLE stage1_app LOGIN PASSWORD 'right-password'");
    const std::string port = cluster.port();

    // 1. No line for this client: the fix names the address the server saw.
    Doctor noEntry = doctor(port, {});
    CHECK(noEntry.exitCode == 3);
    CHECK(kindOf(noEntry) == "pg_hba_no_entry");
    CHECK(testsupport::doctorStep(noEntry, "resolve")->at("ok") == true);
    CHECK(testsupport::doctorStep(noEntry, "tcp_connect")->at("ok") == true);
    CHECK(testsupport::doctorStep(noEntry, "authenticate")->at("ok") == false);
    CHECK(anyFixContains(noEntry, "stage1_trading stage1_app 127.0.0.1/32 scram-sha-256"));
    CHECK(anyFixContains(noEntry, "pg_reload_conf()"));

    cluster.appendHba("host stage1_trading stage1_app 127.0.0.1/32 scram-sha-256");
    cluster.appendHba("host nope_db stage1_app 127.0.0.1/32 scram-sha-256");
    cluster.appendHba("host stage1_trading ghost 127.0.0.1/32 trust");

    // 2. Authentication: no password (no terminal, so no prompt), a wrong one, then the right one.
    Doctor noPassword = doctor(port, {});
    CHECK(noPassword.exitCode == 3);
    CHECK(kindOf(noPassword) == "no_password");
    Doctor wrong = doctor(port, {}, {{"STAGE1_POSTGRES_PASSWORD", "wrong-password"}});
    CHECK(wrong.exitCode == 3);
    CHECK(kindOf(wrong) == "password_failed");
    CHECK(wrong.err.find("wrong-password") == std::string::npos);
    CHECK(wrong.report.dump().find("wrong-password") == std::string::npos);
    Doctor ok = doctor(port, {}, {{"STAGE1_POSTGRES_PASSWORD", "right-password"}});
    INFO(ok.report.dump(2));
    CHECK(ok.exitCode == 0);
    CHECK(ok.report["ok"] == true);
    CHECK(testsupport::doctorStep(ok, "server")
              ->at("detail")
              .get<std::string>()
              .find("server sees client 127.0.0.1") != std::string::npos);
    CHECK(testsupport::doctorStep(ok, "schema")->at("ok") == true);

    // 3. The other login failures.
    Doctor noDb = doctor(port, {"--db", "nope_db"}, {{"STAGE1_POSTGRES_PASSWORD", "right-password"}});
    CHECK(kindOf(noDb) == "database_missing");
    Doctor noRole = doctor(port, {"--user", "ghost"});
    CHECK(kindOf(noRole) == "role_missing");
    Doctor sslRequired =
        doctor(port, {"--sslmode", "require"}, {{"STAGE1_POSTGRES_PASSWORD", "right-password"}});
    CHECK(sslRequired.exitCode == 3);
    CHECK(kindOf(sslRequired) == "ssl_unsupported");
    CHECK(testsupport::doctorStep(sslRequired, "tls")->at("ok") == false);

    // 4. TLS: a root certificate from another CA fails verification; the server's own passes.
    std::string serverCert = cluster.enableSsl();
    testsupport::ScratchDir certs;
    std::string otherCa = testsupport::makeSelfSignedCertificate(certs.path().string(), "other", "Other CA");
    Doctor untrusted = doctor(port, {"--dsn", "sslmode=verify-ca sslrootcert=" + otherCa},
                              {{"STAGE1_POSTGRES_PASSWORD", "right-password"}});
    CHECK(untrusted.exitCode == 3);
    CHECK(kindOf(untrusted) == "ssl_cert_invalid");
    CHECK(testsupport::doctorStep(untrusted, "tls")->at("ok") == false);
    Doctor verified = doctor(port, {"--dsn", "sslmode=verify-full sslrootcert=" + serverCert},
                             {{"STAGE1_POSTGRES_PASSWORD", "right-password"}});
    CHECK(verified.exitCode == 0);
    CHECK(testsupport::doctorStep(verified, "tls")->at("detail").get<std::string>().find("TLS") !=
          std::string::npos);
}

TEST_CASE("doctor tells a silent server (timeout) from one that hangs up (server_closed)") {
    testsupport::BlackholeListener silent(testsupport::BlackholeListener::Behaviour::Silent);
    Doctor timeout = doctor(silent.port(), {});
    CHECK(timeout.exitCode == 3);
    CHECK(kindOf(timeout) == "timeout");
    CHECK(testsupport::doctorStep(timeout, "tcp_connect")->at("ok") ==
          true);  // the listener accepts, then says nothing

    testsupport::BlackholeListener hangUp(testsupport::BlackholeListener::Behaviour::HangUp);
    Doctor closed = doctor(hangUp.port(), {});
    CHECK(closed.exitCode == 3);
    CHECK(kindOf(closed) == "server_closed");

    Doctor tunnelDown = doctor(silent.port(), {"--tunnel-port", hangUp.port()});
    CHECK(kindOf(tunnelDown) == "server_closed");
    CHECK(tunnelDown.report["diagnosis"]["title"].get<std::string>().find("tunnel") != std::string::npos);
}

TEST_CASE("the CLI asks for a password once when the server wants one, and keeps it in memory only") {
    testsupport::PrivateCluster cluster;
    cluster.admin().exec("CREATE ROLE analyst LOGIN PASSWORD 'typed-at-the-prompt'");
    cluster.appendHba("host postgres analyst 127.0.0.1/32 scram-sha-256");
    int asked = 0;
    std::string answer = "typed-at-the-prompt";
    std::istringstream in;
    std::ostringstream out, err;
    std::map<std::string, std::string> env = {{"PGPASSFILE", "/nonexistent"}};
    app::CtlIo io{in, out, err,
                  [&env](const char* name) -> const char* {
                      auto it = env.find(name);
                      return it == env.end() ? nullptr : it->second.c_str();
                  },
                  [&](const std::string& prompt) -> std::optional<std::string> {
                      ++asked;
                      CHECK(prompt.find("analyst@127.0.0.1") != std::string::npos);
                      return answer;
                  }};
    std::vector<std::string> args = {"status", "--host",  "127.0.0.1", "--port",  cluster.port(),
                                     "--user", "analyst", "--db",      "postgres"};
    int code = app::runStage1ctl(args, io);
    INFO(err.str());
    CHECK(asked == 1);
    CHECK(code ==
          app::kExitFailed);  // connected; the postgres database has no schema, so status says pending
    CHECK(out.str().find("pending") != std::string::npos);
    CHECK((out.str() + err.str()).find("typed-at-the-prompt") == std::string::npos);

    answer = "a wrong one";
    asked = 0;
    out.str("");
    err.str("");
    CHECK(app::runStage1ctl(args, io) == app::kExitConnection);
    CHECK(asked == 1);
    CHECK(err.str().find("Password authentication failed") != std::string::npos);
}
