#include "tests/support/loopback.hpp"

#include <netdb.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <stdexcept>

namespace testsupport {

std::string closedLoopbackPort() {
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) throw std::runtime_error("socket failed");
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 ||
        getsockname(s, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        close(s);
        throw std::runtime_error("cannot bind a loopback port");
    }
    close(s);
    return std::to_string(ntohs(addr.sin_port));
}

std::optional<std::string> loopbackHostName() {
    char name[256] = {};
    if (gethostname(name, sizeof name - 1) != 0) return std::nullopt;
    addrinfo hints{}, *found = nullptr;
    hints.ai_family = AF_INET;
    if (getaddrinfo(name, nullptr, &hints, &found) != 0) return std::nullopt;
    bool loopback = true;
    for (addrinfo* a = found; a; a = a->ai_next)
        loopback =
            loopback && (ntohl(reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr.s_addr) >> 24) == 127;
    freeaddrinfo(found);
    if (!loopback) return std::nullopt;
    return std::string(name);
}

}  // namespace testsupport
