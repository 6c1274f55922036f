// Results travel from worker threads to their owner as closures in one queue. The window drains
// it once per frame on the UI thread; the CLI blocks in waitAndDrain().
#pragma once

#include <chrono>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

namespace db {

class Mailbox {
  public:
    // Called (from the posting thread) after every post, e.g. to wake an idle window.
    void onPost(std::function<void()> wake);
    void post(std::function<void()> delivery);
    // Runs everything posted so far on the calling thread; returns how many ran.
    size_t drain();
    // Waits up to `timeout` for at least one delivery, then drains.
    size_t waitAndDrain(std::chrono::milliseconds timeout);

  private:
    std::mutex mutex_;
    std::condition_variable posted_;
    std::deque<std::function<void()>> queue_;
    std::function<void()> wake_;
};

}  // namespace db
