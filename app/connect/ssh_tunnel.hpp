// The SSH tunnel the app runs itself: `ssh -N -L 127.0.0.1:<local>:<remote host>:<remote port>`,
// with host-key checking kept on (accept-new at most), BatchMode, keep-alives and
// ExitOnForwardFailure. start() returns once the local end accepts connections; the ssh child is
// stopped on stop(), on destruction, and (through the child registry) on SIGTERM/SIGINT. The
// child also gets SIGTERM if this process dies outright (PR_SET_PDEATHSIG), so no ssh is orphaned.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "app/connect/connection_settings.hpp"
#include "app/connect/diagnosis_kind.hpp"

namespace app {

struct TunnelSpec {
    std::string destination;  // user@host (from parseSshTarget)
    std::optional<int> sshPort;
    std::string remoteHost = "127.0.0.1";
    int remotePort = 5432;
    int localPort = 5433;
    bool localPortPinned = true;  // false: a busy port is replaced by a free one
    std::string identityFile;     // optional -i (with IdentitiesOnly=yes)
    std::string knownHostsFile;   // optional UserKnownHostsFile
    std::string configFile;       // optional -F (tests use /dev/null); default: the user's ssh config
    std::string sshBinary = "/usr/bin/ssh";
    int startTimeoutMs = 15000;
    int serverAliveIntervalS = 10;
    int serverAliveCountMax = 3;
};

// Stable kinds, as in the diagnosis table: ssh_auth_failed, ssh_host_key_changed,
// ssh_unreachable, tunnel_port_busy, tunnel_down, ssh_unsafe_settings (refused before ssh ran).
class TunnelError : public std::runtime_error {
  public:
    TunnelError(DiagnosisKind kind, const std::string& message, std::string sshOutput = "")
        : std::runtime_error(message), kind_(kind), sshOutput_(std::move(sshOutput)) {}
    DiagnosisKind kind() const { return kind_; }
    const std::string& sshOutput() const { return sshOutput_; }

  private:
    DiagnosisKind kind_;
    std::string sshOutput_;
};

// The managed tunnel a resolved connection asks for: tunnel mode with an ssh target. nullopt for
// direct mode and for an external tunnel (tunnel mode without a target: the user runs ssh).
// Throws std::invalid_argument for a malformed target.
std::optional<TunnelSpec> managedTunnelFor(const ResolvedConnection& connection);

// Classifies what ssh printed before it gave up.
DiagnosisKind classifySshFailure(const std::string& sshStderr);

// The one builder of the tunnel command a person runs by hand ("external tunnel" mode, and every
// fix that offers it): the managed tunnel's forward, with ssh's own host-key checking.
//   ssh -N -L 127.0.0.1:<local>:<remote host>:<remote port> [-p <ssh port>] [-i <identity>] <user@host>
// The port of a "user@host:port" target becomes -p (ssh reads "host:port" as a host name); an IPv6
// remote host is bracketed. manualTunnelArgv gives the words, externalTunnelCommand the shell line.
std::vector<std::string> manualTunnelArgv(const TunnelSpec& spec);
std::string externalTunnelCommand(const TunnelSpec& spec);
// A spec for that command from a "user@host[:port]" target as typed (a placeholder destination,
// `fallbackDestination`, when the target is empty or malformed).
TunnelSpec manualTunnelSpec(const std::string& sshTarget, const std::string& remoteHost, int remotePort,
                            int localPort, const std::string& fallbackDestination = "<user>@<ssh host>");
// Single-quotes s for a POSIX shell unless it is made only of characters that need no quoting.
std::string shellQuote(const std::string& s);

// Why ssh must not be run with this spec: a destination or remote host that ssh would read as an
// option (a leading '-') or that holds whitespace or control characters, or a known_hosts file that
// records nothing (/dev/null, "none", any file that is not a regular file). nullopt when it is safe.
std::optional<std::string> tunnelSpecProblem(const TunnelSpec& spec);

// Reads what `ssh -G` prints (the effective configuration, the user's ssh config included) and says
// why host keys would not be checked: StrictHostKeyChecking other than yes/accept-new, or a
// UserKnownHostsFile of /dev/null or none. nullopt when checking is on.
std::optional<std::string> hostKeyCheckingProblem(const std::string& effectiveConfig);

class SshTunnel {
  public:
    explicit SshTunnel(TunnelSpec spec, std::function<void(const std::string&)> onSshOutput = {});
    ~SshTunnel();
    SshTunnel(const SshTunnel&) = delete;
    SshTunnel& operator=(const SshTunnel&) = delete;

    // Blocking: spawns ssh and waits until the forward accepts. Returns the local port in use.
    // Throws TunnelError. Call it from a thread that outlives the tunnel (PR_SET_PDEATHSIG).
    int start(const std::atomic<bool>* cancelled = nullptr);
    void stop();
    bool alive();  // the ssh child is still running
    int localPort() const { return localPort_; }
    pid_t pid() const { return pid_; }
    // The argv ssh is executed with (execv, never a shell); also shown in the log. Host-key checking
    // is always on and the destination always follows "--", so it is never read as an option.
    std::vector<std::string> arguments() const;
    std::string recentOutput();  // ssh's last stderr lines

  private:
    void readOutput(int fd);

    TunnelSpec spec_;
    std::function<void(const std::string&)> onSshOutput_;
    int localPort_ = 0;
    pid_t pid_ = -1;
    std::thread reader_;
    std::mutex outputMutex_;
    std::deque<std::string> output_;
};

// Every child the app starts is registered here, so SIGTERM/SIGINT can stop them before the
// process goes (async-signal-safe: a fixed table of pids).
void registerChild(pid_t pid);
void unregisterChild(pid_t pid);
void terminateRegisteredChildren();  // safe inside a signal handler
// SIGTERM/SIGINT/SIGHUP: terminate the registered children, then die of the signal as usual
// (the window; stage1ctl keeps its own SIGINT handler, which cancels the running statement).
void installChildCleanupOnSignals();

}  // namespace app
