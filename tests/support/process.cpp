#include "tests/support/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <stdexcept>

extern char** environ;

namespace testsupport {

namespace {

const char* builtInDefault(const std::string& name) {
    if (name == "STAGE1_TEST_CLUSTER_DIR") return STAGE1_TEST_CLUSTER_DIR_DEFAULT;
    if (name == "STAGE1_SOURCE_DIR") return STAGE1_SOURCE_DIR_DEFAULT;
    if (name == "STAGE1CTL") return STAGE1CTL_DEFAULT;
    if (name == "STAGE1_DEBUGGER") return STAGE1_DEBUGGER_DEFAULT;
    return "";
}

}  // namespace

std::string requiredEnv(const char* name) {
    const char* v = std::getenv(name);
    if (v && *v) return v;
    std::string fallback = builtInDefault(name);
    if (fallback.empty())
        throw std::runtime_error(std::string(name) + " is not set and has no built-in default");
    return fallback;
}

ProcessResult runStage1ctl(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env, const std::string& stdinData) {
    std::vector<std::string> argv = {requiredEnv("STAGE1CTL")};
    argv.insert(argv.end(), args.begin(), args.end());
    return runProcess(argv, env, stdinData);
}

ProcessResult runProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                         const std::string& stdinData) {
    int in[2], out[2], err[2];
    if (pipe(in) || pipe(out) || pipe(err)) throw std::runtime_error("pipe failed");
    // Build argv/envp before fork: only async-signal-safe calls are allowed in the child.
    std::vector<char*> args;
    for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    std::vector<std::string> envStrings;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        std::string key = entry.substr(0, entry.find('='));
        if (!env.count(key)) envStrings.push_back(entry);
    }
    for (const auto& [k, v] : env)
        if (!v.empty()) envStrings.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : envStrings) envp.push_back(e.data());
    envp.push_back(nullptr);

    pid_t pid = fork();
    if (pid < 0) throw std::runtime_error("fork failed");
    if (pid == 0) {
        dup2(in[0], 0);
        dup2(out[1], 1);
        dup2(err[1], 2);
        for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) close(fd);
        execve(args[0], args.data(), envp.data());
        _exit(127);
    }
    close(in[0]);
    close(out[1]);
    close(err[1]);
    signal(SIGPIPE, SIG_IGN);
    size_t written = 0;
    if (stdinData.empty()) {
        close(in[1]);
        in[1] = -1;
    } else {
        fcntl(in[1], F_SETFL, O_NONBLOCK);
    }
    ProcessResult result;
    int readFds[2] = {out[0], err[0]};
    std::string* sinks[2] = {&result.out, &result.err};
    char buffer[65536];
    while (readFds[0] >= 0 || readFds[1] >= 0) {
        // poll() ignores negative descriptors, so closed pipes simply drop out.
        pollfd fds[3] = {{readFds[0], POLLIN, 0}, {readFds[1], POLLIN, 0}, {in[1], POLLOUT, 0}};
        if (::poll(fds, 3, -1) < 0) continue;
        for (int i = 0; i < 2; ++i) {
            if (readFds[i] < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            ssize_t n = read(readFds[i], buffer, sizeof buffer);
            if (n > 0) {
                sinks[i]->append(buffer, static_cast<size_t>(n));
            } else {
                close(readFds[i]);
                readFds[i] = -1;
            }
        }
        if (in[1] >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
            ssize_t n = write(in[1], stdinData.data() + written, stdinData.size() - written);
            if (n > 0) written += static_cast<size_t>(n);
            if (n < 0 || written == stdinData.size()) {
                close(in[1]);
                in[1] = -1;
            }
        }
    }
    if (in[1] >= 0) close(in[1]);
    int status = 0;
    waitpid(pid, &status, 0);
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace testsupport
