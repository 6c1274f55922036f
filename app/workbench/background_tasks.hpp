// Blocking work that is not a query on the session (the doctor opens its own connections) runs on
// its own thread; the result comes back through the mailbox like every other outcome.
#pragma once

#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "db/pg/mailbox.hpp"

namespace app {

class BackgroundTasks {
public:
    explicit BackgroundTasks(db::Mailbox& mailbox) : mailbox_(mailbox) {}
    ~BackgroundTasks() {
        for (auto& t : threads_) t.join();
    }
    BackgroundTasks(const BackgroundTasks&) = delete;
    BackgroundTasks& operator=(const BackgroundTasks&) = delete;

    template <typename T>
    void run(std::function<T()> work, std::function<void(T)> done) {
        threads_.emplace_back([this, work = std::move(work), done = std::move(done)]() mutable {
            auto result = std::make_shared<T>(work());
            mailbox_.post([done = std::move(done), result] { done(std::move(*result)); });
        });
    }

private:
    db::Mailbox& mailbox_;
    std::vector<std::thread> threads_;
};

}  // namespace app
