// A real sshd on 127.0.0.1 for tunnel tests (TESTING.md): its own host key, a dedicated locked-down
// account (stage1tun, created once, no password, no shell), an authorized client key and a second
// key that is not authorized. Runs as a child of the test; stop() also ends the per-connection
// sshd processes, so tunnels through it really die.
#pragma once

#include <sys/types.h>

#include <string>

#include "tests/support/scratch_dir.hpp"

namespace testsupport {

class SshdServer {
  public:
    SshdServer();
    ~SshdServer();
    SshdServer(const SshdServer&) = delete;
    SshdServer& operator=(const SshdServer&) = delete;

    void start();  // on the same port as before
    void stop();
    const std::string& port() const { return port_; }
    std::string target() const { return "stage1tun@127.0.0.1:" + port_; }
    std::string clientKey() const { return dir_.path() / "client_key"; }
    std::string unauthorizedKey() const { return dir_.path() / "other_key"; }
    std::string knownHostsFile() const { return dir_.path() / "known_hosts"; }  // starts empty
    std::string otherHostPublicKey() const;  // a host key sshd does NOT use, for "key changed" tests

  private:
    ScratchDir dir_;
    std::string port_;
    pid_t pid_ = -1;
};

// ssh processes whose command line holds `needle` (e.g. "127.0.0.1:<local port>:"), from /proc.
int countProcessesWithArgument(const std::string& needle);

}  // namespace testsupport
