// The QuestDB side of validation: do the tables PostgreSQL names exist in QuestDB, with the rows it
// records? Two connections; the comparison happens here, not in SQL, because the two databases
// cannot query each other. QuestDB is reached over its PostgreSQL wire protocol with only the SQL
// its documentation gives (tables(), count(*)). The tests use a PostgreSQL stand-in, not QuestDB.
#include <cctype>
#include <map>
#include <set>

#include "db/checks/validation.hpp"

namespace db {

namespace {

const char* const kKinds[] = {"dataset", "run", "simulation"};

std::string checkName(const std::string& kind) {
    return "questdb_" + kind + "_tables";
}

}  // namespace

std::optional<std::string> questDbTableNameProblem(std::string_view name) {
    if (name.empty() || name.size() > 127) return "a table name must be 1 to 127 characters";
    if (name[0] == '-') return "a table name must not start with '-'";
    for (char c : name)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
            return "only letters, digits, '_' and '-' are checked (found '" + std::string(1, c) + "')";
    return std::nullopt;
}

std::string quoteQuestDbTable(std::string_view safeName) {
    // Safe only because questDbTableNameProblem admits no '"' (nor anything else to escape).
    return "\"" + std::string(safeName) + "\"";
}

std::vector<QuestDbExpectation> questDbExpectations(Connection& pg) {
    std::vector<QuestDbExpectation> out;
    Result datasets = pg.query(
        "SELECT dataset_id::text, questdb_tag, row_count, source = 'laptop_imgui' AND row_count = 0 "
        "FROM public.indicator_datasets ORDER BY questdb_tag");
    for (int i = 0; i < datasets.rows(); ++i)
        out.push_back({"dataset", std::string(datasets.text(i, 0)), std::string(datasets.text(i, 1)),
                       datasets.integer(i, 2), "", datasets.boolean(i, 3)});
    Result runs = pg.query(
        "SELECT run_id::text, prediction_measurement, status FROM public.walkforward_runs "
        "ORDER BY prediction_measurement, run_id");
    for (int i = 0; i < runs.rows(); ++i)
        out.push_back({"run", std::string(runs.text(i, 0)), std::string(runs.text(i, 1)), std::nullopt,
                       std::string(runs.text(i, 2))});
    Result sims = pg.query(
        "SELECT simulation_id::text, questdb_namespace, status FROM public.simulation_runs "
        "ORDER BY questdb_namespace, simulation_id");
    for (int i = 0; i < sims.rows(); ++i)
        out.push_back({"simulation", std::string(sims.text(i, 0)), std::string(sims.text(i, 1)), std::nullopt,
                       std::string(sims.text(i, 2))});
    return out;
}

std::vector<CheckResult> checkQuestDbAlignment(Connection& questdb,
                                               const std::vector<QuestDbExpectation>& expected,
                                               const ValidationOptions& o) {
    // QuestDB resolves table names case-insensitively; keep the spelling it lists for count(*).
    std::map<std::string, std::string> present;
    Result tables = questdb.query("SELECT table_name FROM tables()");
    for (int i = 0; i < tables.rows(); ++i)
        present[asciiLower(tables.text(i, 0))] = std::string(tables.text(i, 0));

    std::map<std::string, CheckResult> byKind;
    std::map<std::string, int> checked, failed;
    std::map<std::string, long long> counted;  // table -> rows, each table counted once
    for (const char* kind : kKinds) byKind[kind].name = checkName(kind);
    for (const auto& e : expected) {
        CheckResult& c = byKind[e.kind];
        ++checked[e.kind];
        const std::string who = e.kind + " " + e.id;
        if (auto problem = questDbTableNameProblem(e.table)) {
            ++failed[e.kind];
            c.addRow(who + ": table name '" + e.table + "' was not queried: " + *problem, o.maxRows);
            continue;
        }
        auto found = present.find(asciiLower(e.table));
        if (found == present.end()) {
            // A run or simulation writes its table as it works: without one it is a finding only
            // once it claims to be completed.
            if (e.kind != "dataset" && e.status != "completed") {
                c.addInfo(who + " (" + e.status + "): no table " + e.table + " in QuestDB yet", o.maxRows);
                continue;
            }
            ++failed[e.kind];
            c.addRow(who + ": no table " + e.table + " in QuestDB", o.maxRows);
            continue;
        }
        if (!e.rowCount) continue;
        if (e.placeholder) {
            c.addInfo(who + ": placeholder, row_count not recorded yet (table " + e.table + " exists)",
                      o.maxRows);
            continue;
        }
        auto it = counted.find(found->second);
        if (it == counted.end()) {
            Result n = questdb.query("SELECT count(*) FROM " + quoteQuestDbTable(found->second));
            it = counted.emplace(found->second, n.integer(0, 0)).first;
        }
        if (it->second != *e.rowCount) {
            ++failed[e.kind];
            c.addRow(who + ": table " + e.table + " has " + std::to_string(it->second) +
                         " rows, PostgreSQL records row_count " + std::to_string(*e.rowCount),
                     o.maxRows);
        }
    }

    std::vector<CheckResult> out;
    for (const char* kind : kKinds) {
        CheckResult& c = byKind[kind];
        c.ok = failed[kind] == 0;
        const std::string what = std::string(kind) == "dataset" ? "datasets (questdb_tag, row_count)"
                                 : std::string(kind) == "run"   ? "runs (prediction_measurement)"
                                                                : "simulations (questdb_namespace)";
        c.summary =
            std::to_string(checked[kind]) + " " + what + " checked against " +
            std::to_string(present.size()) + " QuestDB tables: " + std::to_string(failed[kind]) +
            " not aligned" +
            (c.info.empty() ? ""
                            : ", " + std::to_string(static_cast<long long>(c.info.size()) + c.infoMore) +
                                  " noted (not completed yet, or a placeholder)");
        if (!c.ok)
            c.fix =
                std::string(kind) == "dataset"
                    ? "A missing table means the dataset was never loaded (or its slug is wrong); a count "
                      "mismatch means row_count is stale: update indicator_datasets.row_count after loading, "
                      "or reload the dataset."
                    : "Completed rows name QuestDB tables that do not exist: the results were never "
                      "written or were dropped. Re-run from the desktop, or remove the rows.";
        out.push_back(std::move(c));
    }
    return out;
}

}  // namespace db
