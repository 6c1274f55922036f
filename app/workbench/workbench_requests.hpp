// Internal to the Workbench: how one request's status moves Idle -> Running -> Done/Failed.
#pragma once

#include "app/connect/ssh_tunnel.hpp"
#include "app/workbench/workbench.hpp"

namespace app {

inline void markRunning(RequestStatus& status, db::RequestId id) {
    status.phase = RequestPhase::Running;
    status.id = id;
    status.failure.reset();
}

// Applies an outcome to its status; true when it succeeded.
template <typename T>
bool finishRequest(RequestStatus& status, const db::Outcome<T>& outcome, const Workbench& workbench) {
    status.elapsedMs = outcome.elapsedMs;
    if (outcome.ok()) {
        status.phase = RequestPhase::Done;
        return true;
    }
    status.phase = outcome.cancelled ? RequestPhase::Cancelled : RequestPhase::Failed;
    if (outcome.error && !outcome.cancelled)
        status.failure = workbench.diagnoseRequest(*outcome.error, outcome.template causeAs<TunnelError>());
    return false;
}

template <typename T>
db::RequestId Workbench::submit(RequestStatus& status, std::function<T(db::Connection&)> work,
                                std::function<void(db::Outcome<T>)> done) {
    return submitCancellable<T>(
        status,
        [work = std::move(work)](db::Connection& conn, const std::atomic<bool>&) { return work(conn); },
        std::move(done));
}

template <typename T>
db::RequestId Workbench::submitCancellable(RequestStatus& status,
                                           std::function<T(db::Connection&, const std::atomic<bool>&)> work,
                                           std::function<void(db::Outcome<T>)> done) {
    const std::uint64_t generation = generation_;
    db::RequestId id = session_->submitCancellable<T>(
        std::move(work), [this, generation, done = std::move(done)](db::Outcome<T> o) {
            if (generation != generation_) return;  // from a connection since replaced
            const bool lost = !o.ok() && o.error && connectionLost(*o.error);
            const std::string reason = lost ? o.error->message : "";
            done(std::move(o));
            if (lost) onConnectionLost(reason);
        });
    markRunning(status, id);
    return id;
}

}  // namespace app
