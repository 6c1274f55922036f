// The run list's placement rules: what a reload keeps, and where pages go.
#include <doctest/doctest.h>

#include "app/workbench/run_nodes.hpp"

namespace {

db::RunRow run(const std::string& id) {
    db::RunRow row;
    row.runId = id;
    row.datasetId = "11111111-1111-4111-8111-111111111111";
    row.measurement = "m_" + id;
    return row;
}

db::Page<db::RunRow> page(std::initializer_list<const char*> ids) {
    db::Page<db::RunRow> p;
    for (const char* id : ids) p.rows.push_back(run(id));
    return p;
}

std::vector<std::string> ids(const app::PagedList<app::RunNode>& list) {
    std::vector<std::string> out;
    for (const auto& n : list.items) out.push_back(n.row.runId);
    return out;
}

}  // namespace

TEST_CASE("run nodes: pages append below and prepend above, the dataset id left to the parent") {
    app::PagedList<app::RunNode> list;
    auto first = app::runsLoadFrom(page({"c", "d"}), {});
    app::placeRuns(list, first, app::RunsPlacement::Replace);
    auto below = app::runsLoadFrom(page({"e"}), {});
    app::placeRuns(list, below, app::RunsPlacement::Append);
    auto above = app::runsLoadFrom(page({"a", "b"}), {});
    app::placeRuns(list, above, app::RunsPlacement::Prepend);
    CHECK(ids(list) == std::vector<std::string>{"a", "b", "c", "d", "e"});
    for (const auto& n : list.items) CHECK(n.row.datasetId.empty());
}

TEST_CASE("run nodes: a reload keeps the expanded runs and their simulations, wherever they moved") {
    app::PagedList<app::RunNode> list;
    auto first = app::runsLoadFrom(page({"a", "b", "c", "d"}), {});
    app::placeRuns(list, first, app::RunsPlacement::Replace);
    list.items[1].expanded = true;
    list.items[1].simulationsToLoad().items.push_back(
        db::SimulationRow{"s1", "b", "ns", "completed", "", true});
    list.items[3].simulationsToLoad();  // expanded once, collapsed since: simulations kept, still collapsed

    const auto opened = app::openedRuns(list);
    REQUIRE(opened.size() == 2);
    CHECK(opened[0].runId == "b");
    CHECK(opened[0].index == 1);

    // A new run arrived at the top; "c" was deleted.
    auto reload = app::runsLoadFrom(page({"new", "a", "b", "d"}), opened);
    CHECK(reload.reopened.size() == 2);
    app::placeRuns(list, reload, app::RunsPlacement::Replace);
    CHECK(ids(list) == std::vector<std::string>{"new", "a", "b", "d"});
    CHECK(list.items[2].expanded);
    REQUIRE(list.items[2].simulationList);
    CHECK(list.items[2].simulations().items.size() == 1);
    CHECK_FALSE(list.items[3].expanded);
    CHECK(list.items[3].simulationList != nullptr);
    CHECK_FALSE(list.items[0].expanded);
    CHECK(list.items[0].simulationList == nullptr);
}

TEST_CASE("run nodes: a reload whose old positions no longer match does not hand state to the wrong run") {
    app::PagedList<app::RunNode> list;
    auto first = app::runsLoadFrom(page({"a", "b"}), {});
    app::placeRuns(list, first, app::RunsPlacement::Replace);
    list.items[0].expanded = true;
    const auto opened = app::openedRuns(list);
    // Meanwhile the list was replaced (a reveal): index 0 now holds another run.
    auto other = app::runsLoadFrom(page({"x", "y"}), {});
    app::placeRuns(list, other, app::RunsPlacement::Replace);
    auto reload = app::runsLoadFrom(page({"a", "x"}), opened);
    app::placeRuns(list, reload, app::RunsPlacement::Replace);
    CHECK(ids(list) == std::vector<std::string>{"a", "x"});
    CHECK_FALSE(list.items[0].expanded);
    CHECK_FALSE(list.items[1].expanded);
}
