#include "db/spool_replay.hpp"

#include <fcntl.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <thread>
#include <unordered_set>

#include "db/migration_catalog.hpp"
#include "db/spool_files.hpp"
#include "db/sql_splitter.hpp"

namespace db {

namespace fs = std::filesystem;

namespace {

std::string commentLines(const std::string& text) {
    std::string out;
    size_t from = 0;
    while (from <= text.size()) {
        size_t end = text.find('\n', from);
        std::string line = text.substr(from, end == std::string::npos ? std::string::npos : end - from);
        if (!line.empty() && line.back() == '\r') line.pop_back();
        out += "-- " + line + "\n";
        if (end == std::string::npos) break;
        from = end + 1;
    }
    return out;
}

// ---- the lock ------------------------------------------------------------------------------------

std::string lockHolders(Connection& conn) {
    Result r = conn.query(
        "SELECT string_agg('pid ' || a.pid || ', ' || coalesce(a.usename::text, '?') || '@' || "
        "coalesce(a.client_addr::text, 'local') || ', ' || "
        "coalesce(nullif(a.application_name, ''), 'no application_name'), '; ') "
        "FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
        "WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 "
        "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database()) "
        "AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint",
        {std::to_string(kSpoolReplayLockKey)});
    return r.isNull(0, 0) ? "pid unknown: the holder just finished" : std::string(r.text(0, 0));
}

// Polled like the migrator's: a blocking pg_advisory_lock could wait forever and says nothing.
void takeReplayLock(Connection& conn, const SpoolReplayOptions& options) {
    const Params key{std::to_string(kSpoolReplayLockKey)};
    const auto deadline = std::chrono::steady_clock::now() + options.lockWait;
    const std::string waited = std::to_string(options.lockWait.count() / 1000) + " s";
    bool announced = false;
    while (!conn.query("SELECT pg_try_advisory_lock($1::bigint)", key).boolean(0, 0)) {
        if (std::chrono::steady_clock::now() >= deadline)
            throw SpoolReplayError(
                SpoolReplayFailure::LockBusy,
                "another replay-spool is already running (" + lockHolders(conn) + ")" +
                    (options.lockWait.count() > 0 ? " and did not finish within " + waited : "") +
                    "; nothing was replayed and no file was touched. Rerun when it is done (or give "
                    "--lock-wait).");
        if (!announced && options.progress)
            options.progress("another replay-spool is running (" + lockHolders(conn) + "); waiting up to " +
                             waited);
        announced = true;
        std::this_thread::sleep_for(options.lockPoll);
    }
}

void releaseReplayLock(Connection& conn) {
    try {
        conn.query("SELECT pg_advisory_unlock($1::bigint)", {std::to_string(kSpoolReplayLockKey)});
        conn.exec("RESET lock_timeout");
    } catch (const Error&) {
        // The lock dies with the session anyway.
    }
}

// ---- one file's statements -------------------------------------------------------------------------

// Hashes travel as one comma-separated text (hex never needs quoting): cheaper for the server than
// a text[] literal. The ledger rows of a batch: its applied statements, then the 23505 ones.
constexpr const char* kLedgerLookup =
    "SELECT statement_sha256 FROM public.stage1_spool_ledger "
    "WHERE statement_sha256 = ANY(string_to_array($1, ','))";
constexpr const char* kLedgerInsert =
    "INSERT INTO public.stage1_spool_ledger (statement_sha256, first_line, source_file, outcome) "
    "SELECT h, l, $3, CASE WHEN n > $4 THEN 'already_present' ELSE 'applied' END "
    "FROM unnest(string_to_array($1, ','), $2::int[]) WITH ORDINALITY AS t(h, l, n)";

constexpr size_t kExtraLedgerFlush = 256;

struct StopReplay {
    DbError error;
};

enum class Fate { Pending, Applied, AlreadyApplied, Deferred, Quarantined };

// Transaction control would end the batch's transaction (and its ledger rows) early; COPY needs
// psql's data stream. Neither is something the desktop writes.
std::optional<std::string> refusedByReplay(const std::string& text) {
    auto word = [&](size_t from, size_t& end) {
        while (from < text.size() && std::isspace(static_cast<unsigned char>(text[from]))) ++from;
        end = from;
        while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
        std::string w = text.substr(from, end - from);
        for (char& c : w) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        return w;
    };
    size_t end = 0;
    const std::string first = word(0, end);
    static const std::unordered_set<std::string> control = {"BEGIN",    "START", "COMMIT",    "END",
                                                            "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE"};
    if (control.count(first) || (first == "PREPARE" && word(end, end) == "TRANSACTION"))
        return "refused by stage1ctl replay-spool: transaction control is not replayed (every statement runs "
               "in the replay's own transaction together with its ledger row)";
    if (first == "COPY")
        return "refused by stage1ctl replay-spool: COPY is not replayed (it needs psql's data stream)";
    return std::nullopt;
}

// Runs whole batches: every statement of a batch plus one INSERT of their ledger rows are pipelined
// between two sync points, i.e. one implicit transaction that commits all of them or none.
class FileReplay {
  public:
    struct Shared {
        Connection& conn;
        const SpoolReplayOptions& options;
        SpoolReplayReport& report;
        std::map<std::string, size_t>& causeIndex;
        std::string quarantineText;  // flushed by the caller
    };

    FileReplay(Shared& shared, const std::vector<SqlStatement>& statements, SpoolFileReport& file,
               std::string ledgerSource)
        : s_(shared),
          statements_(statements),
          file_(file),
          source_(std::move(ledgerSource)),
          fate_(statements.size(), Fate::Pending) {
        hashes_.reserve(statements.size());
        for (const auto& st : statements) hashes_.push_back(sha256Hex(statementKeyText(st.text)));
    }

    // The statements to keep in the spool: deferred or never reached.
    bool mustRetry(size_t i) const { return fate_[i] == Fate::Deferred || fate_[i] == Fate::Pending; }

    std::optional<DbError> run() {
        try {
            markLedgerHits();
            parts_.resize(statements_.size());
            for (size_t i = 0; i < statements_.size(); ++i)
                if (fate_[i] == Fate::Pending) parts_[i] = insertValuesParts(statements_[i].text);
            for (size_t i = 0; i < statements_.size(); ++i)
                if (fate_[i] == Fate::Pending)
                    if (auto refusal = refusedByReplay(statements_[i].text))
                        quarantine(i, DbError{"", *refusal, "", ""});
            runBatches();
            return std::nullopt;
        } catch (const StopReplay& stop) {
            for (Fate f : fate_) file_.notReached += f == Fate::Pending;
            return stop.error;
        }
    }

  private:
    // Marks statements whose hash is in the ledger; returns how many it marked.
    size_t markLedgerHits(const std::vector<size_t>* only = nullptr) {
        std::vector<size_t> candidates;
        if (only) {
            candidates = *only;
        } else {
            for (size_t i = 0; i < fate_.size(); ++i) candidates.push_back(i);
        }
        size_t marked = 0;
        for (size_t from = 0; from < candidates.size(); from += 5000) {
            size_t to = std::min(candidates.size(), from + 5000);
            std::unordered_set<std::string> hits;
            Result r =
                queryOrStop(kLedgerLookup, {hashList(candidates.begin() + from, candidates.begin() + to)});
            for (int row = 0; row < r.rows(); ++row) hits.emplace(r.text(row, 0));
            for (size_t k = from; k < to; ++k) {
                size_t i = candidates[k];
                if (fate_[i] == Fate::Pending && hits.count(hashes_[i])) {
                    fate_[i] = Fate::AlreadyApplied;
                    ++file_.alreadyApplied;
                    ++marked;
                }
            }
        }
        return marked;
    }

    Result queryOrStop(const std::string& sql, const Params& params) {
        try {
            return s_.conn.query(sql, params);
        } catch (const Error& e) {
            if (classifySpoolError(e.info()) == SpoolErrorClass::Stop) throw StopReplay{e.info()};
            throw;
        }
    }

    void runBatches() {
        size_t limit = std::max<size_t>(1, s_.options.batchStatements);
        size_t cursor = 0;
        while (true) {
            while (cursor < fate_.size() && fate_[cursor] != Fate::Pending) ++cursor;
            std::vector<size_t> batch;
            std::unordered_set<std::string> inBatch;
            for (size_t i : extra_) inBatch.insert(hashes_[i]);
            size_t bytes = 0;
            for (size_t i = cursor; i < fate_.size() && batch.size() < limit; ++i) {
                if (fate_[i] != Fate::Pending) continue;
                if (committed_.count(hashes_[i])) {  // the same statement earlier in this run
                    fate_[i] = Fate::AlreadyApplied;
                    ++file_.alreadyApplied;
                    continue;
                }
                // A repeat waits for the next batch, where the first one's ledger row decides.
                if (inBatch.count(hashes_[i])) break;
                if (!batch.empty() && bytes + statements_[i].text.size() > s_.options.batchBytes) break;
                batch.push_back(i);
                inBatch.insert(hashes_[i]);
                bytes += statements_[i].text.size();
            }
            if (batch.empty() && extra_.empty()) return;
            // 23505 rows wait for the next commit; in a file of duplicates none comes, so flush them
            // on their own before they make every batch's ledger INSERT long.
            if (extra_.size() >= kExtraLedgerFlush) batch.clear();
            limit = runBatch(batch, limit);
        }
    }

    std::string hashList(std::vector<size_t>::const_iterator from,
                         std::vector<size_t>::const_iterator to) const {
        std::string out;
        for (auto it = from; it != to; ++it) (out += out.empty() ? "" : ",") += hashes_[*it];
        return out;
    }

    Params ledgerParams(const std::vector<size_t>& batch) const {
        std::string hashes, lines = "{";
        hashes.reserve((batch.size() + extra_.size()) * 65);
        auto add = [&](size_t i) {
            if (!hashes.empty()) {
                hashes += ',';
                lines += ',';
            }
            hashes += hashes_[i];
            lines += std::to_string(statements_[i].line);
        };
        for (size_t i : batch) add(i);
        for (size_t i : extra_) add(i);
        return {hashes, lines + "}", source_, std::to_string(batch.size())};
    }

    // Returns the statement limit for the next batch: it doubles after a commit and drops to the
    // known-good prefix after a failure (so an all-failing file costs one round trip per statement,
    // never a quadratic resend).
    size_t runBatch(const std::vector<size_t>& batch, size_t limit) {
        const bool merge = merge_;
        merge_ = true;
        std::vector<std::pair<size_t, size_t>> groups;  // [from, to) of `batch` per command
        PipelineSyncResult result;
        try {
            Pipeline pipeline(s_.conn);
            for (size_t from = 0; from < batch.size();) {
                size_t to = from + 1;
                const auto& head = parts_[batch[from]];
                while (merge && head && to < batch.size() && parts_[batch[to]] &&
                       parts_[batch[to]]->head == head->head)
                    ++to;
                if (to - from == 1) {
                    pipeline.send(statements_[batch[from]].text);
                } else {  // consecutive plain INSERTs into the same columns: one multi-row INSERT
                    std::string merged(head->head);
                    for (size_t k = from; k < to; ++k)
                        (merged += k == from ? " " : ", ") += parts_[batch[k]]->rows;
                    pipeline.send(merged);
                }
                groups.emplace_back(from, to);
                from = to;
            }
            pipeline.send(kLedgerInsert, ledgerParams(batch));
            result = pipeline.sync();
        } catch (const Error& e) {  // only connection-level failures leave a pipeline by exception
            throw StopReplay{e.info()};
        }
        if (result.ok()) {
            for (size_t i : batch) {
                fate_[i] = Fate::Applied;
                committed_.insert(hashes_[i]);
            }
            for (size_t i : extra_) committed_.insert(hashes_[i]);
            file_.applied += static_cast<long long>(batch.size());
            extra_.clear();
            return std::min(limit * 2, std::max<size_t>(1, s_.options.batchStatements));
        }
        size_t failed = 0;
        while (failed < result.commands.size() &&
               result.commands[failed].status != PipelineOutcome::Status::Failed)
            ++failed;
        if (failed < groups.size()) {
            const auto [from, to] = groups[failed];
            const DbError& e = result.commands[failed].error;
            if (to - from == 1) {
                resolve(batch[from], e);
                return std::max<size_t>(1, from);
            }
            if (classifySpoolError(e) == SpoolErrorClass::Stop) throw StopReplay{e};
            merge_ = false;  // a merged INSERT failed: the same batch again, one statement at a time
            return limit;
        }
        if (failed == groups.size()) {  // the ledger INSERT itself
            const DbError& e = result.commands[failed].error;
            if (classifySpoolError(e) == SpoolErrorClass::Stop) throw StopReplay{e};
            // Only another writer of the ledger can cause this; the lock rules that out, but if it
            // happens the ledger is right and those statements are done.
            if (e.sqlstate == "23505" && dropLedgerHits(batch)) return limit;
            throw Error(e);
        }
        if (!result.syncError) throw std::logic_error("pipeline failed without an error");
        // Every command ran and the implicit COMMIT failed (deferred constraint, serialization).
        const DbError& e = *result.syncError;
        if (classifySpoolError(e) == SpoolErrorClass::Stop) throw StopReplay{e};
        if (batch.size() == 1) {
            resolve(batch[0], e);
            return 1;
        }
        if (batch.empty()) throw Error(e);
        return 1;  // find the culprit one statement at a time
    }

    bool dropLedgerHits(const std::vector<size_t>& batch) {
        std::vector<size_t> all = batch;
        all.insert(all.end(), extra_.begin(), extra_.end());
        size_t before = extra_.size();
        std::unordered_set<std::string> hits;
        Result r = queryOrStop(kLedgerLookup, {hashList(all.begin(), all.end())});
        for (int row = 0; row < r.rows(); ++row) hits.emplace(r.text(row, 0));
        extra_.erase(std::remove_if(extra_.begin(), extra_.end(),
                                    [&](size_t i) { return hits.count(hashes_[i]) > 0; }),
                     extra_.end());
        return markLedgerHits(&all) > 0 || extra_.size() != before;
    }

    void resolve(size_t i, const DbError& error) {
        switch (classifySpoolError(error)) {
            case SpoolErrorClass::AlreadyPresent:
                fate_[i] = Fate::AlreadyApplied;
                ++file_.alreadyApplied;
                extra_.push_back(i);  // its 'already_present' row commits with the next batch
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
        std::string key =
            error.sqlstate + "\n" +
            (missing ? missing->table + "\n" + missing->columns + "\n" + missing->key : error.message);
        auto [it, inserted] = s_.causeIndex.emplace(key, s_.report.deferredCauses.size());
        if (inserted)
            s_.report.deferredCauses.push_back(
                DeferredCause{error.sqlstate, missing, error.message, 0, source_, statements_[i].line});
        ++s_.report.deferredCauses[it->second].statements;
    }

    void quarantine(size_t i, const DbError& error) {
        fate_[i] = Fate::Quarantined;
        ++file_.quarantined;
        const SqlStatement& st = statements_[i];
        std::string& out = s_.quarantineText;
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

    Shared& s_;
    const std::vector<SqlStatement>& statements_;
    SpoolFileReport& file_;
    std::string source_;  // what the ledger and the quarantine file name: the archived file
    std::vector<std::string> hashes_;
    std::vector<Fate> fate_;
    std::vector<std::optional<InsertValuesParts>> parts_;  // for merging plain INSERTs
    bool merge_ = true;
    std::vector<size_t> extra_;  // 23505 statements whose ledger rows wait for the next batch
    std::unordered_set<std::string> committed_;
};

// ---- one file, start to end ------------------------------------------------------------------------

class SpoolReplay {
  public:
    SpoolReplay(Connection& conn, const fs::path& spool, const SpoolReplayOptions& options)
        : spool_(spool), shared_{conn, options, report_, causeIndex_, {}} {}

    SpoolReplayReport run() {
        std::vector<fs::path> files = leftoverReplayingFiles(spool_);
        if (auto fresh = takeSpoolForReplay(spool_)) files.push_back(*fresh);
        for (const auto& file : files) {
            if (report_.stoppedBy) {  // left for the next run, which processes it first
                SpoolFileReport left;
                left.path = file.string();
                report_.files.push_back(std::move(left));
                continue;
            }
            replayFile(file);
        }
        return std::move(report_);
    }

  private:
    void say(const std::string& line) {
        if (shared_.options.progress) shared_.options.progress(line);
    }

    void replayFile(const fs::path& path) {
        SpoolFileReport file;
        file.path = path.string();
        const fs::path archive = archivePathFor(spool_, path);
        SpoolFile handle(path, O_RDONLY);
        handle.lock();  // a writer that opened <spool> before the rename finishes its entry first
        const std::string script = handle.readFrom(0);
        handle.unlock();

        const SqlSplit split = splitSqlStatements(script);
        file.statements = static_cast<long long>(split.statements.size());
        say("replaying " + path.string() + ": " + std::to_string(split.statements.size()) + " statements");
        FileReplay replay(shared_, split.statements, file, archive.string());
        report_.stoppedBy = replay.run();

        std::string carry;
        for (size_t i = 0; i < split.statements.size(); ++i) {
            if (!replay.mustRetry(i)) continue;
            const SqlStatement& st = split.statements[i];
            if (!st.leading.empty()) carry += st.leading + "\n";
            carry += st.text + "\n";
        }
        if (split.tail) {
            file.incompleteTail = true;
            file.tailLine = split.tail->line;
            file.tailReason = split.tail->reason;
            carry += split.tail->text;  // verbatim: its continuation may follow it (late bytes)
        }
        handle.lock();  // held through the archive rename: no entry can slip in unseen
        const std::string late = handle.readFrom(static_cast<off_t>(script.size()));
        file.lateBytes = static_cast<long long>(late.size());
        carry += late;

        // Everything that can fail before the carried statements are appended: a rerun that finds
        // this file again would append them a second time.
        fs::create_directories(archive.parent_path());
        appendLocked(quarantinePath(), shared_.quarantineText);
        shared_.quarantineText.clear();
        appendLocked(spool_, carry);
        renameDurably(path, archive);
        file.archivedTo = archive.string();
        handle.unlock();

        report_.applied += file.applied;
        report_.alreadyApplied += file.alreadyApplied;
        report_.deferred += file.deferred;
        report_.quarantined += file.quarantined;
        report_.incomplete += file.incompleteTail;
        report_.notReached += file.notReached;
        if (file.quarantined > 0) report_.quarantineFile = quarantinePath().string();
        say("  applied " + std::to_string(file.applied) + ", already applied " +
            std::to_string(file.alreadyApplied) + ", deferred " + std::to_string(file.deferred) +
            ", quarantined " + std::to_string(file.quarantined) + "; archived as " + archive.string());
        report_.files.push_back(std::move(file));
    }

    fs::path quarantinePath() const { return spool_.string() + ".quarantine.sql"; }

    fs::path spool_;
    SpoolReplayReport report_;
    std::map<std::string, size_t> causeIndex_;
    FileReplay::Shared shared_;
};

}  // namespace

SpoolErrorClass classifySpoolError(const DbError& error) {
    const std::string& s = error.sqlstate;
    if (s.size() != 5) return SpoolErrorClass::Stop;  // libpq's own failure: no server verdict
    const std::string cls = s.substr(0, 2);
    if (s == "23505") return SpoolErrorClass::AlreadyPresent;
    if (s == "23503" || s == "40001" || s == "40P01" || s == "55P03") return SpoolErrorClass::Deferred;
    // Connection, operator intervention (shutdown, terminate, cancel), resources, system errors.
    if (cls == "08" || cls == "57" || cls == "53" || cls == "58") return SpoolErrorClass::Stop;
    return SpoolErrorClass::Quarantined;
}

std::optional<MissingReference> parseMissingReference(const std::string& detail) {
    // Key (dataset_id)=(44744a70-...) is not present in table "indicator_datasets".
    const std::string head = "Key (", middle = ")=(", tail = ") is not present in table \"";
    size_t columnsAt = detail.find(head);
    if (columnsAt == std::string::npos) return std::nullopt;
    columnsAt += head.size();
    size_t middleAt = detail.find(middle, columnsAt);
    size_t tailAt = detail.rfind(tail);
    if (middleAt == std::string::npos || tailAt == std::string::npos || tailAt < middleAt)
        return std::nullopt;
    size_t tableAt = tailAt + tail.size();
    size_t tableEnd = detail.find('"', tableAt);
    if (tableEnd == std::string::npos) return std::nullopt;
    return MissingReference{detail.substr(tableAt, tableEnd - tableAt),
                            detail.substr(columnsAt, middleAt - columnsAt),
                            detail.substr(middleAt + middle.size(), tailAt - middleAt - middle.size())};
}

SpoolReplayReport replaySpool(Connection& conn, const fs::path& spoolPath,
                              const SpoolReplayOptions& options) {
    const auto started = std::chrono::steady_clock::now();
    const fs::path spool = fs::absolute(spoolPath);
    if (!conn.query("SELECT to_regclass('public.stage1_spool_ledger') IS NOT NULL").boolean(0, 0))
        throw SpoolReplayError(
            SpoolReplayFailure::NotMigrated,
            "the database has no public.stage1_spool_ledger (migration 0011): run stage1ctl "
            "migrate first; nothing was replayed and no file was touched");
    takeReplayLock(conn, options);
    SpoolReplayReport report;
    try {
        conn.query("SELECT set_config('lock_timeout', $1, false)",
                   {std::to_string(options.lockTimeout.count()) + "ms"});
        report = SpoolReplay(conn, spool, options).run();
    } catch (...) {
        releaseReplayLock(conn);
        throw;
    }
    if (!report.stoppedBy) releaseReplayLock(conn);
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace db
