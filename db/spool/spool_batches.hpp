// The statements of one spool file applied exactly once (internal to db/spool/spool_replay.cpp): the
// batch planner (db/spool/spool_plan.hpp, no connection) decides what goes together; the two
// executors here run its batches and tell it what became of them.
//
// The ledger is read once for the whole file; the grammar judges what is not in it (what it refuses
// is quarantined, never sent) and its parse of each INSERT is all the planner reads of it. The
// judging runs in file order while the server loads the COPY batches before it, so on two cores
// the client's reading of the file and the server's loading overlap. A batch
// is one transaction (pipelined: the commands between two sync points): the role switch, its
// statements (consecutive plain INSERTs with the same head merged into one multi-row INSERT), then
// one INSERT of their ledger rows. It commits all of them or none.
// - The pipeline executor keeps two batches in flight, so the server never waits for the client;
//   the second one starts with a guard that fails unless the first one's ledger rows are there, so
//   when a batch fails the one behind it is rolled back too and statements are still applied in
//   order. After a failure the planner runs the batch again without merging, so the failing
//   statement is known; its SQLSTATE decides (classifySpoolError), the statements before it are
//   sent again as the next batch, and the batch size grows back from there (an all-failing file
//   costs one round trip per statement, never a quadratic resend).
// - The COPY executor runs the batches of INSERTs whose rows COPY stores exactly as the INSERTs
//   would (db/spool/spool_copy.hpp), one COPY per table where the order allows
//   (db/spool/copy_order.hpp): the same transaction with their ledger rows, loaded by COPY too, run
//   when nothing is in flight, because libpq has no COPY in pipeline mode. When a COPY batch fails, its
//   statements go again as INSERTs, so the failing one is named by its own error; the batches
//   after it use COPY again.
// A lost connection stops the file: what was not settled stays in the spool (stoppedBy).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/pg/pg.hpp"
#include "db/spool/spool_replay.hpp"
#include "db/spool/sql_splitter.hpp"

namespace db {

// What the files of one run share.
struct SpoolRunState {
    Connection& conn;
    const SpoolReplayOptions& options;
    SpoolReplayReport& report;
    std::map<std::string, size_t> causeIndex;  // deferred causes already in report.deferredCauses
    std::string quarantineText;                // entries not yet appended to the quarantine file
};

struct SpoolFileOutcome {
    std::vector<bool> keep;            // per statement: deferred or never reached, keep it in the spool
    std::optional<DbError> stoppedBy;  // the connection was lost before every statement was settled
};

// Counts go to `file`; `ledgerSource` is what the ledger and the quarantine entries name as the
// statements' file. Throws Error for a failure that is not a statement's (e.g. no INSERT privilege
// on the ledger): nothing of the batch that met it was committed.
SpoolFileOutcome applySpoolStatements(SpoolRunState& run, const std::vector<SqlStatement>& statements,
                                      SpoolFileReport& file, const std::string& ledgerSource);

}  // namespace db
