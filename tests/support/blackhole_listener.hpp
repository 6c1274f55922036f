// A loopback TCP listener that plays a broken server, for connect failures that need something
// listening: it accepts every connection and then never says a word (a server behind a firewall or
// a hung host, so the client times out), or hangs up at once (an SSH tunnel whose target is down).
#pragma once

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace testsupport {

class BlackholeListener {
  public:
    enum class Behaviour { Silent, HangUp };

    explicit BlackholeListener(Behaviour behaviour = Behaviour::Silent);
    ~BlackholeListener();
    BlackholeListener(const BlackholeListener&) = delete;
    BlackholeListener& operator=(const BlackholeListener&) = delete;

    const std::string& port() const { return port_; }
    int accepted() const { return accepted_.load(); }

  private:
    void serve();

    Behaviour behaviour_;
    int listenFd_ = -1;
    int stopPipe_[2] = {-1, -1};
    std::string port_;
    std::atomic<int> accepted_{0};
    std::vector<int> held_;  // Silent: open until the listener goes away; touched by the thread only
    std::thread thread_;
};

}  // namespace testsupport
