// For the secrets tests: a private cluster where stage1_app logs in over TCP 127.0.0.1 with a
// SCRAM password (pg_hba: scram-sha-256, nothing else), a migrated and seeded database, and a
// byte-for-byte search for the password in every file under a folder.
#pragma once

#include <doctest/doctest.h>

#include <filesystem>
#include <string>
#include <vector>

#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"
#include "tests/support/cluster_tweaks.hpp"
#include "tests/support/process.hpp"
#include "tests/support/scratch_dir.hpp"

namespace testsupport {

class PasswordCluster {
  public:
    static constexpr const char* kDatabase = "stage1_secrets";
    // Distinctive, so a match anywhere is this password and nothing else.
    static constexpr const char* kPassword = "S3cr3t-7f3a9c1e-never-printed";

    PasswordCluster() {
        db::Connection admin = pg_.admin();
        admin.exec(std::string("CREATE DATABASE ") + kDatabase);
        {
            db::Connection conn = db::Connection::open(pg_.adminParams(kDatabase));
            db::MigrateOptions options;
            db::migrate(conn, db::embeddedMigrations(), options);
        }
        // Utility statements take no parameters; the password is a constant of this file.
        admin.exec(
            std::string("SET password_encryption = 'scram-sha-256'; ALTER ROLE stage1_app LOGIN PASSWORD '") +
            kPassword + "'");
        pg_.appendHba("host all stage1_app 127.0.0.1/32 scram-sha-256");
        auto seeded = runProcess({requiredEnv("STAGE1CTL"), "demo-seed", "--datasets", "2",
                                  "--runs-per-dataset", "3", "--sims-per-run", "1", "--dsn", adminDsn()});
        REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
    }

    PrivateCluster& cluster() { return pg_; }
    const std::string& port() const { return pg_.port(); }
    // Superuser over the unix socket (no password), for set-up and checks.
    std::string adminDsn() const {
        return "host=" + *pg_.adminParams().find("host") + " port=" + pg_.port() +
               " user=postgres dbname=" + kDatabase;
    }
    db::Connection admin() const { return db::Connection::open(pg_.adminParams(kDatabase)); }
    // stage1_app over TCP, as a laptop connects; the password is the caller's to add.
    std::string appDsnWithoutPassword() const {
        return "host=127.0.0.1 port=" + pg_.port() + " user=stage1_app dbname=" + kDatabase +
               " sslmode=disable";
    }

  private:
    PrivateCluster pg_;
};

// Files under `root` (recursively) whose bytes contain `secret`.
inline std::vector<std::string> filesContaining(const std::filesystem::path& root,
                                                const std::string& secret) {
    std::vector<std::string> hits;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_regular_file() && readFile(it->path()).find(secret) != std::string::npos)
            hits.push_back(it->path().string());
    }
    return hits;
}

// Every regular file under `root`, for the test's own record of what it scanned.
inline std::vector<std::string> filesUnder(const std::filesystem::path& root) {
    std::vector<std::string> files;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(root, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec))
        if (it->is_regular_file()) files.push_back(it->path().string());
    return files;
}

inline unsigned permissionsOf(const std::filesystem::path& path) {
    return static_cast<unsigned>(std::filesystem::status(path).permissions()) & 0777u;
}

}  // namespace testsupport
