#include "tests/support/workbench_harness.hpp"

#include <doctest/doctest.h>

namespace testsupport {

void editForm(app::Workbench& wb, const std::function<void(app::ConnectionForm&)>& edit) {
    app::ConnectionForm form = wb.state().form;
    edit(form);
    wb.connection().editForm(form);
}

void pointFormAt(app::Workbench& wb, const TestDatabase& database) {
    editForm(wb, [&](app::ConnectionForm& f) {
        f.host = cluster().socketDir;
        f.port = cluster().port;
        f.user = "postgres";
        f.dbname = database.name();
    });
}

bool WorkbenchHarness::until(const std::function<bool()>& done, std::chrono::milliseconds limit) {
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        mailbox.waitAndDrain(std::chrono::milliseconds(20));
    }
    return true;
}

void WorkbenchHarness::connectTo(const TestDatabase& database) {
    pointFormAt(wb, database);
    wb.connection().connect();
    REQUIRE(until([&] { return phase() != app::ConnectionPhase::Connecting; }));
    REQUIRE(phase() == app::ConnectionPhase::Connected);
    REQUIRE(until([&] { return wb.state().hierarchy.datasets.loaded && !wb.busy(); }));
}

int WorkbenchHarness::rowOf(app::RowKind kind, const std::function<bool(const app::VisibleRow&)>& match) {
    const auto& rows = wb.hierarchy().visibleRows();
    for (size_t i = 0; i < rows.size(); ++i)
        if (rows[i].kind == kind && match(rows[i])) return static_cast<int>(i);
    return -1;
}

}  // namespace testsupport
