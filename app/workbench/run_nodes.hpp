// A dataset's run list at 100,000 runs: the nodes of a page are built on the worker, so the UI
// thread only moves them into place. A reload (F5, a reconnect) replaces the whole list while
// keeping what the user opened; that costs the UI thread a swap and a handful of moves, not a pass
// over every run.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/workbench/workbench_state.hpp"

namespace app {

// A run the user opened (expanded, or with simulations loaded), and where it sat when a reload
// was asked for. Found by scanning the list once, when the reload is sent.
struct OpenedRun {
    std::string runId;
    size_t index = 0;
};
std::vector<OpenedRun> openedRuns(const PagedList<RunNode>& list);

// What a runs request brings back, built on the worker.
struct RunsLoad {
    // shared: outcomes are copied through the mailbox, and a node holds a unique_ptr
    std::shared_ptr<std::vector<RunNode>> nodes = std::make_shared<std::vector<RunNode>>();
    std::optional<db::PageCursor> next;
    bool newerAbove = false;  // newer runs exist above the first node
    // For a reload: opened runs found again, as (index in the old list, index in nodes).
    std::vector<std::pair<size_t, size_t>> reopened;
};

// On the worker: a page's rows as nodes (the parent keeps the dataset id), noting where the opened
// runs landed.
RunsLoad runsLoadFrom(db::Page<db::RunRow> page, const std::vector<OpenedRun>& opened);

enum class RunsPlacement { Replace, Append, Prepend };

// On the UI thread: the nodes into the list. Replace hands each reopened run its expanded state
// and simulations from the old node (checked by id: the list may have changed meanwhile).
void placeRuns(PagedList<RunNode>& list, RunsLoad& load, RunsPlacement placement);

// For the window's process, once at start: buffers of 256 KB and more (a list's vector, a page
// being built, a result) are mapped on their own and go back to the system when freed. glibc
// otherwise raises that threshold after the first such free, and the megabyte-sized buffers of
// loading 100,000 runs stay behind in its heap: about 100 bytes per run of resident memory.
void returnLargeBuffersToTheSystem();

}  // namespace app
