#include "tests/support/test_database.hpp"

#include <unistd.h>

#include <atomic>
#include <fstream>
#include <random>
#include <stdexcept>

#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"

namespace testsupport {

const ClusterAddress& cluster() {
    static const ClusterAddress address = [] {
        std::string dir = requiredEnv("STAGE1_TEST_CLUSTER_DIR");
        std::ifstream portFile(dir + "/port");
        std::string port;
        if (!(portFile >> port))
            throw std::runtime_error("no test cluster is running in " + dir +
                                     " (run through ctest: ./dev test)");
        return ClusterAddress{dir, port};
    }();
    return address;
}

db::ConnectParams adminParams(const std::string& dbname) {
    db::ConnectParams p;
    p.set("host", cluster().socketDir);
    p.set("port", cluster().port);
    p.set("user", "postgres");
    p.set("dbname", dbname);
    p.set("application_name", "stage1-tests");
    return p;
}

std::string sourcePath(const std::string& relative) {
    return requiredEnv("STAGE1_SOURCE_DIR") + "/" + relative;
}

TestDatabase::TestDatabase() {
    static std::atomic<int> counter{0};
    std::random_device random;
    name_ = "t_" + std::to_string(getpid()) + "_" + std::to_string(counter++) + "_" +
            std::to_string(random() % 100000);
    db::Connection admin = db::Connection::open(adminParams());
    // Identifiers cannot be bound as parameters; the name is ours (digits and underscores only).
    admin.exec("CREATE DATABASE " + name_);
}

TestDatabase::~TestDatabase() {
    try {
        db::Connection admin = db::Connection::open(adminParams());
        admin.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception&) {
        // The cluster is thrown away at the end of the run anyway.
    }
}

std::string TestDatabase::dsn() const {
    return "host=" + cluster().socketDir + " port=" + cluster().port + " user=postgres dbname=" + name_;
}

void TestDatabase::migrate() const {
    db::Connection conn = connect();
    db::MigrateOptions options;
    db::migrate(conn, db::embeddedMigrations(), options);
}

ProcessResult TestDatabase::psqlFile(const std::string& file,
                                     const std::vector<std::string>& variables) const {
    std::vector<std::string> argv = {"/usr/bin/psql", "-X", "-q", "-d", dsn(), "-v", "ON_ERROR_STOP=1"};
    for (const auto& v : variables) {
        argv.push_back("-v");
        argv.push_back(v);
    }
    argv.push_back("-f");
    argv.push_back(file);
    return runProcess(argv);
}

ProcessResult TestDatabase::ctl(const std::vector<std::string>& args, const std::string& stdinData) const {
    std::vector<std::string> argv = {requiredEnv("STAGE1CTL")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--dsn");
    argv.push_back(dsn());
    return runProcess(argv, {}, stdinData);
}

ProcessResult TestDatabase::ctlWithEnv(const std::vector<std::string>& args,
                                       const std::map<std::string, std::string>& env) const {
    std::vector<std::string> argv = {requiredEnv("STAGE1CTL")};
    argv.insert(argv.end(), args.begin(), args.end());
    argv.push_back("--dsn");
    argv.push_back(dsn());
    return runProcess(argv, env);
}

}  // namespace testsupport
