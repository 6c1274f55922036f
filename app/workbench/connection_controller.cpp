#include "app/workbench/connection_controller.hpp"

#include <algorithm>

#include "app/connect/connect_failure.hpp"
#include "app/connect/doctor.hpp"
#include "app/connect/profiles.hpp"
#include "app/connect/questdb_connection.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "db/schema/migrator.hpp"

namespace app {

namespace {

constexpr double kPingIntervalSeconds = 5.0;

void fillForm(ConnectionForm& form, const ResolvedConnection& r) {
    const ConnectionSettings& s = r.settings;
    form.mode = r.mode;
    form.host = s.host.value_or("");
    form.port = s.port.value_or("");
    form.dbname = s.dbname.value_or("");
    form.user = s.user.value_or("");
    form.sslmode = r.tlsRequiredByDefault ? "" : s.sslmode.value_or("");  // empty: the default
    form.sslrootcert = s.sslrootcert.value_or("");
    form.tunnelLocalPort = r.tunnelLocalPort;
    form.sshTarget = s.sshTarget.value_or("");
    form.remoteHost = r.remoteHost;
    form.remotePort = r.remotePort;
    form.password = s.password.value_or("");
    form.extraKeywords = s.extraKeywords;
}

// The form as the highest layer; empty fields fall through to STAGE1_* and libpq defaults.
ConnectionSettings settingsFromForm(const ConnectionForm& form) {
    ConnectionSettings s;
    auto text = [](const std::string& v) { return v.empty() ? std::nullopt : std::optional<std::string>(v); };
    s.mode = form.mode;
    s.host = text(form.host);
    s.port = text(form.port);
    s.dbname = text(form.dbname);
    s.user = text(form.user);
    s.sslmode = text(form.sslmode);
    s.sslrootcert = text(form.sslrootcert);
    s.tunnelLocalPort = form.tunnelLocalPort;
    s.sshTarget = text(form.sshTarget);
    s.remoteHost = text(form.remoteHost);
    s.remotePort = form.remotePort;
    s.password = text(form.password);
    s.extraKeywords = form.extraKeywords;
    s.questdb.host = text(form.questdb.host);
    s.questdb.port = text(form.questdb.port);
    s.questdb.user = text(form.questdb.user);
    s.questdb.dbname = text(form.questdb.dbname);
    return s;
}

}  // namespace

bool ConnectionForm::operator==(const ConnectionForm& o) const {
    return profile == o.profile && mode == o.mode && host == o.host && port == o.port && dbname == o.dbname &&
           user == o.user && sslmode == o.sslmode && sslrootcert == o.sslrootcert &&
           tunnelLocalPort == o.tunnelLocalPort && sshTarget == o.sshTarget && remoteHost == o.remoteHost &&
           remotePort == o.remotePort && password == o.password && extraKeywords == o.extraKeywords &&
           questdb == o.questdb;
}

ConnectionController::ConnectionController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                                           db::Mailbox& mailbox, EnvLookup env, Events events)
    : form_(state.form),
      status_(state.connection),
      doctor_(state.doctor),
      runner_(runner),
      log_(log),
      mailbox_(mailbox),
      env_(std::move(env)),
      events_(std::move(events)) {}

void ConnectionController::loadStartupSettings(const ConnectionSettings& flags,
                                               const std::string& profileName) {
    ConnectionSettings profile;
    if (!profileName.empty()) {
        ProfileFile file = loadProfiles(profilesPath(env_));
        for (const auto& w : file.warnings) log_.warning(w);
        const Profile* p = file.find(profileName);
        if (!p) throw std::invalid_argument("no profile named '" + profileName + "'");
        profile = p->settings;
    }
    fillForm(form_, resolveConnection(flags, profile, env_, "stage1-debugger"));
    // QuestDB as given, in questdb_connection.hpp's order (not its defaults: an empty field shows
    // the default as a hint); the password stays in the environment.
    const QuestDbSettings q = flags.questdb.over(questDbSettingsFromEnvironment(env_)).over(profile.questdb);
    form_.questdb = {q.host.value_or(""), q.port.value_or(""), q.user.value_or(""), q.dbname.value_or("")};
    form_.profile = profileName;
}

void ConnectionController::editForm(const ConnectionForm& form) {
    form_ = form;
}

ResolvedConnection ConnectionController::resolvedForm() const {
    return resolveConnection(settingsFromForm(form_), {}, env_, "stage1-debugger");
}

ResolvedQuestDb ConnectionController::resolvedQuestDb() const {
    return resolveQuestDb(settingsFromForm(form_).questdb, {}, env_);
}

std::vector<std::string> ConnectionController::profileNames() const {
    std::vector<std::string> names;
    try {
        for (const auto& p : loadProfiles(profilesPath(env_)).profiles) names.push_back(p.name);
    } catch (const std::runtime_error&) {
        // A broken file is reported when a profile is used; the picker just shows none.
    }
    return names;
}

void ConnectionController::useProfile(const std::string& name) {
    try {
        loadStartupSettings({}, name);
        log_.info("profile " + name + " loaded");
    } catch (const std::exception& e) {
        log_.error(e.what());
    }
}

void ConnectionController::saveProfile(const std::string& name) {
    try {
        auto path = profilesPath(env_);
        std::vector<Profile> profiles = loadProfiles(path).profiles;
        ConnectionSettings settings = settingsFromForm(form_);
        settings.password.reset();  // never saved
        auto it =
            std::find_if(profiles.begin(), profiles.end(), [&](const Profile& p) { return p.name == name; });
        if (it != profiles.end())
            it->settings = settings;
        else
            profiles.push_back({name, settings});
        saveProfiles(path, profiles);
        form_.profile = name;
        log_.info("profile " + name + " saved to " + path.string() + " (without the password)");
    } catch (const std::exception& e) {
        log_.error(std::string("cannot save the profile: ") + e.what());
    }
}

void ConnectionController::connect() {
    ResolvedConnection resolved;
    std::optional<TunnelSpec> tunnelSpec;
    try {
        resolved = resolvedForm();
        tunnelSpec = managedTunnelFor(resolved);
    } catch (const std::invalid_argument& e) {
        log_.error(e.what());
        return;
    }
    if (!form_.password.empty() && !plaintextAllowed_.count(form_.profile))
        if (auto risk = plaintextPasswordWarning(resolved, env_)) {
            status_.plaintextPasswordQuestion = *risk;
            log_.warning(*risk + "; waiting for you to allow it");
            return;
        }
    status_.plaintextPasswordQuestion.clear();
    runner_.startGeneration();  // outcomes of the previous connection no longer apply
    ping_ = schemaRead_ = RequestStatus{};
    events_.reset();
    ConnectionStatus& c = status_;
    c = ConnectionStatus{};
    c.phase = ConnectionPhase::Connecting;
    c.target = resolved.describe();
    c.tunnel = tunnelSpec                                ? TunnelMode::Managed
               : resolved.mode == ConnectionMode::Tunnel ? TunnelMode::External
                                                         : TunnelMode::None;
    c.tunnelLocalPort = resolved.mode == ConnectionMode::Tunnel ? resolved.tunnelLocalPort : 0;
    log_.info("connecting to " + c.target);

    sessionOptions_ = db::SessionOptions{resolved.connectParams(), resolved.statementTimeoutMs, nullptr};
    tunnel_.reset();
    if (tunnelSpec) {
        // ssh's own messages go to the log; the tunnel starts (and restarts) on the session's
        // worker, the thread that outlives it, right before each connect.
        tunnel_ = std::make_shared<SshTunnel>(*tunnelSpec, [this](const std::string& line) {
            mailbox_.post([this, line] { log_.info("ssh: " + line); });
        });
        log_.info("starting the SSH tunnel: " + externalTunnelCommand(*tunnelSpec));
        sessionOptions_.prepare = [tunnel = tunnel_](db::ConnectParams& params,
                                                     const std::atomic<bool>& cancelled) {
            // A TunnelError reaches the outcome as its cause (diagnose() reads it).
            if (!tunnel->alive()) tunnel->start(&cancelled);
            params.set("port", std::to_string(tunnel->localPort()));
        };
    }
    runner_.connect(c.request, "connecting", sessionOptions_, [this](db::Outcome<db::ServerFacts> outcome) {
        ConnectionStatus& c = status_;
        if (runner_.finish(c.request, outcome)) {
            onConnected(*outcome.value);
            events_.connected();
            return;
        }
        c.phase = ConnectionPhase::Failed;
        c.diagnosis = c.request.failure;
        c.passwordRequested = c.diagnosis && c.diagnosis->kind == DiagnosisKind::NoPassword;
        log_.error(outcome.cancelled ? "connection attempt cancelled"
                                     : "cannot connect: " + outcome.error->message);
        if (c.diagnosis)
            log_.error("diagnosis: " + std::string(kindName(c.diagnosis->kind)) + ": " + c.diagnosis->title);
    });
}

bool ConnectionController::meansConnectionLost(const db::DbError& error) const {
    return !runner_.sessionConnected() && status_.phase == ConnectionPhase::Connected &&
           (error.sqlstate.empty() || error.sqlstate.rfind("08", 0) == 0 ||
            error.sqlstate.rfind("57P", 0) == 0);
}

void ConnectionController::connectionLost(const std::string& reason) {
    ConnectionStatus& c = status_;
    if (c.phase == ConnectionPhase::Reconnecting) return;  // already known (probe and request both saw it)
    c.phase = ConnectionPhase::Reconnecting;
    c.reconnectReason = reason;
    c.reconnectAttempts = 0;
    c.nextRetryAt = now_ + 0.5;
    c.latencyMs.reset();
    log_.warning("connection lost (" + reason + "); reconnecting");
}

Diagnosis ConnectionController::diagnose(const db::DbError& error, const TunnelError* tunnelError) const {
    DiagnosisContext context = diagnosisContextFor(resolvedForm());
    if (tunnelError)
        return diagnoseTunnelFailure(tunnelError->kind(), tunnelError->what(), tunnelError->sshOutput(),
                                     context);
    return app::diagnose(error, context);
}

// One attempt; tick() schedules the next with a capped exponential backoff.
void ConnectionController::reconnect() {
    ConnectionStatus& c = status_;
    ++c.reconnectAttempts;
    runner_.connect(c.request, "reconnecting", sessionOptions_, [this](db::Outcome<db::ServerFacts> outcome) {
        ConnectionStatus& c = status_;
        if (runner_.finish(c.request, outcome)) {
            log_.info("reconnected after " + std::to_string(c.reconnectAttempts) + " attempt(s)");
            onConnected(*outcome.value);
            events_.reconnected();
            return;
        }
        c.phase = ConnectionPhase::Reconnecting;  // keep trying; the card says why it fails
        c.diagnosis = c.request.failure;
        const double delay = std::min(15.0, 0.5 * (1 << std::min(c.reconnectAttempts, 5)));
        c.nextRetryAt = now_ + delay;
        log_.warning("reconnect attempt " + std::to_string(c.reconnectAttempts) + " failed (" +
                     std::string(kindName(c.diagnosis ? c.diagnosis->kind : DiagnosisKind::Unknown)) +
                     "); next try in " + std::to_string(static_cast<int>(delay * 1000)) + " ms");
    });
}

void ConnectionController::onConnected(const db::ServerFacts& facts) {
    ConnectionStatus& c = status_;
    c.phase = ConnectionPhase::Connected;
    c.facts = facts;
    c.passwordRequested = false;
    form_.password.clear();  // libpq has it now; keep it no longer than needed
    log_.info("connected as " + facts.currentUser + " (server " + facts.serverVersion + ", " +
              db::describeTls(facts.tls) + (facts.throughPooler ? ", through a connection pooler" : "") +
              ") in " + std::to_string(static_cast<int>(c.request.elapsedMs)) + " ms");
    if (facts.tls.certificate) {
        const db::TlsCertificate& cert = *facts.tls.certificate;
        log_.info(db::describeCertificate(cert));
        if (cert.daysLeft < db::kCertificateWarningDays)
            log_.warning("the server's certificate expires in " + std::to_string(cert.daysLeft) +
                         " days: renew it on the server (ssl_cert_file) and reload");
    }
    if (facts.tls.inUse && !facts.tls.verified)
        log_.warning(
            "the server's certificate is not verified (sslmode=" + facts.tls.sslmode +
            "): compare its SHA-256 fingerprint above with the server administrator's, save their CA "
            "certificate, set the profile's sslrootcert to it and sslmode to verify-full "
            "(docs/RUNBOOK.md, \"Verify the server's certificate\")");
    readSchemaVersion();
}

void ConnectionController::readSchemaVersion() {
    runner_.submit<db::MigrationStatus>(
        schemaRead_, "",
        [](db::Connection& conn) { return db::inspectMigrations(conn, db::embeddedMigrations()); },
        [this](db::Outcome<db::MigrationStatus> outcome) {
            if (!runner_.finish(schemaRead_, outcome))
                return log_.warning("cannot read the schema ledger: " + outcome.error->message);
            status_.schemaVersion = outcome.value->schemaVersion();
            status_.pendingMigrations = static_cast<int>(outcome.value->pending.size());
            status_.schemaUpToDate = outcome.value->upToDate();
        });
}

void ConnectionController::disconnect() {
    runner_.startGeneration();
    ping_ = schemaRead_ = RequestStatus{};
    runner_.cancelAll();
    runner_.session().disconnect([](db::Outcome<bool>) {});
    sessionOptions_ = {};  // the password goes with it
    // The worker drops its copy when it disconnects, so ssh stops there, off the UI thread.
    tunnel_.reset();
    status_ = ConnectionStatus{};
    events_.reset();
    log_.info("disconnected");
}

void ConnectionController::submitPassword(const std::string& password) {
    form_.password = password;
    connect();
}

void ConnectionController::allowPlaintextPassword() {
    plaintextAllowed_.insert(form_.profile);
    connect();
}

void ConnectionController::declinePlaintextPassword() {
    status_.plaintextPasswordQuestion.clear();
    form_.password.clear();
    log_.info("the password was not sent; ask for TLS (sslmode require or verify-full) and connect again");
}

void ConnectionController::runDoctor() {
    if (doctor_.request.running()) return;
    ResolvedConnection resolved;
    try {
        resolved = resolvedForm();
    } catch (const std::invalid_argument& e) {
        return log_.error(e.what());
    }
    log_.info("doctor: testing " + resolved.describe());
    runner_.runBackground<DoctorReport>(
        doctor_.request, "running the doctor", [resolved] { return app::runDoctor(resolved); },
        [this](DoctorReport report) {
            doctor_.request.phase = RequestPhase::Done;
            doctor_.report = std::move(report);
            const DoctorReport& r = doctor_.report;
            log_.add(r.ok() ? LogEntry::Level::Info : LogEntry::Level::Error,
                     std::string("doctor: ") + (r.ok() ? "all steps passed" : "a step failed") +
                         (r.diagnosis ? " (" + std::string(kindName(r.diagnosis->kind)) + ")" : ""));
        });
}

void ConnectionController::tick(double nowSeconds, bool busy) {
    now_ = nowSeconds;
    ConnectionStatus& c = status_;
    if (c.phase == ConnectionPhase::Reconnecting) {
        if (!c.request.running() && nowSeconds >= c.nextRetryAt) reconnect();
        return;
    }
    if (c.phase != ConnectionPhase::Connected || ping_.running() || busy) return;
    if (nowSeconds - lastPing_ < kPingIntervalSeconds) return;
    lastPing_ = nowSeconds;
    // The probe runs on the worker, the only thread that touches the tunnel: a dead ssh is found
    // here even while the PostgreSQL socket has not noticed yet.
    runner_.submit<bool>(
        ping_, "",
        [tunnel = tunnel_](db::Connection& conn) {
            if (tunnel && !tunnel->alive())
                throw TunnelError(DiagnosisKind::TunnelDown,
                                  "the SSH tunnel exited: " + tunnel->recentOutput());
            return conn.query("SELECT 1").rows() == 1;
        },
        [this](db::Outcome<bool> outcome) {
            ping_.phase = outcome.ok() ? RequestPhase::Done : RequestPhase::Failed;
            if (outcome.ok()) {
                status_.latencyMs = outcome.elapsedMs;
            } else if (outcome.causeAs<TunnelError>() && status_.phase == ConnectionPhase::Connected) {
                connectionLost(outcome.error->message);  // the runner saw only a failed query
            }
        });
}

}  // namespace app
