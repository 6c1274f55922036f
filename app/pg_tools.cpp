#include "app/pg_tools.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

extern char** environ;

namespace app {

namespace {

bool executable(const std::filesystem::path& p) {
    std::error_code ec;
    return std::filesystem::is_regular_file(p, ec) && access(p.c_str(), X_OK) == 0;
}

// "15" < "16" < "100": compare versions as numbers, then as text.
bool olderVersion(const std::filesystem::path& a, const std::filesystem::path& b) {
    const std::string x = a.filename().string(), y = b.filename().string();
    const long vx = std::strtol(x.c_str(), nullptr, 10), vy = std::strtol(y.c_str(), nullptr, 10);
    return vx != vy ? vx < vy : x < y;
}

}  // namespace

std::filesystem::path findPgProgram(const std::string& name, const std::optional<std::string>& pgBinDir,
                                    const EnvLookup& env) {
    if (pgBinDir) {
        std::filesystem::path p = std::filesystem::path(*pgBinDir) / name;
        if (executable(p)) return p;
        throw PgToolMissing(name + " not found in --pg-bin " + *pgBinDir +
                            " (install postgresql-client, or point --pg-bin at its bin folder)");
    }
    const char* path = env("PATH");
    std::string dirs = path ? path : "";
    for (size_t start = 0; start <= dirs.size();) {
        size_t end = dirs.find(':', start);
        if (end == std::string::npos) end = dirs.size();
        std::string dir = dirs.substr(start, end - start);
        if (!dir.empty() && executable(std::filesystem::path(dir) / name))
            return std::filesystem::path(dir) / name;
        start = end + 1;
    }
    std::vector<std::filesystem::path> versions;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator("/usr/lib/postgresql", ec))
        if (executable(entry.path() / "bin" / name)) versions.push_back(entry.path());
    if (!versions.empty())
        return *std::max_element(versions.begin(), versions.end(), olderVersion) / "bin" / name;
    throw PgToolMissing(name +
                        " not found on PATH nor in /usr/lib/postgresql/*/bin (install postgresql-client, "
                        "or pass --pg-bin DIR)");
}

std::map<std::string, std::string> libpqEnvironment(const db::ConnectParams& params,
                                                    std::vector<std::string>* ignored) {
    // libpq's documented environment variables (PostgreSQL docs, "Environment Variables").
    static const std::map<std::string, std::string> variableOf = {
        {"host", "PGHOST"},
        {"hostaddr", "PGHOSTADDR"},
        {"port", "PGPORT"},
        {"dbname", "PGDATABASE"},
        {"user", "PGUSER"},
        {"password", "PGPASSWORD"},
        {"passfile", "PGPASSFILE"},
        {"service", "PGSERVICE"},
        {"options", "PGOPTIONS"},
        {"application_name", "PGAPPNAME"},
        {"sslmode", "PGSSLMODE"},
        {"requiressl", "PGREQUIRESSL"},
        {"sslcompression", "PGSSLCOMPRESSION"},
        {"sslcert", "PGSSLCERT"},
        {"sslkey", "PGSSLKEY"},
        {"sslrootcert", "PGSSLROOTCERT"},
        {"sslcrl", "PGSSLCRL"},
        {"sslcrldir", "PGSSLCRLDIR"},
        {"sslsni", "PGSSLSNI"},
        {"requirepeer", "PGREQUIREPEER"},
        {"ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION"},
        {"ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION"},
        {"gssencmode", "PGGSSENCMODE"},
        {"krbsrvname", "PGKRBSRVNAME"},
        {"gsslib", "PGGSSLIB"},
        {"connect_timeout", "PGCONNECT_TIMEOUT"},
        {"client_encoding", "PGCLIENTENCODING"},
        {"target_session_attrs", "PGTARGETSESSIONATTRS"},
        {"load_balance_hosts", "PGLOADBALANCEHOSTS"},
        {"channel_binding", "PGCHANNELBINDING"},
    };
    std::map<std::string, std::string> env;
    for (const auto& [keyword, value] : params.entries()) {
        auto it = variableOf.find(keyword);
        if (it != variableOf.end())
            env[it->second] = value;
        else if (ignored)
            ignored->push_back(keyword);
    }
    return env;
}

ChildResult runChild(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env) {
    // Everything the child needs is built before fork: after it only async-signal-safe calls.
    std::vector<std::string> envStrings;
    for (char** e = environ; *e; ++e) {
        std::string entry(*e);
        if (!env.count(entry.substr(0, entry.find('=')))) envStrings.push_back(entry);
    }
    for (const auto& [k, v] : env) envStrings.push_back(k + "=" + v);
    std::vector<char*> envp, args;
    for (auto& e : envStrings) envp.push_back(e.data());
    envp.push_back(nullptr);
    std::vector<std::string> argvCopy = argv;
    for (auto& a : argvCopy) args.push_back(a.data());
    args.push_back(nullptr);

    int err[2];
    if (pipe2(err, O_CLOEXEC) != 0)
        throw std::runtime_error(std::string("cannot create a pipe: ") + strerror(errno));
    pid_t pid = fork();
    if (pid < 0) {
        close(err[0]);
        close(err[1]);
        throw std::runtime_error("cannot start " + argv[0] + ": " + strerror(errno));
    }
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
        dup2(devnull, 0);
        dup2(devnull, 1);
        dup2(err[1], 2);
        execve(args[0], args.data(), envp.data());
        const char message[] = "exec failed\n";
        (void)!write(2, message, sizeof message - 1);
        _exit(127);
    }
    close(err[1]);
    ChildResult result;
    char buffer[4096];
    while (true) {
        ssize_t n = read(err[0], buffer, sizeof buffer);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        result.stderrText.append(buffer, static_cast<size_t>(n));
        if (result.stderrText.size() > 65536) result.stderrText.erase(0, result.stderrText.size() - 65536);
    }
    close(err[0]);
    int status = 0;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    result.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    return result;
}

}  // namespace app
