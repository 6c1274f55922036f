// A Workbench without a window, connected to a database of the shared test cluster: the setup the
// controller tests (and the window tests' harness) share.
#pragma once

#include <chrono>
#include <functional>

#include "app/workbench/workbench.hpp"
#include "tests/support/test_database.hpp"

namespace testsupport {

// The connection form as a person edits it in the panel: a copy, changed, handed back as an intent.
void editForm(app::Workbench& wb, const std::function<void(app::ConnectionForm&)>& edit);

// The form pointing at `database` on the shared cluster's socket, as postgres.
void pointFormAt(app::Workbench& wb, const TestDatabase& database);

struct WorkbenchHarness {
    db::Mailbox mailbox;
    app::Workbench wb{mailbox, [](const char*) -> const char* { return nullptr; }};

    // Drains outcomes (as the window does every frame) until `done` or `limit` passes.
    bool until(const std::function<bool()>& done, std::chrono::milliseconds limit = std::chrono::seconds(20));
    // Connected, the first page of datasets loaded and nothing else running.
    void connectTo(const TestDatabase& database);
    app::ConnectionPhase phase() const { return wb.state().connection.phase; }
    // The index of the first visible tree row of `kind` that `match` accepts, or -1.
    int rowOf(app::RowKind kind, const std::function<bool(const app::VisibleRow&)>& match);
};

}  // namespace testsupport
