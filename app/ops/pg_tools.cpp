#include "app/ops/pg_tools.hpp"

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
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
                                    const EnvLookup& env, int serverMajor) {
    if (pgBinDir) {
        std::filesystem::path p = std::filesystem::path(*pgBinDir) / name;
        if (executable(p)) return p;
        throw PgToolMissing(name + " not found in --pg-bin " + *pgBinDir +
                            " (install postgresql-client, or point --pg-bin at its bin folder)");
    }
    if (const char* fromEnv = env("STAGE1_PG_BIN"); fromEnv && *fromEnv) {
        std::filesystem::path p = std::filesystem::path(fromEnv) / name;
        if (executable(p)) return p;
        throw PgToolMissing(name + " not found in STAGE1_PG_BIN=" + fromEnv +
                            " (install postgresql-client, or point STAGE1_PG_BIN at its bin folder)");
    }
    if (serverMajor > 0) {
        std::filesystem::path own = "/usr/lib/postgresql/" + std::to_string(serverMajor) + "/bin/" + name;
        if (executable(own)) return own;
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

std::optional<int> parsePgVersionMajor(const std::string& versionLine) {
    // "pg_dump (PostgreSQL) 15.20 (Debian 15.20-0+deb12u1)": the number after "(PostgreSQL) ".
    const std::string marker = "(PostgreSQL) ";
    size_t at = versionLine.find(marker);
    if (at == std::string::npos) return std::nullopt;
    at += marker.size();
    int major = 0;
    size_t digits = 0;
    while (at + digits < versionLine.size() && digits < 4 && std::isdigit(static_cast<unsigned char>(versionLine[at + digits]))) {
        major = major * 10 + (versionLine[at + digits] - '0');
        ++digits;
    }
    if (digits == 0 || major == 0) return std::nullopt;
    return major;
}

std::optional<int> pgProgramMajor(const std::filesystem::path& program) {
    ChildResult r = runChild({program.string(), "--version"}, {}, true);
    if (r.exitCode != 0) return std::nullopt;
    return parsePgVersionMajor(r.stderrText);
}

void requireProgramForServer(const std::filesystem::path& program, int serverMajor,
                             const std::string& serverVersion) {
    const std::optional<int> major = pgProgramMajor(program);
    if (major && *major >= serverMajor) return;
    const std::string name = program.filename().string();
    const std::string wanted = std::to_string(serverMajor);
    throw PgToolTooOld(
        (major ? name + " " + std::to_string(*major) : name + " of an unknown version") + " (" + program.string() +
        ") cannot serve a PostgreSQL " + serverVersion +
        " server: pg_dump refuses a server newer than itself, and pg_restore cannot read what a newer pg_dump "
        "writes. Install the client programs of major " + wanted +
        " where stage1ctl runs (Debian: apt-get install postgresql-client-" + wanted +
        ", from apt.postgresql.org when Debian does not carry it) and pass --pg-bin /usr/lib/postgresql/" + wanted +
        "/bin, or set STAGE1_PG_BIN to that folder. Nothing was dumped or restored.");
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

ChildResult runChild(const std::vector<std::string>& argv, const std::map<std::string, std::string>& env,
                     bool keepStdout) {
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
        dup2(keepStdout ? err[1] : devnull, 1);
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
