#include "db/spool/spool_batches.hpp"

#include <algorithm>
#include <deque>
#include <stdexcept>
#include <string_view>
#include <unordered_set>

#include "db/pg/transaction.hpp"
#include "db/schema/migration_catalog.hpp"
#include "db/spool/spool_copy.hpp"
#include "db/spool/spool_files.hpp"
#include "db/spool/spool_grammar.hpp"

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
// 23505 ledger rows ride along with the next batch; a file of duplicates has no next commit, so
// this many are flushed on their own.
constexpr size_t kAlreadyPresentFlush = 256;

struct StopReplay {
    DbError error;
};

enum class Fate { Pending, InFlight, Applied, AlreadyApplied, Deferred, Quarantined };

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

// A batch sent and not settled yet.
struct Sent {
    std::vector<size_t> statements;
    std::vector<std::pair<size_t, size_t>> commands;  // [from, to) of `statements` per command
    std::vector<size_t> alreadyPresent;               // 23505 statements whose ledger rows it records
    bool guarded = false;
    // A COPY batch: each command is one COPY of its statements' rows, run outside pipeline mode
    // (libpq has no COPY in a pipeline).
    bool copy = false;
    std::vector<const std::string*> copyCommands;
    std::vector<std::string> copyData;
};

class FileBatches {
  public:
    FileBatches(SpoolRunState& run, const std::vector<SqlStatement>& statements, SpoolFileReport& file,
                const std::string& source)
        : run_(run),
          statements_(statements),
          file_(file),
          source_(source),
          fate_(statements.size(), Fate::Pending),
          parts_(statements.size()),
          partsDone_(statements.size(), false),
          copy_(run.conn, run.options.copy) {
        hashes_.reserve(statements.size());
        for (const auto& st : statements) hashes_.push_back(sha256Hex(statementKeyText(st.text)));
    }

    SpoolFileOutcome run() {
        SpoolFileOutcome out;
        try {
            std::vector<size_t> all(statements_.size());
            for (size_t i = 0; i < all.size(); ++i) all[i] = i;
            markLedgerHits(all);
            // The spool is untrusted: what the grammar refuses is never sent (db/spool/spool_grammar.hpp).
            for (size_t i = 0; i < statements_.size(); ++i)
                if (fate_[i] == Fate::Pending)
                    if (SpoolVerdict verdict = judgeSpoolStatement(statements_[i].text); !verdict.accepted())
                        quarantine(i, DbError{"",
                                              "refused by stage1ctl replay-spool, never sent to the server: " +
                                                  verdict.refusal,
                                              "", ""});
            learnCopyTargets();
            runBatches();
            // Batching ends only when every statement is settled; if it did not, say so loudly (the
            // renamed file stays for the next run) rather than report a clean replay.
            if (std::find(fate_.begin(), fate_.end(), Fate::Pending) != fate_.end())
                throw std::logic_error("replay-spool: batching ended with statements unsettled (a bug)");
        } catch (const StopReplay& stop) {
            out.stoppedBy = stop.error;
        }
        for (Fate f : fate_) {
            const bool unsettled = f == Fate::Pending || f == Fate::InFlight;
            file_.notReached += unsettled;
            out.keep.push_back(unsettled || f == Fate::Deferred);
        }
        return out;
    }

  private:
    size_t maxBatch() const { return std::max<size_t>(1, run_.options.batchStatements); }

    Result queryOrStop(const std::string& sql, const Params& params) {
        try {
            return run_.conn.query(sql, params);
        } catch (const Error& e) {
            if (classifySpoolError(e.info()) == SpoolErrorClass::Stop) throw StopReplay{e.info()};
            throw;
        }
    }

    std::string hashList(const std::vector<size_t>& indexes, size_t from, size_t to) const {
        std::string out;
        out.reserve((to - from) * 65);
        for (size_t k = from; k < to; ++k) (out += out.empty() ? "" : ",") += hashes_[indexes[k]];
        return out;
    }

    // Marks the pending statements among `indexes` whose hash is in the ledger; returns how many.
    size_t markLedgerHits(const std::vector<size_t>& indexes) {
        size_t marked = 0;
        for (size_t from = 0; from < indexes.size(); from += kLookupChunk) {
            const size_t to = std::min(indexes.size(), from + kLookupChunk);
            std::unordered_set<std::string> hits;
            Result r = queryOrStop(kLedgerLookup, {hashList(indexes, from, to)});
            for (int row = 0; row < r.rows(); ++row) hits.emplace(r.text(row, 0));
            for (size_t k = from; k < to; ++k) {
                const size_t i = indexes[k];
                if (fate_[i] == Fate::Pending && hits.count(hashes_[i])) {
                    fate_[i] = Fate::AlreadyApplied;
                    ++file_.alreadyApplied;
                    ++marked;
                }
            }
        }
        return marked;
    }

    const std::optional<InsertValuesParts>& partsOf(size_t i) {
        if (!partsDone_[i]) parts_[i] = insertValuesParts(statements_[i].text);
        partsDone_[i] = true;
        return parts_[i];
    }

    // Before the first batch: what COPY needs to know from the server. Names are resolved once,
    // now: every pending statement is an INSERT the spool grammar accepted, so nothing sent in
    // between (a SET search_path, a CREATE) can change what a name means.
    void learnCopyTargets() {
        if (!copy_.enabled()) return;
        try {
            for (size_t i = 0; i < statements_.size(); ++i)
                if (fate_[i] == Fate::Pending && partsOf(i)) copy_.learn(*partsOf(i));
        } catch (const Error& e) {
            if (classifySpoolError(e.info()) == SpoolErrorClass::Stop) throw StopReplay{e.info()};
            throw;
        }
    }

    bool copyable(size_t i) {
        if (i >= statements_.size() || i < copyFrom_ || !copy_.enabled() || !partsOf(i)) return false;
        std::string lines;
        return copy_.appendLines(*partsOf(i), lines);
    }

    // Adds statement i's rows to the COPY batch `next` (a new command when the target changes);
    // false when it must go as INSERT.
    bool addToCopy(Sent& next, size_t i) {
        const auto& parts = partsOf(i);
        const std::string* command = parts ? copy_.copyCommand(parts->head) : nullptr;
        if (!command) return false;
        const size_t k = next.statements.size();
        const bool fresh = next.commands.empty() || next.copyCommands.back() != command;
        if (fresh) {
            next.commands.emplace_back(k, k);
            next.copyCommands.push_back(command);
            next.copyData.emplace_back();
        }
        if (!copy_.appendLines(*parts, next.copyData.back())) {
            if (fresh) {
                next.commands.pop_back();
                next.copyCommands.pop_back();
                next.copyData.pop_back();
            }
            return false;
        }
        next.commands.back().second = k + 1;
        return true;
    }

    void runBatches() {
        std::optional<Pipeline> pipeline;
        std::deque<Sent> inFlight;
        // Only connection-level failures leave a pipeline by exception.
        auto onConnection = [](auto&& step) {
            try {
                return step();
            } catch (const Error& e) {
                throw StopReplay{e.info()};
            }
        };
        size_t limit = maxBatch();
        bool draining = false;  // a batch failed: let the one behind it roll back before sending more
        try {
            while (true) {
                if (recheckLedger_ && inFlight.empty()) {
                    pipeline.reset();  // the lookup needs the connection out of pipeline mode
                    recheckLedger_ = false;
                    std::vector<size_t> pending;
                    for (size_t i = 0; i < fate_.size(); ++i)
                        if (fate_[i] == Fate::Pending) pending.push_back(i);
                    markLedgerHits(pending);
                }
                while (!draining && !recheckLedger_ && inFlight.size() < 2) {
                    Sent next = build(limit, inFlight);
                    if (next.statements.empty() && next.alreadyPresent.empty()) break;
                    if (next.copy) {  // build() made sure nothing is in flight
                        pipeline.reset();
                        PipelineSyncResult result = runCopyBatch(next);
                        settle(next, result, limit);
                        continue;
                    }
                    onConnection([&] {
                        if (!pipeline) pipeline.emplace(run_.conn);
                        send(*pipeline, next, inFlight.empty() ? nullptr : &inFlight.back());
                    });
                    inFlight.push_back(std::move(next));
                }
                if (inFlight.empty()) {
                    if (recheckLedger_) continue;
                    return;
                }
                PipelineSyncResult result = onConnection([&] { return pipeline->next(); });
                Sent sent = std::move(inFlight.front());
                inFlight.pop_front();
                const bool committed = settle(sent, result, limit);
                draining = !inFlight.empty() && (draining || !committed);
            }
        } catch (...) {
            try {  // a live connection leaves pipeline mode cleanly
                for (; pipeline && !inFlight.empty(); inFlight.pop_front()) pipeline->next();
            } catch (...) {
            }
            throw;
        }
    }

    // The first pending statement from the cursor; repeats of statements this run committed on the
    // way there are marked already applied (build() would skip them as well).
    size_t firstPending() {
        size_t i = cursor_;
        for (; i < fate_.size(); ++i) {
            if (fate_[i] != Fate::Pending) continue;
            if (!committed_.count(hashes_[i])) break;
            fate_[i] = Fate::AlreadyApplied;
            ++file_.alreadyApplied;
        }
        return i;
    }

    // The next statements in file order, marked InFlight, grouped into commands. A COPY batch
    // when the first pending statement can go as COPY: then nothing may be in flight, and until
    // there is not, the batch is empty.
    Sent build(size_t limit, const std::deque<Sent>& inFlight) {
        Sent next;
        while (cursor_ < fate_.size() && fate_[cursor_] != Fate::Pending && fate_[cursor_] != Fate::InFlight)
            ++cursor_;
        next.copy = merge_ && copyable(firstPending());
        if (next.copy && !inFlight.empty()) return Sent{};
        const bool merge = merge_;
        merge_ = true;
        std::unordered_set<std::string_view> taken;  // a repeat waits until the first one settled
        for (const auto& sent : inFlight) {
            for (size_t i : sent.statements) taken.insert(hashes_[i]);
            for (size_t i : sent.alreadyPresent) taken.insert(hashes_[i]);
        }
        for (size_t i : alreadyPresent_) taken.insert(hashes_[i]);
        next.alreadyPresent.swap(alreadyPresent_);
        if (next.alreadyPresent.size() >= kAlreadyPresentFlush) {
            next.copy = false;
            return next;
        }
        size_t bytes = 0;
        for (size_t i = cursor_; i < fate_.size() && next.statements.size() < limit; ++i) {
            if (fate_[i] != Fate::Pending) continue;
            if (committed_.count(hashes_[i])) {  // the same statement earlier in this run
                fate_[i] = Fate::AlreadyApplied;
                ++file_.alreadyApplied;
                continue;
            }
            if (taken.count(hashes_[i])) break;
            if (!next.statements.empty() && bytes + statements_[i].text.size() > run_.options.batchBytes)
                break;
            if (next.copy ? !addToCopy(next, i) : merge && !next.statements.empty() && copyable(i)) break;
            next.statements.push_back(i);
            taken.insert(hashes_[i]);
            bytes += statements_[i].text.size();
            fate_[i] = Fate::InFlight;
        }
        for (size_t from = 0; !next.copy && from < next.statements.size();) {
            size_t to = from + 1;
            const auto& head = partsOf(next.statements[from]);
            while (merge && head && to < next.statements.size() && partsOf(next.statements[to]) &&
                   partsOf(next.statements[to])->head == head->head)
                ++to;
            next.commands.emplace_back(from, to);
            from = to;
        }
        return next;
    }

    void send(Pipeline& pipeline, Sent& sent, const Sent* ahead) {
        if (ahead) {
            const size_t first = ahead->statements.empty() ? ahead->alreadyPresent[0] : ahead->statements[0];
            pipeline.send(kGuardAsSpoolWriter, {hashes_[first]});
            sent.guarded = true;
        } else {
            pipeline.send(kAsSpoolWriter);
        }
        for (const auto& [from, to] : sent.commands) {
            if (to - from == 1) {
                pipeline.send(statements_[sent.statements[from]].text);
                continue;
            }
            // Consecutive plain INSERTs of constants into the same columns: one multi-row INSERT.
            const auto& head = *parts_[sent.statements[from]];
            std::string merged(head.head);
            for (size_t k = from; k < to; ++k)
                (merged += k == from ? " " : ", ") += parts_[sent.statements[k]]->rows;
            pipeline.send(merged);
        }
        pipeline.send(kLedgerInsert, ledgerRows(sent));
        pipeline.markSync();
    }

    Params ledgerRows(const Sent& sent) const {
        std::string hashes, lines = "{";
        for (const auto* list : {&sent.statements, &sent.alreadyPresent})
            for (size_t i : *list) {
                if (!hashes.empty()) {
                    hashes += ',';
                    lines += ',';
                }
                hashes += hashes_[i];
                lines += std::to_string(statements_[i].line);
            }
        return {hashes, lines + "}", source_, std::to_string(sent.statements.size())};
    }

    // A COPY batch, the way a pipelined one runs: one transaction with its ledger rows, its result
    // in the same shape, so settle() treats both alike.
    PipelineSyncResult runCopyBatch(const Sent& sent) {
        Connection& conn = run_.conn;
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
            for (size_t c = 0; c < sent.commands.size(); ++c)
                step([&] {
                    conn.copyBegin(*sent.copyCommands[c]);
                    conn.copyWrite(sent.copyData[c]);
                    conn.copyEnd();
                });
            step([&] { conn.query(kLedgerInsert, ledgerRows(sent)); });
            if (failed) return result;  // rolled back on the way out
            try {
                transaction.commit();
            } catch (const Error& e) {
                if (classifySpoolError(e.info()) == SpoolErrorClass::Stop) throw;
                result.syncError = e.info();
            }
        } catch (const Error& e) {  // BEGIN, the role switch, a lost COMMIT: only the connection fails them
            throw StopReplay{e.info()};
        }
        return result;
    }

    // Applies a batch's results; true when it committed. `limit` doubles after a commit and drops
    // to the statements before the failing one after a failure.
    bool settle(Sent& sent, const PipelineSyncResult& result, size_t& limit) {
        if (result.ok()) {
            for (size_t i : sent.statements) {
                fate_[i] = Fate::Applied;
                committed_.insert(hashes_[i]);
            }
            for (size_t i : sent.alreadyPresent) committed_.insert(hashes_[i]);
            file_.applied += static_cast<long long>(sent.statements.size());
            limit = std::min(limit * 2, maxBatch());
            return true;
        }
        // Nothing of this batch was committed: its statements are pending again unless resolved below.
        for (size_t i : sent.statements)
            if (fate_[i] == Fate::InFlight) fate_[i] = Fate::Pending;
        alreadyPresent_.insert(alreadyPresent_.end(), sent.alreadyPresent.begin(), sent.alreadyPresent.end());

        const size_t offset = sent.copy ? 0 : 1;  // a pipelined batch starts with the role switch
        size_t failed = 0;
        while (failed < result.commands.size() &&
               result.commands[failed].status != PipelineOutcome::Status::Failed)
            ++failed;
        if (failed < result.commands.size()) {
            const DbError& e = result.commands[failed].error;
            if (classifySpoolError(e) == SpoolErrorClass::Stop) throw StopReplay{e};
            if (offset == 1 && failed == 0) {  // the role switch, or the guard: the batch ahead failed
                if (!sent.guarded || e.sqlstate != kGuardFailed) throw Error(e);
                return false;
            }
            if (failed - offset < sent.commands.size()) {
                if (sent.copy) {  // the same statements again as INSERTs, which name the failing one
                    copyFrom_ = std::max(copyFrom_, sent.statements.back() + 1);
                    return false;
                }
                const auto [from, to] = sent.commands[failed - offset];
                if (to - from == 1) {
                    resolve(sent.statements[from], e);
                    limit = std::max<size_t>(1, from);
                } else {
                    merge_ = false;  // a merged INSERT failed: the same statements again, one by one
                }
                return false;
            }
            // The ledger INSERT: only another writer of the ledger can make it fail with 23505 (the
            // lock rules that out); if it happens, the ledger is right and those statements are done.
            if (e.sqlstate == kRoleChanged)
                throw Error(DbError{"", "a spooled statement changed the role the replay runs as; its batch was "
                                        "rolled back and the replay stopped. Look for SET ROLE or set_config in "
                                        "the spool.", "", ""});
            if (e.sqlstate != "23505") throw Error(e);
            recheckLedger_ = true;
            return false;
        }
        if (!result.syncError) throw std::logic_error("pipeline failed without an error");
        // Every command ran and the implicit COMMIT failed (deferred constraint, serialization).
        const DbError& e = *result.syncError;
        if (classifySpoolError(e) == SpoolErrorClass::Stop) throw StopReplay{e};
        if (sent.statements.empty()) throw Error(e);
        if (sent.statements.size() == 1) resolve(sent.statements[0], e);
        limit = 1;  // find the culprit one statement at a time
        return false;
    }

    void resolve(size_t i, const DbError& error) {
        switch (classifySpoolError(error)) {
            case SpoolErrorClass::AlreadyPresent:
                fate_[i] = Fate::AlreadyApplied;
                ++file_.alreadyApplied;
                alreadyPresent_.push_back(i);  // its ledger row commits with the next batch
                return;
            case SpoolErrorClass::Deferred:
                fate_[i] = Fate::Deferred;
                ++file_.deferred;
                noteDeferred(i, error);
                return;
            case SpoolErrorClass::Quarantined:
                quarantine(i, error);
                return;
            case SpoolErrorClass::Stop:
                throw StopReplay{error};
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

    void quarantine(size_t i, const DbError& error) {
        fate_[i] = Fate::Quarantined;
        ++file_.quarantined;
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
    SpoolFileReport& file_;
    const std::string& source_;  // the archived file, as the ledger and the quarantine name it
    std::vector<std::string> hashes_;
    std::vector<Fate> fate_;
    std::vector<std::optional<InsertValuesParts>> parts_;  // computed when first batched
    std::vector<bool> partsDone_;
    SpoolCopyPlan copy_;
    size_t copyFrom_ = 0;                        // statements before it go as INSERT (a COPY of them failed)
    size_t cursor_ = 0;                          // statements before it are settled
    bool merge_ = true;                          // false: the next batch runs every statement on its own
    bool recheckLedger_ = false;                 // the ledger INSERT met 23505: read the ledger again
    std::vector<size_t> alreadyPresent_;         // 23505 statements whose ledger rows wait for a batch
    std::unordered_set<std::string> committed_;  // hashes committed by this run
};

}  // namespace

SpoolFileOutcome applySpoolStatements(SpoolRunState& run, const std::vector<SqlStatement>& statements,
                                      SpoolFileReport& file, const std::string& ledgerSource) {
    return FileBatches(run, statements, file, ledgerSource).run();
}

}  // namespace db
