// PostgreSQL side of validation (db/checks/validation.hpp). The spool and QuestDB sides are in
// validation_spool.cpp and validation_questdb.cpp.
#include "db/checks/validation.hpp"

#include <functional>

#include "db/pg/transaction.hpp"
#include "db/schema/migrator.hpp"

namespace db {

namespace {

const char* const kCouldNotRunFix =
    "The check's query failed. A missing table or column means the schema is behind: "
    "stage1ctl status shows what is pending, stage1ctl migrate applies it.";

using CheckBody = std::function<void(CheckResult&)>;

// A check behind a savepoint: when its query fails, it reports the reason and the others go on,
// unless the whole run was cancelled.
void runGuarded(Connection& conn, const ValidationOptions& o, std::vector<CheckResult>& out,
                const std::string& name, const CheckBody& body) {
    stopIfCancelled(o);
    CheckResult check;
    check.name = name;
    conn.exec("SAVEPOINT stage1_validation_check");
    try {
        body(check);
        conn.exec("RELEASE SAVEPOINT stage1_validation_check");
    } catch (const Error& e) {
        conn.exec("ROLLBACK TO SAVEPOINT stage1_validation_check");
        stopIfCancelled(o);
        check = CheckResult{};
        check.name = name;
        check.ok = false;
        check.summary = "could not run: " + e.info().message;
        check.fix = kCouldNotRunFix;
    }
    out.push_back(std::move(check));
}

// Fills rows and `more` from a result whose LAST column is count(*) OVER () (the total before LIMIT).
void listRows(CheckResult& check, const Result& r, const std::function<std::string(int)>& describe) {
    for (int i = 0; i < r.rows(); ++i) check.rows.push_back(describe(i));
    const long long total = r.rows() > 0 ? r.integer(0, r.columns() - 1) : 0;
    check.more = total - r.rows();
}

long long totalOf(const Result& r) {
    return r.rows() > 0 ? r.integer(0, r.columns() - 1) : 0;
}

std::string plural(long long n, const std::string& one, const std::string& many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

// A pending or edited migration is a finding: the schema is not what this stage1ctl expects.
void checkMigrations(Connection& conn, const std::vector<Migration>& catalog, CheckResult& c) {
    MigrationStatus status = inspectMigrations(conn, catalog);
    c.ok = status.upToDate();
    c.summary = "schema version " + std::to_string(status.schemaVersion()) + ": " +
                std::to_string(status.applied.size()) + " applied, " + std::to_string(status.pending.size()) +
                " pending, " + std::to_string(status.mismatched.size()) + " mismatched";
    for (const auto& m : status.pending) c.rows.push_back("pending     " + m.fileName());
    for (const auto& m : status.mismatched)
        c.rows.push_back("MISMATCHED  " + Migration{m.ledger.version, m.ledger.name, "", ""}.fileName() +
                         " (the file changed after it was applied)");
    // Applied by a newer stage1ctl (the server was upgraded before this host): the schema is ahead,
    // not behind, so it is worth knowing but not a finding.
    for (const auto& row : status.unknown)
        c.info.push_back("unknown     " + Migration{row.version, row.name, "", ""}.fileName() +
                         " (applied by a newer stage1ctl)");
    if (!status.pending.empty())
        c.fix = "Run stage1ctl migrate as the tables' owner (docs/RUNBOOK.md, Applying migrations).";
    if (!status.mismatched.empty())
        c.fix += std::string(c.fix.empty() ? "" : " ") +
                 "An applied migration must never be edited: restore the original file and put the change "
                 "in a new migration.";
}

// Information only: the totals.
void checkRowCounts(Connection& conn, CheckResult& c) {
    Result r = conn.query(
        "SELECT 'indicator_datasets', 'datasets', count(*) FROM public.indicator_datasets "
        "UNION ALL SELECT 'walkforward_runs', 'runs', count(*) FROM public.walkforward_runs "
        "UNION ALL SELECT 'walkforward_folds', 'folds', count(*) FROM public.walkforward_folds "
        "UNION ALL SELECT 'simulation_runs', 'simulations', count(*) FROM public.simulation_runs");
    for (int i = 0; i < r.rows(); ++i) {
        c.rows.push_back(std::string(r.text(i, 0)) + ": " + std::string(r.text(i, 2)));
        c.summary += std::string(i ? ", " : "") + std::string(r.text(i, 2)) + " " + std::string(r.text(i, 1));
    }
}

// Information only: the topN highest and topN lowest of (label, n) from `perSql` (a dataset without
// runs or a run without simulations is normal).
void checkDistribution(Connection& conn, const ValidationOptions& o, const std::string& perSql,
                       const std::string& ownerWord, const std::string& unitOne, const std::string& unitMany,
                       CheckResult& c) {
    Result r =
        conn.query("WITH per(label, n) AS (" + perSql +
                       "), ranked AS ("
                       "  SELECT label, n, row_number() OVER (ORDER BY n DESC, label) AS hi,"
                       "         row_number() OVER (ORDER BY n, label) AS lo, sum(n) OVER () AS units,"
                       "         min(n) OVER () AS low, max(n) OVER () AS high, count(*) OVER () AS owners"
                       "  FROM per) "
                       "SELECT label, n, units, low, high, owners FROM ranked WHERE hi <= $1 OR lo <= $1 "
                       "ORDER BY n DESC, label",
                   {std::to_string(o.topN)});
    const long long owners = totalOf(r);
    if (owners == 0) {
        c.summary = "no " + ownerWord + "s";
        return;
    }
    c.summary = plural(owners, ownerWord, ownerWord + "s") + ", " +
                plural(r.integer(0, 2), unitOne, unitMany) + " (min " + std::string(r.text(0, 3)) + ", max " +
                std::string(r.text(0, 4)) + ")" +
                (owners > r.rows() ? "; the " + std::to_string(o.topN) + " highest and lowest listed" : "");
    for (int i = 0; i < r.rows(); ++i)
        c.rows.push_back(std::string(r.text(i, 0)) + ": " + plural(r.integer(i, 1), unitOne, unitMany));
    c.more = owners - r.rows();
}

// Only a `completed` run without folds lost its walk-forward results (a finding). A pending or running
// run has none yet and a failed one may have stopped before its first fold: those, and any other
// status, are listed as information only (the status column has no CHECK; writers use pending,
// running, failed and completed).
void checkRunsWithoutFolds(Connection& conn, const ValidationOptions& o, CheckResult& c) {
    Result r = conn.query(
        "WITH missing AS ("
        "  SELECT r.run_id, coalesce(d.questdb_tag, '(missing dataset)') AS tag, r.prediction_measurement,"
        "         r.status, r.created_at, r.status = 'completed' AS finding"
        "  FROM public.walkforward_runs r"
        "  LEFT JOIN public.indicator_datasets d ON d.dataset_id = r.dataset_id"
        "  WHERE NOT EXISTS (SELECT 1 FROM public.walkforward_folds f WHERE f.run_id = r.run_id)),"
        " ranked AS ("
        "  SELECT m.*, row_number() OVER (PARTITION BY finding ORDER BY created_at DESC, run_id) AS n,"
        "         count(*) OVER (PARTITION BY finding) AS total"
        "  FROM missing m),"
        " not_completed AS ("
        "  SELECT string_agg(n || ' ' || status, ', ' ORDER BY n DESC, status) AS by_status"
        "  FROM (SELECT status, count(*) AS n FROM missing WHERE NOT finding GROUP BY status) g) "
        "SELECT run_id::text, tag, prediction_measurement, status, finding, total, by_status "
        "FROM ranked CROSS JOIN not_completed "
        "WHERE n <= $1 ORDER BY finding DESC, created_at DESC, run_id",
        {std::to_string(o.maxRows)});
    long long completed = 0, other = 0;
    for (int i = 0; i < r.rows(); ++i) {
        const bool finding = r.boolean(i, 4);
        const std::string row = std::string(r.text(i, 0)) + "  dataset " + std::string(r.text(i, 1)) +
                                "  measurement " + std::string(r.text(i, 2)) + "  status " +
                                std::string(r.text(i, 3));
        (finding ? completed : other) = r.integer(i, 5);
        (finding ? c.rows : c.info).push_back(row);
    }
    c.more = completed - static_cast<long long>(c.rows.size());
    c.infoMore = other - static_cast<long long>(c.info.size());
    const std::string byStatus = r.rows() > 0 ? std::string(r.text(0, 6)) : "";  // "2 failed, 1 pending"
    c.ok = completed == 0;
    const std::string notCompleted = other == 0 ? "" : " (" + byStatus + ": normal, they have not completed)";
    c.summary =
        completed == 0 && other == 0 ? "every run has folds"
        : completed == 0
            ? "no completed run without folds; " + plural(other, "run", "runs") +
                  " not completed without folds yet" + notCompleted
            : plural(completed, "completed run", "completed runs") + " without folds" +
                  (other == 0 ? "" : "; also " + std::to_string(other) + " not completed" + notCompleted);
    if (!c.ok)
        c.fix =
            "A completed run without folds recorded no walk-forward results: check how it ended, re-run it "
            "from the desktop, or remove it (and its simulations) by hand.";
}

// Orphans are always findings, whatever their status: the foreign keys of 0001 forbid them, so
// they exist only in a database adopted without the keys, and nothing can show them. The first
// column is the missing parent's id. With parentIsDataset each listed row also becomes a
// MissingDataset, for the window's one-click placeholder backfill.
void checkMissingParent(Connection& conn, const ValidationOptions& o, const std::string& sql,
                        const std::string& childWord, const std::string& parentWord, CheckResult& c,
                        bool parentIsDataset = false) {
    Result r = conn.query(sql, {std::to_string(o.maxRows)});
    listRows(c, r, [&](int i) {
        return parentWord + " " + std::string(r.text(i, 0)) +
               " (missing): " + plural(r.integer(i, 1), childWord, childWord + "s") + ", e.g. " +
               std::string(r.text(i, 2));
    });
    if (parentIsDataset)
        for (int i = 0; i < r.rows(); ++i) c.missingDatasets.push_back({i, std::string(r.text(i, 0)), {}});
    const long long missing = totalOf(r);
    c.ok = missing == 0;
    c.summary = missing == 0 ? "every " + childWord + "'s " + parentWord + " exists"
                             : plural(missing, parentWord, parentWord + "s") + " referenced by " + childWord +
                                   "s but missing (no foreign key stopped them)";
}

// A finding for rows of every status. 0003 filled every row written before 0002 (legacy rows get
// the legacy form), and the desktop records the config on every INSERT; a NULL now means a client
// that does not, and the window has no config to show. The fix is one idempotent file.
void checkNullConfigs(Connection& conn, const ValidationOptions& o, const std::string& table,
                      const std::string& idColumn, const std::string& nameColumn, CheckResult& c) {
    // Identifiers come from the fixed list in runPostgresChecks, never from input.
    Result r = conn.query(
        "SELECT " + idColumn + "::text, " + nameColumn + ", status, count(*) OVER () FROM public." + table +
            " WHERE serialized_config IS NULL ORDER BY created_at DESC, " + idColumn + " LIMIT $1",
        {std::to_string(o.maxRows)});
    listRows(c, r, [&](int i) {
        return std::string(r.text(i, 0)) + "  " + std::string(r.text(i, 1)) + "  status " +
               std::string(r.text(i, 2));
    });
    const long long total = totalOf(r);
    c.ok = total == 0;
    c.summary = total == 0 ? "every row has serialized_config"
                           : plural(total, "row", "rows") + " of " + table + " without serialized_config";
    if (!c.ok)
        c.fix =
            "Rows written by a client that does not record its config. Fill them with the legacy form "
            "(only NULLs are touched, safe to repeat): psql -X -1 -d <db> -f "
            "db/migrations/0003_backfill_legacy_serialized_config.sql";
}

// Always findings: 0005's unique constraints forbid them, so they exist only where 0005 could not
// be applied, and two such rows read each other's QuestDB data whatever their status.
void checkDuplicates(Connection& conn, const ValidationOptions& o, const std::string& sql,
                     const std::string& pairWords, CheckResult& c) {
    Result r = conn.query(sql, {std::to_string(o.maxRows)});
    listRows(c, r, [&](int i) {
        return std::string(r.text(i, 0)) + " / " + std::string(r.text(i, 1)) + ": " +
               std::string(r.text(i, 2)) + " rows (" + std::string(r.text(i, 3)) + ")";
    });
    const long long groups = totalOf(r);
    c.ok = groups == 0;
    c.summary = groups == 0 ? "no duplicate " + pairWords
                            : plural(groups, "duplicate group", "duplicate groups") + " of " + pairWords;
    if (!c.ok)
        c.fix =
            "Two rows naming the same QuestDB data read each other's results. Review with psql -X -d <db> -f "
            "/usr/share/stage1-server-debugger/scripts/resolve_duplicate_pairs.sql (in a checkout: "
            "db/scripts/), resolve with -v apply=1 (docs/RUNBOOK.md).";
}

// fn_upsert_placeholder_dataset creates a placeholder (source laptop_imgui, row_count 0) the moment
// a desktop needs a dataset that is not registered yet; registering it (row_count > 0) takes an
// operator a few days. Only one still empty after the grace period is a finding; younger ones are
// listed as information. Runs on it do not excuse it: they are why it must be registered.
void checkStalePlaceholders(Connection& conn, const ValidationOptions& o, CheckResult& c) {
    Result r = conn.query(
        "WITH empty AS ("
        "  SELECT d.questdb_tag, d.dataset_id, d.created_at,"
        "         d.created_at < now() - make_interval(days => $2::int) AS finding"
        "  FROM public.indicator_datasets d WHERE d.source = 'laptop_imgui' AND d.row_count = 0),"
        " ranked AS ("
        "  SELECT e.*, row_number() OVER (PARTITION BY finding ORDER BY created_at, questdb_tag) AS n,"
        "         count(*) OVER (PARTITION BY finding) AS total"
        "  FROM empty e) "
        "SELECT x.questdb_tag, x.dataset_id::text, to_char(x.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD'),"
        "       (SELECT count(*) FROM public.walkforward_runs r WHERE r.dataset_id = x.dataset_id),"
        "       x.finding, x.total "
        "FROM ranked x WHERE x.n <= $1 ORDER BY x.finding DESC, x.created_at, x.questdb_tag",
        {std::to_string(o.maxRows), std::to_string(o.placeholderAgeDays)});
    long long stale = 0, young = 0;
    for (int i = 0; i < r.rows(); ++i) {
        const bool finding = r.boolean(i, 4);
        const std::string row = std::string(r.text(i, 0)) + " (" + std::string(r.text(i, 1)) + ") created " +
                                std::string(r.text(i, 2)) + ", " + plural(r.integer(i, 3), "run", "runs");
        (finding ? stale : young) = r.integer(i, 5);
        (finding ? c.rows : c.info).push_back(row);
    }
    c.more = stale - static_cast<long long>(c.rows.size());
    c.infoMore = young - static_cast<long long>(c.info.size());
    c.ok = stale == 0;
    const std::string days = std::to_string(o.placeholderAgeDays) + " days";
    const std::string youngText = young == 0 ? ""
                                             : plural(young, "placeholder dataset", "placeholder datasets") +
                                                   " younger than " + days + " not registered yet (normal)";
    c.summary = stale == 0 ? "no placeholder dataset older than " + days + " is still empty" +
                                 (young == 0 ? "" : "; " + youngText)
                           : plural(stale, "placeholder dataset", "placeholder datasets") +
                                 " (source laptop_imgui) still with row_count 0 after " + days +
                                 (young == 0 ? "" : "; also " + youngText);
    if (!c.ok)
        c.fix =
            "Register the real dataset: load it into QuestDB and record its granularity, row_count and bar "
            "range "
            "on the row; or delete the placeholder when no run uses it.";
}

}  // namespace

void stopIfCancelled(const ValidationOptions& options) {
    if (options.cancelled != nullptr && options.cancelled->load())
        throw Error(DbError{"57014", "cancelled", "", ""});
}

bool allOk(const std::vector<CheckResult>& checks) {
    for (const auto& c : checks)
        if (!c.ok) return false;
    return true;
}

std::vector<CheckResult> runPostgresChecks(Connection& conn, const std::vector<Migration>& catalog,
                                           const ValidationOptions& o) {
    std::vector<CheckResult> out;
    Transaction snapshot(conn, Transaction::Mode::ReadOnlySnapshot);  // one snapshot; nothing written
    runGuarded(conn, o, out, "migrations_pending",
               [&](CheckResult& c) { checkMigrations(conn, catalog, c); });
    runGuarded(conn, o, out, "row_counts", [&](CheckResult& c) { checkRowCounts(conn, c); });
    runGuarded(conn, o, out, "runs_per_dataset", [&](CheckResult& c) {
        checkDistribution(conn, o,
                          "SELECT d.questdb_tag, count(r.run_id) FROM public.indicator_datasets d "
                          "LEFT JOIN public.walkforward_runs r ON r.dataset_id = d.dataset_id "
                          "GROUP BY d.dataset_id, d.questdb_tag",
                          "dataset", "run", "runs", c);
    });
    const std::string runLabel = "r.run_id::text || ' ' || r.prediction_measurement";
    runGuarded(conn, o, out, "simulations_per_run", [&](CheckResult& c) {
        checkDistribution(conn, o,
                          "SELECT " + runLabel +
                              ", count(s.simulation_id) FROM public.walkforward_runs r "
                              "LEFT JOIN public.simulation_runs s ON s.run_id = r.run_id GROUP BY r.run_id",
                          "run", "simulation", "simulations", c);
    });
    runGuarded(conn, o, out, "folds_per_run", [&](CheckResult& c) {
        checkDistribution(conn, o,
                          "SELECT " + runLabel +
                              ", count(f.fold_index) FROM public.walkforward_runs r "
                              "LEFT JOIN public.walkforward_folds f ON f.run_id = r.run_id GROUP BY r.run_id",
                          "run", "fold", "folds", c);
    });
    runGuarded(conn, o, out, "runs_without_folds",
               [&](CheckResult& c) { checkRunsWithoutFolds(conn, o, c); });
    runGuarded(conn, o, out, "runs_missing_dataset", [&](CheckResult& c) {
        checkMissingParent(
            conn, o,
            "SELECT r.dataset_id::text, count(*), min(r.prediction_measurement), count(*) OVER () "
            "FROM public.walkforward_runs r WHERE NOT EXISTS "
            "(SELECT 1 FROM public.indicator_datasets d WHERE d.dataset_id = r.dataset_id) "
            "GROUP BY r.dataset_id ORDER BY count(*) DESC, r.dataset_id LIMIT $1",
            "run", "dataset", c, true);
        if (!c.ok)
            c.fix =
                "Register each missing dataset with its slug (its QuestDB tag): stage1ctl backfill-dataset "
                "--slug <slug> --uuid <dataset id>. validate --spool names the slugs the desktop spooled.";
    });
    runGuarded(conn, o, out, "folds_missing_run", [&](CheckResult& c) {
        checkMissingParent(conn, o,
                           "SELECT f.run_id::text, count(*), 'fold ' || min(f.fold_index), count(*) OVER () "
                           "FROM public.walkforward_folds f WHERE NOT EXISTS "
                           "(SELECT 1 FROM public.walkforward_runs r WHERE r.run_id = f.run_id) "
                           "GROUP BY f.run_id ORDER BY count(*) DESC, f.run_id LIMIT $1",
                           "fold", "run", c);
        if (!c.ok)
            c.fix = "Restore the runs from a backup or the desktop's spool, or delete the orphaned folds.";
    });
    runGuarded(conn, o, out, "simulations_missing_run", [&](CheckResult& c) {
        checkMissingParent(conn, o,
                           "SELECT s.run_id::text, count(*), min(s.questdb_namespace), count(*) OVER () "
                           "FROM public.simulation_runs s WHERE NOT EXISTS "
                           "(SELECT 1 FROM public.walkforward_runs r WHERE r.run_id = s.run_id) "
                           "GROUP BY s.run_id ORDER BY count(*) DESC, s.run_id LIMIT $1",
                           "simulation", "run", c);
        if (!c.ok)
            c.fix =
                "Restore the runs from a backup or the desktop's spool, or delete the orphaned simulations.";
    });
    runGuarded(conn, o, out, "runs_without_serialized_config", [&](CheckResult& c) {
        checkNullConfigs(conn, o, "walkforward_runs", "run_id", "prediction_measurement", c);
    });
    runGuarded(conn, o, out, "simulations_without_serialized_config", [&](CheckResult& c) {
        checkNullConfigs(conn, o, "simulation_runs", "simulation_id", "questdb_namespace", c);
    });
    runGuarded(conn, o, out, "duplicate_run_measurements", [&](CheckResult& c) {
        checkDuplicates(conn, o,
                        "SELECT dataset_id::text, prediction_measurement, count(*),"
                        "       string_agg(run_id::text, ', ' ORDER BY created_at, run_id), count(*) OVER () "
                        "FROM public.walkforward_runs GROUP BY dataset_id, prediction_measurement "
                        "HAVING count(*) > 1 ORDER BY count(*) DESC, 1, 2 LIMIT $1",
                        "(dataset_id, prediction_measurement)", c);
    });
    runGuarded(conn, o, out, "duplicate_simulation_namespaces", [&](CheckResult& c) {
        checkDuplicates(conn, o,
                        "SELECT run_id::text, questdb_namespace, count(*),"
                        "       string_agg(simulation_id::text, ', ' ORDER BY created_at, simulation_id),"
                        "       count(*) OVER () "
                        "FROM public.simulation_runs GROUP BY run_id, questdb_namespace "
                        "HAVING count(*) > 1 ORDER BY count(*) DESC, 1, 2 LIMIT $1",
                        "(run_id, questdb_namespace)", c);
    });
    runGuarded(conn, o, out, "stale_placeholder_datasets",
               [&](CheckResult& c) { checkStalePlaceholders(conn, o, c); });
    snapshot.commit();
    return out;
}

std::string asciiLower(std::string_view text) {
    std::string out(text);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

std::string textArrayLiteral(const std::vector<std::string>& values) {
    std::string out = "{";
    for (size_t i = 0; i < values.size(); ++i) {
        if (i) out += ',';
        out += '"';
        for (char ch : values[i]) {
            if (ch == '"' || ch == '\\') out += '\\';
            out += ch;
        }
        out += '"';
    }
    return out + "}";
}

}  // namespace db
