// TLS as a laptop across the network sees it, against a private cluster whose certificates the test
// makes: what protects the connection, whether the certificate was verified, what it is, when it
// expires, and a server without TLS refused under the default for another machine.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/doctor_run.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

using nlohmann::json;

namespace {

using Doctor = testsupport::DoctorRun;

// stage1ctl doctor --json as postgres over TCP, whatever PGSSLMODE the caller's shell has.
Doctor doctor(const testsupport::PrivateCluster& cluster, std::vector<std::string> extra,
              const std::string& host = "127.0.0.1") {
    std::vector<std::string> args = {"--host", host,       "--port", cluster.port(),
                                     "--user", "postgres", "--db",   "postgres"};
    args.insert(args.end(), extra.begin(), extra.end());
    return testsupport::runDoctorJson(args, {{"PGSSLMODE", ""}});
}

const json& tlsStep(const Doctor& d) {
    const json* step = testsupport::doctorStep(d, "tls");
    REQUIRE(step != nullptr);
    return *step;
}

// `openssl x509 -fingerprint -sha256`'s answer, "AB:CD:...".
std::string fingerprintOf(const std::string& certificate) {
    auto r = testsupport::runProcess(
        {"/usr/bin/openssl", "x509", "-noout", "-fingerprint", "-sha256", "-in", certificate});
    REQUIRE(r.exitCode == 0);
    std::string line = r.out.substr(r.out.find('=') + 1);
    return line.substr(0, line.find('\n'));
}

}  // namespace

TEST_CASE("doctor says what protects the connection, and shows and checks the server's certificate") {
    testsupport::PrivateCluster cluster;
    testsupport::ScratchDir certs;

    SUBCASE("self-signed, two days left: encrypted, NOT verified, expiring; verify-full verifies it") {
        const std::string certificate = cluster.enableSsl();
        cluster.appendHba("hostssl all all 127.0.0.1/32 trust");
        Doctor required = doctor(cluster, {"--sslmode", "require"});
        const json& tls = required.report["tls"];
        CHECK(tls["in_use"] == true);
        CHECK(tls["version"].get<std::string>().rfind("TLSv1.", 0) == 0);
        CHECK(tls["verified"] == false);
        CHECK(tls["subject"] == "CN=localhost");
        CHECK(tls["issuer"] == "CN=localhost");
        CHECK(tls["not_after"].get<std::string>().size() == 20);  // 2026-12-07T16:00:00Z
        CHECK(tls["days_left"].get<long long>() <= 2);
        CHECK(tls["sha256"] == fingerprintOf(certificate));
        const json& step = tlsStep(required);
        CHECK(step["ok"] == true);
        CHECK(step["warning"] == true);
        const std::string detail = step["detail"];
        CHECK(detail.find("certificate NOT verified (sslmode=require)") != std::string::npos);
        CHECK(detail.find("STAGE1_POSTGRES_SSLMODE=verify-full") != std::string::npos);
        CHECK(detail.find("expires in") != std::string::npos);

        Doctor full = doctor(cluster, {"--dsn", "sslmode=verify-full sslrootcert=" + certificate});
        CHECK(full.report["tls"]["verified"] == true);
        CHECK(full.report["tls"]["name_checked"] == true);
        const std::string fullDetail = tlsStep(full)["detail"];
        CHECK(fullDetail.find("certificate verified (verify-full)") != std::string::npos);
        CHECK(fullDetail.find("Not verified") == std::string::npos);
        CHECK(tlsStep(full)["warning"] == true);  // still two days from expiry
    }
    SUBCASE("signed by a CA, a year left: verified without a warning; another CA is refused") {
        const auto [ca, certificate] =
            testsupport::makeCaSignedCertificate(certs.path().string(), "stage1-test-ca", "server", 365);
        cluster.enableSslWith(certificate, certs.path().string() + "/server.key");
        cluster.appendHba("hostssl all all 127.0.0.1/32 trust");
        Doctor full = doctor(cluster, {"--dsn", "sslmode=verify-full sslrootcert=" + ca});
        CHECK(full.report["tls"]["verified"] == true);
        CHECK(full.report["tls"]["issuer"] == "CN=stage1-test-ca");
        CHECK(full.report["tls"]["days_left"].get<long long>() >= 364);
        CHECK(tlsStep(full)["warning"] == false);
        for (const auto& warning : full.report["warnings"])  // durability may warn on a throwaway cluster
            CHECK(warning.get<std::string>().rfind("tls:", 0) == std::string::npos);

        const auto other =
            testsupport::makeCaSignedCertificate(certs.path().string(), "other-ca", "other", 365);
        Doctor wrong = doctor(cluster, {"--dsn", "sslmode=verify-full sslrootcert=" + other.first});
        CHECK(wrong.exitCode == 3);
        CHECK(wrong.report["diagnosis"]["kind"] == "ssl_cert_invalid");
        CHECK(tlsStep(wrong)["ok"] == false);
    }
}

TEST_CASE("a server on another machine without TLS is refused by default, with how to enable it") {
    const auto host = testsupport::loopbackHostName();
    if (!host) {
        MESSAGE("this machine's name does not resolve to loopback; the case needs one that does");
        return;
    }
    testsupport::PrivateCluster cluster;  // ssl = off
    cluster.appendHba("host all all 127.0.0.1/32 trust");
    Doctor byDefault = doctor(cluster, {}, *host);
    CHECK(byDefault.exitCode == 3);
    CHECK(byDefault.report["diagnosis"]["kind"] == "ssl_unsupported");
    const std::string explanation = byDefault.report["diagnosis"]["explanation"];
    CHECK(explanation.find("No sslmode was given") != std::string::npos);
    bool enableFix = false;
    for (const auto& fix : byDefault.report["diagnosis"]["fixes"])
        enableFix = enableFix ||
                    fix["text"].get<std::string>().find("ALTER SYSTEM SET ssl = on") != std::string::npos;
    CHECK(enableFix);

    // Plaintext asked for explicitly connects, and the doctor says what it costs.
    Doctor plaintext = doctor(cluster, {"--sslmode", "prefer"}, *host);
    CHECK(plaintext.report["tls"]["in_use"] == false);
    CHECK(plaintext.report["tls"]["version"].is_null());
    CHECK(tlsStep(plaintext)["warning"] == true);
    CHECK(tlsStep(plaintext)["detail"].get<std::string>().find("no TLS to a server on another machine") !=
          std::string::npos);
    // On loopback, no TLS is no news.
    Doctor local = doctor(cluster, {});
    CHECK(local.report["tls"]["in_use"] == false);
    CHECK(tlsStep(local)["warning"] == false);
}

TEST_CASE("stage1ctl warns before a password may cross the network without TLS") {
    const auto host = testsupport::loopbackHostName();
    if (!host) {
        MESSAGE("this machine's name does not resolve to loopback; the case needs one that does");
        return;
    }
    testsupport::PrivateCluster cluster;
    cluster.admin().exec("ALTER ROLE postgres PASSWORD 'right-password'");
    cluster.appendHba("host all all 127.0.0.1/32 password");
    auto r = testsupport::runStage1ctl(
        {"status", "--host", *host, "--port", cluster.port(), "--user", "postgres", "--db", "postgres",
         "--sslmode", "prefer"},
        {{"PGPASSFILE", "/nonexistent"}, {"PGSSLMODE", ""}, {"STAGE1_POSTGRES_PASSWORD", "right-password"}});
    INFO(r.out << r.err);
    CHECK(r.err.find("warning: the password for") != std::string::npos);
    CHECK(r.err.find("may cross the network without TLS (sslmode=prefer") != std::string::npos);
    CHECK(r.err.find("warning: the password went to") != std::string::npos);
    CHECK(r.err.find("right-password") == std::string::npos);
}
