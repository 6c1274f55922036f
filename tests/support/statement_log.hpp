// A private cluster whose server log records every statement sent to one migrated, seeded
// database, so a test can list exactly what reached the server and from which program.
//
// Why the server log and not something else: log_statement = 'all' makes PostgreSQL itself write
// each top-level statement it receives (for the extended protocol the text with its $n
// placeholders, at the execute step) before it runs it, whoever sent it and whatever the client
// believes it sent. pg_stat_statements would need shared_preload_libraries and normalizes texts;
// counting rows afterwards only shows the damage a statement did, not that it ran. A private
// cluster (tests/support/cluster_tweaks.hpp) keeps the settings and the log away from the tests
// that share the CTest cluster, and %d / %a in log_line_prefix tell the database and the
// application_name of every line (which may hold spaces: "stage1ctl replay-spool"). Parameter values are not logged (log_parameter_max_length = 0):
// a 10 MB value would flood the log, and the point is that values never become statement text.
#pragma once

#include <doctest/doctest.h>

#include <regex>
#include <string>
#include <vector>

#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace testsupport {

struct LoggedStatement {
    std::string pid;
    std::string application;
    std::string text;  // continuation lines joined with "\n"
};

class StatementLoggingCluster {
  public:
    static constexpr const char* kDatabase = "stage1_sec";

    StatementLoggingCluster() {
        db::Connection admin = pg_.admin();
        admin.exec(std::string("CREATE DATABASE ") + kDatabase);
        {
            db::Connection conn = db::Connection::open(pg_.adminParams(kDatabase));
            db::MigrateOptions options;
            db::migrate(conn, db::embeddedMigrations(), options);
        }
        // The role the app connects as; trusted on the socket of this private cluster only.
        admin.exec("ALTER ROLE stage1_app LOGIN");
        admin.exec("ALTER SYSTEM SET log_statement = 'all'");
        admin.exec("ALTER SYSTEM SET log_line_prefix = '%m [%p] db=%d app=%a: '");
        admin.exec("ALTER SYSTEM SET log_parameter_max_length = 0");
        pg_.reload();
    }

    PrivateCluster& cluster() { return pg_; }
    std::string socketDir() const { return *pg_.adminParams().find("host"); }
    std::string logPath() const { return pg_.dataDir() + "/../server.log"; }

    // The application_name the test's own connections use (statementsSince() tells them apart).
    static constexpr const char* kAppName = "stage1-sec-app";
    static constexpr const char* kAdminName = "stage1-sec-admin";

    db::ConnectParams params(const std::string& user, const std::string& application = kAppName) const {
        db::ConnectParams p = pg_.adminParams(kDatabase);
        p.set("user", user);
        p.set("application_name", application);
        return p;
    }
    db::Connection connect(const std::string& user) const { return db::Connection::open(params(user)); }
    // The superuser, for set-up and checks; its statements are logged under kAdminName.
    db::Connection admin() const { return db::Connection::open(params("postgres", kAdminName)); }
    std::string dsn(const std::string& user) const {
        return "host=" + socketDir() + " port=" + pg_.port() + " user=" + user + " dbname=" + kDatabase;
    }

    // stage1ctl <args...> --dsn <this database as `user`>.
    ProcessResult ctl(std::vector<std::string> args, const std::string& user = "stage1_app",
                      const std::string& stdinData = "") const {
        args.insert(args.begin(), requiredEnv("STAGE1CTL"));
        args.push_back("--dsn");
        args.push_back(dsn(user));
        return runProcess(args, {{"PGPASSFILE", "/nonexistent"}}, stdinData);
    }

    // The size of the log now: statements() from here on are the ones sent after this point.
    size_t mark() const { return readFile(logPath()).size(); }

    // Statements logged for this database since `mark`, in the order the server received them.
    std::vector<LoggedStatement> statementsSince(size_t mark) const {
        const std::string log = readFile(logPath());
        static const std::regex head(
            R"(\[(\d+)\] db=(\S*) app=(.*?): LOG:  (?:statement|execute [^:]*): (.*))");
        std::vector<LoggedStatement> out;
        bool inOurs = false;
        size_t start = std::min(mark, log.size());
        while (start < log.size()) {
            size_t end = log.find('\n', start);
            if (end == std::string::npos) end = log.size();
            const std::string line = log.substr(start, end - start);
            start = end + 1;
            if (!line.empty() && line[0] == '\t') {
                if (inOurs) out.back().text += "\n" + line.substr(1);
                continue;
            }
            std::smatch m;
            inOurs = std::regex_search(line, m, head) && m[2].str() == kDatabase;
            if (inOurs) out.push_back({m[1].str(), m[3].str(), m[4].str()});
        }
        return out;
    }

    long long count(const std::string& table) const {
        db::Connection conn = admin();
        return conn.query("SELECT count(*) FROM " + table).integer(0, 0);  // table names are the test's
    }

  private:
    PrivateCluster pg_;
};

}  // namespace testsupport
