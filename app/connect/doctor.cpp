#include "app/connect/doctor.hpp"

#include <chrono>
#include <cstdio>
#include <memory>

#include "app/connect/connect_failure.hpp"
#include "app/connect/network_probe.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "db/pg/commit_durability.hpp"
#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"
#include "db/schema/schema_check.hpp"

namespace app {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point started) {
    return std::chrono::duration<double, std::milli>(Clock::now() - started).count();
}

// What libpq will use when the settings leave host/port to it (PG* variables, compiled default).
std::pair<std::string, std::string> effectiveEndpoint(const ResolvedConnection& c) {
    if (c.mode == ConnectionMode::Tunnel) return {"127.0.0.1", std::to_string(c.tunnelLocalPort)};
    std::string host = c.settings.host.value_or(""), port = c.settings.port.value_or("");
    PQconninfoOption* defaults = PQconndefaults();
    for (PQconninfoOption* o = defaults; o && o->keyword; ++o) {
        if (host.empty() && std::string(o->keyword) == "host" && o->val) host = o->val;
        if (port.empty() && std::string(o->keyword) == "port" && o->val) port = o->val;
    }
    PQconninfoFree(defaults);
    if (host.empty()) host = "/var/run/postgresql";  // Debian's compiled-in socket folder
    if (port.empty()) port = "5432";
    // Multi-host lists: probe the first; libpq tries the rest itself.
    return {host.substr(0, host.find(',')), port.substr(0, port.find(','))};
}

// How to go from "encrypted" to "encrypted to the right server".
constexpr const char* kVerifyRecipe =
    "To verify it: get the certificate of the CA that signed the server's certificate from the server's "
    "administrator (on a Debian server, the file ssl_ca_file names; for Debian's default self-signed "
    "certificate, /etc/ssl/certs/ssl-cert-snakeoil.pem itself), compare its SHA-256 fingerprint with theirs "
    "over another channel, save it, then: export STAGE1_POSTGRES_SSLROOTCERT=<that file> "
    "STAGE1_POSTGRES_SSLMODE=verify-full (or the profile's sslrootcert and sslmode). docs/RUNBOOK.md, "
    "\"Verify the server's certificate\".";

// What protects the connection; a warning when nothing checks whom it talks to, when the
// certificate is about to expire, or when a connection to another machine is plaintext.
DoctorStep tlsStep(const db::TlsFacts& tls, const ResolvedConnection& c) {
    DoctorStep step{"tls", true, 0.0, db::describeTls(tls)};
    if (!tls.inUse) {
        if (leavesThisMachine(c, processEnvironment())) {
            step.warning = true;
            step.detail += " to a server on another machine (sslmode=" + tls.sslmode +
                           "): everything, the password included, crosses the network in clear. Ask for "
                           "sslmode=require or verify-full (the default is require when no sslmode is given)";
        } else {
            step.detail += c.mode == ConnectionMode::Tunnel ? " (inside the SSH tunnel, which encrypts)"
                                                            : " (this machine)";
        }
        return step;
    }
    if (tls.cipher.size()) step.detail += ", " + tls.cipher;
    if (tls.certificate) {
        step.detail += "; " + db::describeCertificate(*tls.certificate);
        if (tls.certificate->daysLeft < db::kCertificateWarningDays) {
            step.warning = true;
            step.detail += "; the certificate expires in " + std::to_string(tls.certificate->daysLeft) +
                           " days: renew it on the server (ssl_cert_file) and reload";
        }
    }
    if (!tls.verified) {
        step.warning = true;
        step.detail +=
            ". Not verified: anyone on the path could pose as the server. " + std::string(kVerifyRecipe);
    }
    return step;
}

bool sslRequired(const ResolvedConnection& c) {
    std::string mode = c.settings.sslmode.value_or("prefer");
    return mode == "require" || mode == "verify-ca" || mode == "verify-full";
}

DoctorStep serverStep(db::Connection& conn) {
    auto started = Clock::now();
    db::Result r = conn.query(
        "SELECT current_user, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false), "
        "coalesce(host(inet_client_addr()), 'unix socket')");
    const int major = conn.serverMajor();
    std::string detail = "user " + std::string(r.text(0, 0)) + ", server PostgreSQL " + conn.serverVersion() +
                         " (major " + std::to_string(major) + "), SSL " + (r.boolean(0, 1) ? "on" : "off") +
                         ", server sees client " + std::string(r.text(0, 2));
    if (conn.throughPooler())
        detail += ", through a connection pooler (migrate and replay-spool need PostgreSQL's own port)";
    const bool supported = major >= db::kOldestSupportedMajor;
    if (!supported)
        detail += "; UNSUPPORTED: PostgreSQL " + std::to_string(major) + " is older than " +
                  std::to_string(db::kOldestSupportedMajor) +
                  ", the oldest major Stage1 runs on; upgrade the server (Debian: pg_upgradecluster)";
    else if (major > db::kNewestTestedMajor)
        detail +=
            "; note: newer than " + std::to_string(db::kNewestTestedMajor) + ", the newest major tested";
    return {"server", supported, msSince(started), detail};
}

DoctorStep schemaStep(db::Connection& conn) {
    auto started = Clock::now();
    db::MigrationStatus status = db::inspectMigrations(conn, db::embeddedMigrations());
    std::string missing;
    for (const auto& o : db::checkSerializationObjects(conn))
        if (!o.present) missing += (missing.empty() ? "" : ", ") + o.kind + " " + o.name;
    char version[8];
    std::snprintf(version, sizeof version, "%04d", status.schemaVersion());
    std::string detail = std::string("schema version ") + version + ", " +
                         std::to_string(status.pending.size()) + " pending, " +
                         std::to_string(status.mismatched.size()) + " mismatched";
    if (!status.replaced.empty())
        detail += ", " + std::to_string(status.replaced.size()) +
                  " replaced in place (stage1ctl migrate re-applies)";
    detail += missing.empty() ? "; all serialization objects present" : "; missing: " + missing;
    return {"schema", status.upToDate() && missing.empty(), msSince(started), detail};
}

// synchronous_commit as this session sees it (postgresql.conf, or ALTER DATABASE/ROLE ... SET).
DoctorStep durabilityStep(db::Connection& conn) {
    auto started = Clock::now();
    const db::CommitDurability durability = db::readCommitDurability(conn);
    if (!durability.asynchronous())
        return {"durability", true, msSince(started),
                "synchronous_commit = " + durability.synchronousCommit +
                    ": an acknowledged commit survives a crash"};
    return {
        "durability", true, msSince(started),
        "WARNING: " + db::asynchronousCommitWarning(durability) +
            ". stage1ctl replay-spool asks for synchronous commit for its own transactions; to recover rows "
            "lost by a crash, replay the spool archives (docs/RUNBOOK.md, \"Asynchronous commit\")",
        true};
}

}  // namespace

DoctorReport runDoctor(const ResolvedConnection& requested) {
    DoctorReport report;
    ResolvedConnection connection = requested;
    auto fail = [&](const std::string& message) {
        report.diagnosis = diagnoseFailure(db::DbError{"", message, "", ""}, connection);
    };

    // A managed tunnel is the first step: everything after it goes through the local port.
    std::unique_ptr<SshTunnel> tunnel;
    if (auto spec = managedTunnelFor(connection)) {
        auto started = Clock::now();
        tunnel = std::make_unique<SshTunnel>(*spec);
        try {
            connection.tunnelLocalPort = tunnel->start();
            report.steps.push_back({"tunnel", true, msSince(started),
                                    "ssh to " + spec->destination +
                                        ", 127.0.0.1:" + std::to_string(connection.tunnelLocalPort) + " -> " +
                                        spec->remoteHost + ":" + std::to_string(spec->remotePort)});
        } catch (const TunnelError& e) {
            report.steps.push_back({"tunnel", false, msSince(started), e.what()});
            report.diagnosis =
                diagnoseTunnelFailure(e.kind(), e.what(), e.sshOutput(), diagnosisContextFor(connection));
            return report;
        }
    }
    auto [host, port] = effectiveEndpoint(connection);

    std::vector<std::string> addresses;
    auto started = Clock::now();
    ProbeResult resolved = resolveHost(host, port, addresses);
    report.steps.push_back({"resolve", resolved.ok, msSince(started), resolved.detail});
    if (!resolved.ok) {
        fail(resolved.detail);
        return report;
    }

    started = Clock::now();
    ProbeResult reached = connectTcp(host, addresses, port, connection.settings.connectTimeoutS.value_or(5));
    report.steps.push_back({"tcp_connect", reached.ok, msSince(started), reached.detail});
    if (!reached.ok) {
        fail(reached.detail);
        return report;
    }

    // TLS and authentication happen inside one libpq connect; the diagnosis says which failed.
    started = Clock::now();
    std::optional<db::Connection> conn;
    try {
        conn = db::Connection::open(connection.connectParams());
    } catch (const db::Error& e) {
        report.diagnosis = diagnoseFailure(e.info(), connection);
    }
    double ms = msSince(started);
    if (!conn) {
        const Diagnosis& d = *report.diagnosis;
        if (d.kind == DiagnosisKind::SslUnsupported || d.kind == DiagnosisKind::SslCertInvalid) {
            report.steps.push_back({"tls", false, ms, d.raw});
        } else {
            report.steps.push_back({"tls", true, 0.0, "negotiated or not required"});
            report.steps.push_back({"authenticate", false, ms, d.raw});
        }
        return report;
    }
    report.connected = true;
    report.tls = db::readTlsFacts(conn->raw());
    report.steps.push_back(tlsStep(*report.tls, connection));
    report.steps.back().ok = report.tls->inUse || !sslRequired(connection);
    report.steps.push_back({"authenticate", true, ms, "as " + std::string(PQuser(conn->raw()))});
    report.steps.push_back(serverStep(*conn));
    report.serverSupported = report.steps.back().ok;
    report.steps.push_back(schemaStep(*conn));
    report.schemaOk = report.steps.back().ok;
    report.steps.push_back(durabilityStep(*conn));
    return report;
}

}  // namespace app
