// The spool side of validation: read the INSERTs the desktop queued (app/ops/spool.cpp writes them)
// and find what they reference that PostgreSQL lacks.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "db/spool/spool_grammar.hpp"
#include "db/spool/sql_splitter.hpp"
#include "db/browse/stage1_queries.hpp"
#include "db/checks/validation.hpp"

namespace db {

namespace {

const SpoolValue* column(const SpoolInsert& insert, const std::vector<SpoolValue>& row, const char* name) {
    for (size_t k = 0; k < insert.columns.size(); ++k)
        if (insert.columns[k] == name) return &row[k];
    return nullptr;
}

// What the accepted INSERTs reference (walkforward_folds are not checked here).
void record(SpoolScan& scan, const SpoolInsert& insert, int line) {
    for (const auto& row : insert.rows) {
        auto optionalLiteral = [&](const char* name) -> std::optional<std::string> {
            const SpoolValue* v = column(insert, row, name);
            return v ? spoolValueText(*v) : std::nullopt;
        };
        auto literal = [&](const char* name) -> std::string {
            auto text = optionalLiteral(name);
            if (!text) throw std::runtime_error(std::string(name) + " is missing or not a literal");
            return *text;
        };
        if (insert.table == "indicator_datasets") {
            SpooledDataset d;
            d.slug = literal("questdb_tag");
            if (auto id = optionalLiteral("dataset_id")) d.datasetId = asciiLower(*id);
            d.line = line;
            scan.datasets.push_back(d);
        } else if (insert.table == "walkforward_runs") {
            SpooledRun r;
            r.runId = asciiLower(literal("run_id"));
            r.datasetId = asciiLower(literal("dataset_id"));
            r.measurement = optionalLiteral("prediction_measurement").value_or("");
            r.line = line;
            scan.runs.push_back(r);
        } else if (insert.table == "simulation_runs") {
            SpooledSimulation s;
            s.simulationId = asciiLower(literal("simulation_id"));
            s.runId = asciiLower(literal("run_id"));
            s.namespaceName = optionalLiteral("questdb_namespace").value_or("");
            s.line = line;
            scan.simulations.push_back(s);
        }
    }
}

std::string lineList(const std::vector<int>& lines) {
    std::string out;
    for (size_t i = 0; i < lines.size() && i < 3; ++i) out += (i ? ", " : "") + std::to_string(lines[i]);
    if (lines.size() > 3) out += ", ...";
    return out;
}

// What the spooled rows need from indicator_datasets: by id when they name one, else by slug.
struct DatasetReference {
    std::optional<std::string> id, slug;
    std::vector<int> lines;
    int runs = 0;
};

std::vector<DatasetReference> datasetReferences(const SpoolScan& scan) {
    std::map<std::string, std::string> slugOfId, idOfSlug;
    for (const auto& d : scan.datasets) {
        if (!d.datasetId.empty()) slugOfId[d.datasetId] = d.slug;
        if (!d.datasetId.empty()) idOfSlug[d.slug] = d.datasetId;
    }
    std::map<std::string, DatasetReference> refs;  // key: "id:<uuid>" or "slug:<slug>"
    auto add = [&](std::optional<std::string> id, std::optional<std::string> slug, int line, bool isRun) {
        if (!id && slug && idOfSlug.count(*slug)) id = idOfSlug[*slug];
        if (id && !slug && slugOfId.count(*id)) slug = slugOfId[*id];
        DatasetReference& r = refs[id ? "id:" + *id : "slug:" + *slug];
        r.id = id;
        r.slug = slug;
        r.lines.push_back(line);
        if (isRun) ++r.runs;
    };
    for (const auto& d : scan.datasets)
        add(d.datasetId.empty() ? std::nullopt : std::optional<std::string>(d.datasetId), d.slug, d.line,
            false);
    for (const auto& r : scan.runs) add(r.datasetId, r.datasetSlug, r.line, true);
    std::vector<DatasetReference> out;
    for (auto& [key, ref] : refs) out.push_back(std::move(ref));
    return out;
}

std::string describeReference(const DatasetReference& r) {
    std::string who =
        r.slug ? *r.slug + (r.id ? " (" + *r.id + ")" : "") : "dataset " + *r.id + " (slug unknown)";
    return who + ": " + (r.runs ? std::to_string(r.runs) + " spooled run(s), " : std::string("spooled, ")) +
           "line " + lineList(r.lines);
}

void checkMissingDatasets(Connection& conn, const SpoolScan& scan, const ValidationOptions& o,
                          CheckResult& c) {
    std::vector<DatasetReference> refs = datasetReferences(scan);
    std::vector<std::string> ids, slugs;
    for (const auto& r : refs) {
        if (r.id && looksLikeUuid(*r.id)) ids.push_back(*r.id);
        if (r.slug) slugs.push_back(*r.slug);
    }
    Result known = conn.query(
        "SELECT dataset_id::text, questdb_tag FROM public.indicator_datasets "
        "WHERE dataset_id = ANY($1::uuid[]) OR questdb_tag = ANY($2::text[])",
        {textArrayLiteral(ids), textArrayLiteral(slugs)});
    std::map<std::string, std::string> slugOfId, idOfSlug;
    for (int i = 0; i < known.rows(); ++i) {
        slugOfId[std::string(known.text(i, 0))] = std::string(known.text(i, 1));
        idOfSlug[std::string(known.text(i, 1))] = std::string(known.text(i, 0));
    }
    int missing = 0;
    for (const auto& r : refs) {
        if (r.id && !looksLikeUuid(*r.id)) {
            ++missing;
            c.addRow(describeReference(r) + ": '" + *r.id + "' is not a UUID; fix the spooled statement",
                     o.maxRows);
            continue;
        }
        if (r.id ? slugOfId.count(*r.id) > 0 : idOfSlug.count(*r.slug) > 0) continue;
        ++missing;
        if (r.id && r.slug && idOfSlug.count(*r.slug)) {
            c.addRow(describeReference(r) + ": the slug is registered as " + idOfSlug[*r.slug] +
                         ", so these rows will not replay; rewrite their dataset_id by hand",
                     o.maxRows);
        } else if (r.slug && datasetSlugProblem(*r.slug)) {
            c.addRow(describeReference(r) + ": the slug breaks the rule " + kDatasetSlugRule +
                         "; fix the spooled statement",
                     o.maxRows);
        } else if (r.slug) {
            const int row = c.addRow(describeReference(r) + ": stage1ctl backfill-dataset --slug " + *r.slug +
                                         (r.id ? " --uuid " + *r.id : ""),
                                     o.maxRows);
            if (row >= 0) c.missingDatasets.push_back({row, r.id.value_or(""), r.slug});
        } else {
            const int row =
                c.addRow(describeReference(r) +
                             ": stage1ctl backfill-dataset --slug <its QuestDB tag> --uuid " + *r.id,
                         o.maxRows);
            if (row >= 0) c.missingDatasets.push_back({row, *r.id, std::nullopt});
        }
    }
    c.ok = missing == 0;
    c.summary = missing == 0
                    ? "every dataset the spool references is in PostgreSQL"
                    : std::to_string(missing) + " dataset(s) the spool references are not in PostgreSQL";
    if (!c.ok)
        c.fix =
            "Run the stage1ctl backfill-dataset command shown on each row (repeating it is a no-op), then "
            "replay "
            "the spool. A row without a slug needs the dataset's QuestDB tag first.";
}

void checkMissingRuns(Connection& conn, const SpoolScan& scan, const ValidationOptions& o, CheckResult& c) {
    std::set<std::string> spooledRuns;
    for (const auto& r : scan.runs) spooledRuns.insert(r.runId);
    std::map<std::string, std::vector<int>> wanted;  // run id -> lines of its simulations
    for (const auto& s : scan.simulations)
        if (!spooledRuns.count(s.runId)) wanted[s.runId].push_back(s.line);
    std::vector<std::string> ids;
    for (const auto& [id, lines] : wanted)
        if (looksLikeUuid(id)) ids.push_back(id);
    Result known =
        conn.query("SELECT run_id::text FROM public.walkforward_runs WHERE run_id = ANY($1::uuid[])",
                   {textArrayLiteral(ids)});
    std::set<std::string> present;
    for (int i = 0; i < known.rows(); ++i) present.insert(std::string(known.text(i, 0)));
    int missing = 0;
    for (const auto& [id, lines] : wanted) {
        if (present.count(id)) continue;
        ++missing;
        c.addRow("run " + id + ": " + std::to_string(lines.size()) + " spooled simulation(s), line " +
                     lineList(lines),
                 o.maxRows);
    }
    c.ok = missing == 0;
    c.summary = missing == 0 ? "every run the spooled simulations reference exists or is spooled"
                             : std::to_string(missing) +
                                   " run(s) referenced by spooled simulations are neither in "
                                   "PostgreSQL nor in the spool";
    if (!c.ok)
        c.fix =
            "These simulations cannot replay: find the runs on the desktop that recorded them (or in a "
            "backup) "
            "and record them first.";
}

}  // namespace

SpoolScan scanSpool(std::string_view text) {
    SpoolScan scan;
    SqlSplit split = splitSqlStatements(text);
    for (const auto& statement : split.statements) {
        ++scan.statements;
        // The verdict replay-spool reaches (db/spool/spool_grammar.hpp), without running anything.
        const SpoolVerdict verdict = judgeSpoolStatement(statement.text);
        if (!verdict.accepted()) {
            ++scan.refused;
            scan.problems.push_back("line " + std::to_string(statement.line) +
                                    ": refused, replay-spool quarantines it without sending it: " + verdict.refusal);
            continue;
        }
        try {
            record(scan, *verdict.insert, statement.line);
        } catch (const std::runtime_error& e) {
            scan.problems.push_back("line " + std::to_string(statement.line) + ": INSERT INTO " +
                                    verdict.insert->table + ": " + e.what());
        }
    }
    // A writer cut off mid-statement: replay-spool will not run it either.
    if (split.tail)
        scan.problems.push_back("line " + std::to_string(split.tail->line) + ": incomplete last statement (" +
                                split.tail->reason + ")");
    return scan;
}

std::vector<CheckResult> checkSpoolReferences(Connection& conn, const SpoolScan& scan,
                                              const ValidationOptions& o) {
    std::vector<CheckResult> out(3);
    out[0].name = "spool_statements";
    out[0].ok = scan.problems.empty();
    out[0].summary =
        std::to_string(scan.statements) + " statement(s): " + std::to_string(scan.datasets.size()) +
        " dataset, " + std::to_string(scan.runs.size()) + " run and " +
        std::to_string(scan.simulations.size()) + " simulation row(s) read" +
        (scan.refused ? ", " + std::to_string(scan.refused) + " refused (replay-spool quarantines them unsent)"
                      : std::string()) +
        (scan.problems.size() > static_cast<size_t>(scan.refused)
             ? ", " + std::to_string(scan.problems.size() - static_cast<size_t>(scan.refused)) + " unreadable"
             : std::string());
    for (const auto& p : scan.problems) out[0].addRow(p, o.maxRows);
    if (!out[0].ok)
        out[0].fix =
            "Look at the listed lines: replay-spool sets refused statements aside in <spool>.quarantine.sql "
            "without sending them, and the others fail there too. A refused statement is not something a "
            "desktop writes: find who wrote it before fixing or removing it by hand.";
    auto guarded = [&](CheckResult& c, const char* name, auto check) {
        stopIfCancelled(o);
        c.name = name;
        try {
            check(conn, scan, o, c);
        } catch (const Error& e) {  // e.g. the tables are missing: this check fails alone
            stopIfCancelled(o);
            c = CheckResult{};
            c.name = name;
            c.ok = false;
            c.summary = "could not run: " + e.info().message;
            c.fix = "stage1ctl status shows whether the schema is behind; stage1ctl migrate applies it.";
        }
    };
    guarded(out[1], "spool_missing_datasets", checkMissingDatasets);
    guarded(out[2], "spool_missing_runs", checkMissingRuns);
    return out;
}

}  // namespace db
