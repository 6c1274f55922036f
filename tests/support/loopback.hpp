// Loopback-only network helpers for tests.
#pragma once

#include <string>

namespace testsupport {

// A 127.0.0.1 port nobody listens on (bound, read, closed): connecting to it is refused.
std::string closedLoopbackPort();

}  // namespace testsupport
