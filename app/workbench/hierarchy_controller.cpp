#include "app/workbench/hierarchy_controller.hpp"

#include <algorithm>
#include <string_view>
#include <unordered_map>

#include "app/workbench/run_nodes.hpp"

namespace app {

namespace {

// The first page of a level. Each further page is as large as what is already loaded, up to
// kLargestPage: scrolling to the end of 100,000 runs takes a dozen requests, not 500 (the worker
// fetches a large page as consecutive server pages, so the server's own limit still holds).
constexpr int kPageSize = 200;
constexpr int kLargestPage = 20000;
// A revealed run comes with this many newer runs above it, so it is not glued to the top edge.
constexpr int kRevealContext = 20;
constexpr int kRevealDatasetPages = 100;  // datasets are few: they are listed from the top

int nextPageSize(size_t loaded) {
    return static_cast<int>(std::clamp<size_t>(loaded, kPageSize, kLargestPage));
}

// F5 reloads as many rows as were loaded, so the view keeps its place.
int reloadSize(size_t loaded) {
    return static_cast<int>(std::max<size_t>(loaded, kPageSize));
}

std::optional<std::string> nonEmpty(const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

db::PageRequest pageRequest(const std::optional<db::PageCursor>& after, const std::string& search,
                            const std::string& status, int limit) {
    db::PageRequest request;
    request.limit = limit;
    request.after = after;
    request.search = nonEmpty(search);
    request.status = nonEmpty(status);
    return request;
}

db::PageCursor keysetOf(const db::RunRow& row) {
    return {row.createdAt, row.runId};
}

// A reload from the top keeps what the user opened: datasets still there keep their expanded state
// and loaded runs.
void mergeDatasets(PagedList<DatasetNode>& list, std::vector<db::DatasetRow> rows, bool append) {
    std::vector<DatasetNode> merged;
    if (append) merged = std::move(list.items);
    std::unordered_map<std::string_view, DatasetNode*> old;
    if (!append)
        for (DatasetNode& node : list.items) old.emplace(node.row.datasetId, &node);
    for (auto& row : rows) {
        DatasetNode node{std::move(row), false, {}};
        if (auto it = old.find(node.row.datasetId); it != old.end()) {
            node.expanded = it->second->expanded;
            node.runs = std::move(it->second->runs);
        }
        merged.push_back(std::move(node));
    }
    list.items = std::move(merged);
}

}  // namespace

std::vector<VisibleRow> flattenHierarchy(const HierarchyState& h) {
    std::vector<VisibleRow> rows;
    const auto& datasets = h.datasets.items;
    for (int d = 0; d < static_cast<int>(datasets.size()); ++d) {
        rows.push_back({RowKind::Dataset, d, -1, -1, 0});
        const DatasetNode& dataset = datasets[static_cast<size_t>(d)];
        if (!dataset.expanded) continue;
        if (dataset.runs.newerAbove) rows.push_back({RowKind::NewerRuns, d, -1, -1, 1});
        for (int r = 0; r < static_cast<int>(dataset.runs.items.size()); ++r) {
            rows.push_back({RowKind::Run, d, r, -1, 1});
            const RunNode& run = dataset.runs.items[static_cast<size_t>(r)];
            if (!run.expanded) continue;
            const auto& simulations = run.simulations();
            for (int s = 0; s < static_cast<int>(simulations.items.size()); ++s)
                rows.push_back({RowKind::Simulation, d, r, s, 2});
            if (simulations.next || simulations.request.running())
                rows.push_back({RowKind::MoreSimulations, d, r, -1, 2});
        }
        if (dataset.runs.next || dataset.runs.request.running())
            rows.push_back({RowKind::MoreRuns, d, -1, -1, 1});
    }
    if (h.datasets.next || h.datasets.request.running())
        rows.push_back({RowKind::MoreDatasets, -1, -1, -1, 0});
    return rows;
}

HierarchyController::HierarchyController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                                         std::function<void()> selectionChanged,
                                         std::function<void()> refreshAll)
    : hierarchy_(state.hierarchy),
      selection_(state.selection),
      connection_(state.connection),
      runner_(runner),
      log_(log),
      selectionChanged_(std::move(selectionChanged)),
      refreshAll_(std::move(refreshAll)) {}

void HierarchyController::reset() {
    HierarchyFilters filters = hierarchy_.filters;
    std::uint64_t revision = hierarchy_.revision + 1;
    hierarchy_ = HierarchyState{};
    hierarchy_.filters = filters;
    hierarchy_.revision = revision;
    selection_ = {};
    selectedRowKnown_ = false;
}

DatasetNode* HierarchyController::datasetById(const std::string& id) {
    for (DatasetNode& node : hierarchy_.datasets.items)
        if (node.row.datasetId == id) return &node;
    return nullptr;
}

void HierarchyController::setSelection(const Selection& selection) {
    selection_ = selection;
    selectedRowKnown_ = false;
    selectionChanged_();
}

void HierarchyController::loadDatasets(bool append) {
    auto& list = hierarchy_.datasets;
    if (list.request.running()) return;
    auto request = pageRequest(append ? list.next : std::nullopt, hierarchy_.filters.datasetSearch, "",
                               append ? nextPageSize(list.items.size()) : reloadSize(list.items.size()));
    runner_.submit<db::Page<db::DatasetRow>>(
        list.request, "loading datasets",
        [request](db::Connection& conn) { return db::listDatasets(conn, request); },
        [this, append](db::Outcome<db::Page<db::DatasetRow>> outcome) {
            auto& list = hierarchy_.datasets;
            touch();
            if (!runner_.finish(list.request, outcome))
                return log_.error("loading datasets failed: " + outcome.error->message);
            mergeDatasets(list, std::move(outcome.value->rows), append);
            list.next = outcome.value->next;
            list.loaded = true;
        });
    touch();
}

void HierarchyController::loadRuns(int d, bool append) {
    DatasetNode& dataset = hierarchy_.datasets.items[static_cast<size_t>(d)];
    auto& runs = dataset.runs;
    if (runs.request.running()) return;
    const auto& f = hierarchy_.filters;
    const size_t loaded = runs.items.size();
    auto request = pageRequest(append ? runs.next : std::nullopt, f.runSearch, f.runStatus,
                               append ? nextPageSize(loaded) : reloadSize(loaded));
    // A list revealed mid-way reloads from its own first row, not from the top.
    std::optional<db::PageCursor> firstRow;
    if (!append && runs.newerAbove && loaded > 0) firstRow = keysetOf(runs.items.front().row);
    std::vector<OpenedRun> opened;
    if (!append) opened = openedRuns(runs);
    const std::string datasetId = dataset.row.datasetId;
    runner_.submit<RunsLoad>(
        runs.request, "loading runs of " + dataset.row.slug,
        [request, datasetId, firstRow, opened](db::Connection& conn) mutable {
            bool newerAbove = false;
            if (firstRow) {
                request.after = db::runsCursorAbove(conn, datasetId, *firstRow, request);
                newerAbove = request.after.has_value();
            }
            RunsLoad load = runsLoadFrom(db::listRuns(conn, datasetId, request), opened);
            load.newerAbove = newerAbove;
            return load;
        },
        [this, datasetId, append, replacements = runs.replacements](db::Outcome<RunsLoad> outcome) {
            DatasetNode* dataset = datasetById(datasetId);
            if (!dataset || dataset->runs.replacements != replacements) return;
            touch();
            if (!runner_.finish(dataset->runs.request, outcome))
                return log_.error("loading runs of " + dataset->row.slug +
                                  " failed: " + outcome.error->message);
            auto& runs = dataset->runs;
            RunsLoad& load = *outcome.value;
            placeRuns(runs, load, append ? RunsPlacement::Append : RunsPlacement::Replace);
            runs.next = load.next;
            if (!append) runs.newerAbove = load.newerAbove;
            runs.loaded = true;
        });
    touch();
}

void HierarchyController::loadNewerRuns(int d) {
    DatasetNode& dataset = hierarchy_.datasets.items[static_cast<size_t>(d)];
    auto& runs = dataset.runs;
    if (runs.request.running() || !runs.newerAbove || runs.items.empty()) return;
    const auto& f = hierarchy_.filters;
    auto request = pageRequest(keysetOf(runs.items.front().row), f.runSearch, f.runStatus, kPageSize);
    const std::string datasetId = dataset.row.datasetId;
    runner_.submit<RunsLoad>(
        runs.request, "loading newer runs of " + dataset.row.slug,
        [request, datasetId](db::Connection& conn) {
            RunsLoad load = runsLoadFrom(db::listRunsNewer(conn, datasetId, request), {});
            load.newerAbove = load.next.has_value();  // the page went upwards
            return load;
        },
        [this, datasetId, replacements = runs.replacements](db::Outcome<RunsLoad> outcome) {
            DatasetNode* dataset = datasetById(datasetId);
            if (!dataset || dataset->runs.replacements != replacements) return;
            touch();
            if (!runner_.finish(dataset->runs.request, outcome))
                return log_.error("loading newer runs of " + dataset->row.slug +
                                  " failed: " + outcome.error->message);
            dataset->runs.newerAbove = outcome.value->newerAbove;
            placeRuns(dataset->runs, *outcome.value, RunsPlacement::Prepend);
        });
    touch();
}

void HierarchyController::loadSimulations(int d, int r, bool append) {
    DatasetNode& dataset = hierarchy_.datasets.items[static_cast<size_t>(d)];
    PagedList<db::SimulationRow>& simulations =
        dataset.runs.items[static_cast<size_t>(r)].simulationsToLoad();
    if (simulations.request.running()) return;
    const auto& f = hierarchy_.filters;
    const size_t loaded = simulations.items.size();
    auto request = pageRequest(append ? simulations.next : std::nullopt, f.simulationSearch,
                               f.simulationStatus, append ? nextPageSize(loaded) : reloadSize(loaded));
    const std::string datasetId = dataset.row.datasetId;
    const std::string runId = dataset.runs.items[static_cast<size_t>(r)].row.runId;
    runner_.submit<db::Page<db::SimulationRow>>(
        simulations.request,
        "loading simulations of " + dataset.runs.items[static_cast<size_t>(r)].row.measurement,
        [request, runId](db::Connection& conn) { return db::listSimulations(conn, runId, request); },
        [this, datasetId, runId, append](db::Outcome<db::Page<db::SimulationRow>> outcome) {
            DatasetNode* dataset = datasetById(datasetId);
            if (!dataset) return;
            auto run = std::find_if(dataset->runs.items.begin(), dataset->runs.items.end(),
                                    [&](const RunNode& n) { return n.row.runId == runId; });
            if (run == dataset->runs.items.end()) return;
            touch();
            auto& list = run->simulationsToLoad();
            if (!runner_.finish(list.request, outcome))
                return log_.error("loading simulations failed: " + outcome.error->message);
            if (!append) list.items.clear();
            for (auto& row : outcome.value->rows) list.items.push_back(std::move(row));
            list.next = outcome.value->next;
            list.loaded = true;
        });
    touch();
}

void HierarchyController::toggle(const VisibleRow& row) {
    auto& datasets = hierarchy_.datasets.items;
    if (row.kind == RowKind::Dataset) {
        DatasetNode& d = datasets[static_cast<size_t>(row.dataset)];
        d.expanded = !d.expanded;
        if (d.expanded && !d.runs.loaded) loadRuns(row.dataset, false);
    } else if (row.kind == RowKind::Run) {
        RunNode& r = datasets[static_cast<size_t>(row.dataset)].runs.items[static_cast<size_t>(row.run)];
        r.expanded = !r.expanded;
        if (r.expanded && !r.simulations().loaded) loadSimulations(row.dataset, row.run, false);
    }
    touch();
}

void HierarchyController::loadMore(const VisibleRow& row) {
    if (row.kind == RowKind::MoreDatasets) loadDatasets(true);
    if (row.kind == RowKind::NewerRuns) loadNewerRuns(row.dataset);
    if (row.kind == RowKind::MoreRuns) loadRuns(row.dataset, true);
    if (row.kind == RowKind::MoreSimulations) loadSimulations(row.dataset, row.run, true);
}

void HierarchyController::applyFilters(const HierarchyFilters& filters) {
    hierarchy_.filters = filters;
    if (!connected()) return;  // used when it connects
    log_.info("filters applied");
    refreshAll_();
}

void HierarchyController::reload() {
    if (!connected()) return;
    // Reload the datasets, and the first page of every expanded level, keeping what is expanded.
    loadDatasets(false);
    auto& datasets = hierarchy_.datasets.items;
    for (size_t d = 0; d < datasets.size(); ++d) {
        if (!datasets[d].expanded) continue;
        loadRuns(static_cast<int>(d), false);
        for (size_t r = 0; r < datasets[d].runs.items.size(); ++r)
            if (datasets[d].runs.items[r].expanded)
                loadSimulations(static_cast<int>(d), static_cast<int>(r), false);
    }
}

void HierarchyController::select(const VisibleRow& row) {
    const auto& datasets = hierarchy_.datasets.items;
    Selection s;
    if (row.dataset >= 0) s.datasetId = datasets[static_cast<size_t>(row.dataset)].row.datasetId;
    if (row.kind == RowKind::Dataset) s.kind = Selection::Kind::Dataset;
    if (row.kind == RowKind::Run || row.kind == RowKind::Simulation) {
        const RunNode& run =
            datasets[static_cast<size_t>(row.dataset)].runs.items[static_cast<size_t>(row.run)];
        s.runId = run.row.runId;
        s.kind = Selection::Kind::Run;
        if (row.kind == RowKind::Simulation) {
            s.simulationId = run.simulations().items[static_cast<size_t>(row.simulation)].simulationId;
            s.kind = Selection::Kind::Simulation;
        }
    }
    if (s.kind == Selection::Kind::None || s == selection_) return;
    setSelection(s);
}

const std::vector<VisibleRow>& HierarchyController::visibleRows() {
    if (rowsRevision_ != hierarchy_.revision) {
        rows_ = flattenHierarchy(hierarchy_);
        rowsRevision_ = hierarchy_.revision;
        selectedRowKnown_ = false;
    }
    return rows_;
}

int HierarchyController::selectedRowIndex() {
    const auto& rows = visibleRows();
    if (selectedRowKnown_) return selectedRow_;
    selectedRow_ = -1;
    const Selection& s = selection_;
    const auto& datasets = hierarchy_.datasets.items;
    for (size_t i = 0; i < rows.size() && s.kind != Selection::Kind::None; ++i) {
        const VisibleRow& row = rows[i];
        if (row.dataset < 0 || datasets[static_cast<size_t>(row.dataset)].row.datasetId != s.datasetId)
            continue;
        if (row.kind == RowKind::Dataset && s.kind == Selection::Kind::Dataset)
            selectedRow_ = static_cast<int>(i);
        if (row.kind != RowKind::Run && row.kind != RowKind::Simulation) continue;
        const RunNode& run =
            datasets[static_cast<size_t>(row.dataset)].runs.items[static_cast<size_t>(row.run)];
        if (run.row.runId != s.runId) continue;
        if (row.kind == RowKind::Run && s.kind == Selection::Kind::Run) selectedRow_ = static_cast<int>(i);
        if (row.kind == RowKind::Simulation && s.kind == Selection::Kind::Simulation &&
            run.simulations().items[static_cast<size_t>(row.simulation)].simulationId == s.simulationId)
            selectedRow_ = static_cast<int>(i);
        if (selectedRow_ >= 0) break;
    }
    selectedRowKnown_ = true;
    return selectedRow_;
}

// ---- reveal: the dataset list from the top, then the run's own page by its keyset ----

namespace {

struct RevealResult {
    std::vector<db::DatasetRow> datasets;  // the dataset list from the top, up to the target
    std::optional<db::PageCursor> datasetsNext;
    std::string datasetId;
    RunsLoad runs;  // a few newer runs, then the page that starts with the run
    bool found = false;
};

// Loads the dataset list from the top until it holds the dataset (datasets are few).
bool loadDatasetsUntil(db::Connection& conn, const std::string& datasetId, const std::string& search,
                       RevealResult& result) {
    bool present = false;
    std::optional<db::PageCursor> cursor;
    for (int page = 0; page < kRevealDatasetPages && !present; ++page) {
        auto p = db::listDatasets(conn, pageRequest(cursor, search, "", db::kServerPageLimit));
        for (auto& row : p.rows) {
            present = present || row.datasetId == datasetId;
            result.datasets.push_back(std::move(row));
        }
        cursor = p.next;
        if (!cursor) break;
    }
    result.datasetsNext = cursor;
    return present;
}

// The run where it sits: up to kRevealContext newer runs above it, then the page that starts with
// it. Two index range scans, however deep the run is. Filters apply: a run they hide is not found.
void loadRunWindow(db::Connection& conn, const db::RunPosition& position, const std::string& runId,
                   const HierarchyFilters& f, RevealResult& result) {
    auto above = db::listRunsNewer(conn, position.datasetId,
                                   pageRequest(position.keyset, f.runSearch, f.runStatus, kRevealContext));
    std::optional<db::PageCursor> start;
    if (!above.rows.empty()) start = keysetOf(above.rows.back());
    auto page =
        db::listRuns(conn, position.datasetId, pageRequest(start, f.runSearch, f.runStatus, kPageSize));
    result.found = !page.rows.empty() && page.rows.front().runId == runId;
    const bool newerAbove = above.next.has_value();
    for (auto& row : page.rows) above.rows.push_back(std::move(row));
    above.next = page.next;
    result.runs = runsLoadFrom(std::move(above), {});
    result.runs.newerAbove = newerAbove;
}

}  // namespace

void HierarchyController::revealDataset(const std::string& datasetId) {
    reveal(datasetId, true);
}

void HierarchyController::revealRun(const std::string& runId) {
    // Already in the tree: nothing to load.
    for (DatasetNode& dataset : hierarchy_.datasets.items)
        for (const RunNode& run : dataset.runs.items)
            if (run.row.runId == runId) {
                dataset.expanded = true;
                touch();
                Selection s;
                s.kind = Selection::Kind::Run;
                s.datasetId = dataset.row.datasetId;
                s.runId = runId;
                return setSelection(s);
            }
    reveal(runId, false);
}

void HierarchyController::reveal(const std::string& id, bool datasetOnly) {
    const HierarchyFilters filters = hierarchy_.filters;
    RequestStatus& status = hierarchy_.datasets.request;
    runner_.cancel(status);
    runner_.submit<RevealResult>(
        status, datasetOnly ? "showing the dataset" : "showing the run",
        [=](db::Connection& conn) {
            RevealResult result;
            std::optional<db::RunPosition> position;
            if (datasetOnly) {
                result.datasetId = id;
            } else {
                position = db::findRunPosition(conn, id);
                if (!position) return result;
                result.datasetId = position->datasetId;
            }
            const bool present = loadDatasetsUntil(conn, result.datasetId, filters.datasetSearch, result);
            if (!present || datasetOnly) {
                result.found = present;
                return result;
            }
            loadRunWindow(conn, *position, id, filters, result);
            return result;
        },
        [this, id, datasetOnly](db::Outcome<RevealResult> outcome) {
            auto& list = hierarchy_.datasets;
            touch();
            if (!runner_.finish(list.request, outcome))
                return log_.error("cannot show it in the tree: " + outcome.error->message);
            RevealResult& r = *outcome.value;
            if (!r.datasets.empty()) {
                mergeDatasets(list, std::move(r.datasets), false);
                list.next = r.datasetsNext;
                list.loaded = true;
            }
            DatasetNode* dataset = datasetById(r.datasetId);
            if (!r.found || !dataset)
                return log_.warning((datasetOnly ? "dataset " : "run ") + id +
                                    " is not in the tree (filtered out, or beyond the pages loaded)");
            Selection s;
            s.datasetId = r.datasetId;
            s.kind = Selection::Kind::Dataset;
            if (!datasetOnly) {
                dataset->expanded = true;
                if (dataset->runs.request.running()) {
                    runner_.cancel(dataset->runs.request);
                    dataset->runs.request.phase = RequestPhase::Idle;  // its answer will be dropped
                }
                ++dataset->runs.replacements;
                placeRuns(dataset->runs, r.runs, RunsPlacement::Replace);
                dataset->runs.next = r.runs.next;
                dataset->runs.newerAbove = r.runs.newerAbove;
                dataset->runs.loaded = true;
                s.kind = Selection::Kind::Run;
                s.runId = id;
            }
            setSelection(s);
        });
    touch();
}

}  // namespace app
