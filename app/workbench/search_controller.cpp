#include "app/workbench/search_controller.hpp"

#include <algorithm>

namespace app {

namespace {

constexpr int kSearchPageSize = 200;
constexpr size_t kHistorySize = 20;

}  // namespace

SearchController::SearchController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                                   HierarchyController& hierarchy)
    : search_(state.search),
      connection_(state.connection),
      runner_(runner),
      log_(log),
      hierarchy_(hierarchy) {}

void SearchController::reset() {
    std::vector<std::string> history = std::move(search_.history);
    search_ = SearchState{};
    search_.history = std::move(history);
}

void SearchController::run(const std::string& query) {
    runner_.cancel(search_.request);
    auto compiled = db::search::compileRunQuery(query, db::search::kSearchFirstQueryParam);
    search_.query = query;
    search_.rows.clear();
    search_.next.reset();
    search_.active = true;
    if (auto* error = std::get_if<db::search::QueryError>(&compiled)) {
        search_.error = *error;
        search_.fields.clear();
        search_.request = RequestStatus{};
        return;  // nothing is sent
    }
    search_.error.reset();
    compiled_ = std::get<db::search::CompiledQuery>(std::move(compiled));
    search_.fields.clear();
    for (const auto& field : compiled_.fields) search_.fields.push_back(field.name);
    auto& history = search_.history;
    history.erase(std::remove(history.begin(), history.end(), query), history.end());
    history.insert(history.begin(), query);
    if (history.size() > kHistorySize) history.resize(kHistorySize);
    if (!connected()) return log_.warning("connect first to search");
    loadPage(false);
}

void SearchController::loadMore() {
    if (search_.next && !search_.request.running() && !search_.error && connected()) loadPage(true);
}

void SearchController::loadPage(bool append) {
    const db::search::CompiledQuery query = compiled_;
    const std::optional<db::PageCursor> after = append ? search_.next : std::nullopt;
    runner_.submit<db::search::SearchPage>(
        search_.request, "searching runs",
        [query, after](db::Connection& conn) {
            return db::search::searchRuns(conn, query, kSearchPageSize, after);
        },
        [this, text = search_.query](db::Outcome<db::search::SearchPage> outcome) {
            if (text != search_.query) return;  // another query since
            if (!runner_.finish(search_.request, outcome)) {
                if (!outcome.cancelled) log_.error("search failed: " + outcome.error->message);
                return;
            }
            for (auto& row : outcome.value->rows) search_.rows.push_back(std::move(row));
            search_.next = outcome.value->next;
        });
}

void SearchController::clear() {
    runner_.cancel(search_.request);
    search_.active = false;
    search_.error.reset();
    search_.rows.clear();
    search_.next.reset();
    search_.query.clear();
}

void SearchController::open(size_t row) {
    if (row >= search_.rows.size()) return;
    hierarchy_.revealRun(search_.rows[row].runId);
}

std::string SearchController::resultsCsv() const {
    std::vector<std::string> header = {"run_id", "dataset", "measurement", "status", "created_at"};
    header.insert(header.end(), search_.fields.begin(), search_.fields.end());
    std::string out = db::search::csvLine(header);
    for (const auto& row : search_.rows) {
        std::vector<std::string> cells = {row.runId, row.datasetSlug, row.measurement, row.status,
                                          row.createdAt};
        for (const auto& value : row.fieldValues) cells.push_back(value.value_or(""));
        out += db::search::csvLine(cells);
    }
    return out;
}

void SearchController::jump(const std::string& text) {
    runner_.cancel(search_.jumpRequest);
    search_.jumpText = text;
    search_.jumpMatches.clear();
    if (text.empty()) return;
    if (auto problem = db::search::findTextProblem(text)) {
        search_.jumpText.clear();
        return log_.error("cannot jump: " + *problem + "; nothing was sent");
    }
    if (!connected()) return log_.warning("connect first to jump");
    runner_.submit<std::vector<db::search::FindMatch>>(
        search_.jumpRequest, "finding " + text,
        [text](db::Connection& conn) { return db::search::findExact(conn, text); },
        [this, text](db::Outcome<std::vector<db::search::FindMatch>> outcome) {
            if (text != search_.jumpText) return;
            if (!runner_.finish(search_.jumpRequest, outcome)) {
                if (!outcome.cancelled) log_.error("jump failed: " + outcome.error->message);
                return;
            }
            search_.jumpMatches = std::move(*outcome.value);
            if (search_.jumpMatches.empty()) return log_.warning("nothing is called '" + text + "'");
            if (search_.jumpMatches.size() == 1) reveal(search_.jumpMatches.front());
        });
}

void SearchController::reveal(const db::search::FindMatch& match) {
    search_.active = false;  // the tree is where it is shown
    if (match.kind == db::search::MatchKind::Dataset)
        hierarchy_.revealDataset(match.datasetId);
    else
        hierarchy_.revealRun(match.runId);
}

}  // namespace app
