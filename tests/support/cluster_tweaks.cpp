#include "tests/support/cluster_tweaks.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

namespace testsupport {

std::optional<db::DbError> connectFailure(const db::ConnectParams& params) {
    try {
        db::Connection::open(params);
        return std::nullopt;
    } catch (const db::Error& e) {
        return e.info();
    }
}

namespace {

std::string trimmed(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
    return s;
}

// Files the server reads must belong to the cluster's owner (postgres when the tests run as root).
void giveToOwnerOf(const std::string& reference, const std::string& path) {
    struct stat owner {};
    if (::stat(reference.c_str(), &owner) != 0 || ::chown(path.c_str(), owner.st_uid, owner.st_gid) != 0)
        throw std::runtime_error("cannot hand " + path + " to the owner of " + reference);
}

}  // namespace

PrivateCluster::PrivateCluster() : PrivateCluster(std::string()) {}

PrivateCluster::PrivateCluster(const std::string& major) : major_(major) {
    // Named after the shared cluster's run (its folder ends in the build's hash), so the run's
    // leftover check (tests/support/leftovers.sh) tells its own clusters from another checkout's.
    const std::string shared = requiredEnv("STAGE1_TEST_CLUSTER_DIR");
    const std::string runTag = shared.substr(shared.find_last_of('-') + 1);
    std::string pattern = "/tmp/stage1-private-" + runTag + "-XXXXXX";
    if (!mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
    parent_ = pattern;
    // The server runs as postgres (when we are root) and must be able to reach its folder.
    chmod(parent_.c_str(), 0755);
    dir_ = parent_ + "/c";
    try {
        run("start");
    } catch (...) {
        std::error_code ignored;
        std::filesystem::remove_all(parent_, ignored);
        throw;
    }
}

PrivateCluster::~PrivateCluster() {
    try {
        run("destroy");
    } catch (const std::exception&) {
        // Best effort: the folder is under /tmp.
    }
    std::error_code ignored;
    std::filesystem::remove_all(parent_, ignored);
}

void PrivateCluster::run(const std::string& command) {
    std::map<std::string, std::string> env;
    if (!major_.empty()) env["STAGE1_PG_MAJOR"] = major_;
    ProcessResult r = runProcess({sourcePath("tests/support/throwaway_cluster.sh"), command, dir_}, env);
    if (r.exitCode != 0)
        throw std::runtime_error("throwaway_cluster.sh " + command + " failed: " + r.err + r.out);
    if (command == "start") port_ = trimmed(r.out);
}

db::ConnectParams PrivateCluster::adminParams(const std::string& dbname) const {
    db::ConnectParams p;
    p.set("host", dir_);
    p.set("port", port_);
    p.set("user", "postgres");
    p.set("dbname", dbname);
    p.set("application_name", "stage1-tests");
    return p;
}

db::ConnectParams PrivateCluster::tcpParams(const std::string& user, const std::string& dbname,
                                            const std::string& host) const {
    db::ConnectParams p;
    p.set("host", host);
    p.set("port", port_);
    p.set("user", user);
    p.set("dbname", dbname);
    p.set("application_name", "stage1-tests");
    p.set("sslmode", "prefer");
    p.set("gssencmode", "disable");
    p.set("passfile", "/nonexistent");  // the tester's own ~/.pgpass must not answer for us
    p.set("connect_timeout", "5");
    return p;
}

void PrivateCluster::appendHba(const std::string& line) {
    std::string path = dataDir() + "/pg_hba.conf";
    writeFile(path, readFile(path) + line + "\n");
    reload();
}

void PrivateCluster::reload() {
    db::Connection conn = admin();
    db::Result errors = conn.exec("SELECT line_number, error FROM pg_hba_file_rules WHERE error IS NOT NULL");
    if (errors.rows() > 0)
        throw std::runtime_error("pg_hba.conf line " + std::string(errors.text(0, 0)) + ": " +
                                 std::string(errors.text(0, 1)));
    conn.exec("SELECT pg_reload_conf()");
    // The postmaster re-reads the files when it handles SIGHUP, a moment after the call returns.
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
}

std::string PrivateCluster::hbaText() const {
    return readFile(dataDir() + "/pg_hba.conf");
}

std::string PrivateCluster::enableSsl() {
    std::string certificate = makeSelfSignedCertificate(dataDir(), "server", "localhost");
    giveToOwnerOf(dataDir(), certificate);
    giveToOwnerOf(dataDir(), dataDir() + "/server.key");
    admin().exec("ALTER SYSTEM SET ssl = on");
    reload();
    return certificate;
}

void PrivateCluster::enableSslWith(const std::string& certificate, const std::string& key) {
    const std::string crt = dataDir() + "/server.crt", ownKey = dataDir() + "/server.key";
    writeFile(crt, readFile(certificate));
    writeFile(ownKey, readFile(key));
    chmod(ownKey.c_str(), 0600);
    giveToOwnerOf(dataDir(), crt);
    giveToOwnerOf(dataDir(), ownKey);
    admin().exec("ALTER SYSTEM SET ssl = on");
    reload();
}

void PrivateCluster::stopServer() {
    run("stop");
}

void PrivateCluster::startServer() {
    std::map<std::string, std::string> env = {{"STAGE1_CLUSTER_PORT", port_}};
    if (!major_.empty()) env["STAGE1_PG_MAJOR"] = major_;
    ProcessResult r = runProcess({sourcePath("tests/support/throwaway_cluster.sh"), "start", dir_}, env);
    if (r.exitCode != 0)
        throw std::runtime_error("restarting on port " + port_ + " failed: " + r.err + r.out);
}

void PrivateCluster::restartWith(const std::vector<std::pair<std::string, std::string>>& settings) {
    {
        db::Connection conn = admin();
        // ALTER SYSTEM takes no parameters; names and values come from the test itself.
        for (const auto& [name, value] : settings) conn.exec("ALTER SYSTEM SET " + name + " = " + value);
    }
    run("stop");
    run("start");
}

std::string makeSelfSignedCertificate(const std::string& dir, const std::string& name,
                                      const std::string& commonName, const std::string& subjectAltName) {
    std::string certificate = dir + "/" + name + ".crt";
    std::string key = dir + "/" + name + ".key";
    ProcessResult r =
        runProcess({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2", "-subj", "/CN=" + commonName,
                    "-addext", "subjectAltName=" + subjectAltName, "-keyout", key, "-out", certificate});
    if (r.exitCode != 0) throw std::runtime_error("openssl req failed: " + r.err);
    chmod(key.c_str(), 0600);  // the server refuses a key others can read
    return certificate;
}

std::pair<std::string, std::string> makeCaSignedCertificate(const std::string& dir, const std::string& caName,
                                                            const std::string& name, int days) {
    auto openssl = [](std::vector<std::string> args) {
        args.insert(args.begin(), "/usr/bin/openssl");
        ProcessResult r = runProcess(args);
        if (r.exitCode != 0) throw std::runtime_error("openssl " + args[1] + " failed: " + r.err);
    };
    const std::string ca = dir + "/" + caName, leaf = dir + "/" + name;
    openssl({"req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days",
             "365", "-subj", "/CN=" + caName, "-addext", "basicConstraints=critical,CA:TRUE", "-addext",
             "keyUsage=critical,keyCertSign,cRLSign", "-keyout", ca + ".key", "-out", ca + ".crt"});
    openssl({"req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-subj",
             "/CN=localhost", "-keyout", leaf + ".key", "-out", leaf + ".csr"});
    writeFile(leaf + ".ext", "subjectAltName=DNS:localhost,IP:127.0.0.1\n");
    openssl({"x509", "-req", "-in", leaf + ".csr", "-CA", ca + ".crt", "-CAkey", ca + ".key",
             "-CAcreateserial", "-days", std::to_string(days), "-extfile", leaf + ".ext", "-out",
             leaf + ".crt"});
    chmod((leaf + ".key").c_str(), 0600);
    return {ca + ".crt", leaf + ".crt"};
}

}  // namespace testsupport
