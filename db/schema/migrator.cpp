#include "db/schema/migrator.hpp"

#include "db/pg/transaction.hpp"

#include <algorithm>
#include <map>
#include <thread>

namespace db {

namespace {

constexpr const char* kLedgerExists = "SELECT to_regclass('public.stage1_schema_migrations') IS NOT NULL";

constexpr const char* kCreateLedger = R"sql(
CREATE TABLE IF NOT EXISTS public.stage1_schema_migrations (
    version     integer     PRIMARY KEY,
    name        text        NOT NULL,
    sha256      text        NOT NULL,
    applied_at  timestamptz NOT NULL DEFAULT clock_timestamp(),
    applied_by  text        NOT NULL DEFAULT current_user,
    duration_ms integer     NOT NULL
);
COMMENT ON TABLE public.stage1_schema_migrations IS
    'Ledger of applied db/migrations files, written by stage1ctl migrate. Never edit by hand.';
)sql";

constexpr const char* kReadLedger =
    "SELECT version, name, sha256, to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "applied_by, duration_ms FROM public.stage1_schema_migrations ORDER BY version";

constexpr const char* kInsertLedger =
    "INSERT INTO public.stage1_schema_migrations (version, name, sha256, duration_ms) VALUES ($1, $2, $3, "
    "$4)";

// A re-applied migration keeps its row (its first applied_at stays history) with the new checksum;
// the earlier checksum matched when this run read it, or nothing is updated and the file rolls back.
constexpr const char* kReplaceLedger =
    "UPDATE public.stage1_schema_migrations SET sha256 = $3, applied_by = current_user, duration_ms = $4 "
    "WHERE version = $1 AND sha256 = $2 RETURNING version";

std::vector<LedgerRow> readLedger(Connection& conn) {
    Result r = conn.query(kReadLedger);
    std::vector<LedgerRow> rows;
    for (int i = 0; i < r.rows(); ++i) {
        rows.push_back(LedgerRow{static_cast<int>(r.integer(i, 0)), std::string(r.text(i, 1)),
                                 std::string(r.text(i, 2)), std::string(r.text(i, 3)),
                                 std::string(r.text(i, 4)), r.integer(i, 5)});
    }
    return rows;
}

void say(const MigrateOptions& options, const std::string& line) {
    if (options.progress) options.progress(line);
}

// Polls pg_try_advisory_lock: a blocking pg_advisory_lock could wait forever behind a stuck run
// and cannot report who holds the lock.
void takeMigrateLock(Connection& conn, const MigrateOptions& options) {
    const Params key{std::to_string(kMigrateLockKey)};
    auto deadline = std::chrono::steady_clock::now() + options.lockWait;
    bool announced = false;
    while (true) {
        if (conn.query("SELECT pg_try_advisory_lock($1::bigint)", key).boolean(0, 0)) return;
        if (!announced) {
            Result holder = conn.query(
                "SELECT string_agg(a.pid::text || ' (' || coalesce(a.usename::text, '?') || '@' || "
                "coalesce(a.client_addr::text, 'local') || ', ' || coalesce(a.application_name, '') || ')', "
                "', ') "
                "FROM pg_locks l JOIN pg_stat_activity a USING (pid) "
                "WHERE l.locktype = 'advisory' AND l.granted "
                "AND ((l.classid::bigint << 32) | l.objid::bigint) = $1::bigint",
                key);
            say(options,
                "another migrate is running (held by " +
                    (holder.isNull(0, 0) ? std::string("unknown session") : std::string(holder.text(0, 0))) +
                    "); waiting up to " + std::to_string(options.lockWait.count() / 1000) + " s");
            announced = true;
        }
        if (std::chrono::steady_clock::now() >= deadline)
            throw MigrateError(MigrateFailure::LockBusy,
                               "another migrate is running on this database and did not finish within " +
                                   std::to_string(options.lockWait.count() / 1000) +
                                   " s; nothing was applied. Retry when it is done (or raise --lock-wait).");
        std::this_thread::sleep_for(options.lockPoll);
    }
}

void releaseMigrateLock(Connection& conn) {
    try {
        conn.query("SELECT pg_advisory_unlock($1::bigint)", {std::to_string(kMigrateLockKey)});
    } catch (const Error&) {
        // The lock dies with the session anyway.
    }
}

// earlierSha256 set: re-apply a replaced-in-place migration over its recorded earlier text.
AppliedMigration applyOne(Connection& conn, const Migration& m, const MigrateOptions& options,
                          const std::string* earlierSha256 = nullptr) {
    say(options, (earlierSha256 ? "re-applying " : "applying ") + m.fileName());
    auto started = std::chrono::steady_clock::now();
    Transaction transaction(conn);
    try {
        conn.query("SELECT set_config('lock_timeout', $1, true)",
                   {std::to_string(options.ddlLockTimeout.count()) + "ms"});
        conn.exec(m.sql);
        long long ms =
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
                .count();
        if (earlierSha256) {
            Result updated = conn.query(
                kReplaceLedger, {std::to_string(m.version), *earlierSha256, m.sha256, std::to_string(ms)});
            if (updated.rows() != 1)
                throw Error(DbError{"", "the ledger row of " + m.fileName() + " changed while it was re-applied",
                                    "", "run stage1ctl migrate again"});
        } else {
            conn.query(kInsertLedger, {std::to_string(m.version), m.name, m.sha256, std::to_string(ms)});
        }
        transaction.commit();
        return AppliedMigration{m.version, m.name, ms, earlierSha256 != nullptr};
    } catch (const Error& e) {  // the transaction rolls back on the way out
        throw MigrateError(
            MigrateFailure::MigrationFailed,
            m.fileName() + " failed and was rolled back; nothing of it was applied:\n" + e.info().describe(),
            e.info());
    }
}

}  // namespace

int MigrationStatus::schemaVersion() const {
    int highest = 0;
    for (const auto& row : applied) highest = std::max(highest, row.version);
    for (const auto& m : mismatched) highest = std::max(highest, m.ledger.version);
    for (const auto& m : replaced) highest = std::max(highest, m.ledger.version);
    for (const auto& row : unknown) highest = std::max(highest, row.version);
    return highest;
}

MigrationStatus inspectMigrations(Connection& conn, const std::vector<Migration>& catalog) {
    MigrationStatus status;
    status.ledgerExists = conn.query(kLedgerExists).boolean(0, 0);
    std::map<int, LedgerRow> ledger;
    if (status.ledgerExists)
        for (auto& row : readLedger(conn)) ledger.emplace(row.version, row);

    for (const auto& m : catalog) {
        auto it = ledger.find(m.version);
        if (it == ledger.end()) {
            status.pending.push_back(m);
        } else if (it->second.sha256 == m.sha256) {
            status.applied.push_back(it->second);
            ledger.erase(it);
        } else if (const auto* replaced = findReplacedText(m.version, it->second.sha256)) {
            status.replaced.push_back({it->second, m, std::string(replaced->why)});
            ledger.erase(it);
        } else {
            status.mismatched.push_back({it->second, m.sha256});
            ledger.erase(it);
        }
    }
    for (auto& [version, row] : ledger) status.unknown.push_back(row);
    return status;
}

MigrateError::MigrateError(MigrateFailure kind, std::string message, std::optional<DbError> cause)
    : std::runtime_error(std::move(message)), kind_(kind), cause_(std::move(cause)) {}

MigrateReport migrate(Connection& conn, const std::vector<Migration>& catalog,
                      const MigrateOptions& options) {
    if (conn.serverMajor() < kOldestSupportedMajor)
        throw MigrateError(MigrateFailure::UnsupportedServer,
                           "refusing to migrate: the server runs PostgreSQL " + conn.serverVersion() +
                               ", older than " + std::to_string(kOldestSupportedMajor) +
                               ", the oldest supported major. Upgrade the server (Debian: "
                               "pg_upgradecluster). Nothing was applied.");
    takeMigrateLock(conn, options);
    MigrateReport report;
    try {
        conn.exec(kCreateLedger);
        report.before = inspectMigrations(conn, catalog);
        if (!report.before.mismatched.empty()) {
            std::string text =
                "refusing to migrate: applied migrations were changed after they were applied:";
            for (const auto& m : report.before.mismatched)
                text += "\n  " + Migration{m.ledger.version, m.ledger.name, "", ""}.fileName() +
                        ": ledger sha256 " + m.ledger.sha256 + ", file sha256 " + m.fileSha256;
            text +=
                "\nAn applied migration must never be edited. Restore the original file and put the change "
                "in a new migration. Nothing was applied.";
            throw MigrateError(MigrateFailure::ChecksumMismatch, text);
        }
        for (const auto& row : report.before.unknown)
            say(options, "note: the database has migration " + std::to_string(row.version) + " (" + row.name +
                             ") that this stage1ctl does not know; a newer stage1ctl applied it");
        for (const auto& r : report.before.replaced) {
            say(options, "note: " + r.current.fileName() + " was replaced in place since it was applied here (" +
                             r.why + "); applying the current text over it");
            report.applied.push_back(applyOne(conn, r.current, options, &r.ledger.sha256));
        }
        for (const auto& m : report.before.pending) report.applied.push_back(applyOne(conn, m, options));
    } catch (...) {
        releaseMigrateLock(conn);
        throw;
    }
    releaseMigrateLock(conn);
    return report;
}

}  // namespace db
