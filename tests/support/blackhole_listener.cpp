#include "tests/support/blackhole_listener.hpp"

#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace testsupport {

BlackholeListener::BlackholeListener(Behaviour behaviour) : behaviour_(behaviour) {
    listenFd_ = socket(AF_INET, SOCK_STREAM, 0);
    if (listenFd_ < 0 || pipe(stopPipe_) != 0) throw std::runtime_error("socket or pipe failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(listenFd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(listenFd_, 16) != 0 ||
        getsockname(listenFd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        close(listenFd_);
        throw std::runtime_error("cannot listen on a loopback port");
    }
    port_ = std::to_string(ntohs(addr.sin_port));
    thread_ = std::thread([this] { serve(); });
}

BlackholeListener::~BlackholeListener() {
    if (write(stopPipe_[1], "x", 1) != 1) {
        // The thread also stops when the pipe closes below; nothing else to do.
    }
    thread_.join();
    for (int fd : held_) close(fd);
    close(listenFd_);
    close(stopPipe_[0]);
    close(stopPipe_[1]);
}

void BlackholeListener::serve() {
    for (;;) {
        pollfd fds[2] = {{listenFd_, POLLIN, 0}, {stopPipe_[0], POLLIN, 0}};
        if (::poll(fds, 2, -1) < 0) continue;
        if (fds[1].revents) return;
        if (!(fds[0].revents & POLLIN)) continue;
        int client = accept(listenFd_, nullptr, nullptr);
        if (client < 0) continue;
        ++accepted_;
        if (behaviour_ == Behaviour::HangUp)
            close(client);
        else
            held_.push_back(client);  // never read, never answered
    }
}

}  // namespace testsupport
