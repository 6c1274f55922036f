#include "app/workbench/run_views/compare_controller.hpp"

#include <algorithm>

namespace app {

namespace {

std::string shortId(const std::string& id) {
    return id.substr(0, 8);
}

}  // namespace

CompareController::CompareController(WorkbenchState& state, RequestRunner& runner, EventLog& log)
    : compare_(state.compare), connection_(state.connection), runner_(runner), log_(log) {}

void CompareController::click(const std::string& runId, bool ctrl, bool shift,
                              const std::vector<std::string>& listed) {
    std::vector<std::string>& marked = compare_.marked;
    if (shift && !compare_.anchorRunId.empty()) {
        const auto anchor = std::find(listed.begin(), listed.end(), compare_.anchorRunId);
        const auto clicked = std::find(listed.begin(), listed.end(), runId);
        if (anchor != listed.end() && clicked != listed.end()) {
            if (!ctrl) marked.clear();
            const auto [first, last] = std::minmax(anchor, clicked);
            for (auto it = first; it != last + 1; ++it)
                if (!isMarked(*it)) marked.push_back(*it);
            return;  // the anchor stays, so the next Shift-click redraws the range from it
        }
    }
    compare_.anchorRunId = runId;
    if (!ctrl) {
        marked = {runId};
        return;
    }
    const auto found = std::find(marked.begin(), marked.end(), runId);
    if (found != marked.end())
        marked.erase(found);
    else
        marked.push_back(runId);
}

bool CompareController::isMarked(const std::string& runId) const {
    return std::find(compare_.marked.begin(), compare_.marked.end(), runId) != compare_.marked.end();
}

void CompareController::unmarkAll() {
    compare_.marked.clear();
    compare_.anchorRunId.clear();
}

std::string CompareController::whyNotCompare() const {
    const size_t n = compare_.marked.size();
    if (n < 2) return "Mark at least two runs: Ctrl+click adds a run, Shift+click a range.";
    if (n > db::kMaxCompareRuns)
        return std::to_string(n) + " runs are marked; at most " + std::to_string(db::kMaxCompareRuns) +
               " fit side by side. Ctrl+click some away.";
    if (connection_.phase != ConnectionPhase::Connected) return "Connect first.";
    return "";
}

bool CompareController::canCompare() const {
    return whyNotCompare().empty();
}

void CompareController::compare(const std::vector<std::string>& runIds) {
    compare_.marked = runIds;
    compare_.anchorRunId = runIds.empty() ? "" : runIds.back();
    compare();
}

void CompareController::compare() {
    if (const std::string why = whyNotCompare(); !why.empty()) return log_.warning("cannot compare: " + why);
    runner_.cancel(compare_.request);
    const std::vector<std::string> ids = compare_.marked;
    runner_.submit<db::RunFactsResult>(
        compare_.request, "comparing " + std::to_string(ids.size()) + " runs",
        [ids](db::Connection& conn) { return db::loadRunFacts(conn, ids); },
        [this, ids](db::Outcome<db::RunFactsResult> outcome) {
            if (!runner_.finish(compare_.request, outcome)) {
                if (!outcome.cancelled) log_.error("comparing runs failed: " + outcome.error->message);
                return;
            }
            compare_.runs = std::move(outcome.value->runs);
            compare_.unknown = std::move(outcome.value->unknown);
            for (const std::string& id : compare_.unknown) log_.warning("run " + id + " no longer exists");
            compare_.reference = 0;
            rebuild();
            log_.info("compared " + std::to_string(compare_.runs.size()) +
                      " runs: " + std::to_string(compare_.comparison->differing()) + " rows differ");
        });
}

void CompareController::rebuild() {
    if (compare_.runs.empty()) {
        compare_.comparison.reset();
        return;
    }
    compare_.comparison = compareRuns(compare_.runs);
    compare_.reference = std::min(compare_.reference, compare_.runs.size() - 1);
}

void CompareController::setReference(size_t column) {
    if (column < compare_.runs.size()) compare_.reference = column;
}

void CompareController::removeColumn(size_t column) {
    if (column >= compare_.runs.size()) return;
    const std::string id = compare_.runs[column].runId;
    compare_.runs.erase(compare_.runs.begin() + static_cast<std::ptrdiff_t>(column));
    compare_.marked.erase(std::remove(compare_.marked.begin(), compare_.marked.end(), id),
                          compare_.marked.end());
    if (compare_.reference == column)
        compare_.reference = 0;
    else if (compare_.reference > column)
        --compare_.reference;
    rebuild();
    log_.info("run " + shortId(id) + " left the comparison");
}

std::string CompareController::copyTsv() const {
    return compare_.comparison ? compareAsTsv(*compare_.comparison, compare_.onlyDifferences) : "";
}

std::string CompareController::copyMarkdown() const {
    return compare_.comparison ? compareAsMarkdown(*compare_.comparison, compare_.onlyDifferences) : "";
}

void CompareController::reset() {
    runner_.cancel(compare_.request);
    std::vector<std::string> marked = std::move(compare_.marked);
    std::string anchor = std::move(compare_.anchorRunId);
    const bool onlyDifferences = compare_.onlyDifferences;
    compare_ = CompareState{};
    compare_.marked = std::move(marked);
    compare_.anchorRunId = std::move(anchor);
    compare_.onlyDifferences = onlyDifferences;
}

}  // namespace app
