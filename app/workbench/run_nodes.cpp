#include "app/workbench/run_nodes.hpp"

#include <unordered_map>

#ifdef __GLIBC__
#include <malloc.h>
#endif

namespace app {

std::vector<OpenedRun> openedRuns(const PagedList<RunNode>& list) {
    std::vector<OpenedRun> opened;
    for (size_t i = 0; i < list.items.size(); ++i) {
        const RunNode& node = list.items[i];
        if (node.expanded || node.simulationList) opened.push_back({node.row.runId, i});
    }
    return opened;
}

RunsLoad runsLoadFrom(db::Page<db::RunRow> page, const std::vector<OpenedRun>& opened) {
    RunsLoad load;
    load.next = std::move(page.next);
    std::unordered_map<std::string_view, size_t> oldIndexOf;
    for (const OpenedRun& run : opened) oldIndexOf.emplace(run.runId, run.index);
    std::vector<RunNode>& nodes = *load.nodes;
    nodes.reserve(page.rows.size());
    for (db::RunRow& row : page.rows) {
        row.datasetId.clear();  // the parent has it (see RunNode)
        row.datasetId.shrink_to_fit();
        if (auto it = oldIndexOf.find(row.runId); it != oldIndexOf.end())
            load.reopened.emplace_back(it->second, nodes.size());
        nodes.push_back(RunNode{std::move(row), false, {}});
    }
    return load;
}

void placeRuns(PagedList<RunNode>& list, RunsLoad& load, RunsPlacement placement) {
    std::vector<RunNode>& nodes = *load.nodes;
    switch (placement) {
        case RunsPlacement::Append:
            // No exact reserve: the list grows geometrically, as push_back does, and page after page
            // of exact reallocations would leave the freed buffers behind in the heap.
            for (RunNode& node : nodes) list.items.push_back(std::move(node));
            break;
        case RunsPlacement::Prepend:
            nodes.reserve(nodes.size() + list.items.size());
            for (RunNode& node : list.items) nodes.push_back(std::move(node));
            list.items.swap(nodes);
            break;
        case RunsPlacement::Replace:
            for (auto [oldIndex, newIndex] : load.reopened) {
                if (oldIndex >= list.items.size()) continue;
                RunNode& old = list.items[oldIndex];
                RunNode& fresh = nodes[newIndex];
                if (old.row.runId != fresh.row.runId) continue;  // the list changed since
                fresh.expanded = old.expanded;
                fresh.simulationList = std::move(old.simulationList);
            }
            list.items.swap(nodes);
            break;
    }
    nodes.clear();
}

void returnLargeBuffersToTheSystem() {
#ifdef __GLIBC__
    mallopt(M_MMAP_THRESHOLD, 256 * 1024);  // a fixed threshold is never raised
#endif
}

}  // namespace app
