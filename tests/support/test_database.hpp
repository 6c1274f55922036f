// One throwaway database per test, inside the cluster CTest started for this run
// (tests/support/throwaway_cluster.sh via the FIXTURES_SETUP test "pg_cluster_start").
#pragma once

#include <string>
#include <vector>

#include "db/pg/pg.hpp"
#include "tests/support/process.hpp"

namespace testsupport {

struct ClusterAddress {
    std::string socketDir;
    std::string port;
};
const ClusterAddress& cluster();

db::ConnectParams adminParams(const std::string& dbname = "postgres");
std::string sourcePath(const std::string& relative);  // a file of the repository

class TestDatabase {
  public:
    TestDatabase();
    ~TestDatabase();
    TestDatabase(const TestDatabase&) = delete;
    TestDatabase& operator=(const TestDatabase&) = delete;

    const std::string& name() const { return name_; }
    db::ConnectParams params() const { return adminParams(name_); }
    db::Connection connect() const { return db::Connection::open(params()); }
    // libpq conninfo for the CLI: superuser over the cluster's unix socket.
    std::string dsn() const;

    // Applies the embedded migrations in-process (fast set-up for tests about other things).
    void migrate() const;
    // Runs a psql script file with -v variables; returns the process result.
    ProcessResult psqlFile(const std::string& file, const std::vector<std::string>& variables = {}) const;
    // stage1ctl <command> <args...> --dsn <this database>.
    ProcessResult ctl(const std::vector<std::string>& args, const std::string& stdinData = "") const;
    // The same with extra environment variables for stage1ctl.
    ProcessResult ctlWithEnv(const std::vector<std::string>& args,
                             const std::map<std::string, std::string>& env) const;

  private:
    std::string name_;
};

}  // namespace testsupport
