#include "db/spool/spool_replay.hpp"

#include <fcntl.h>

#include <algorithm>
#include <thread>

#include "db/pg/commit_durability.hpp"
#include "db/spool/spool_batches.hpp"
#include "db/spool/spool_files.hpp"
#include "db/spool/sql_splitter.hpp"

namespace db {

namespace fs = std::filesystem;

namespace {

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
        conn.exec("RESET statement_timeout");
        conn.exec("RESET synchronous_commit");
    } catch (const Error&) {
        // The lock dies with the session anyway.
    }
}

// ---- one file, start to end ------------------------------------------------------------------------

class SpoolReplay {
  public:
    SpoolReplay(Connection& conn, const fs::path& spool, const SpoolReplayOptions& options)
        : spool_(spool), run_{conn, options, report_, {}, {}} {}

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
        if (run_.options.progress) run_.options.progress(line);
    }

    void replayFile(const fs::path& path) {
        SpoolFileReport file;
        file.path = path.string();
        const fs::path archive = archivePathFor(spool_, path);
        SpoolFile handle(path, O_RDONLY);
        handle.lock();  // a writer that opened <spool> before the rename finishes its entry first
        SqlSplit split;
        off_t readBytes = 0;
        {  // the statements keep their own copies: the file's text can go
            const std::string script = handle.readFrom(0);
            handle.unlock();
            readBytes = static_cast<off_t>(script.size());
            split = splitSqlStatements(script);
        }
        file.statements = static_cast<long long>(split.statements.size());
        say("replaying " + path.string() + ": " + std::to_string(split.statements.size()) + " statements");
        const SpoolFileOutcome outcome = applySpoolStatements(run_, split.statements, file, archive.string());
        report_.stoppedBy = outcome.stoppedBy;

        std::string carry;
        for (size_t i = 0; i < split.statements.size(); ++i) {
            if (!outcome.keep[i]) continue;
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
        const std::string late = handle.readFrom(readBytes);
        file.lateBytes = static_cast<long long>(late.size());
        carry += late;

        // Everything that can fail before the carried statements are appended: a rerun that finds
        // this file again would append them a second time.
        std::error_code ec;
        fs::create_directories(archive.parent_path(), ec);
        if (ec)
            throw SpoolReplayError(SpoolReplayFailure::Io,
                                   "cannot create " + archive.parent_path().string() + ": " + ec.message());
        appendLocked(quarantinePath(), run_.quarantineText);
        run_.quarantineText.clear();
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
    SpoolRunState run_;
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
    // Every spooled statement runs as stage1_spool_writer (db/spool/spool_batches.cpp): the role must exist
    // and this session must be able to become it.
    Result writer = conn.query(
        "SELECT to_regrole('stage1_spool_writer') IS NOT NULL, current_user, "
        "CASE WHEN to_regrole('stage1_spool_writer') IS NULL THEN false "  // pg_has_role errors on it
        "ELSE pg_has_role(current_user, 'stage1_spool_writer', 'MEMBER') END");
    if (!writer.boolean(0, 0))
        throw SpoolReplayError(
            SpoolReplayFailure::NotMigrated,
            "the cluster has no role stage1_spool_writer (migration 0012), which every spooled "
            "statement runs as: run stage1ctl migrate first; nothing was replayed and no file "
            "was touched");
    if (!writer.boolean(0, 2))
        throw SpoolReplayError(
            SpoolReplayFailure::NotMigrated,
            std::string(writer.text(0, 1)) +
                " cannot become stage1_spool_writer, which every spooled statement runs as: "
                "GRANT stage1_spool_writer TO " +
                std::string(writer.text(0, 1)) +
                " (as a superuser), or replay as the role that ran stage1ctl migrate; nothing "
                "was replayed and no file was touched");
    // The grammar reads strings the way PostgreSQL does with standard_conforming_strings on, and
    // names resolve in pg_catalog first, then public: the server must read the text the same way.
    conn.exec("SET standard_conforming_strings = on");
    conn.exec("SET search_path = pg_catalog, public");
    // A batch's statements are archived once its commit is acknowledged: with synchronous_commit =
    // off a server crash could lose that commit after the acknowledgement, and nothing would retry
    // it. Any role may ask for synchronous commit for its own session.
    const CommitDurability durability = readCommitDurability(conn);
    takeReplayLock(conn, options);
    SpoolReplayReport report;
    try {
        if (durability.asynchronous()) conn.exec("SET synchronous_commit = on");
        conn.query(
            "SELECT set_config('lock_timeout', $1, false), set_config('statement_timeout', $2, false)",
            {std::to_string(options.lockTimeout.count()) + "ms",
             std::to_string(std::max(options.statementTimeout, options.lockTimeout * 2).count()) + "ms"});
        report = SpoolReplay(conn, spool, options).run();
    } catch (...) {
        releaseReplayLock(conn);
        throw;
    }
    releaseReplayLock(conn);  // a lost connection has released it already
    report.serverSynchronousCommit = durability.synchronousCommit;
    report.synchronousCommitForced = durability.asynchronous();
    report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return report;
}

}  // namespace db
