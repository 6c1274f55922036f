#include "app/workbench/run_views/questdb_controller.hpp"

#include "app/questdb/questdb_diagnosis.hpp"
#include "app/runconfig/fold_findings.hpp"
#include "db/checks/validation.hpp"

namespace app {

namespace {

// What the selection names in QuestDB, from the loaded tree (the rows carry the names).
struct Target {
    std::string kind, table;
    std::optional<long long> expectedRows;
    bool placeholder = false;
};

std::optional<Target> targetOf(const WorkbenchState& state, const Selection& s) {
    for (const DatasetNode& dataset : state.hierarchy.datasets.items) {
        if (dataset.row.datasetId != s.datasetId) continue;
        const db::DatasetRow& d = dataset.row;
        if (s.kind == Selection::Kind::Dataset)
            return Target{"dataset", d.slug, d.rowCount, d.source == "laptop_imgui" && d.rowCount == 0};
        for (const RunNode& run : dataset.runs.items) {
            if (run.row.runId != s.runId) continue;
            if (s.kind == Selection::Kind::Run) return Target{"run", run.row.measurement, std::nullopt};
            for (const db::SimulationRow& sim : run.simulations().items)
                if (sim.simulationId == s.simulationId)
                    return Target{"simulation", sim.namespaceName, std::nullopt};
        }
    }
    return std::nullopt;
}

std::string describeResult(const QuestDbSideState& side) {
    const db::QuestDbTable& t = *side.result;
    if (!t.exists) return "QuestDB has no table " + side.table + " (" + side.kind + ")";
    std::string line = "QuestDB table " + t.listedName + ": " + std::to_string(t.rowCount) + " rows";
    if (side.rowCountMismatch())
        line += ", PostgreSQL records row_count " + std::to_string(*side.expectedRows);
    return line;
}

}  // namespace

QuestDbController::QuestDbController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                                     const ConnectionController& connection)
    : side_(state.questdb), state_(state), runner_(runner), log_(log), connection_(connection) {}

void QuestDbController::reset() {
    runner_.cancel(side_.request);
    side_ = QuestDbSideState{};
}

void QuestDbController::cancel() {
    runner_.cancel(side_.request);
}

void QuestDbController::load() {
    reset();
    const Selection s = state_.selection;
    if (s.kind == Selection::Kind::None) return;
    side_.of = s;
    ResolvedQuestDb questdb;
    try {
        questdb = connection_.resolvedQuestDb();
    } catch (const std::invalid_argument& e) {
        side_.problem = e.what();  // a malformed STAGE1_QUESTDB_DSN
        return;
    }
    side_.configured = questdb.configured;
    if (!questdb.configured) return;
    side_.target = questdb.describe();
    const std::optional<Target> target = targetOf(state_, s);
    if (!target) {
        side_.problem = "the selected row is not in the loaded tree: its QuestDB name is not known";
        return;
    }
    side_.kind = target->kind;
    side_.table = target->table;
    side_.expectedRows = target->expectedRows;
    side_.placeholder = target->placeholder;
    if (auto problem = db::questDbTableNameProblem(target->table)) {
        side_.problem = "'" + target->table + "' was not asked for: " + *problem;
        return;
    }
    db::SessionOptions options;
    options.params = questdb.connectParams("stage1-debugger");
    const std::string table = target->table;
    runner_.submitQuestDb<db::QuestDbTable>(
        side_.request, "QuestDB: " + table, std::move(options),
        [table](db::Connection& conn, const std::atomic<bool>& cancelled) {
            return db::readQuestDbTable(conn, table, &cancelled);
        },
        [this, s, questdb](db::Outcome<db::QuestDbTable> outcome) {
            // A request since replaced (another selection, F5) says nothing about this one.
            if (!(s == side_.of) || outcome.id != side_.request.id) return;
            auto diagnose = [&questdb](const db::DbError& e) { return diagnoseQuestDb(e, questdb); };
            if (!runner_.finish(side_.request, outcome, diagnose)) {
                if (outcome.cancelled) return log_.info("QuestDB request for " + side_.table + " cancelled");
                return log_.warning(side_.request.failure->title + ": " + outcome.error->message);
            }
            side_.result = std::move(*outcome.value);
            log_.info(describeResult(side_));
        });
}

std::optional<FoldCoverage> questDbFoldCoverage(const WorkbenchState& state) {
    const QuestDbSideState& side = state.questdb;
    const Selection& s = state.selection;
    if (s.kind != Selection::Kind::Run || !(side.of == s) || !side.result || !side.result->exists)
        return std::nullopt;
    const FoldsState& folds = state.folds;
    if (!folds.run || folds.runId != s.runId) return std::nullopt;
    std::optional<TimeRange> range;
    if (side.result->first && side.result->last)
        range = TimeRange{side.result->first->epoch, side.result->last->epoch};
    // test_end is usually an exclusive bound: the last prediction then sits one bar before it. One
    // bar of the dataset's granularity is allowed; with the granularity unknown, none is.
    const std::optional<long long> bar = granularitySeconds(folds.run->granularity);
    return foldCoverage(range, folds.run->folds, bar ? static_cast<double>(*bar) : 0.0);
}

std::vector<int> uncoveredFolds(const WorkbenchState& state) {
    std::vector<int> out;
    if (auto coverage = questDbFoldCoverage(state))
        for (const UncoveredFold& fold : coverage->uncovered) out.push_back(fold.foldIndex);
    return out;
}

}  // namespace app
