// The engine of `stage1ctl replay-spool`: applies the statements of the desktop's spool file
// (app/ops/spool.cpp) exactly once, ever, and never loses one. No printing; the command reports.
//
// Per run: take the advisory lock (polled, never blocking); rename <spool> to
// <spool>.replaying-<UTC timestamp> so the desktop appends to a fresh file; process any
// .replaying-* file a crashed run left behind, then the new one. Per file: split it
// (db/spool/sql_splitter.hpp), skip statements whose hash is in public.stage1_spool_ledger, apply the rest
// in pipelined batches where each statement and its ledger row commit together
// (db/spool/spool_batches.hpp), append what must be retried (deferred, not reached, the incomplete tail,
// bytes appended after the rename) to <spool> under flock, then move the file to
// <spool dir>/archive/<name>.<timestamp>.sql (db/spool/spool_files.hpp).
#pragma once

#include <chrono>
#include <filesystem>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace db {

// The key every replay-spool takes with pg_try_advisory_lock ("Stage1Sp" in ASCII).
constexpr long long kSpoolReplayLockKey = 0x5374616765315370LL;

struct SpoolReplayOptions {
    std::chrono::milliseconds lockWait{0};  // 0: fail at once when another replay holds the lock
    std::chrono::milliseconds lockPoll{200};
    // Most statements, and most statement bytes, per transaction. Each batch costs a commit and a
    // dozen round trips (about 6 ms on the benchmark machine): 1000 per batch spent 0.55 s of 4 s
    // on 96,000 statements. The bytes bound keeps a batch's COPY data and merged INSERTs small.
    size_t batchStatements = 10000;
    size_t batchBytes = 4u << 20;
    std::chrono::milliseconds lockTimeout{30000};  // a statement waiting longer is deferred
    // Bounds every command of the replay; longer than lockTimeout, so a lock wait defers a statement
    // instead of stopping the run.
    std::chrono::milliseconds statementTimeout{300000};
    // Runs of constant INSERTs go as COPY where it stores the same values (db/spool/spool_copy.hpp).
    bool copy = true;
    std::function<void(const std::string&)> progress;
};

// What a spooled statement's failure means for it.
enum class SpoolErrorClass {
    AlreadyPresent,  // 23505: the row is there already; recorded in the ledger, never retried
    Deferred,        // 23503 (a missing parent row) or transient (40001, 40P01, 55P03): next run
    Quarantined,     // anything else the statement itself caused: set aside verbatim, never dropped
    Stop,            // the connection or the server is gone (no SQLSTATE, 08, 57, 53, 58): stop here
};
SpoolErrorClass classifySpoolError(const DbError& error);

// `Key (dataset_id)=(…) is not present in table "indicator_datasets".` from a 23503 DETAIL.
struct MissingReference {
    std::string table;    // indicator_datasets
    std::string columns;  // dataset_id
    std::string key;      // the value, as PostgreSQL printed it
};
std::optional<MissingReference> parseMissingReference(const std::string& detail);

// Deferred statements with the same cause, e.g. every run of one missing dataset.
struct DeferredCause {
    std::string sqlstate;
    std::optional<MissingReference> missing;  // for 23503
    std::string message;                      // the server's message for the first one
    long long statements = 0;
    std::string firstFile;
    int firstLine = 0;
};

struct SpoolFileReport {
    std::string path;        // the file processed (<spool>.replaying-<timestamp>)
    std::string archivedTo;  // empty when it was left for the next run (the replay stopped first)
    long long statements = 0, applied = 0, alreadyApplied = 0, deferred = 0, quarantined = 0, notReached = 0;
    bool incompleteTail = false;
    int tailLine = 0;
    std::string tailReason;
    long long lateBytes = 0;  // appended by a writer that still had the file open after the rename
};

struct SpoolReplayReport {
    long long applied = 0;
    long long alreadyApplied = 0;  // found in the ledger, or 23505 (already present)
    long long deferred = 0;
    long long quarantined = 0;
    long long incomplete = 0;  // incomplete tails kept in the spool
    long long notReached = 0;  // back in the spool because the replay stopped
    std::vector<DeferredCause> deferredCauses;
    std::vector<SpoolFileReport> files;
    std::string quarantineFile;        // <spool>.quarantine.sql when anything was quarantined
    std::optional<DbError> stoppedBy;  // the connection was lost; a rerun is safe
    double seconds = 0;
    // synchronous_commit as the session found it (db/pg/commit_durability.hpp). When it was `off`,
    // the replay set it `on` for its own session, so every batch it reports applied is on disk
    // before its statements are archived; other writers stay asynchronous.
    std::string serverSynchronousCommit;
    bool synchronousCommitForced = false;
};

enum class SpoolReplayFailure { LockBusy, NotMigrated, Io };

class SpoolReplayError : public std::runtime_error {
  public:
    SpoolReplayError(SpoolReplayFailure kind, const std::string& message)
        : std::runtime_error(message), kind_(kind) {}
    SpoolReplayFailure kind() const { return kind_; }

  private:
    SpoolReplayFailure kind_;
};

// Throws SpoolReplayError (lock busy, ledger missing, a file that cannot be read or written: in
// every case no statement is lost, the files stay where a rerun finds them) or Error when the
// connection fails before the first file. A connection lost mid-replay is reported in stoppedBy.
SpoolReplayReport replaySpool(Connection& conn, const std::filesystem::path& spool,
                              const SpoolReplayOptions& options = {});

}  // namespace db
