// The window's controller (Workbench) as stage1_app with hostile text typed into every filter, the
// backfill slug and the paste field: it shows no rows or a clear error, the log never echoes a
// 10 MB value, and the server's statement log (tests/support/statement_log.hpp) holds nothing but
// the listing, matching and backfill statements.
#include <doctest/doctest.h>

#include <chrono>

#include "app/workbench/workbench.hpp"
#include "tests/support/hostile_input.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/statement_log.hpp"
#include "tests/support/workbench_harness.hpp"

using namespace std::chrono_literals;
using testsupport::StatementLoggingCluster;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

struct Window {
    testsupport::ScratchDir data;
    std::string spool = (data.path() / "spool.sql").string();
    db::Mailbox mailbox;
    app::Workbench wb{mailbox, [this](const char* name) -> const char* {
                          return std::string(name) == "STAGE1_SPOOL_PATH" ? spool.c_str() : nullptr;
                      }};

    bool until(const std::function<bool()>& done) {
        auto deadline = std::chrono::steady_clock::now() + 30s;
        while (!done()) {
            if (std::chrono::steady_clock::now() > deadline) return false;
            mailbox.waitAndDrain(20ms);
        }
        return true;
    }
    bool idle() {
        return until([&] { return !wb.busy(); });
    }
    // The first dataset and its first run open, so every filter level is loaded and reloaded.
    void reopen() {
        const auto& datasets = state().hierarchy.datasets.items;
        REQUIRE_FALSE(datasets.empty());
        if (!datasets[0].expanded)
            wb.hierarchy().toggle(app::VisibleRow{app::RowKind::Dataset, 0, -1, -1, 0});
        REQUIRE(idle());
        REQUIRE_FALSE(datasets[0].runs.items.empty());
        if (!datasets[0].runs.items[0].expanded)
            wb.hierarchy().toggle(app::VisibleRow{app::RowKind::Run, 0, 0, -1, 1});
        REQUIRE(idle());
    }
    bool loggedSince(size_t from, const std::string& part) const {
        for (size_t i = from; i < state().log.size(); ++i)
            if (contains(state().log[i].text, part)) return true;
        return false;
    }
    const app::WorkbenchState& state() const { return wb.state(); }
    std::string lastLog() const { return state().log.empty() ? "" : state().log.back().text; }
};

std::vector<testsupport::HostileString> allHostile() {
    auto values = testsupport::hostileStrings();
    values.push_back({"NUL byte", testsupport::withNulByte()});
    values.push_back({"10 MB", testsupport::tenMegabytes()});
    return values;
}

// Simulation lines the tree shows (only the first run is open).
size_t simulationRows(app::Workbench& wb) {
    size_t n = 0;
    for (const auto& row : wb.hierarchy().visibleRows()) n += row.kind == app::RowKind::Simulation;
    return n;
}

bool refusedBeforeSending(const std::string& name) {
    return name == "NUL byte" || name == "10 MB";
}

}  // namespace

TEST_CASE(
    "window: hostile filters, backfill slugs and pastes are data or clear errors, and nothing else runs") {
    StatementLoggingCluster c;
    {
        auto r = c.ctl({"demo-seed", "--datasets", "2", "--runs-per-dataset", "2", "--sims-per-run", "2"},
                       "postgres");
        REQUIRE_MESSAGE(r.exitCode == 0, r.err);
    }
    const long long datasets = c.count("indicator_datasets"), runs = c.count("walkforward_runs"),
                    sims = c.count("simulation_runs");

    Window w;
    testsupport::editForm(w.wb, [&](app::ConnectionForm& form) {
        form.host = c.socketDir();
        form.port = c.cluster().port();
        form.user = "stage1_app";
        form.dbname = StatementLoggingCluster::kDatabase;
    });
    w.wb.connection().connect();
    REQUIRE(w.until([&] { return w.state().connection.phase != app::ConnectionPhase::Connecting; }));
    REQUIRE(w.state().connection.phase == app::ConnectionPhase::Connected);
    REQUIRE(w.until(
        [&] { return w.state().hierarchy.datasets.loaded && w.state().connection.schemaVersion > 0; }));
    REQUIRE(w.idle());
    w.reopen();
    REQUIRE(simulationRows(w.wb) > 0);
    const size_t mark = c.mark();

    SUBCASE("filters") {
        for (const auto& h : allHostile()) {
            CAPTURE(h.name);
            // One level at a time, so the levels above stay loaded.
            for (std::string app::HierarchyFilters::*field :
                 {&app::HierarchyFilters::simulationSearch, &app::HierarchyFilters::simulationStatus,
                  &app::HierarchyFilters::runSearch, &app::HierarchyFilters::runStatus,
                  &app::HierarchyFilters::datasetSearch}) {
                w.reopen();
                app::HierarchyFilters filters;
                filters.*field = h.value;
                const size_t logged = w.state().log.size();
                w.wb.hierarchy().applyFilters(filters);
                REQUIRE(w.idle());
                if (refusedBeforeSending(h.name)) CHECK(w.loggedSince(logged, "nothing was sent"));
                const auto& tree = w.state().hierarchy.datasets;
                if (field == &app::HierarchyFilters::datasetSearch) {
                    if (refusedBeforeSending(h.name)) {
                        CHECK(tree.request.phase == app::RequestPhase::Failed);
                    } else {
                        CHECK(tree.request.phase == app::RequestPhase::Done);
                        CHECK(tree.items.empty());
                    }
                } else if (field == &app::HierarchyFilters::runSearch ||
                           field == &app::HierarchyFilters::runStatus) {
                    REQUIRE_FALSE(tree.items.empty());
                    const auto& list = tree.items[0].runs;
                    CHECK(list.request.phase == (refusedBeforeSending(h.name) ? app::RequestPhase::Failed
                                                                              : app::RequestPhase::Done));
                    if (!refusedBeforeSending(h.name)) CHECK(list.items.empty());
                } else {
                    REQUIRE_FALSE(tree.items.empty());
                    REQUIRE_FALSE(tree.items[0].runs.items.empty());
                    // Sent as data: the open run shows no simulations. Refused: the log said why
                    // (checked above) and the list keeps what it showed.
                    if (!refusedBeforeSending(h.name)) {
                        CHECK(simulationRows(w.wb) == 0);
                        CHECK_FALSE(w.loggedSince(logged, "loading simulations failed"));
                    }
                }
                // Filters cleared: the tree (and the runs and simulations opened) come back.
                w.wb.hierarchy().applyFilters({});
                REQUIRE(w.idle());
                REQUIRE(w.state().hierarchy.datasets.items.size() == static_cast<size_t>(datasets));
            }
        }
    }

    SUBCASE("backfill slugs") {
        for (const auto& h : allHostile()) {
            CAPTURE(h.name);
            w.wb.backfill().setInputs({h.value, "", ""});
            CHECK_FALSE(w.state().backfill.preview.preview);
            CHECK(contains(w.state().backfill.preview.problem, "invalid dataset slug"));
            w.wb.backfill().confirm();
            CHECK_FALSE(w.wb.busy());  // nothing was submitted
            CHECK_FALSE(w.state().backfill.result);
        }
        CHECK_FALSE(std::filesystem::exists(w.spool));  // and nothing queued for later either
    }

    SUBCASE("pastes") {
        for (const auto& h : allHostile()) {
            CAPTURE(h.name);
            w.wb.configs().paste(h.value);
            CHECK(w.state().paste.error);
            CHECK_FALSE(w.wb.busy());
            CHECK(contains(w.lastLog(), "pasted text is not a run config"));
        }
        app::RunConfig hostile;
        for (const auto& h : testsupport::hostileStrings()) hostile.hyperparameters[h.value] = h.value;
        w.wb.configs().paste(app::serializeRunConfig(hostile));
        REQUIRE(w.idle());
        CHECK(w.state().paste.findRequest.phase == app::RequestPhase::Done);
        CHECK(w.state().paste.matches.empty());

        w.wb.configs().paste(
            "# stage1 run-config v1\n\n[features]\n\n[hyperparameters]\nx = \"a\\u0000b\"\n\n[walk]\n");
        REQUIRE(w.idle());
        CHECK(w.state().paste.findRequest.phase == app::RequestPhase::Failed);
        CHECK(contains(w.lastLog(), "unsupported Unicode escape sequence"));
    }

    SUBCASE("search queries and the jump box") {
        for (const auto& h : allHostile()) {
            CAPTURE(h.name);
            std::string value = "'", key = "\"";
            for (char ch : h.value) {
                value += ch;
                key += ch;
                if (ch == '\'') value += '\'';
                if (ch == '"') key += '"';
            }
            value += "'";
            key += "\"";
            for (const std::string& query : {"measurement ~ " + value, "hp." + key + " = " + value,
                                             "features has " + value + " or sim." + key + " exists"}) {
                w.wb.search().run(query);
                REQUIRE(w.idle());
                const auto& search = w.state().search;
                if (search.error) {
                    CHECK(search.request.phase == app::RequestPhase::Idle);  // refused: nothing sent
                    CHECK(search.error->text().size() < 2000);
                } else {
                    CHECK(search.request.phase == app::RequestPhase::Done);
                    CHECK(search.rows.empty());
                }
            }
            w.wb.search().jump(h.value);
            REQUIRE(w.idle());
            CHECK(w.state().search.jumpMatches.empty());
            CHECK(w.state().search.jumpRequest.phase != app::RequestPhase::Running);
        }
    }

    // The log shows what went wrong without repeating 10 MB (or a NUL) back.
    for (const auto& entry : w.state().log) {
        CAPTURE(entry.text.substr(0, 200));
        CHECK(entry.text.size() < 2000);
        CHECK(entry.text.find('\0') == std::string::npos);
    }
    for (const auto& s : c.statementsSince(mark)) {
        if (s.application == StatementLoggingCluster::kAdminName) continue;
        CAPTURE(s.text.substr(0, 300));
        CHECK(s.application == "stage1-debugger");
        CHECK((contains(s.text, "FROM fn_list_datasets($1, $2, $3, $4)") ||
               contains(s.text, "FROM fn_list_runs($1, $2, $3, $4, $5, $6)") ||
               contains(s.text, "FROM fn_list_simulations($1, $2, $3, $4, $5, $6)") ||
               contains(s.text, "ARRAY[$1::jsonb, $2::jsonb, $3::jsonb]") ||
               contains(s.text,
                        "FROM public.walkforward_runs r JOIN public.indicator_datasets d ON "
                        "d.dataset_id = r.dataset_id") ||
               contains(s.text, "SELECT rank, id, matched_by")));
        for (const auto& marker : testsupport::hostileMarkers()) CHECK_FALSE(contains(s.text, marker));
    }
    CHECK(c.count("indicator_datasets") == datasets);
    CHECK(c.count("walkforward_runs") == runs);
    CHECK(c.count("simulation_runs") == sims);
}
