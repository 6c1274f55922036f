#include "db/pg/mailbox.hpp"

namespace db {

void Mailbox::onPost(std::function<void()> wake) {
    std::lock_guard<std::mutex> lock(mutex_);
    wake_ = std::move(wake);
}

void Mailbox::post(std::function<void()> delivery) {
    std::function<void()> wake;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        queue_.push_back(std::move(delivery));
        wake = wake_;
    }
    if (wake) wake();  // before the notify: whoever wakes up sees the wake-up already done
    posted_.notify_all();
}

size_t Mailbox::drain() {
    std::deque<std::function<void()>> ready;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        ready.swap(queue_);
    }
    for (auto& delivery : ready) delivery();
    return ready.size();
}

size_t Mailbox::waitAndDrain(std::chrono::milliseconds timeout) {
    {
        std::unique_lock<std::mutex> lock(mutex_);
        posted_.wait_for(lock, timeout, [this] { return !queue_.empty(); });
    }
    return drain();
}

}  // namespace db
