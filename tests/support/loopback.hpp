// Loopback-only network helpers for tests.
#pragma once

#include <optional>
#include <string>

namespace testsupport {

// A 127.0.0.1 port nobody listens on (bound, read, closed): connecting to it is refused.
std::string closedLoopbackPort();

// This machine's own name when it resolves only to 127.0.0.0/8 (Debian's /etc/hosts): a name the
// connection settings cannot tell is local, as with a real server's DNS name. nullopt otherwise,
// and the test that needs it must not reach for another address instead.
std::optional<std::string> loopbackHostName();

}  // namespace testsupport
