#include "db/spool/spool_batches.hpp"

#include <deque>
#include <functional>
#include <stdexcept>
#include <unordered_set>

#include "db/pg/transaction.hpp"
#include "db/schema/migration_catalog.hpp"
#include "db/spool/copy_rows.hpp"
#include "db/spool/spool_copy.hpp"
#include "db/spool/spool_files.hpp"
#include "db/spool/spool_grammar.hpp"
#include "db/spool/spool_plan.hpp"

namespace db {

namespace {

// Hashes travel as one comma-separated text (hex never needs quoting): cheaper for the server than
// a text[] literal. A batch's ledger rows: its applied statements, then its 23505 ones.
constexpr const char* kLedgerLookup =
    "SELECT statement_sha256 FROM public.stage1_spool_ledger "
    "WHERE statement_sha256 = ANY(string_to_array($1, ','))";
// The last command of a batch. It fails with division by zero (22012) when a statement of the batch
// changed the role it runs as (a SET ROLE or set_config the grammar should never have let through),
// so such a batch never commits.
constexpr const char* kLedgerInsert =
    "INSERT INTO public.stage1_spool_ledger (statement_sha256, first_line, source_file, outcome) "
    "SELECT h, l, $3, CASE WHEN n > $4 THEN 'already_present' ELSE 'applied' END "
    "FROM unnest(string_to_array($1, ','), $2::int[]) WITH ORDINALITY AS t(h, l, n) "
    "WHERE 1 / (current_user = 'stage1_spool_writer')::int = 1";
constexpr const char* kRoleChanged = "22012";
// A COPY batch's ledger rows. Its COPY commands carry only data, never a spooled statement's text,
// so nothing in it can have changed the role, and the rows load the cheap way.
constexpr const char* kLedgerCopy =
    "COPY public.stage1_spool_ledger (statement_sha256, first_line, source_file, outcome) FROM STDIN";
// The first command of every batch: from here to its commit the transaction runs as
// stage1_spool_writer (0012), which may only INSERT into the four tables and the ledger; a
// statement the grammar wrongly let through still cannot do more. Local: the commit ends it.
constexpr const char* kAsSpoolWriter = "SELECT set_config('role', 'stage1_spool_writer', true)";
// The same for a batch sent while another is in flight, first guarded: division by zero (22012),
// which rolls this batch back, unless the batch ahead committed its first ledger row. The ledger is
// read (by the aggregate) before the role changes (in the projection).
constexpr const char* kGuardAsSpoolWriter =
    "SELECT 1 / count(*)::int, set_config('role', 'stage1_spool_writer', true) "
    "FROM public.stage1_spool_ledger WHERE statement_sha256 = $1";
constexpr const char* kGuardFailed = "22012";
constexpr size_t kLookupChunk = 20000;
constexpr size_t kJudgeSlice = 64;  // statements judged at a time while the server works

struct StopReplay {
    DbError error;
};

// Only connection-level failures leave a pipeline or a lookup by exception.
template <typename Step>
auto onConnection(Step&& step) {
    try {
        return step();
    } catch (const Error& e) {
        throw StopReplay{e.info()};
    }
}

// Stops the replay when the connection is gone; any other failure goes on as it is.
template <typename Step>
auto stopIfConnectionLost(Step&& step) {
    try {
        return step();
    } catch (const Error& e) {
        if (classifySpoolError(e.info()) == SpoolErrorClass::Stop) throw StopReplay{e.info()};
        throw;
    }
}

std::string commentLines(const std::string& text) {
    std::string out;
    size_t from = 0;
    while (true) {
        size_t end = text.find('\n', from);
        std::string line = text.substr(from, end == std::string::npos ? std::string::npos : end - from);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out += "-- " + line + "\n";
        if (end == std::string::npos) return out;
        from = end + 1;
    }
}

// What the server made of a batch's commands: `statementCommands` of them follow
// `leadingCommands` (the role switch, or the guard), then the ledger INSERT. Throws StopReplay when
// the connection is gone and Error for a failure that is not a statement's.
BatchResult batchResult(const PipelineSyncResult& result, size_t leadingCommands, size_t statementCommands,
                        bool guarded, const BatchStatements& rows) {
    if (result.ok()) return BatchCommitted{};
    size_t failed = 0;
    while (failed < result.commands.size() &&
           result.commands[failed].status != PipelineOutcome::Status::Failed)
        ++failed;
    if (failed < result.commands.size()) {
        const DbError& e = result.commands[failed].error;
        if (classifySpoolError(e) == SpoolErrorClass::Stop) throw StopReplay{e};
        if (failed < leadingCommands) {  // the role switch, or the guard: the batch ahead failed
            if (!guarded || e.sqlstate != kGuardFailed) throw Error(e);
            return BatchBehindFailure{};
        }
        if (failed - leadingCommands < statementCommands)
            return BatchCommandFailed{failed - leadingCommands, e};
        // The ledger INSERT: only another writer of the ledger can make it fail with 23505 (the
        // lock rules that out); if it happens, the ledger is right and those statements are done.
        if (e.sqlstate == kRoleChanged)
            throw Error(DbError{"",
                                "a spooled statement changed the role the replay runs as; its batch was "
                                "rolled back and the replay stopped. Look for SET ROLE or set_config in "
                                "the spool.",
                                "", ""});
        if (e.sqlstate != "23505") throw Error(e);
        return BatchLedgerRowsTaken{};
    }
    if (!result.syncError) throw std::logic_error("pipeline failed without an error");
    const DbError& e = *result.syncError;
    if (classifySpoolError(e) == SpoolErrorClass::Stop) throw StopReplay{e};
    if (rows.statements.empty()) throw Error(e);
    return BatchCommitFailed{e};
}

// The ledger rows a batch records, as kLedgerInsert's parameters.
class LedgerRows {
  public:
    LedgerRows(const std::vector<SqlStatement>& statements, const SpoolBatchPlanner& planner,
               const std::string& source)
        : statements_(statements), planner_(planner), source_(source) {}

    Params of(const BatchStatements& rows) const {
        std::string hashes, lines = "{";
        for (const auto* list : {&rows.statements, &rows.alreadyPresent})
            for (size_t i : *list) {
                if (!hashes.empty()) {
                    hashes += ',';
                    lines += ',';
                }
                hashes += planner_.hash(i);
                lines += std::to_string(statements_[i].line);
            }
        return {hashes, lines + "}", source_, std::to_string(rows.statements.size())};
    }

    // The same rows as kLedgerCopy's data.
    std::string copyData(const BatchStatements& rows) const {
        std::string source;
        appendCopyEscaped(source_, source);
        std::string out;
        out.reserve((rows.statements.size() + rows.alreadyPresent.size()) * (90 + source.size()));
        for (const auto* list : {&rows.statements, &rows.alreadyPresent})
            for (size_t i : *list) {
                out += planner_.hash(i);
                ((out += '\t') += std::to_string(statements_[i].line)) += '\t';
                ((out += source) += '\t') += list == &rows.statements ? "applied\n" : "already_present\n";
            }
        return out;
    }

  private:
    const std::vector<SqlStatement>& statements_;
    const SpoolBatchPlanner& planner_;
    const std::string& source_;
};

// The pipeline executor: up to two batches in flight, the second one guarded by the first one's
// ledger row. Leaving pipeline mode is cheap, so it leaves whenever it is told to (a COPY batch, a
// ledger read) and enters again with the next batch.
class PipelineExecutor {
  public:
    PipelineExecutor(Connection& conn, const LedgerRows& ledger) : conn_(conn), ledger_(ledger) {}

    // On the way out by exception: a live connection leaves pipeline mode cleanly.
    ~PipelineExecutor() {
        try {
            for (; pipeline_ && !sent_.empty(); sent_.pop_front()) pipeline_->next();
        } catch (...) {
        }
    }

    size_t inFlight() const { return sent_.size(); }
    std::vector<const PipelineBatch*> batchesInFlight() const {
        std::vector<const PipelineBatch*> out;
        for (const auto& sent : sent_) out.push_back(&sent.batch);
        return out;
    }
    // Nothing may be in flight.
    void leave() { pipeline_.reset(); }

    void send(PipelineBatch batch, const SpoolBatchPlanner& planner) {
        const bool guarded = !sent_.empty();
        onConnection([&] {
            if (!pipeline_) pipeline_.emplace(conn_);
            if (guarded) {
                const PipelineBatch& ahead = sent_.back().batch;
                const size_t first = ahead.statements.empty() ? ahead.alreadyPresent[0] : ahead.statements[0];
                pipeline_->send(kGuardAsSpoolWriter, {planner.hash(first)});
            } else {
                pipeline_->send(kAsSpoolWriter);
            }
            for (const PipelineCommand& command : batch.commands) pipeline_->send(command.sql);
            pipeline_->send(kLedgerInsert, ledger_.of(batch));
            pipeline_->markSync();
        });
        sent_.push_back(Sent{std::move(batch), guarded});
    }

    // The oldest batch in flight and what became of it.
    std::pair<SpoolBatch, BatchResult> receive() {
        PipelineSyncResult result = onConnection([&] { return pipeline_->next(); });
        Sent sent = std::move(sent_.front());
        sent_.pop_front();
        BatchResult outcome = batchResult(result, 1, sent.batch.commands.size(), sent.guarded, sent.batch);
        return {std::move(sent.batch), std::move(outcome)};
    }

  private:
    struct Sent {
        PipelineBatch batch;
        bool guarded = false;  // sent behind another batch: starts with kGuardAsSpoolWriter
    };
    Connection& conn_;
    const LedgerRows& ledger_;
    std::optional<Pipeline> pipeline_;
    std::deque<Sent> sent_;
};

// The COPY executor: a COPY batch the way a pipelined one runs (libpq has no COPY in pipeline
// mode), one transaction with its ledger rows (by COPY as well), its result read the same way.
// `whileLoading` runs while the server loads rows (Connection::copyEnd).
BatchResult runCopyBatch(Connection& conn, const CopyBatch& batch, const LedgerRows& ledger,
                         const std::function<bool()>& whileLoading) {
    PipelineSyncResult result;
    bool failed = false;
    auto step = [&](auto&& command) {
        PipelineOutcome outcome;
        if (failed) {
            outcome.status = PipelineOutcome::Status::Skipped;
        } else {
            try {
                command();
            } catch (const Error& e) {
                if (classifySpoolError(e.info()) == SpoolErrorClass::Stop) throw StopReplay{e.info()};
                outcome = {PipelineOutcome::Status::Failed, e.info()};
                failed = true;
            }
        }
        result.commands.push_back(outcome);
    };
    try {
        Transaction transaction(conn);
        conn.query(kAsSpoolWriter);
        for (const CopyCommand& command : batch.commands)
            step([&] {
                conn.copyBegin(command.target->command);
                conn.copyWrite(command.data);
                conn.copyEnd(whileLoading);
            });
        step([&] {
            conn.copyBegin(kLedgerCopy);
            conn.copyWrite(ledger.copyData(batch));
            conn.copyEnd(whileLoading);
        });
        // After a failed command the transaction rolls back on the way out.
        if (!failed) {
            try {
                transaction.commit();
            } catch (const Error& e) {
                if (classifySpoolError(e.info()) == SpoolErrorClass::Stop) throw;
                result.syncError = e.info();
            }
        }
    } catch (const Error& e) {  // BEGIN, the role switch, a lost COMMIT: only the connection fails them
        throw StopReplay{e.info()};
    }
    return batchResult(result, 0, batch.commands.size(), false, batch);
}

std::vector<std::string> ledgerHashes(const std::vector<SqlStatement>& statements) {
    std::vector<std::string> hashes;
    hashes.reserve(statements.size());
    for (const auto& st : statements) hashes.push_back(sha256Hex(statementKeyText(st.text)));
    return hashes;
}

// One file: the ledger and the grammar first, then the planner's batches through the executors.
class FileReplay {
  public:
    FileReplay(SpoolRunState& run, const std::vector<SqlStatement>& statements, SpoolFileReport& file,
               const std::string& source)
        : run_(run),
          statements_(statements),
          source_(source),
          planner_(statements, ledgerHashes(statements),
                   SpoolBatchLimits{run.options.batchStatements, run.options.batchBytes}, file),
          ledger_(statements, planner_, source),
          copy_(run.conn, run.options.copy) {}

    SpoolFileOutcome run() {
        SpoolFileOutcome out;
        try {
            markLedgerHits(planner_.pending());
            toJudge_ = planner_.pending();
            planner_.readyUpTo(toJudge_.empty() ? statements_.size() : toJudge_[0]);
            runBatches();
            // Batching ends only when every statement is settled; if it did not, say so loudly (the
            // renamed file stays for the next run) rather than report a clean replay.
            if (!planner_.allSettled())
                throw std::logic_error("replay-spool: batching ended with statements unsettled (a bug)");
        } catch (const StopReplay& stop) {
            out.stoppedBy = stop.error;
        }
        out.keep = planner_.finish();
        return out;
    }

  private:
    std::string hashList(const std::vector<size_t>& indexes, size_t from, size_t to) const {
        std::string out;
        out.reserve((to - from) * 65);
        for (size_t k = from; k < to; ++k) (out += out.empty() ? "" : ",") += planner_.hash(indexes[k]);
        return out;
    }

    void markLedgerHits(const std::vector<size_t>& indexes) {
        for (size_t from = 0; from < indexes.size(); from += kLookupChunk) {
            const size_t to = std::min(indexes.size(), from + kLookupChunk);
            std::unordered_set<std::string> hits;
            Result r = stopIfConnectionLost(
                [&] { return run_.conn.query(kLedgerLookup, {hashList(indexes, from, to)}); });
            for (int row = 0; row < r.rows(); ++row) hits.emplace(r.text(row, 0));
            for (size_t k = from; k < to; ++k)
                if (hits.count(planner_.hash(indexes[k]))) planner_.foundInLedger(indexes[k]);
        }
    }

    // The spool is untrusted: what the grammar refuses is never sent (db/spool/spool_grammar.hpp).
    // What it accepts is read once, for the forms it may travel in. Statements are judged in file
    // order while the server loads the batches before them (64 at a time, about a millisecond),
    // and the planner plans only judged ones. The server is asked about a COPY target when it is
    // first seen, before the batch that needs it: every pending statement is an INSERT the grammar
    // accepted, so nothing sent in between (a SET search_path, a CREATE) can change what a name
    // means. The parse is not kept (it is several times the file's size).
    // Returns false when it judged none: all are judged, or the next one needs the server while
    // `connectionFree` is false.
    bool judgeSome(size_t count, bool connectionFree) {
        size_t done = 0;
        for (; judged_ < toJudge_.size() && done < count; ++judged_, ++done) {
            const size_t i = toJudge_[judged_];
            if (!planner_.isPending(i)) continue;  // found in the ledger on a second read
            SpoolVerdict verdict = judgeSpoolStatement(statements_[i].text);
            if (!verdict.accepted()) {
                planner_.refuse(i);
                quarantine(i, DbError{"",
                                      "refused by stage1ctl replay-spool, never sent to the server: " +
                                          verdict.refusal,
                                      "", ""});
                continue;
            }
            const bool copy = copy_.enabled() && isMergeable(*verdict.insert);
            if (copy && !copy_.knows(*verdict.insert)) {
                if (!connectionFree) break;  // judged again once the batch is done
                stopIfConnectionLost([&] { copy_.learn(*verdict.insert); });
            }
            planner_.allow(i, insertForms(*verdict.insert, copy ? &copy_.targets() : nullptr));
        }
        planner_.readyUpTo(judged_ < toJudge_.size() ? toJudge_[judged_] : statements_.size());
        return done > 0;
    }

    void runBatches() {
        PipelineExecutor pipeline(run_.conn, ledger_);
        bool draining = false;  // a batch failed: let the one behind it roll back before sending more
        while (true) {
            if (planner_.wantsLedgerRead() && pipeline.inFlight() == 0) {
                pipeline.leave();  // the lookup needs the connection out of pipeline mode
                planner_.ledgerRead();
                markLedgerHits(planner_.pending());
            }
            while (!draining && !planner_.wantsLedgerRead() && pipeline.inFlight() < 2) {
                while (planner_.wantsMoreReady()) {
                    const bool connectionFree = pipeline.inFlight() == 0;
                    if (connectionFree) pipeline.leave();  // a lookup needs it out of pipeline mode
                    if (!judgeSome(kJudgeSlice, connectionFree)) break;
                }
                std::optional<SpoolBatch> next = planner_.next(pipeline.batchesInFlight());
                if (!next) break;
                if (auto* copy =
                        std::get_if<CopyBatch>(&*next)) {  // the planner made sure nothing is in flight
                    pipeline.leave();
                    settle(*next, runCopyBatch(run_.conn, *copy, ledger_,
                                               [this] { return judgeSome(kJudgeSlice, false); }));
                    continue;
                }
                pipeline.send(std::get<PipelineBatch>(std::move(*next)), planner_);
            }
            if (pipeline.inFlight() == 0) {
                if (planner_.wantsLedgerRead()) continue;
                return;
            }
            auto [batch, result] = pipeline.receive();
            const bool committed = std::holds_alternative<BatchCommitted>(result);
            settle(batch, result);
            draining = pipeline.inFlight() > 0 && (draining || !committed);
        }
    }

    void settle(const SpoolBatch& batch, const BatchResult& result) {
        std::optional<SettledFailure> failure = planner_.settle(batch, result);
        if (!failure) return;
        switch (failure->settledAs) {
            case SpoolErrorClass::AlreadyPresent:
                return;
            case SpoolErrorClass::Deferred:
                noteDeferred(failure->statement, failure->error);
                return;
            case SpoolErrorClass::Quarantined:
                quarantine(failure->statement, failure->error);
                return;
            case SpoolErrorClass::Stop:
                throw StopReplay{failure->error};
        }
    }

    void noteDeferred(size_t i, const DbError& error) {
        std::optional<MissingReference> missing;
        if (error.sqlstate == "23503") missing = parseMissingReference(error.detail);
        const std::string key =
            error.sqlstate + "\n" +
            (missing ? missing->table + "\n" + missing->columns + "\n" + missing->key : error.message);
        auto [it, inserted] = run_.causeIndex.emplace(key, run_.report.deferredCauses.size());
        if (inserted)
            run_.report.deferredCauses.push_back(
                DeferredCause{error.sqlstate, missing, error.message, 0, source_, statements_[i].line});
        ++run_.report.deferredCauses[it->second].statements;
    }

    // The planner counted it; this writes its entry for the quarantine file.
    void quarantine(size_t i, const DbError& error) {
        const SqlStatement& st = statements_[i];
        std::string& out = run_.quarantineText;
        out += "-- stage1ctl replay-spool " + utcTime("%Y-%m-%dT%H:%M:%SZ") +
               ": quarantined, NOT applied (fix it, then append it to the spool to retry)\n";
        out += "-- from " + source_ + " line " + std::to_string(st.line) + "\n";
        out += commentLines(error.sqlstate.empty() ? "error: " + error.message
                                                   : "SQLSTATE " + error.sqlstate + ": " + error.message);
        if (!error.detail.empty()) out += commentLines("DETAIL: " + error.detail);
        if (!error.hint.empty()) out += commentLines("HINT: " + error.hint);
        if (!st.leading.empty()) out += st.leading + "\n";
        out += st.text + "\n\n";
    }

    SpoolRunState& run_;
    const std::vector<SqlStatement>& statements_;
    const std::string& source_;  // the archived file, as the ledger and the quarantine name it
    SpoolBatchPlanner planner_;
    LedgerRows ledger_;
    CopyTargetLookup copy_;
    std::vector<size_t> toJudge_;  // the statements not in the ledger, in file order
    size_t judged_ = 0;            // how many of them are judged
};

}  // namespace

SpoolFileOutcome applySpoolStatements(SpoolRunState& run, const std::vector<SqlStatement>& statements,
                                      SpoolFileReport& file, const std::string& ledgerSource) {
    return FileReplay(run, statements, file, ledgerSource).run();
}

}  // namespace db
