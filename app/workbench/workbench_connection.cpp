// Workbench: the connection form, connect / disconnect, the password prompt and the doctor.
#include "app/connect/connect_failure.hpp"
#include "app/connect/profiles.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "app/workbench/workbench_requests.hpp"
#include "db/schema/migrator.hpp"

namespace app {

namespace {

void fillForm(ConnectionForm& form, const ResolvedConnection& r) {
    const ConnectionSettings& s = r.settings;
    form.mode = r.mode;
    form.host = s.host.value_or("");
    form.port = s.port.value_or("");
    form.dbname = s.dbname.value_or("");
    form.user = s.user.value_or("");
    form.sslmode = s.sslmode.value_or("prefer");
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
    s.tunnelLocalPort = form.tunnelLocalPort;
    s.sshTarget = text(form.sshTarget);
    s.remoteHost = text(form.remoteHost);
    s.remotePort = form.remotePort;
    s.password = text(form.password);
    s.extraKeywords = form.extraKeywords;
    return s;
}

}  // namespace

void Workbench::loadStartupSettings(const ConnectionSettings& flags, const std::string& profileName) {
    ConnectionSettings profile;
    if (!profileName.empty()) {
        ProfileFile file = loadProfiles(profilesPath(env_));
        for (const auto& w : file.warnings) log(LogEntry::Level::Warning, w);
        const Profile* p = file.find(profileName);
        if (!p) throw std::invalid_argument("no profile named '" + profileName + "'");
        profile = p->settings;
    }
    fillForm(state_.form, resolveConnection(flags, profile, env_, "stage1-debugger"));
    state_.form.profile = profileName;
}

ResolvedConnection Workbench::resolvedForm() const {
    return resolveConnection(settingsFromForm(state_.form), {}, env_, "stage1-debugger");
}

std::vector<std::string> Workbench::profileNames() const {
    std::vector<std::string> names;
    try {
        for (const auto& p : loadProfiles(profilesPath(env_)).profiles) names.push_back(p.name);
    } catch (const std::runtime_error&) {
        // A broken file is reported when a profile is used; the picker just shows none.
    }
    return names;
}

void Workbench::useProfile(const std::string& name) {
    try {
        loadStartupSettings({}, name);
        log(LogEntry::Level::Info, "profile " + name + " loaded");
    } catch (const std::exception& e) {
        log(LogEntry::Level::Error, e.what());
    }
}

void Workbench::saveProfile(const std::string& name) {
    try {
        auto path = profilesPath(env_);
        std::vector<Profile> profiles = loadProfiles(path).profiles;
        ConnectionSettings settings = settingsFromForm(state_.form);
        settings.password.reset();  // never saved
        auto it =
            std::find_if(profiles.begin(), profiles.end(), [&](const Profile& p) { return p.name == name; });
        if (it != profiles.end())
            it->settings = settings;
        else
            profiles.push_back({name, settings});
        saveProfiles(path, profiles);
        state_.form.profile = name;
        log(LogEntry::Level::Info,
            "profile " + name + " saved to " + path.string() + " (without the password)");
    } catch (const std::exception& e) {
        log(LogEntry::Level::Error, std::string("cannot save the profile: ") + e.what());
    }
}

void Workbench::connect() {
    ResolvedConnection resolved;
    std::optional<TunnelSpec> tunnelSpec;
    try {
        resolved = resolvedForm();
        tunnelSpec = managedTunnelFor(resolved);
    } catch (const std::invalid_argument& e) {
        log(LogEntry::Level::Error, e.what());
        return;
    }
    ++generation_;  // outcomes of the previous connection no longer apply
    resetBrowsing();
    ConnectionStatus& c = state_.connection;
    c = ConnectionStatus{};
    c.phase = ConnectionPhase::Connecting;
    c.target = resolved.describe();
    c.tunnel = tunnelSpec                                ? TunnelMode::Managed
               : resolved.mode == ConnectionMode::Tunnel ? TunnelMode::External
                                                         : TunnelMode::None;
    c.tunnelLocalPort = resolved.mode == ConnectionMode::Tunnel ? resolved.tunnelLocalPort : 0;
    log(LogEntry::Level::Info, "connecting to " + c.target);

    sessionOptions_ = db::SessionOptions{resolved.connectParams(), resolved.statementTimeoutMs, nullptr};
    tunnel_.reset();
    if (tunnelSpec) {
        // ssh's own messages go to the log; the tunnel starts (and restarts) on the session's
        // worker, the thread that outlives it, right before each connect.
        tunnel_ = std::make_shared<SshTunnel>(*tunnelSpec, [this](const std::string& line) {
            mailbox_.post([this, line] { log(LogEntry::Level::Info, "ssh: " + line); });
        });
        log(LogEntry::Level::Info, "starting the SSH tunnel: " + externalTunnelCommand(*tunnelSpec));
        sessionOptions_.prepare = [tunnel = tunnel_](db::ConnectParams& params,
                                                     const std::atomic<bool>& cancelled) {
            // A TunnelError reaches the outcome as its cause (diagnoseRequest reads it).
            if (!tunnel->alive()) tunnel->start(&cancelled);
            params.set("port", std::to_string(tunnel->localPort()));
        };
    }
    const std::uint64_t generation = generation_;
    db::RequestId id = session_->connect(sessionOptions_, [this,
                                                           generation](db::Outcome<db::ServerFacts> outcome) {
        if (generation != generation_) return;
        ConnectionStatus& c = state_.connection;
        if (finishRequest(c.request, outcome, *this)) {
            onConnected(*outcome.value);
            return;
        }
        c.phase = ConnectionPhase::Failed;
        c.diagnosis = c.request.failure;
        c.passwordRequested = c.diagnosis && c.diagnosis->kind == DiagnosisKind::NoPassword;
        log(LogEntry::Level::Error,
            outcome.cancelled ? "connection attempt cancelled" : "cannot connect: " + outcome.error->message);
        if (c.diagnosis)
            log(LogEntry::Level::Error, "diagnosis: " + std::string(kindName(c.diagnosis->kind)) + ": " + c.diagnosis->title);
    });
    markRunning(c.request, id);
}

bool Workbench::connectionLost(const db::DbError& error) const {
    return !session_->connected() && state_.connection.phase == ConnectionPhase::Connected &&
           (error.sqlstate.empty() || error.sqlstate.rfind("08", 0) == 0 ||
            error.sqlstate.rfind("57P", 0) == 0);
}

void Workbench::onConnectionLost(const std::string& reason) {
    ConnectionStatus& c = state_.connection;
    c.phase = ConnectionPhase::Reconnecting;
    c.reconnectReason = reason;
    c.reconnectAttempts = 0;
    c.nextRetryAt = now_ + 0.5;
    c.latencyMs.reset();
    log(LogEntry::Level::Warning, "connection lost (" + reason + "); reconnecting");
}

// One attempt; tick() schedules the next with a capped exponential backoff.
void Workbench::reconnect() {
    ConnectionStatus& c = state_.connection;
    ++c.reconnectAttempts;
    const std::uint64_t generation = generation_;
    db::RequestId id = session_->connect(sessionOptions_, [this,
                                                           generation](db::Outcome<db::ServerFacts> outcome) {
        if (generation != generation_) return;
        ConnectionStatus& c = state_.connection;
        if (finishRequest(c.request, outcome, *this)) {
            log(LogEntry::Level::Info,
                "reconnected after " + std::to_string(c.reconnectAttempts) + " attempt(s)");
            onConnected(*outcome.value);
            restoreView();
            return;
        }
        c.phase = ConnectionPhase::Reconnecting;  // keep trying; the card says why it fails
        c.diagnosis = c.request.failure;
        const double delay = std::min(15.0, 0.5 * (1 << std::min(c.reconnectAttempts, 5)));
        c.nextRetryAt = now_ + delay;
        log(LogEntry::Level::Warning,
            "reconnect attempt " + std::to_string(c.reconnectAttempts) + " failed (" +
                std::string(kindName(c.diagnosis ? c.diagnosis->kind : DiagnosisKind::Unknown)) + "); next try in " +
                std::to_string(static_cast<int>(delay * 1000)) + " ms");
    });
    markRunning(c.request, id);
}

// After a reconnect: the same datasets, expanded nodes, selection and details as before.
void Workbench::restoreView() {
    refresh();
}

void Workbench::onConnected(const db::ServerFacts& facts) {
    ConnectionStatus& c = state_.connection;
    c.phase = ConnectionPhase::Connected;
    c.facts = facts;
    c.passwordRequested = false;
    state_.form.password.clear();  // libpq has it now; keep it no longer than needed
    log(LogEntry::Level::Info, "connected as " + facts.currentUser + " (server " + facts.serverVersion +
                                   ", SSL " + (facts.sslInUse ? "on" : "off") + ") in " +
                                   std::to_string(static_cast<int>(c.request.elapsedMs)) + " ms");
    RequestStatus schemaRead;  // quick and not cancellable from the UI: nothing shows it
    submit<db::MigrationStatus>(
        schemaRead,
        [](db::Connection& conn) { return db::inspectMigrations(conn, db::embeddedMigrations()); },
        [this](db::Outcome<db::MigrationStatus> outcome) {
            if (!outcome.ok())
                return log(LogEntry::Level::Warning,
                           "cannot read the schema ledger: " + outcome.error->message);
            state_.connection.schemaVersion = outcome.value->schemaVersion();
            state_.connection.pendingMigrations = static_cast<int>(outcome.value->pending.size());
            state_.connection.schemaUpToDate = outcome.value->upToDate();
        });
    loadDatasets(false);
}

void Workbench::disconnect() {
    ++generation_;
    session_->cancelAll();
    session_->disconnect([](db::Outcome<bool>) {});
    sessionOptions_ = {};  // the password goes with it
    // The worker drops its copy when it disconnects, so ssh stops there, off the UI thread.
    tunnel_.reset();
    state_.connection = ConnectionStatus{};
    resetBrowsing();
    log(LogEntry::Level::Info, "disconnected");
}

void Workbench::submitPassword(const std::string& password) {
    state_.form.password = password;
    connect();
}

void Workbench::runDoctor() {
    if (state_.doctor.running) return;
    ResolvedConnection resolved;
    try {
        resolved = resolvedForm();
    } catch (const std::invalid_argument& e) {
        return log(LogEntry::Level::Error, e.what());
    }
    state_.doctor.running = true;
    log(LogEntry::Level::Info, "doctor: testing " + resolved.describe());
    background_.run<DoctorReport>([resolved] { return app::runDoctor(resolved); },
                                  [this](DoctorReport report) {
                                      state_.doctor.running = false;
                                      state_.doctor.ran = true;
                                      state_.doctor.report = std::move(report);
                                      const DoctorReport& r = state_.doctor.report;
                                      log(r.ok() ? LogEntry::Level::Info : LogEntry::Level::Error,
                                          std::string("doctor: ") +
                                              (r.ok() ? "all steps passed" : "a step failed") +
                                              (r.diagnosis ? " (" + std::string(kindName(r.diagnosis->kind)) + ")" : ""));
                                  });
}

}  // namespace app
