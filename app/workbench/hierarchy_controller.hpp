// The dataset -> run -> simulation tree: pages loaded lazily by keyset, filters evaluated on the
// server, expand / collapse, the selection, and revealing a dataset or run. Writes
// WorkbenchState::hierarchy and ::selection.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "app/workbench/event_log.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class HierarchyController {
  public:
    // selectionChanged: the details follow; refreshAll: F5's reload, the details included.
    HierarchyController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                        std::function<void()> selectionChanged, std::function<void()> refreshAll);

    const HierarchyState& state() const { return hierarchy_; }
    const Selection& selection() const { return selection_; }

    // The filters change only through this intent: it stores them and reloads every loaded level
    // (expanded nodes stay expanded) and the selection's details once, as F5 does. Before a
    // connection they wait for it.
    void applyFilters(const HierarchyFilters& filters);
    void reload();  // the datasets again and the first page of every expanded level
    void toggle(const VisibleRow& row);
    void loadMore(const VisibleRow& row);
    void select(const VisibleRow& row);
    // Expands the tree down to a run and selects it. A run not loaded yet comes with the page that
    // starts at it (found by its keyset, however deep) and a few newer runs; "newer runs" above
    // them loads upwards.
    void revealRun(const std::string& runId);
    void revealDataset(const std::string& datasetId);
    const std::vector<VisibleRow>& visibleRows();
    int selectedRowIndex();  // -1 when the selection is not in the tree

    void reset();  // a new connection: empty tree, no selection (filters stay)
    void loadFirstPage() { loadDatasets(false); }

  private:
    bool connected() const { return connection_.phase == ConnectionPhase::Connected; }
    void loadDatasets(bool append);
    void loadRuns(int dataset, bool append);
    void loadNewerRuns(int dataset);  // above a list that starts mid-way
    void loadSimulations(int dataset, int run, bool append);
    void reveal(const std::string& id, bool datasetOnly);
    void setSelection(const Selection& selection);
    void touch() { ++hierarchy_.revision; }
    DatasetNode* datasetById(const std::string& id);

    HierarchyState& hierarchy_;
    Selection& selection_;
    const ConnectionStatus& connection_;
    RequestRunner& runner_;
    EventLog& log_;
    std::function<void()> selectionChanged_;
    std::function<void()> refreshAll_;
    std::uint64_t rowsRevision_ = ~0ULL;
    std::vector<VisibleRow> rows_;
    int selectedRow_ = -1;
    bool selectedRowKnown_ = false;
};

}  // namespace app
