#include "app/workbench/request_runner.hpp"

#include <algorithm>

namespace app {

RequestRunner::RequestRunner(db::Mailbox& mailbox)
    : mailbox_(mailbox),
      session_(std::make_unique<db::Session>(db::SessionOptions{}, mailbox)),
      questdb_(std::make_unique<db::Session>(db::SessionOptions{}, mailbox)),
      background_(mailbox) {}

RequestRunner::~RequestRunner() {
    shutdown();
}

void RequestRunner::shutdown() {
    // The session joins its worker; cancel first so a long statement does not hold up the exit.
    if (questdb_) {
        questdb_->cancelAll();
        questdb_.reset();
    }
    if (!session_) return;
    session_->cancelAll();
    session_.reset();
}

void RequestRunner::startGeneration() {
    ++generation_;
    // The session's requests sent so far are no longer this connection's activity (their outcomes
    // are dropped); QuestDB's and background work (the doctor) are not tied to it and stay listed.
    active_.erase(std::remove_if(active_.begin(), active_.end(),
                                 [](const ActiveRequest& r) { return r.id < kFirstQuestDbId; }),
                  active_.end());
}

void RequestRunner::connect(RequestStatus& status, std::string label, const db::SessionOptions& options,
                            std::function<void(db::Outcome<db::ServerFacts>)> done) {
    const db::RequestId id = session_->connect(options, deliverTo<db::ServerFacts>(std::move(done)));
    track(status, id, std::move(label), true);
}

void RequestRunner::track(RequestStatus& status, db::RequestId id, std::string label, bool cancellable) {
    status.phase = RequestPhase::Running;
    status.id = id;
    status.failure.reset();
    if (!label.empty()) active_.push_back({id, std::move(label), cancellable});
}

void RequestRunner::untrack(db::RequestId id) {
    active_.erase(
        std::remove_if(active_.begin(), active_.end(), [id](const ActiveRequest& r) { return r.id == id; }),
        active_.end());
}

void RequestRunner::cancel(const RequestStatus& status) {
    if (status.running()) cancel(status.id);
}

void RequestRunner::cancel(db::RequestId id) {
    if (id >= kFirstBackgroundId) return;  // background work cannot be cancelled
    if (id >= kFirstQuestDbId) {
        if (questdb_) questdb_->cancel(id - kFirstQuestDbId);
        return;
    }
    if (session_) session_->cancel(id);
}

void RequestRunner::cancelAll() {
    if (session_) session_->cancelAll();
    if (questdb_) questdb_->cancelAll();
}

}  // namespace app
