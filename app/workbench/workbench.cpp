#include "app/workbench/workbench.hpp"

#include <ctime>

#include "app/connect/connect_failure.hpp"
#include "app/ops/spool.hpp"

namespace app {

namespace {

constexpr size_t kMaxLogEntries = 5000;
constexpr double kPingIntervalSeconds = 5.0;

std::string clockTime() {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    char text[16];
    std::strftime(text, sizeof text, "%H:%M:%S", &local);
    return text;
}

}  // namespace

Workbench::Workbench(db::Mailbox& mailbox, EnvLookup env)
    : mailbox_(mailbox),
      env_(std::move(env)),
      session_(std::make_unique<db::Session>(db::SessionOptions{}, mailbox)),
      background_(mailbox) {
    state_.checks.spoolPath = defaultSpoolPath(env_).string();
}

// The session joins its worker; cancel first so a long statement does not hold up the exit.
Workbench::~Workbench() {
    if (session_) session_->cancelAll();
}

void Workbench::log(LogEntry::Level level, const std::string& text) {
    if (state_.log.size() >= kMaxLogEntries)
        state_.log.erase(state_.log.begin(), state_.log.begin() + kMaxLogEntries / 10);
    state_.log.push_back({level, clockTime(), text});
    if (logSink_) logSink_(state_.log.back());
}

Diagnosis Workbench::diagnoseRequest(const db::DbError& error, const TunnelError* tunnelError) const {
    DiagnosisContext context = diagnosisContextFor(resolvedForm());
    if (tunnelError)
        return diagnoseTunnelFailure(tunnelError->kind(), tunnelError->what(), tunnelError->sshOutput(),
                                     context);
    return diagnose(error, context);
}

void Workbench::cancel(const RequestStatus& request) {
    if (request.running() && session_) session_->cancel(request.id);
}

bool Workbench::busy() const {
    const WorkbenchState& s = state_;
    return s.connection.request.running() || s.doctor.running || s.hierarchy.datasets.request.running() ||
           s.hierarchy.runListsLoading > 0 || s.hierarchy.simulationListsLoading > 0 ||
           s.details.request.running() || s.paste.findRequest.running() || s.backfill.request.running() ||
           s.checks.request.running();
}

void Workbench::tick(double nowSeconds) {
    now_ = nowSeconds;
    ConnectionStatus& c = state_.connection;
    if (c.phase == ConnectionPhase::Reconnecting) {
        if (!c.request.running() && nowSeconds >= c.nextRetryAt) reconnect();
        return;
    }
    if (c.phase != ConnectionPhase::Connected || pingId_ || busy()) return;
    if (nowSeconds - lastPing_ < kPingIntervalSeconds) return;
    lastPing_ = nowSeconds;
    const std::uint64_t generation = generation_;
    // The probe runs on the worker, the only thread that touches the tunnel: a dead ssh is found
    // here even while the PostgreSQL socket has not noticed yet.
    pingId_ = session_->submit<bool>(
        [tunnel = tunnel_](db::Connection& conn) {
            if (tunnel && !tunnel->alive())
                throw TunnelError(DiagnosisKind::TunnelDown,
                                  "the SSH tunnel exited: " + tunnel->recentOutput());
            return conn.query("SELECT 1").rows() == 1;
        },
        [this, generation](db::Outcome<bool> outcome) {
            if (generation != generation_) return;
            pingId_ = 0;
            if (outcome.ok()) {
                state_.connection.latencyMs = outcome.elapsedMs;
            } else if (connectionLost(*outcome.error) || outcome.causeAs<TunnelError>()) {
                onConnectionLost(outcome.error->message);
            }
        });
}

}  // namespace app
