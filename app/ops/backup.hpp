// stage1ctl backup and restore-check: pg_dump -Fc into a folder, prove every new dump restores, and
// keep a bounded history. Mostly process and file orchestration (pg_dump, pg_restore, atomic renames,
// a lock, retention), hence app/ and not db/; the queries it needs are db/database_facts.
//
// A backup:
//   1. locks the folder (.stage1-backup.lock) so two runs never interleave;
//   2. opens a REPEATABLE READ transaction, exports its snapshot, records the row counts, constraints
//      and indexes in it, and runs pg_dump --snapshot=<it>: the facts describe exactly what the dump
//      holds, however busy the database is;
//   3. writes the dump under a hidden temporary name, checks it (exit status, size, PGDMP header),
//      writes <dump>.sha256 and <dump>.source.json, then renames it into place;
//   4. verifies it (restoreCheck) and writes <dump>.verified;
//   5. only then applies retention (app/ops/backup_files.hpp).
#pragma once

#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "app/ops/backup_files.hpp"
#include "app/connect/connection_settings.hpp"
#include "db/schema/database_facts.hpp"
#include "db/pg/pg.hpp"

namespace app {

// A failure before or instead of verification (a missing or too old pg_dump is PgToolMissing /
// PgToolTooOld, app/ops/pg_tools.hpp).
enum class BackupFailure { FolderNotWritable, DiskFull, Locked, DumpFailed, BadDatabaseName, NotFound };

class BackupError : public std::runtime_error {
  public:
    BackupError(BackupFailure kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
    BackupFailure kind() const { return kind_; }

  private:
    BackupFailure kind_;
};

struct BackupTarget {
    db::ConnectParams params;  // what pg_dump / pg_restore and the scratch connection use
    std::optional<std::string> pgBin;
    EnvLookup env;  // PATH for finding the programs
    std::function<void(const std::string&)> progress;
};

struct VerifyReport {
    bool ok = false;
    // When not ok: "sidecar_missing", "sha256_mismatch", "createdb_denied", "restore_failed", "mismatch".
    std::string failureKind;
    std::vector<std::string> problems;
    std::vector<std::string> warnings;  // e.g. the scratch database could not be dropped
    std::string sha256;
    std::string comparedWith;  // what the restored copy was compared with
    std::string scratchDatabase;
    db::DatabaseFacts restored;
    long long ms = 0;
};

struct BackupOptions {
    std::filesystem::path dir;
    int keepDaily = 14;
    int keepWeekly = 8;
};

struct BackupReport {
    std::filesystem::path dump;
    long long bytes = 0;
    long long dumpMs = 0;
    VerifyReport verify;
    RetentionPlan retention;  // applied only when verify.ok
    std::vector<std::string> pruned;
    std::vector<std::string> pruneErrors;
};

// `source`: connected to the database to back up, no transaction open, no statement timeout.
// Throws BackupError (and db::Error when the server fails); a failed verification is in the report.
BackupReport runBackup(db::Connection& source, const BackupTarget& target, const BackupOptions& options);

// Verifies an existing dump: the sha256 sidecar, a restore into a scratch database
// (stage1_restore_check_<random> on the same server, always dropped), and a comparison with
// <dump>.source.json when present (the dump's own snapshot), else with the live database (then a
// difference may be a write made after the dump). Writes <dump>.verified when it passes.
VerifyReport restoreCheck(db::Connection& source, const BackupTarget& target,
                          const std::filesystem::path& dump);

}  // namespace app
