#include "app/connect/network_probe.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

namespace app {

namespace {

bool isSocketFolder(const std::string& host) {
    return !host.empty() && host[0] == '/';
}

std::string socketPath(const std::string& folder, const std::string& port) {
    return folder + "/.s.PGSQL." + port;
}

// Non-blocking connect bounded by a timeout; returns "" or the error text.
std::string timedConnect(int fd, const sockaddr* addr, socklen_t len, int timeoutSeconds) {
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    if (::connect(fd, addr, len) == 0) return "";
    if (errno != EINPROGRESS) return std::strerror(errno);
    pollfd p{fd, POLLOUT, 0};
    int ready = ::poll(&p, 1, timeoutSeconds * 1000);
    if (ready == 0) return "timeout expired";
    int error = 0;
    socklen_t size = sizeof error;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size);
    return error ? std::strerror(error) : "";
}

}  // namespace

ProbeResult resolveHost(const std::string& host, const std::string& port,
                        std::vector<std::string>& addresses) {
    addresses.clear();
    if (isSocketFolder(host)) {
        std::string path = socketPath(host, port);
        struct stat st {};
        if (::stat(path.c_str(), &st) != 0 || !S_ISSOCK(st.st_mode))
            return {false, "no server socket at " + path};
        addresses.push_back(path);
        return {true, "unix socket " + path};
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    int rc = getaddrinfo(host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0)
        return {false, "could not translate host name \"" + host + "\" to address: " + gai_strerror(rc)};
    for (addrinfo* a = found; a; a = a->ai_next) {
        char text[INET6_ADDRSTRLEN] = {};
        const void* raw =
            a->ai_family == AF_INET
                ? static_cast<const void*>(&reinterpret_cast<sockaddr_in*>(a->ai_addr)->sin_addr)
                : static_cast<const void*>(&reinterpret_cast<sockaddr_in6*>(a->ai_addr)->sin6_addr);
        inet_ntop(a->ai_family, raw, text, sizeof text);
        if (std::find(addresses.begin(), addresses.end(), text) == addresses.end())
            addresses.emplace_back(text);
    }
    freeaddrinfo(found);
    std::string detail = host;
    if (!(addresses.size() == 1 && addresses[0] == host)) {
        detail += " ->";
        for (const auto& a : addresses) detail += " " + a;
    }
    return {true, detail};
}

ProbeResult connectTcp(const std::string& host, const std::vector<std::string>& addresses,
                       const std::string& port, int timeoutSeconds) {
    if (isSocketFolder(host)) {
        std::string path = socketPath(host, port);
        int fd = socket(AF_UNIX, SOCK_STREAM, 0);
        sockaddr_un addr{};
        addr.sun_family = AF_UNIX;
        std::strncpy(addr.sun_path, path.c_str(), sizeof addr.sun_path - 1);
        std::string error = timedConnect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr, timeoutSeconds);
        ::close(fd);
        if (!error.empty())
            return {false, "connection to server on socket \"" + path + "\" failed: " + error};
        return {true, "connected to " + path};
    }
    std::string lastError;
    for (const auto& address : addresses) {
        addrinfo hints{};
        hints.ai_flags = AI_NUMERICHOST;
        hints.ai_socktype = SOCK_STREAM;
        addrinfo* a = nullptr;
        if (getaddrinfo(address.c_str(), port.c_str(), &hints, &a) != 0) continue;
        int fd = socket(a->ai_family, SOCK_STREAM, 0);
        std::string error = timedConnect(fd, a->ai_addr, a->ai_addrlen, timeoutSeconds);
        ::close(fd);
        freeaddrinfo(a);
        if (error.empty()) return {true, "connected to " + address + ":" + port};
        // libpq's wording, so the diagnosis table reads both the same way.
        lastError =
            "connection to server at \"" + host + "\" (" + address + "), port " + port + " failed: " + error;
        if (error == "Connection refused")
            lastError += "\n\tIs the server running on that host and accepting TCP/IP connections?";
    }
    return {false, lastError.empty() ? "no address to connect to" : lastError};
}

}  // namespace app
