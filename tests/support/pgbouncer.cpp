#include "tests/support/pgbouncer.hpp"

#include <pwd.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/loopback.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace testsupport {

namespace {

// Gone, or a zombie nobody reaps (a daemon's parent is PID 1, which in some containers never waits).
bool processGone(pid_t pid) {
    const std::string stat = readFile("/proc/" + std::to_string(pid) + "/stat");
    if (stat.empty()) return true;
    const size_t paren = stat.rfind(')');
    return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] == 'Z';
}

bool listening(const std::string& port) {
    PGconn* conn =
        PQconnectdb(("host=127.0.0.1 port=" + port + " connect_timeout=2 dbname=x user=x").c_str());
    // Any answer from pgbouncer itself (even "no such database") means it listens.
    const std::string error = PQerrorMessage(conn);
    const bool up = PQstatus(conn) == CONNECTION_OK || error.find("Connection refused") == std::string::npos;
    PQfinish(conn);
    return up;
}

}  // namespace

PgBouncer::PgBouncer(const std::string& serverPort, const std::string& dbname,
                     const std::vector<std::string>& roles)
    : serverPort_(serverPort), dbname_(dbname) {
    // Named after the run (like PrivateCluster), so tests/support/leftovers.sh finds a pgbouncer this
    // run left behind and only that.
    const std::string shared = requiredEnv("STAGE1_TEST_CLUSTER_DIR");
    const std::string runTag = shared.substr(shared.find_last_of('-') + 1);
    std::string pattern = "/tmp/stage1-pgbouncer-" + runTag + "-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
    std::string users;
    for (const auto& role : roles) users += "\"" + role + "\" \"\"\n";
    writeFile(dir_ + "/users.txt", users);
    std::string lastError;
    for (int attempt = 0; attempt < 5 && pid_ < 0; ++attempt) {
        try {
            startOnce();
        } catch (const std::exception& e) {
            lastError = e.what();
            stop();
        }
    }
    if (pid_ < 0) {
        std::error_code ignored;
        std::filesystem::remove_all(dir_, ignored);
        throw std::runtime_error("pgbouncer did not start: " + lastError);
    }
}

void PgBouncer::startOnce() {
    port_ = closedLoopbackPort();
    writeFile(dir_ + "/pgbouncer.ini",
              "[databases]\n" + dbname_ + " = host=127.0.0.1 port=" + serverPort_ + " dbname=" + dbname_ +
                  "\n* = host=127.0.0.1 port=" + serverPort_ +  // any other database of that server
                  "\n"
                  "[pgbouncer]\n"
                  "listen_addr = 127.0.0.1\n"
                  "listen_port = " +
                  port_ +
                  "\n"
                  "unix_socket_dir =\n"
                  "auth_type = trust\n"
                  "auth_file = " +
                  dir_ +
                  "/users.txt\n"
                  "pool_mode = transaction\n"
                  "default_pool_size = 1\n"
                  "max_client_conn = 50\n"
                  "ignore_startup_parameters = extra_float_digits,options,application_name\n"
                  "logfile = " +
                  dir_ +
                  "/pgbouncer.log\n"
                  "pidfile = " +
                  dir_ + "/pgbouncer.pid\n");
    std::vector<std::string> argv = {"/usr/sbin/pgbouncer", "-d", dir_ + "/pgbouncer.ini"};
    if (::geteuid() == 0) {
        // pgbouncer refuses to run as root.
        const passwd* pw = ::getpwnam("postgres");
        if (!pw) throw std::runtime_error("no postgres user to run pgbouncer as");
        for (const char* name : {"", "/users.txt", "/pgbouncer.ini"})
            if (::chown((dir_ + name).c_str(), pw->pw_uid, pw->pw_gid) != 0)
                throw std::runtime_error("cannot hand " + dir_ + name + " to postgres");
        argv.insert(argv.begin(), {"/usr/sbin/runuser", "-u", "postgres", "--"});
    }
    ProcessResult r = runProcess(argv);
    if (r.exitCode != 0)
        throw std::runtime_error("pgbouncer -d failed (exit " + std::to_string(r.exitCode) + "): " + r.err +
                                 r.out + log());
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (std::chrono::steady_clock::now() < deadline) {
        const std::string pid = readFile(dir_ + "/pgbouncer.pid");
        if (!pid.empty() && pid_ < 0) pid_ = static_cast<pid_t>(std::atoi(pid.c_str()));
        if (pid_ > 0 && processGone(pid_)) throw std::runtime_error("pgbouncer exited: " + log());
        if (pid_ > 0 && listening(port_)) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    throw std::runtime_error("pgbouncer did not listen on 127.0.0.1:" + port_ + " within 10 s: " + log());
}

PgBouncer::~PgBouncer() {
    stop();
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
}

void PgBouncer::stop() {
    if (pid_ <= 0) {
        // Started far enough to write its pidfile, but we never read it.
        const std::string pid = readFile(dir_ + "/pgbouncer.pid");
        if (pid.empty()) return;
        pid_ = static_cast<pid_t>(std::atoi(pid.c_str()));
        if (pid_ <= 0) return;
    }
    ::kill(pid_, SIGTERM);  // immediate shutdown: clients are dropped
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!processGone(pid_) && std::chrono::steady_clock::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (!processGone(pid_)) ::kill(pid_, SIGKILL);
    std::error_code ignored;
    std::filesystem::remove(dir_ + "/pgbouncer.pid", ignored);
    pid_ = -1;
}

db::ConnectParams PgBouncer::params(const std::string& user) const {
    db::ConnectParams p;
    p.set("host", "127.0.0.1");
    p.set("port", port_);
    p.set("dbname", dbname_);
    p.set("user", user);
    p.set("sslmode", "disable");
    p.set("passfile", "/dev/null");
    p.set("connect_timeout", "5");
    return p;
}

std::string PgBouncer::dsn(const std::string& user, const std::string& dbname) const {
    return "host=127.0.0.1 port=" + port_ + " dbname=" + (dbname.empty() ? dbname_ : dbname) +
           " user=" + user + " sslmode=disable passfile=/dev/null connect_timeout=5";
}

std::string PgBouncer::log() const {
    return readFile(dir_ + "/pgbouncer.log");
}

}  // namespace testsupport
