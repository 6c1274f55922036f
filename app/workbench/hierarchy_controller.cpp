#include "app/workbench/hierarchy_controller.hpp"

#include <algorithm>

namespace app {

namespace {

constexpr int kPageSize = 200;
constexpr int kRevealPageSize = 1000;
constexpr int kRevealMaxPages = 100;

std::optional<std::string> nonEmpty(const std::string& s) {
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
}

db::PageRequest pageRequest(const std::optional<db::PageCursor>& after, const std::string& search,
                            const std::string& status, int limit = kPageSize) {
    db::PageRequest request;
    request.limit = limit;
    request.after = after;
    request.search = nonEmpty(search);
    request.status = nonEmpty(status);
    return request;
}

// A reload from the top keeps what the user opened: nodes that are still there keep their
// expanded state and loaded children.
void mergeDatasets(PagedList<DatasetNode>& list, std::vector<db::DatasetRow> rows, bool append) {
    std::vector<DatasetNode> merged;
    if (append) merged = std::move(list.items);
    for (auto& row : rows) {
        auto old = std::find_if(list.items.begin(), list.items.end(),
                                [&](const DatasetNode& n) { return n.row.datasetId == row.datasetId; });
        DatasetNode node{std::move(row), false, {}};
        if (!append && old != list.items.end()) {
            node.expanded = old->expanded;
            node.runs = std::move(old->runs);
        }
        merged.push_back(std::move(node));
    }
    list.items = std::move(merged);
}

void mergeRuns(PagedList<RunNode>& list, std::vector<db::RunRow> rows, bool append) {
    std::vector<RunNode> merged;
    if (append) merged = std::move(list.items);
    for (auto& row : rows) {
        auto old = std::find_if(list.items.begin(), list.items.end(),
                                [&](const RunNode& n) { return n.row.runId == row.runId; });
        RunNode node{std::move(row), false, {}};
        node.row.datasetId.clear();  // the parent has it (see RunNode)
        node.row.datasetId.shrink_to_fit();
        if (!append && old != list.items.end()) {
            node.expanded = old->expanded;
            node.simulationList = std::move(old->simulationList);
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
    auto request = pageRequest(append ? list.next : std::nullopt, hierarchy_.filters.datasetSearch, "");
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
    if (dataset.runs.request.running()) return;
    const auto& f = hierarchy_.filters;
    auto request = pageRequest(append ? dataset.runs.next : std::nullopt, f.runSearch, f.runStatus);
    const std::string datasetId = dataset.row.datasetId;
    runner_.submit<db::Page<db::RunRow>>(
        dataset.runs.request, "loading runs of " + dataset.row.slug,
        [request, datasetId](db::Connection& conn) { return db::listRuns(conn, datasetId, request); },
        [this, datasetId, append](db::Outcome<db::Page<db::RunRow>> outcome) {
            DatasetNode* dataset = datasetById(datasetId);
            if (!dataset) return;
            touch();
            if (!runner_.finish(dataset->runs.request, outcome))
                return log_.error("loading runs of " + dataset->row.slug +
                                  " failed: " + outcome.error->message);
            mergeRuns(dataset->runs, std::move(outcome.value->rows), append);
            dataset->runs.next = outcome.value->next;
            dataset->runs.loaded = true;
        });
    touch();
}

void HierarchyController::loadSimulations(int d, int r, bool append) {
    DatasetNode& dataset = hierarchy_.datasets.items[static_cast<size_t>(d)];
    PagedList<db::SimulationRow>& simulations =
        dataset.runs.items[static_cast<size_t>(r)].simulationsToLoad();
    if (simulations.request.running()) return;
    const auto& f = hierarchy_.filters;
    auto request =
        pageRequest(append ? simulations.next : std::nullopt, f.simulationSearch, f.simulationStatus);
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

// ---- reveal: page from the top on the worker until the wanted row is loaded ----

namespace {

struct RevealResult {
    std::vector<db::DatasetRow> datasets;  // the dataset list from the top, up to the target
    std::optional<db::PageCursor> datasetsNext;
    std::string datasetId;
    std::vector<db::RunRow> runs;  // the dataset's runs from the top, up to the target run
    std::optional<db::PageCursor> runsNext;
    bool found = false;
};

}  // namespace

void HierarchyController::revealDataset(const std::string& datasetId) {
    reveal(datasetId, true);
}

void HierarchyController::revealRun(const std::string& runId) {
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
            result.datasetId = id;
            if (!datasetOnly) {
                db::Result r =
                    conn.query("SELECT dataset_id FROM walkforward_runs WHERE run_id = $1::uuid", {id});
                if (r.rows() == 0) return result;
                result.datasetId = std::string(r.text(0, 0));
            }
            bool present = false;
            std::optional<db::PageCursor> cursor;
            for (int page = 0; page < kRevealMaxPages && !present; ++page) {
                auto p =
                    db::listDatasets(conn, pageRequest(cursor, filters.datasetSearch, "", kRevealPageSize));
                for (auto& row : p.rows) {
                    present = present || row.datasetId == result.datasetId;
                    result.datasets.push_back(std::move(row));
                }
                cursor = p.next;
                if (!cursor) break;
            }
            result.datasetsNext = cursor;
            if (!present || datasetOnly) {
                result.found = present;
                return result;
            }
            std::optional<db::PageCursor> runCursor;
            for (int page = 0; page < kRevealMaxPages && !result.found; ++page) {
                auto p = db::listRuns(
                    conn, result.datasetId,
                    pageRequest(runCursor, filters.runSearch, filters.runStatus, kRevealPageSize));
                for (auto& row : p.rows) {
                    result.found = result.found || row.runId == id;
                    result.runs.push_back(std::move(row));
                }
                runCursor = p.next;
                if (!runCursor) break;
            }
            result.runsNext = runCursor;
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
                mergeRuns(dataset->runs, std::move(r.runs), false);
                dataset->runs.next = r.runsNext;
                dataset->runs.loaded = true;
                s.kind = Selection::Kind::Run;
                s.runId = id;
            }
            setSelection(s);
        });
    touch();
}

}  // namespace app
