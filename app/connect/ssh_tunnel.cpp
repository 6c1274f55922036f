#include "app/connect/ssh_tunnel.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstring>
#include <filesystem>
#include <sstream>

namespace app {

namespace {

constexpr int kMaxChildren = 16;
std::atomic<pid_t> children[kMaxChildren];

// 0 when the port is free on 127.0.0.1, else errno (EADDRINUSE).
int tryBind(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    int rc = bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 ? 0 : errno;
    close(fd);
    return rc;
}

int freeLoopbackPort() {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
    close(fd);
    return ntohs(addr.sin_port);
}

bool accepts(int port) {
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    addr.sin_port = htons(static_cast<uint16_t>(port));
    bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    close(fd);
    return ok;
}

bool contains(const std::string& text, const char* needle) {
    return text.find(needle) != std::string::npos;
}

bool hasSpaceOrControl(const std::string& text) {
    return std::any_of(text.begin(), text.end(), [](unsigned char c) { return c <= ' ' || c == 0x7f; });
}

std::string lower(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return text;
}

// A file ssh would write learned host keys into and read them back from; /dev/null and "none"
// record nothing, so accept-new would accept any key every time.
std::optional<std::string> knownHostsProblem(const std::string& path) {
    const std::string shown = "'" + path + "'";
    if (hasSpaceOrControl(path))
        return "the known_hosts path " + shown +
               " holds whitespace or a control character (ssh would read it as several files)";
    if (lower(path) == "none") return "known_hosts 'none' would record no host keys";
    std::error_code ec;
    const auto canonical = std::filesystem::weakly_canonical(path, ec);
    if (path == "/dev/null" || (!ec && canonical == "/dev/null"))
        return "known_hosts " + shown + " is /dev/null: no host key would ever be checked";
    const auto status = std::filesystem::status(path, ec);
    if (!ec && std::filesystem::exists(status) && !std::filesystem::is_regular_file(status))
        return "known_hosts " + shown + " is not a regular file, so it cannot record host keys";
    return std::nullopt;
}

// Runs argv (no shell) and returns its exit status and stdout+stderr; kills it after timeoutMs.
std::pair<int, std::string> runCaptured(std::vector<std::string> args, int timeoutMs) {
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);
    int out[2];
    if (pipe2(out, O_CLOEXEC) != 0) return {-1, "cannot create a pipe"};
    pid_t pid = fork();
    if (pid < 0) {
        close(out[0]);
        close(out[1]);
        return {-1, std::string("cannot start ssh: ") + std::strerror(errno)};
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(out[1], 1);
        dup2(out[1], 2);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(out[1]);
    std::string text;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeoutMs);
    char buffer[4096];
    while (true) {
        const auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now())
                .count();
        pollfd fd{out[0], POLLIN, 0};
        if (left <= 0 || ::poll(&fd, 1, static_cast<int>(left)) <= 0) {
            kill(pid, SIGKILL);
            break;
        }
        ssize_t n = read(out[0], buffer, sizeof buffer);
        if (n <= 0) break;
        text.append(buffer, static_cast<size_t>(n));
    }
    close(out[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, text};
}

}  // namespace

void registerChild(pid_t pid) {
    for (auto& slot : children) {
        pid_t empty = 0;
        if (slot.compare_exchange_strong(empty, pid)) return;
    }
}

void unregisterChild(pid_t pid) {
    for (auto& slot : children) {
        pid_t expected = pid;
        if (slot.compare_exchange_strong(expected, 0)) return;
    }
}

void terminateRegisteredChildren() {
    for (auto& slot : children) {
        pid_t pid = slot.load();
        if (pid > 0) kill(pid, SIGTERM);
    }
}

namespace {

void onFatalSignal(int sig) {
    terminateRegisteredChildren();
    std::signal(sig, SIG_DFL);
    raise(sig);
}

}  // namespace

void installChildCleanupOnSignals() {
    for (int sig : {SIGTERM, SIGHUP, SIGINT}) std::signal(sig, onFatalSignal);
}

DiagnosisKind classifySshFailure(const std::string& e) {
    if (contains(e, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
        contains(e, "Host key verification failed") || contains(e, "host key for"))
        return DiagnosisKind::SshHostKeyChanged;
    if (contains(e, "Permission denied") || contains(e, "Too many authentication failures") ||
        contains(e, "no such identity") || contains(e, "Load key"))
        return DiagnosisKind::SshAuthFailed;
    if (contains(e, "Address already in use") || contains(e, "cannot listen to port") ||
        contains(e, "Could not request local forwarding"))
        return DiagnosisKind::TunnelPortBusy;
    if (contains(e, "Could not resolve hostname") || contains(e, "Connection refused") ||
        contains(e, "Connection timed out") || contains(e, "No route to host") ||
        contains(e, "Network is unreachable") || contains(e, "Connection closed by") ||
        contains(e, "kex_exchange_identification"))
        return DiagnosisKind::SshUnreachable;
    return DiagnosisKind::TunnelDown;
}

std::optional<TunnelSpec> managedTunnelFor(const ResolvedConnection& c) {
    if (c.mode != ConnectionMode::Tunnel || !c.settings.sshTarget) return std::nullopt;
    auto target = parseSshTarget(*c.settings.sshTarget);
    if (!target)
        throw std::invalid_argument("the ssh target must look like user@host or user@host:port, got '" +
                                    *c.settings.sshTarget + "'");
    TunnelSpec spec;
    spec.destination = target->destination;
    spec.sshPort = target->port;
    spec.remoteHost = c.remoteHost;
    spec.remotePort = c.remotePort;
    spec.localPort = c.tunnelLocalPort;
    spec.localPortPinned = c.settings.tunnelLocalPort.has_value();
    spec.identityFile = c.settings.sshIdentity.value_or("");
    spec.knownHostsFile = c.settings.sshKnownHosts.value_or("");
    spec.configFile = c.settings.sshConfig.value_or("");
    if (auto problem = tunnelSpecProblem(spec)) throw std::invalid_argument(*problem);
    return spec;
}

std::optional<std::string> tunnelSpecProblem(const TunnelSpec& spec) {
    if (spec.destination.empty()) return std::string("the ssh destination is empty");
    if (spec.destination.front() == '-')
        return "the ssh destination '" + spec.destination +
               "' starts with '-' (ssh would read it as an option)";
    if (hasSpaceOrControl(spec.destination))
        return "the ssh destination '" + spec.destination + "' holds whitespace or a control character";
    if (spec.remoteHost.empty() || spec.remoteHost.front() == '-' || hasSpaceOrControl(spec.remoteHost))
        return "the tunnel's remote host '" + spec.remoteHost +
               "' must be a host name or address (no leading '-', no whitespace)";
    if (!spec.knownHostsFile.empty()) return knownHostsProblem(spec.knownHostsFile);
    return std::nullopt;
}

std::optional<std::string> hostKeyCheckingProblem(const std::string& effectiveConfig) {
    std::istringstream lines(effectiveConfig);
    bool strictSeen = false;
    for (std::string line; std::getline(lines, line);) {
        const auto space = line.find(' ');
        if (space == std::string::npos) continue;
        const std::string key = lower(line.substr(0, space)), value = line.substr(space + 1);
        if (key == "stricthostkeychecking") {
            strictSeen = true;
            const std::string v = lower(value);
            if (v != "true" && v != "yes" && v != "accept-new")
                return "StrictHostKeyChecking would be '" + value + "'";
        } else if (key == "userknownhostsfile") {
            std::istringstream files(value);
            for (std::string file; files >> file;)
                if (file == "/dev/null" || lower(file) == "none")
                    return "UserKnownHostsFile would be '" + value + "' (no host key would be remembered)";
        }
    }
    if (!strictSeen) return std::string("ssh -G did not report StrictHostKeyChecking");
    return std::nullopt;
}

std::string shellQuote(const std::string& s) {
    bool plain = !s.empty();
    for (char c : s)
        if (!(isalnum(static_cast<unsigned char>(c)) || std::strchr("@%_+=:,./-[]", c))) plain = false;
    if (plain) return s;
    std::string out = "'";
    for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

std::vector<std::string> manualTunnelArgv(const TunnelSpec& spec) {
    const std::string remote =
        spec.remoteHost.find(':') != std::string::npos && spec.remoteHost.front() != '['
            ? "[" + spec.remoteHost + "]"
            : spec.remoteHost;
    std::vector<std::string> argv = {
        "ssh", "-N", "-L",
        "127.0.0.1:" + std::to_string(spec.localPort) + ":" + remote + ":" + std::to_string(spec.remotePort)};
    if (spec.sshPort) argv.insert(argv.end(), {"-p", std::to_string(*spec.sshPort)});
    if (!spec.identityFile.empty()) argv.insert(argv.end(), {"-i", spec.identityFile});
    argv.push_back(spec.destination.empty() ? "<user>@<ssh host>" : spec.destination);
    return argv;
}

std::string externalTunnelCommand(const TunnelSpec& spec) {
    std::string line;
    for (const auto& word : manualTunnelArgv(spec)) line += (line.empty() ? "" : " ") + shellQuote(word);
    return line;
}

TunnelSpec manualTunnelSpec(const std::string& sshTarget, const std::string& remoteHost, int remotePort,
                            int localPort, const std::string& fallbackDestination) {
    TunnelSpec spec;
    if (auto target = parseSshTarget(sshTarget)) {
        spec.destination = target->destination;
        spec.sshPort = target->port;
    } else {
        spec.destination = fallbackDestination;
    }
    spec.remoteHost = remoteHost.empty() ? "127.0.0.1" : remoteHost;
    spec.remotePort = remotePort;
    spec.localPort = localPort;
    return spec;
}

SshTunnel::SshTunnel(TunnelSpec spec, std::function<void(const std::string&)> onSshOutput)
    : spec_(std::move(spec)), onSshOutput_(std::move(onSshOutput)) {}

SshTunnel::~SshTunnel() {
    stop();
}

std::vector<std::string> SshTunnel::arguments() const {
    std::vector<std::string> a = {spec_.sshBinary, "-N", "-T"};
    if (!spec_.configFile.empty()) a.insert(a.end(), {"-F", spec_.configFile});
    a.insert(a.end(), {"-L", "127.0.0.1:" + std::to_string(localPort_ ? localPort_ : spec_.localPort) + ":" +
                                 spec_.remoteHost + ":" + std::to_string(spec_.remotePort)});
    // Host keys stay checked: a new host is learned once (accept-new), a changed key is refused.
    a.insert(
        a.end(),
        {"-o", "ExitOnForwardFailure=yes", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=accept-new",
         "-o", "ServerAliveInterval=" + std::to_string(spec_.serverAliveIntervalS), "-o",
         "ServerAliveCountMax=" + std::to_string(spec_.serverAliveCountMax), "-o", "ConnectTimeout=10"});
    if (!spec_.knownHostsFile.empty())
        a.insert(a.end(), {"-o", "UserKnownHostsFile=" + spec_.knownHostsFile});
    if (!spec_.identityFile.empty())
        a.insert(a.end(), {"-i", spec_.identityFile, "-o", "IdentitiesOnly=yes"});
    if (spec_.sshPort) a.insert(a.end(), {"-p", std::to_string(*spec_.sshPort)});
    // Whatever the destination looks like, ssh takes it as the destination, never as an option.
    a.insert(a.end(), {"--", spec_.destination});
    return a;
}

int SshTunnel::start(const std::atomic<bool>* cancelled) {
    stop();
    {
        std::lock_guard<std::mutex> lock(outputMutex_);
        output_.clear();
    }
    localPort_ = spec_.localPort;
    if (tryBind(localPort_) != 0) {
        if (spec_.localPortPinned)
            throw TunnelError(DiagnosisKind::TunnelPortBusy,
                              "local port " + std::to_string(localPort_) +
                                  " on 127.0.0.1 is already in use (another tunnel, or a local "
                                  "PostgreSQL?); stop it or choose another local port");
        localPort_ = freeLoopbackPort();
    }
    if (auto problem = tunnelSpecProblem(spec_))
        throw TunnelError(DiagnosisKind::SshUnsafeSettings, "ssh was not started: " + *problem);
    std::vector<std::string> args = arguments();
    // The user's ssh config (or -F) joins the command line in ssh; `ssh -G` prints the result of
    // both without connecting, so a config that turns host-key checking off is refused here.
    std::vector<std::string> probe = args;
    probe.insert(probe.begin() + 1, "-G");
    auto [status, effective] = runCaptured(probe, spec_.startTimeoutMs);
    if (status != 0)
        throw TunnelError(classifySshFailure(effective),
                          "ssh -G could not read the ssh settings: " + effective, effective);
    if (auto problem = hostKeyCheckingProblem(effective))
        throw TunnelError(DiagnosisKind::SshUnsafeSettings,
                          "ssh was not started: " + *problem +
                              " (from the ssh config file); the tunnel only runs with host keys checked");
    std::vector<char*> argv;
    for (auto& s : args) argv.push_back(s.data());
    argv.push_back(nullptr);

    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0) throw TunnelError(DiagnosisKind::TunnelDown, "cannot create a pipe for ssh");
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) throw TunnelError(DiagnosisKind::TunnelDown, std::string("cannot start ssh: ") + std::strerror(errno));
    if (pid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGTERM);  // dies with the thread that started it
        if (getppid() != parent) _exit(1);
        setpgid(0, 0);  // not in our group: a Ctrl-C meant for us reaches ssh only through us
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(err[1], 2);
        dup2(err[1], 1);
        execv(argv[0], argv.data());
        _exit(127);
    }
    close(err[1]);
    pid_ = pid;
    registerChild(pid);
    reader_ = std::thread([this, fd = err[0]] { readOutput(fd); });

    auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(spec_.startTimeoutMs);
    while (true) {
        if (!alive()) {
            stop();  // joins the reader: everything ssh printed is in
            std::string said = recentOutput();
            throw TunnelError(classifySshFailure(said), "ssh exited before the tunnel was up: " + said, said);
        }
        if (accepts(localPort_)) return localPort_;
        if ((cancelled && cancelled->load()) || std::chrono::steady_clock::now() > deadline) {
            stop();
            std::string said = recentOutput();
            if (cancelled && cancelled->load()) throw TunnelError(DiagnosisKind::TunnelDown, "cancelled");
            throw TunnelError(said.empty() ? DiagnosisKind::SshUnreachable : classifySshFailure(said),
                              "the tunnel was not up after " + std::to_string(spec_.startTimeoutMs / 1000) +
                                  " s" + (said.empty() ? "" : ": " + said),
                              said);
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
}

bool SshTunnel::alive() {
    if (pid_ <= 0) return false;
    int status = 0;
    pid_t r = waitpid(pid_, &status, WNOHANG);
    if (r == 0) return true;
    unregisterChild(pid_);
    pid_ = -1;
    return false;
}

void SshTunnel::stop() {
    if (pid_ > 0) {
        kill(pid_, SIGTERM);
        for (int i = 0; i < 40 && alive(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(25));
        if (pid_ > 0) {
            kill(pid_, SIGKILL);
            waitpid(pid_, nullptr, 0);
            unregisterChild(pid_);
            pid_ = -1;
        }
    }
    if (reader_.joinable()) reader_.join();
}

void SshTunnel::readOutput(int fd) {
    std::string partial;
    char buffer[4096];
    ssize_t n;
    while ((n = read(fd, buffer, sizeof buffer)) > 0) {
        partial.append(buffer, static_cast<size_t>(n));
        size_t nl;
        while ((nl = partial.find('\n')) != std::string::npos) {
            std::string line = partial.substr(0, nl);
            partial.erase(0, nl + 1);
            if (!line.empty() && line.back() == '\r') line.pop_back();
            if (line.empty()) continue;
            {
                std::lock_guard<std::mutex> lock(outputMutex_);
                output_.push_back(line);
                if (output_.size() > 50) output_.pop_front();
            }
            if (onSshOutput_) onSshOutput_(line);
        }
    }
    close(fd);
}

std::string SshTunnel::recentOutput() {
    std::lock_guard<std::mutex> lock(outputMutex_);
    std::string text;
    for (const auto& line : output_) text += (text.empty() ? "" : "\n") + line;
    return text;
}

}  // namespace app
