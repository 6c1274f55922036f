// Every request the window makes goes through one runner: one session, one list of what is running
// (busy() and the status bar read the same list), one way a request's status moves
// (Idle -> Running -> Done | Failed | Cancelled), and outcomes of a connection since replaced are
// dropped when they arrive. The feature controllers own their RequestStatus; the runner moves it.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/connect/diagnosis.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "app/workbench/background_tasks.hpp"
#include "app/workbench/workbench_state.hpp"
#include "db/pg/mailbox.hpp"
#include "db/pg/session.hpp"

namespace app {

// Background work gets ids from here up, apart from the session's.
constexpr db::RequestId kFirstBackgroundId = db::RequestId(1) << 62;
// The QuestDB session's ids are shifted up to here, so one id names one request on either session.
constexpr db::RequestId kFirstQuestDbId = db::RequestId(1) << 61;

// A request in flight, as the status bar lists it.
struct ActiveRequest {
    db::RequestId id = 0;
    std::string label;  // "loading runs of btc_2024_4h"
    bool cancellable = true;
};

class RequestRunner {
  public:
    // What the runner asks of the connection feature.
    struct Hooks {
        std::function<Diagnosis(const db::DbError&, const TunnelError*)> diagnose;
        std::function<bool(const db::DbError&)> meansConnectionLost;
        std::function<void(const std::string& reason)> connectionLost;
    };

    explicit RequestRunner(db::Mailbox& mailbox);
    ~RequestRunner();
    RequestRunner(const RequestRunner&) = delete;
    RequestRunner& operator=(const RequestRunner&) = delete;

    void setHooks(Hooks hooks) { hooks_ = std::move(hooks); }
    db::Session& session() { return *session_; }
    bool sessionConnected() const { return session_->connected(); }

    // A new connection (or none): whatever was sent before no longer applies.
    void startGeneration();

    // `label` names the request in the status bar; "" keeps it off the list (the latency probe,
    // the schema read): such requests neither show nor make the window busy.
    template <typename T>
    void submit(RequestStatus& status, std::string label, std::function<T(db::Connection&)> work,
                std::function<void(db::Outcome<T>)> done);
    // The same for work of several statements that stops between them when cancelled.
    template <typename T>
    void submitCancellable(RequestStatus& status, std::string label,
                           std::function<T(db::Connection&, const std::atomic<bool>&)> work,
                           std::function<void(db::Outcome<T>)> done);
    void connect(RequestStatus& status, std::string label, const db::SessionOptions& options,
                 std::function<void(db::Outcome<db::ServerFacts>)> done);
    // Work against QuestDB, on a session of its own (its own worker and connection, made with
    // `options` on first use and kept while they stay the same): a slow or unreachable QuestDB never
    // queues behind or holds up the PostgreSQL requests, Cancel reaches it with PQcancel, and its
    // failures never count as losing the PostgreSQL connection. Outcomes do not depend on the
    // PostgreSQL connection's generation: the controller that sent it decides what still applies.
    template <typename T>
    void submitQuestDb(RequestStatus& status, std::string label, db::SessionOptions options,
                       std::function<T(db::Connection&, const std::atomic<bool>&)> work,
                       std::function<void(db::Outcome<T>)> done);
    // Blocking work that is not a session request (the doctor opens its own connections), on its
    // own thread; it cannot be cancelled.
    template <typename T>
    void runBackground(RequestStatus& status, std::string label, std::function<T()> work,
                       std::function<void(T)> done);

    // Applies a finished outcome to its status; true when it succeeded. A failure gets a diagnosis.
    template <typename T>
    bool finish(RequestStatus& status, const db::Outcome<T>& outcome) const;
    // The same with the failure diagnosed by `diagnose` (a request to another server than the
    // connection's, e.g. QuestDB).
    template <typename T>
    bool finish(RequestStatus& status, const db::Outcome<T>& outcome,
                const std::function<Diagnosis(const db::DbError&)>& diagnose) const;

    bool meansConnectionLost(const db::DbError& error) const {
        return hooks_.meansConnectionLost && hooks_.meansConnectionLost(error);
    }

    void cancel(const RequestStatus& status);
    void cancel(db::RequestId id);
    void cancelAll();
    // Cancels what runs and joins the worker: the controllers go after this.
    void shutdown();

    bool busy() const { return !active_.empty(); }
    const std::vector<ActiveRequest>& active() const { return active_; }

  private:
    void track(RequestStatus& status, db::RequestId id, std::string label, bool cancellable);
    void untrack(db::RequestId id);
    template <typename T>
    std::function<void(db::Outcome<T>)> deliverTo(std::function<void(db::Outcome<T>)> done);

    db::Mailbox& mailbox_;
    std::unique_ptr<db::Session> session_;
    std::unique_ptr<db::Session> questdb_;
    BackgroundTasks background_;
    Hooks hooks_;
    std::uint64_t generation_ = 0;
    db::RequestId nextBackgroundId_ = kFirstBackgroundId;
    std::vector<ActiveRequest> active_;
};

// ---- templates ----

template <typename T>
std::function<void(db::Outcome<T>)> RequestRunner::deliverTo(std::function<void(db::Outcome<T>)> done) {
    return [this, generation = generation_, done = std::move(done)](db::Outcome<T> o) {
        untrack(o.id);
        if (generation != generation_) return;  // from a connection since replaced
        const bool lost = !o.ok() && o.error && meansConnectionLost(*o.error);
        const std::string reason = lost ? o.error->message : "";
        done(std::move(o));
        if (lost && hooks_.connectionLost) hooks_.connectionLost(reason);
    };
}

template <typename T>
void RequestRunner::submit(RequestStatus& status, std::string label, std::function<T(db::Connection&)> work,
                           std::function<void(db::Outcome<T>)> done) {
    submitCancellable<T>(
        status, std::move(label),
        [work = std::move(work)](db::Connection& conn, const std::atomic<bool>&) { return work(conn); },
        std::move(done));
}

template <typename T>
void RequestRunner::submitCancellable(RequestStatus& status, std::string label,
                                      std::function<T(db::Connection&, const std::atomic<bool>&)> work,
                                      std::function<void(db::Outcome<T>)> done) {
    const db::RequestId id = session_->submitCancellable<T>(std::move(work), deliverTo<T>(std::move(done)));
    track(status, id, std::move(label), true);
}

template <typename T>
void RequestRunner::submitQuestDb(RequestStatus& status, std::string label, db::SessionOptions options,
                                  std::function<T(db::Connection&, const std::atomic<bool>&)> work,
                                  std::function<void(db::Outcome<T>)> done) {
    options.postgresServer = false;  // only the work's own SQL reaches QuestDB
    options.statementTimeoutMs = 0;
    const db::RequestId id =
        kFirstQuestDbId + questdb_->submitWith<T>(std::move(options), std::move(work),
                                                  [this, done = std::move(done)](db::Outcome<T> o) {
                                                      o.id += kFirstQuestDbId;
                                                      untrack(o.id);
                                                      done(std::move(o));
                                                  });
    track(status, id, std::move(label), true);
}

template <typename T>
void RequestRunner::runBackground(RequestStatus& status, std::string label, std::function<T()> work,
                                  std::function<void(T)> done) {
    const db::RequestId id = nextBackgroundId_++;
    track(status, id, std::move(label), false);
    background_.run<T>(std::move(work), [this, id, done = std::move(done)](T result) {
        untrack(id);
        done(std::move(result));
    });
}

template <typename T>
bool RequestRunner::finish(RequestStatus& status, const db::Outcome<T>& outcome) const {
    status.elapsedMs = outcome.elapsedMs;
    if (outcome.ok()) {
        status.phase = RequestPhase::Done;
        return true;
    }
    status.phase = outcome.cancelled ? RequestPhase::Cancelled : RequestPhase::Failed;
    if (outcome.error && !outcome.cancelled && hooks_.diagnose)
        status.failure = hooks_.diagnose(*outcome.error, outcome.template causeAs<TunnelError>());
    return false;
}

template <typename T>
bool RequestRunner::finish(RequestStatus& status, const db::Outcome<T>& outcome,
                           const std::function<Diagnosis(const db::DbError&)>& diagnose) const {
    status.elapsedMs = outcome.elapsedMs;
    if (outcome.ok()) {
        status.phase = RequestPhase::Done;
        return true;
    }
    status.phase = outcome.cancelled ? RequestPhase::Cancelled : RequestPhase::Failed;
    if (outcome.error && !outcome.cancelled) status.failure = diagnose(*outcome.error);
    return false;
}

}  // namespace app
