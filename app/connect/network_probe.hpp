// The first two steps of `doctor`: name resolution and a bare TCP (or unix socket) connect, so a
// failure is pinned to the layer where it happens before libpq adds TLS and authentication.
#pragma once

#include <string>
#include <vector>

namespace app {

struct ProbeResult {
    bool ok = false;
    std::string detail;  // addresses found / "connected to ..." / the error, in libpq's words
};

// host: a name, an address or a unix socket folder (starts with '/').
ProbeResult resolveHost(const std::string& host, const std::string& port,
                        std::vector<std::string>& addresses);
ProbeResult connectTcp(const std::string& host, const std::vector<std::string>& addresses,
                       const std::string& port, int timeoutSeconds);

}  // namespace app
