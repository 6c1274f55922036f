#include "tests/support/sshd_server.hpp"

#include <dirent.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "tests/support/loopback.hpp"
#include "tests/support/process.hpp"

namespace testsupport {

namespace {

void mustRun(const std::vector<std::string>& argv) {
    auto r = runProcess(argv);
    if (r.exitCode != 0) throw std::runtime_error(argv[0] + " failed: " + r.err);
}

void ensureAccount() {
    if (runProcess({"/usr/bin/id", "stage1tun"}).exitCode == 0) return;
    // A system account with no home, no shell and no password: it can only forward ports.
    auto r = runProcess(
        {"/usr/sbin/useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "stage1tun"});
    if (r.exitCode != 0 && runProcess({"/usr/bin/id", "stage1tun"}).exitCode != 0)
        throw std::runtime_error("cannot create the test account stage1tun: " + r.err);
    mustRun({"/usr/sbin/usermod", "-p", "*", "stage1tun"});  // '*' not '!': sshd refuses locked accounts
}

bool accepts(const std::string& port) {
    return runProcess({"/bin/bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/" + port}).exitCode == 0;
}

}  // namespace

SshdServer::SshdServer() {
    if (geteuid() != 0) throw std::runtime_error("the sshd tests need root (they create a system account)");
    ensureAccount();
    ::chmod(dir_.path().c_str(), 0755);
    const std::string d = dir_.path().string();
    for (const char* key : {"host_key", "client_key", "other_key", "other_host_key"})
        mustRun({"/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", key, "-f", d + "/" + key});
    writeFile(dir_.path() / "authorized_keys", readFile(dir_.path() / "client_key.pub"));
    ::chmod((d + "/authorized_keys").c_str(), 0644);
    writeFile(dir_.path() / "known_hosts", "");
    ::mkdir("/run/sshd", 0755);
    port_ = closedLoopbackPort();
    writeFile(
        dir_.path() / "sshd_config",
        "Port " + port_ + "\nListenAddress 127.0.0.1\nHostKey " + d + "/host_key\nPidFile " + d +
            "/sshd.pid\nAuthorizedKeysFile " + d +
            "/authorized_keys\nStrictModes no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n"
            "UsePAM no\nAllowUsers stage1tun\nAllowTcpForwarding local\nPermitTTY no\nX11Forwarding no\n"
            "ClientAliveInterval 2\nClientAliveCountMax 2\nLogLevel ERROR\n");
    start();
}

SshdServer::~SshdServer() {
    stop();
}

void SshdServer::start() {
    const std::string config = (dir_.path() / "sshd_config").string();
    pid_ = fork();
    if (pid_ == 0) {
        execl("/usr/sbin/sshd", "/usr/sbin/sshd", "-D", "-e", "-f", config.c_str(),
              static_cast<char*>(nullptr));
        _exit(127);
    }
    for (int i = 0; i < 100 && !accepts(port_); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!accepts(port_)) throw std::runtime_error("sshd did not start on port " + port_);
}

namespace {

// Every process below `root`: the per-connection sshd processes this listener forked, and theirs.
std::vector<pid_t> descendantsOf(pid_t root) {
    std::vector<std::pair<pid_t, pid_t>> parentOf;  // (pid, ppid)
    DIR* proc = opendir("/proc");
    while (dirent* entry = readdir(proc)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
        std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        const size_t close = text.rfind(')');  // the command name may hold spaces and parentheses
        if (close == std::string::npos) continue;
        char state = 0;
        int ppid = 0;
        if (std::sscanf(text.c_str() + close + 1, " %c %d", &state, &ppid) == 2)
            parentOf.emplace_back(static_cast<pid_t>(std::atoi(entry->d_name)), static_cast<pid_t>(ppid));
    }
    closedir(proc);
    std::vector<pid_t> out = {root};
    for (size_t i = 0; i < out.size(); ++i)
        for (const auto& [pid, ppid] : parentOf)
            if (ppid == out[i]) out.push_back(pid);
    out.erase(out.begin());
    return out;
}

}  // namespace

void SshdServer::stop() {
    if (pid_ <= 0) return;
    // Per-connection sshd processes outlive the listener; end them too so tunnels really drop.
    // Only this server's: other tests run their own sshd at the same time.
    const std::vector<pid_t> sessions = descendantsOf(pid_);
    kill(pid_, SIGTERM);
    for (pid_t pid : sessions) kill(pid, SIGTERM);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
}

std::string SshdServer::otherHostPublicKey() const {
    return readFile(dir_.path() / "other_host_key.pub");
}

int countProcessesWithArgument(const std::string& needle) {
    int count = 0;
    DIR* proc = opendir("/proc");
    while (dirent* entry = readdir(proc)) {
        if (entry->d_name[0] < '0' || entry->d_name[0] > '9') continue;
        std::ifstream in(std::string("/proc/") + entry->d_name + "/cmdline", std::ios::binary);
        std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        std::ifstream stat(std::string("/proc/") + entry->d_name + "/stat");
        std::string statText((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
        bool zombie = statText.find(") Z ") != std::string::npos;
        if (!zombie && cmdline.find(needle) != std::string::npos && cmdline.rfind("/usr/bin/ssh", 0) == 0)
            ++count;
    }
    closedir(proc);
    return count;
}

}  // namespace testsupport
