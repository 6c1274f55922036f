// Applies db/migrations in order, Flyway-style: a ledger with checksums, each file and its ledger
// row in one transaction, and a non-blocking advisory lock so two runs never both apply.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "db/schema/migration_catalog.hpp"
#include "db/pg/pg.hpp"

namespace db {

struct LedgerRow {
    int version = 0;
    std::string name;
    std::string sha256;
    std::string appliedAt;
    std::string appliedBy;
    long long durationMs = 0;
};

struct MismatchedMigration {
    LedgerRow ledger;
    std::string fileSha256;
};

// In the ledger with an earlier text that was replaced in place (migration_catalog.hpp):
// migrate re-applies the current file and records its checksum.
struct ReplacedMigration {
    LedgerRow ledger;
    Migration current;
    std::string why;
};

// What the database has against what this binary knows.
struct MigrationStatus {
    bool ledgerExists = false;
    std::vector<LedgerRow> applied;               // in the ledger, checksum matches a known file
    std::vector<Migration> pending;               // known, not in the ledger
    std::vector<MismatchedMigration> mismatched;  // in the ledger, the file changed since
    std::vector<ReplacedMigration> replaced;      // in the ledger with a known earlier text
    std::vector<LedgerRow> unknown;               // in the ledger, this binary has no such file
    int schemaVersion() const;                    // highest version in the ledger, 0 if none
    bool upToDate() const { return pending.empty() && mismatched.empty() && replaced.empty(); }
};

MigrationStatus inspectMigrations(Connection& conn, const std::vector<Migration>& catalog);

struct MigrateOptions {
    std::chrono::milliseconds lockWait{60000};  // how long to wait for another migrate to finish
    std::chrono::milliseconds lockPoll{200};
    std::chrono::milliseconds ddlLockTimeout{30000};   // SET LOCAL lock_timeout for each file
    std::function<void(const std::string&)> progress;  // human-readable steps
};

struct AppliedMigration {
    int version;
    std::string name;
    long long durationMs;
    bool reapplied = false;  // a replaced-in-place migration applied again over its earlier text
};

struct MigrateReport {
    std::vector<AppliedMigration> applied;
    MigrationStatus before;
};

enum class MigrateFailure { UnsupportedServer, LockBusy, ChecksumMismatch, MigrationFailed };

class MigrateError : public std::runtime_error {
  public:
    MigrateError(MigrateFailure kind, std::string message, std::optional<DbError> cause = std::nullopt);
    MigrateFailure kind() const { return kind_; }
    const std::optional<DbError>& cause() const { return cause_; }

  private:
    MigrateFailure kind_;
    std::optional<DbError> cause_;
};

// Throws MigrateError; Error only for connection-level failures outside a migration.
MigrateReport migrate(Connection& conn, const std::vector<Migration>& catalog, const MigrateOptions& options);

// The key every stage1ctl migrate takes with pg_try_advisory_lock ("Stage1Mg" in ASCII).
constexpr long long kMigrateLockKey = 0x5374616765314d67LL;

}  // namespace db
