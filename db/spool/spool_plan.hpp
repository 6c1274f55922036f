// Which statements of one spool file go to the server together, and how: the batch planner of
// stage1ctl replay-spool (db/spool/spool_batches.hpp runs what it plans). No connection here: it
// decides from the statements, what the ledger holds, the grammar's parse of each INSERT and what
// the server said about their COPY targets, and from what became of the batches before.
//
// A batch is one transaction: its statements and their ledger rows commit together or not at all.
// - A pipeline batch: the statements in file order, up to the batch size; consecutive plain INSERTs
//   of constants with the same head merged into one multi-row INSERT (head + rows joined by ", ",
//   both pieces of the grammar's parse). Two may be in flight; a statement whose hash is in one of
//   them waits for it.
// - A COPY batch: a run of INSERTs whose rows COPY stores exactly as the INSERTs would
//   (db/spool/copy_rows.hpp), one COPY per table, parents first, wherever loading rows ahead of
//   their place in the file changes no outcome (db/spool/copy_order.hpp); a run, its folds and
//   simulations, the next run... go as three COPY commands. It starts only when nothing is in flight.
// After a failure (settle()): a batch behind a failed one is simply planned again; a failed merged
// INSERT makes the next batch run every statement on its own, so the failing one is named; a failed
// statement is settled by its SQLSTATE (classifySpoolError) and the next batch holds the statements
// before it, the size growing back (doubling) after each commit; a failed COPY batch goes again as
// INSERTs, and COPY is used again after it.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <variant>
#include <vector>

#include "db/spool/copy_rows.hpp"
#include "db/spool/spool_grammar.hpp"
#include "db/spool/spool_replay.hpp"
#include "db/spool/sql_splitter.hpp"

namespace db {

// How an accepted INSERT may travel besides alone as written.
struct InsertForms {
    struct Mergeable {
        std::string_view head;  // SpoolInsert::head: INSERTs with the same one merge
        std::string_view rows;  // SpoolInsert::rowsText
    };
    struct CopyRows {
        const CopyTarget* target = nullptr;
        std::string lines;  // COPY text format, one line per row
        CopyRowKeys keys;   // what they refer to, and may be referred to by
    };
    std::optional<Mergeable> mergeable;
    std::optional<CopyRows> copy;  // only for a mergeable INSERT
};

// Plain INSERTs of constants merge: no ON CONFLICT (it would have to follow the merged rows) and no
// clock (statement_timestamp() and clock_timestamp() would read another time in one INSERT).
bool isMergeable(const SpoolInsert& insert);
// The forms of an INSERT the grammar accepted; COPY rows only when `copy` knows its target.
InsertForms insertForms(const SpoolInsert& insert, const CopyTargets* copy);

// The statements a batch applies and the ledger rows it records for them.
struct BatchStatements {
    std::vector<size_t> statements;      // indexes into the file, in file order
    std::vector<size_t> alreadyPresent;  // 23505 statements whose ledger rows it records as well
};

struct PipelineCommand {
    size_t from = 0, to = 0;  // the batch's statements [from, to) it carries
    std::string sql;          // one statement as written, or their merged INSERT
};
struct PipelineBatch : BatchStatements {
    std::vector<PipelineCommand> commands;
};

struct CopyCommand {
    std::vector<size_t> statements;  // the batch's statements (positions) whose rows it loads, in file order
    const CopyTarget* target = nullptr;
    std::string data;
};
struct CopyBatch : BatchStatements {
    std::vector<CopyCommand> commands;
};

using SpoolBatch = std::variant<PipelineBatch, CopyBatch>;
const BatchStatements& batchStatements(const SpoolBatch& batch);

// What became of a batch (the executor read it from the server).
struct BatchCommitted {};
struct BatchBehindFailure {};  // its guard rolled it back: the batch ahead of it failed
struct BatchCommandFailed {
    size_t command = 0;  // index into the batch's commands
    DbError error;
};
struct BatchLedgerRowsTaken {};  // its ledger INSERT met 23505: another writer recorded them
struct BatchCommitFailed {       // every command ran and the COMMIT failed (deferred constraint, ...)
    DbError error;
};
using BatchResult = std::variant<BatchCommitted, BatchBehindFailure, BatchCommandFailed, BatchLedgerRowsTaken,
                                 BatchCommitFailed>;

// A statement the server refused, settled by its SQLSTATE: the caller records why (the deferred
// causes, the quarantine file), or stops on SpoolErrorClass::Stop.
struct SettledFailure {
    size_t statement = 0;
    SpoolErrorClass settledAs = SpoolErrorClass::Quarantined;
    DbError error;
};

struct SpoolBatchLimits {
    size_t statements = 1000;  // most statements per batch
    size_t bytes = 4u << 20;   // most statement bytes per batch (one statement always goes)
};

class SpoolBatchPlanner {
  public:
    // `hashes`: per statement, its ledger key's sha256 (statementKeyText). Counts go to `counts`.
    SpoolBatchPlanner(const std::vector<SqlStatement>& statements, std::vector<std::string> hashes,
                      SpoolBatchLimits limits, SpoolFileReport& counts);

    const std::string& hash(size_t statement) const { return hashes_[statement]; }
    // The statements not settled yet (none may be in flight).
    std::vector<size_t> pending() const;

    // Before the first batch: what the ledger holds, what the grammar refused (quarantined, never
    // sent) and the forms of what it accepted.
    void foundInLedger(size_t statement);
    void refuse(size_t statement);
    void allow(size_t statement, InsertForms forms);
    bool isPending(size_t statement) const { return fate_[statement] == Fate::Pending; }
    // The statements are judged while the batches run: next() plans none from `end` on.
    void readyUpTo(size_t end) { readyEnd_ = end; }
    // Whether next() would plan a fuller batch if more statements were judged.
    bool wantsMoreReady() const;

    // The next batch, or nullopt when there is nothing to send now: everything left is in flight,
    // or a COPY batch is due and must wait until `inFlight` is empty.
    std::optional<SpoolBatch> next(const std::vector<const PipelineBatch*>& inFlight);
    // What became of a batch next() gave; its statements settle, or go back to pending.
    std::optional<SettledFailure> settle(const SpoolBatch& batch, const BatchResult& result);
    // After BatchLedgerRowsTaken: the ledger must be read again for pending() (foundInLedger)
    // before the next batch, once nothing is in flight.
    bool wantsLedgerRead() const { return readLedger_; }
    void ledgerRead() { readLedger_ = false; }

    bool allSettled() const;
    // Ends the file: counts what was never settled as not reached; per statement, whether it stays
    // in the spool (deferred, or never reached).
    std::vector<bool> finish();

  private:
    enum class Fate { Pending, InFlight, Applied, AlreadyApplied, Deferred, Quarantined };

    size_t firstPending();
    bool copyable(size_t statement) const;
    bool addToCopy(CopyBatch& batch, CopyBatchLayout& layout, size_t statement, size_t position);
    void groupCommands(PipelineBatch& batch, bool merge) const;
    std::optional<SettledFailure> resolve(size_t statement, const DbError& error);

    const std::vector<SqlStatement>& statements_;
    std::vector<std::string> hashes_;
    SpoolBatchLimits limits_;
    SpoolFileReport& counts_;
    std::vector<Fate> fate_;
    std::vector<InsertForms> forms_;
    size_t limit_;                               // statements in the next batch: grows back after a failure
    size_t copyFrom_ = 0;                        // statements before it go as INSERT (a COPY of them failed)
    size_t cursor_ = 0;                          // statements before it are settled
    size_t readyEnd_;                            // statements from it on are not judged yet
    bool merge_ = true;                          // false: the next batch runs every statement on its own
    bool readLedger_ = false;                    // a ledger INSERT met 23505
    std::vector<size_t> alreadyPresent_;         // 23505 statements whose ledger rows wait for a batch
    std::unordered_set<std::string> committed_;  // hashes committed by this run
};

}  // namespace db
