// stage1ctl as stage1_app with hostile text in every filter, the backfill slug and symbol, and a
// pasted config on stdin: each is data (no rows, a stored value) or a usage error, and the server's
// statement log (tests/support/statement_log.hpp) shows only the statements each command exists to
// send.
#include <doctest/doctest.h>

#include <chrono>

#include "app/runconfig/run_config.hpp"
#include "tests/support/hostile_input.hpp"
#include "tests/support/statement_log.hpp"

using testsupport::StatementLoggingCluster;

namespace {

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// stage1ctl's statements since `mark`: each matches one of `shapes`, none carries a hostile word.
size_t ctlStatements(const StatementLoggingCluster& c, size_t mark, const std::vector<std::string>& shapes) {
    size_t n = 0;
    for (const auto& s : c.statementsSince(mark)) {
        if (s.application == StatementLoggingCluster::kAdminName) continue;
        CAPTURE(s.text.substr(0, 300));
        CHECK(s.application == "stage1ctl");
        ++n;
        bool known = false;
        for (const auto& shape : shapes) known = known || contains(s.text, shape);
        CHECK(known);
        for (const auto& marker : testsupport::hostileMarkers()) CHECK_FALSE(contains(s.text, marker));
    }
    return n;
}

// The one setup statement: is there a pooler, and, only when not, the session's timeout (db/pg/pg.cpp).
const char* kSessionSetup = "THEN set_config('statement_timeout', $1, false) END";

struct Seeded {
    std::string slug, runId;
    long long datasets, runs, simulations;
};

Seeded seed(const StatementLoggingCluster& c) {
    auto r =
        c.ctl({"demo-seed", "--datasets", "2", "--runs-per-dataset", "2", "--sims-per-run", "1"}, "postgres");
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    db::Connection admin = c.admin();
    db::Result row = admin.query(
        "SELECT d.questdb_tag, r.run_id::text FROM walkforward_runs r JOIN indicator_datasets d USING "
        "(dataset_id) "
        "ORDER BY r.created_at DESC LIMIT 1");
    return {std::string(row.text(0, 0)), std::string(row.text(0, 1)), c.count("indicator_datasets"),
            c.count("walkforward_runs"), c.count("simulation_runs")};
}

}  // namespace

TEST_CASE("stage1ctl filters take hostile text as data: no rows, and only the listing statements run") {
    StatementLoggingCluster c;
    const Seeded seeded = seed(c);
    const size_t mark = c.mark();
    size_t expected = 0;
    for (const auto& h : testsupport::hostileStrings()) {
        CAPTURE(h.name);
        for (const auto& args :
             std::vector<std::vector<std::string>>{{"datasets", "--search", h.value},
                                                   {"runs", "--dataset", seeded.slug, "--search", h.value},
                                                   {"runs", "--dataset", seeded.slug, "--status", h.value},
                                                   {"sims", "--run", seeded.runId, "--search", h.value},
                                                   {"sims", "--run", seeded.runId, "--status", h.value}}) {
            CAPTURE(args[0]);
            auto r = c.ctl(args);
            INFO(r.err);
            CHECK(r.exitCode == 0);
            CHECK(contains(r.out, "(0 rows)"));
            expected += args[0] == "runs" ? 3 : 2;  // session setup, [dataset lookup], the page
        }
        auto unknown = c.ctl({"runs", "--dataset", h.value});
        CHECK(unknown.exitCode == 1);
        CHECK(contains(unknown.err, "no dataset with slug or id"));
        expected += 2;
    }
    // Longer than a filter may be: a usage error before connecting.
    const std::string tooLong(100 * 1024, 'a');
    auto refused = c.ctl({"datasets", "--search", tooLong});
    CHECK(refused.exitCode == 2);
    CHECK(contains(refused.err, "at most 1024"));
    CHECK(refused.err.size() < 1000);

    CHECK(ctlStatements(c, mark,
                        {kSessionSetup, "FROM fn_list_datasets($1, $2, $3, $4)",
                         "FROM fn_list_runs($1, $2, $3, $4, $5, $6)",
                         "FROM fn_list_simulations($1, $2, $3, $4, $5, $6)",
                         "FROM indicator_datasets WHERE questdb_tag = $1"}) == expected);
    CHECK(c.count("indicator_datasets") == seeded.datasets);
    CHECK(c.count("walkforward_runs") == seeded.runs);
    CHECK(c.count("simulation_runs") == seeded.simulations);
}

TEST_CASE(
    "stage1ctl backfill-dataset refuses hostile slugs without connecting and stores a hostile symbol as "
    "data") {
    StatementLoggingCluster c;
    const Seeded seeded = seed(c);
    const size_t mark = c.mark();
    auto slugs = testsupport::hostileStrings();
    slugs.push_back({"100 KB", std::string(100 * 1024, 'a')});
    for (const auto& h : slugs) {
        CAPTURE(h.name);
        const auto started = std::chrono::steady_clock::now();
        auto r = c.ctl({"backfill-dataset", "--slug", h.value});
        CHECK(r.exitCode == 2);
        CHECK(contains(r.err, "invalid dataset slug"));
        CHECK(r.err.size() < 1000);
        CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
    }
    CHECK(ctlStatements(c, mark, {}) == 0);  // not even a connection's setup
    CHECK(c.count("indicator_datasets") == seeded.datasets);

    size_t n = 0;
    for (const auto& h : testsupport::hostileStrings()) {
        CAPTURE(h.name);
        const std::string slug = "sec_cli_" + std::to_string(n++);
        auto r = c.ctl({"backfill-dataset", "--slug", slug, "--symbol", h.value, "--json"});
        INFO(r.err);
        CHECK(r.exitCode == 0);
        db::Connection admin = c.admin();
        CHECK(
            admin.query("SELECT symbol FROM indicator_datasets WHERE questdb_tag = $1", {slug}).text(0, 0) ==
            h.value);
    }
    CHECK(ctlStatements(c, mark, {kSessionSetup, "FROM fn_upsert_placeholder_dataset($1, $2::uuid, $3)"}) ==
          2 * n);
    CHECK(c.count("indicator_datasets") == seeded.datasets + static_cast<long long>(n));
    CHECK(c.count("walkforward_runs") == seeded.runs);
}

TEST_CASE(
    "stage1ctl config find reads a hostile paste as data and sends nothing for one that does not parse") {
    StatementLoggingCluster c;
    const Seeded seeded = seed(c);
    app::RunConfig config;
    for (const auto& h : testsupport::hostileStrings()) config.hyperparameters[h.value] = h.value;
    config.featureColumns.push_back("'; DROP TABLE indicator_datasets; --");
    const std::string pasted = app::serializeRunConfig(config);
    const size_t mark = c.mark();

    auto none = c.ctl({"config", "find"}, "stage1_app", pasted);
    CHECK(none.exitCode == 1);  // valid, and no run has it
    CHECK(contains(none.out, "(0 matches)"));
    CHECK(ctlStatements(c, mark, {kSessionSetup, "ARRAY[$1::jsonb, $2::jsonb, $3::jsonb]"}) == 2);

    const size_t afterValid = c.mark();
    for (const auto& h : testsupport::hostileStrings()) {
        CAPTURE(h.name);
        auto r = c.ctl({"config", "find"}, "stage1_app", h.value);
        CHECK(r.exitCode == 1);
        CHECK(contains(r.err, "not a valid run config: line "));
    }
    std::string withNul = pasted;
    withNul.insert(withNul.find("[features]"), std::string(1, '\0'));
    auto nul = c.ctl({"config", "find"}, "stage1_app", withNul);
    CHECK(nul.exitCode == 1);
    CHECK(contains(nul.err, "not a valid run config"));
    auto huge = c.ctl({"config", "find"}, "stage1_app", testsupport::tenMegabytes());
    CHECK(huge.exitCode == 1);
    CHECK(contains(huge.err, "at most 1 MiB"));
    CHECK(huge.err.size() < 1000);
    CHECK(ctlStatements(c, afterValid, {}) == 0);  // none of them connected
    CHECK(c.count("indicator_datasets") == seeded.datasets);
    CHECK(c.count("walkforward_runs") == seeded.runs);
}

namespace {

std::string quoted(const std::string& text, char quote) {
    std::string out(1, quote);
    for (char ch : text) {
        out += ch;
        if (ch == quote) out += quote;  // the query language doubles a quote inside quotes
    }
    return out + quote;
}

}  // namespace

TEST_CASE("stage1ctl search and find take hostile values and keys as data: only their own statements run") {
    StatementLoggingCluster c;
    const Seeded seeded = seed(c);
    const size_t mark = c.mark();
    size_t expected = 0;
    int sent = 0, refused = 0;
    for (const auto& h : testsupport::hostileStrings()) {
        CAPTURE(h.name);
        const std::string value = quoted(h.value, '\''), key = quoted(h.value, '"');
        for (const std::string& query :
             {"measurement ~ " + value, "hp.model = " + value + " or features has " + value,
              "hp." + key + " exists", "walk." + key + ".inner >= " + value, "sim." + key + " = 1",
              "fold." + key + " > 0.5", "dataset in (" + value + ", 'x') and not symbol = " + value}) {
            CAPTURE(query);
            auto r = c.ctl({"search", query});
            INFO(r.err);
            if (r.exitCode == 0) {
                CHECK(contains(r.out, "(0 rows)"));
                expected += 2;  // session setup, the search
                ++sent;
            } else {
                // Refused before connecting: a usage error naming the column.
                CHECK(r.exitCode == 2);
                CHECK(contains(r.err, "column "));
                ++refused;
            }
        }
        auto found = c.ctl({"find", h.value});
        CHECK(found.exitCode == 1);  // nothing has that name
        expected += 2;               // session setup, the lookup
    }
    // No id or name is that long: refused before connecting.
    auto tooLong = c.ctl({"find", std::string(100 * 1024, 'a')});
    CHECK(tooLong.exitCode == 2);
    CHECK(contains(tooLong.err, "no id or name is longer than 1024"));
    CHECK(tooLong.err.size() < 1000);
    CHECK(sent > 0);
    CHECK(ctlStatements(c, mark,
                        {kSessionSetup,
                         "FROM public.walkforward_runs r JOIN public.indicator_datasets d ON d.dataset_id = "
                         "r.dataset_id",
                         "SELECT rank, id, matched_by"}) == expected);
    CHECK(c.count("indicator_datasets") == seeded.datasets);
    CHECK(c.count("walkforward_runs") == seeded.runs);
    CHECK(c.count("simulation_runs") == seeded.simulations);
    MESSAGE(sent << " hostile queries sent as bound parameters, " << refused << " refused before sending");
}
