#include "app/workbench/run_views/folds_controller.hpp"

#include <algorithm>

namespace app {

FoldsController::FoldsController(WorkbenchState& state, RequestRunner& runner, EventLog& log)
    : folds_(state.folds), selection_(state.selection), runner_(runner), log_(log) {}

void FoldsController::reset() {
    runner_.cancel(folds_.request);
    folds_ = FoldsState{};
}

void FoldsController::load() {
    runner_.cancel(folds_.request);
    const std::string chartMetric = folds_.chartMetric;  // the analyst's choice follows them run to run
    folds_ = FoldsState{};
    folds_.chartMetric = chartMetric;
    if (selection_.kind != Selection::Kind::Run) return;
    const std::string runId = selection_.runId;
    folds_.runId = runId;
    runner_.submit<std::optional<db::RunFolds>>(
        folds_.request, "loading folds",
        [runId](db::Connection& conn) { return db::loadRunFolds(conn, runId); },
        [this, runId](db::Outcome<std::optional<db::RunFolds>> outcome) {
            if (runId != folds_.runId) return;  // the selection moved on
            if (!runner_.finish(folds_.request, outcome)) {
                if (!outcome.cancelled) log_.error("loading folds failed: " + outcome.error->message);
                return;
            }
            if (!*outcome.value) return log_.warning("run " + runId + " no longer exists");
            folds_.run = std::move(**outcome.value);
            folds_.findings = findFoldProblems(*folds_.run);
            folds_.metricNames = foldMetricNames(folds_.run->folds);
            const auto& names = folds_.metricNames;
            if (std::find(names.begin(), names.end(), folds_.chartMetric) == names.end())
                folds_.chartMetric = names.empty() ? "" : names.front();
            if (!folds_.findings.empty())
                log_.warning("run " + runId.substr(0, 8) + ": " + std::to_string(folds_.findings.size()) +
                             " fold finding(s), first: " + folds_.findings.front().message);
        });
}

void FoldsController::chooseChartMetric(const std::string& name) {
    folds_.chartMetric = name;
}

}  // namespace app
