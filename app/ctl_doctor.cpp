// stage1ctl doctor: a step-by-step connection test that says where it breaks and how to fix it.
// Steps: resolve, tcp_connect, tls, authenticate, server, schema. Exit 0 all ok, 3 a connection
// step failed, 1 the schema check failed, 2 usage.
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

#include "app/connect_failure.hpp"
#include "app/ctl_commands.hpp"
#include "app/network_probe.hpp"
#include "db/migration_catalog.hpp"
#include "db/migrator.hpp"
#include "db/schema_check.hpp"

namespace app {

namespace {

using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Step {
    std::string name;
    bool ok;
    double ms;
    std::string detail;
};

class StepLog {
  public:
    template <typename Fn>
    bool run(const std::string& name, Fn&& fn) {
        auto started = Clock::now();
        std::pair<bool, std::string> result = fn();
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        steps_.push_back({name, result.first, ms, result.second});
        return result.first;
    }
    void add(Step step) { steps_.push_back(std::move(step)); }
    const std::vector<Step>& steps() const { return steps_; }

  private:
    std::vector<Step> steps_;
};

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
    host = host.substr(0, host.find(','));
    port = port.substr(0, port.find(','));
    return {host, port};
}

std::string tlsDetail(PGconn* conn, const ResolvedConnection& c) {
    if (!PQsslInUse(conn)) return "not in use (sslmode=" + c.settings.sslmode.value_or("prefer") + ")";
    const char* protocol = PQsslAttribute(conn, "protocol");
    const char* cipher = PQsslAttribute(conn, "cipher");
    return std::string(protocol ? protocol : "TLS") + " " + (cipher ? cipher : "");
}

bool sslRequired(const ResolvedConnection& c) {
    std::string mode = c.settings.sslmode.value_or("prefer");
    return mode == "require" || mode == "verify-ca" || mode == "verify-full";
}

void printText(std::ostream& out, const std::vector<Step>& steps) {
    for (const auto& s : steps) {
        char line[64];
        std::snprintf(line, sizeof line, "%-5s %-13s %9.1f ms  ", s.ok ? "ok" : "FAIL", s.name.c_str(), s.ms);
        std::string detail = s.detail.substr(0, s.detail.find('\n'));
        out << line << detail << "\n";
    }
}

int runDoctor(const ParsedArgs& args, CtlIo& io) {
    ResolvedConnection connection = resolveForCommand(args, io);
    StepLog log;
    std::optional<Diagnosis> diagnosis;
    auto failWith = [&](const std::string& message, const std::string& sqlstate = "") {
        diagnosis = diagnoseFailure(db::DbError{sqlstate, message, "", ""}, connection);
    };

    auto [host, port] = effectiveEndpoint(connection);
    std::vector<std::string> addresses;
    std::optional<db::Connection> conn;
    bool reached = log.run("resolve", [&] {
        ProbeResult r = resolveHost(host, port, addresses);
        if (!r.ok) failWith(r.detail);
        return std::make_pair(r.ok, r.detail);
    });
    reached = reached && log.run("tcp_connect", [&] {
        ProbeResult r = connectTcp(host, addresses, port, connection.settings.connectTimeoutS.value_or(5));
        if (!r.ok) failWith(r.detail);
        return std::make_pair(r.ok, r.detail);
    });
    if (reached) {
        auto started = Clock::now();
        try {
            conn = db::Connection::open(connection.connectParams());
        } catch (const db::Error& e) {
            diagnosis = diagnoseFailure(e.info(), connection);
        }
        double ms = std::chrono::duration<double, std::milli>(Clock::now() - started).count();
        bool tlsFailed =
            diagnosis && (diagnosis->kind == "ssl_unsupported" || diagnosis->kind == "ssl_cert_invalid");
        if (conn) {
            bool tlsOk = PQsslInUse(conn->raw()) || !sslRequired(connection);
            log.add({"tls", tlsOk, 0.0, tlsDetail(conn->raw(), connection)});
            log.add({"authenticate", true, ms, "as " + std::string(PQuser(conn->raw()))});
        } else if (tlsFailed) {
            log.add({"tls", false, ms, diagnosis->raw});
        } else {
            log.add({"tls", true, 0.0, "negotiated or not required"});
            log.add({"authenticate", false, ms, diagnosis ? diagnosis->raw : "failed"});
        }
    }

    bool schemaOk = true;
    if (conn) {
        log.run("server", [&] {
            db::Result r = conn->query(
                "SELECT current_user, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = "
                "pg_backend_pid()), false), coalesce(host(inet_client_addr()), 'unix socket')");
            return std::make_pair(true, "user " + std::string(r.text(0, 0)) + ", server " +
                                            conn->serverVersion() + ", SSL " +
                                            (r.boolean(0, 1) ? "on" : "off") + ", server sees client " +
                                            std::string(r.text(0, 2)));
        });
        schemaOk = log.run("schema", [&] {
            db::MigrationStatus status = db::inspectMigrations(*conn, db::embeddedMigrations());
            std::string missing;
            for (const auto& o : db::checkSerializationObjects(*conn))
                if (!o.present) missing += (missing.empty() ? "" : ", ") + o.kind + " " + o.name;
            char version[8];
            std::snprintf(version, sizeof version, "%04d", status.schemaVersion());
            std::string detail = std::string("schema version ") + version + ", " +
                                 std::to_string(status.pending.size()) + " pending, " +
                                 std::to_string(status.mismatched.size()) + " mismatched";
            detail += missing.empty() ? "; all serialization objects present" : "; missing: " + missing;
            return std::make_pair(status.upToDate() && missing.empty(), detail);
        });
    }

    const bool connectionOk = conn.has_value();
    const bool ok = connectionOk && schemaOk;
    if (jsonOutput(args)) {
        json steps = json::array();
        for (const auto& s : log.steps())
            steps.push_back({{"name", s.name}, {"ok", s.ok}, {"ms", s.ms}, {"detail", s.detail}});
        io.out << json{{"ok", ok},
                       {"target", connection.describe()},
                       {"steps", steps},
                       {"diagnosis", diagnosis ? diagnosisJson(*diagnosis) : json(nullptr)}}
                      .dump(2)
               << "\n";
    } else {
        io.out << "doctor: " << connection.describe() << "\n";
        printText(io.out, log.steps());
        if (diagnosis) io.out << "\n" << diagnosisText(*diagnosis);
        if (connectionOk && !schemaOk)
            io.out << "\nThe schema is behind: run stage1ctl migrate as the tables' owner.\n";
    }
    if (!connectionOk) return kExitConnection;
    return schemaOk ? kExitOk : kExitFailed;
}

}  // namespace

CtlCommand doctorCommand() {
    return {
        "doctor",
        "test the connection step by step (resolve, TCP, TLS, login, server, schema) and explain failures",
        {},
        runDoctor};
}

}  // namespace app
