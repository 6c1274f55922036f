// Hostile text in every filter, the backfill slug and a pasted config, through the typed queries
// both programs use, connected as stage1_app: each value reaches PostgreSQL only as a bound
// parameter or not at all. The server's own statement log (tests/support/statement_log.hpp) lists
// what actually ran; the tables are counted before and after.
#include <doctest/doctest.h>

#include <chrono>

#include "app/ops/placeholder_dataset.hpp"
#include "app/runconfig/run_config.hpp"
#include "db/browse/stage1_queries.hpp"
#include "tests/support/hostile_input.hpp"
#include "tests/support/statement_log.hpp"

using testsupport::StatementLoggingCluster;

namespace {

struct TableCounts {
    long long datasets, runs, folds, simulations, ledger;
    bool operator==(const TableCounts& o) const {
        return datasets == o.datasets && runs == o.runs && folds == o.folds && simulations == o.simulations &&
               ledger == o.ledger;
    }
};

TableCounts counts(const StatementLoggingCluster& c) {
    return {c.count("indicator_datasets"), c.count("walkforward_runs"), c.count("walkforward_folds"),
            c.count("simulation_runs"), c.count("stage1_schema_migrations")};
}

struct Ids {
    std::string datasetId, slug, runId;
};

Ids seed(const StatementLoggingCluster& c) {
    auto r = c.ctl({"demo-seed", "--datasets", "2", "--runs-per-dataset", "3", "--sims-per-run", "2",
                    "--folds-per-run", "1"},
                   "postgres");
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    db::Connection conn = c.admin();
    db::Result row = conn.query(
        "SELECT d.dataset_id::text, d.questdb_tag, r.run_id::text FROM walkforward_runs r "
        "JOIN indicator_datasets d USING (dataset_id) ORDER BY r.created_at DESC LIMIT 1");
    return {std::string(row.text(0, 0)), std::string(row.text(0, 1)), std::string(row.text(0, 2))};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Every statement since `mark` is one of `shapes` (a distinctive part of its text) and carries none
// of the hostile words; returns how many there were.
size_t checkOnlyIntended(const StatementLoggingCluster& c, size_t mark,
                         const std::vector<std::string>& shapes) {
    size_t n = 0;
    for (const auto& s : c.statementsSince(mark)) {
        if (s.application == StatementLoggingCluster::kAdminName) continue;
        ++n;
        CAPTURE(s.text.substr(0, 300));
        bool known = false;
        for (const auto& shape : shapes) known = known || contains(s.text, shape);
        CHECK(known);
        for (const auto& marker : testsupport::hostileMarkers()) CHECK_FALSE(contains(s.text, marker));
    }
    return n;
}

double secondsSince(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
}

}  // namespace

TEST_CASE("hostile filter text reaches fn_list_* only as bound values and nothing else runs") {
    StatementLoggingCluster c;
    const Ids ids = seed(c);
    const TableCounts before = counts(c);
    db::Connection conn = c.connect("stage1_app");
    const size_t mark = c.mark();
    size_t sent = 0;

    for (const auto& h : testsupport::hostileStrings()) {
        CAPTURE(h.name);
        db::PageRequest search;
        search.search = h.value;
        db::PageRequest status;
        status.status = h.value;
        CHECK(db::listDatasets(conn, search).rows.empty());
        CHECK(db::listRuns(conn, ids.datasetId, search).rows.empty());
        CHECK(db::listRuns(conn, ids.datasetId, status).rows.empty());
        CHECK(db::listSimulations(conn, ids.runId, search).rows.empty());
        CHECK(db::listSimulations(conn, ids.runId, status).rows.empty());
        CHECK_FALSE(db::findDatasetId(conn, h.value));  // `stage1ctl runs --dataset <text>`
        sent += 6;
    }
    // The filters still work on real data in the same session.
    db::PageRequest real;
    real.search = ids.slug.substr(0, 5);
    CHECK_FALSE(db::listDatasets(conn, real).rows.empty());
    ++sent;

    // A NUL byte and 10 MB: refused with a clear error before anything is sent.
    for (const auto& [name, value] : std::vector<std::pair<std::string, std::string>>{
             {"NUL byte", testsupport::withNulByte()}, {"10 MB", testsupport::tenMegabytes()}}) {
        CAPTURE(name);
        const auto started = std::chrono::steady_clock::now();
        db::PageRequest search;
        search.search = value;
        db::PageRequest status;
        status.status = value;
        const std::vector<std::function<void()>> attempts = {
            [&] { db::listDatasets(conn, search); }, [&] { db::listRuns(conn, ids.datasetId, search); },
            [&] { db::listRuns(conn, ids.datasetId, status); },
            [&] { db::listSimulations(conn, ids.runId, search); },
            [&] { db::listSimulations(conn, ids.runId, status); }};
        for (const auto& attempt : attempts) {
            try {
                attempt();
                FAIL("a filter with a " << name << " was sent");
            } catch (const db::Error& e) {
                CHECK(e.info().sqlstate == "22023");
                CHECK(contains(e.info().message, "nothing was sent"));
                CHECK(contains(e.info().message, name == "10 MB" ? "at most 1024" : "NUL byte"));
                CHECK(e.info().message.size() < 300);
            }
        }
        CHECK(secondsSince(started) < 5.0);
    }
    // Below the filters, every bound value is checked for NUL: libpq would cut the C string there
    // and the server would get a different value than the caller gave.
    try {
        db::findDatasetId(conn, testsupport::withNulByte());
        FAIL("a value with a NUL byte was sent");
    } catch (const db::Error& e) {
        CHECK(e.info().sqlstate == "22021");
        CHECK(contains(e.info().message, "parameter $1 contains a NUL byte (0x00) at byte 4"));
    }
    // 10 MB as a slug lookup is just a value that matches nothing.
    const auto started = std::chrono::steady_clock::now();
    CHECK_FALSE(db::findDatasetId(conn, testsupport::tenMegabytes()));
    CHECK(secondsSince(started) < 10.0);
    ++sent;

    CHECK(checkOnlyIntended(
              c, mark,
              {"FROM fn_list_datasets($1, $2, $3, $4)", "FROM fn_list_runs($1, $2, $3, $4, $5, $6)",
               "FROM fn_list_simulations($1, $2, $3, $4, $5, $6)",
               "FROM indicator_datasets WHERE questdb_tag = $1"}) == sent);
    CHECK(counts(c) == before);
    CHECK(conn.query("SELECT current_user").text(0, 0) == "stage1_app");
}

TEST_CASE("the functions the app calls build no SQL from their arguments") {
    // log_statement sees top-level statements only; a function could still run text built from
    // its arguments with EXECUTE. None of the ones the app role may call does.
    StatementLoggingCluster c;
    db::Connection conn = c.admin();
    db::Result r = conn.query(
        "SELECT p.oid::regprocedure::text, p.prosrc ~* '\\mEXECUTE\\M', p.prosecdef, "
        "coalesce(array_to_string(p.proconfig, ','), ''), p.prosrc, "
        "(SELECT lanname FROM pg_language WHERE oid = p.prolang) = 'sql' "
        "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
        "WHERE n.nspname = 'public' AND has_function_privilege('stage1_app', p.oid, 'EXECUTE') "
        "ORDER BY 1");
    REQUIRE(r.rows() >= 5);
    for (int i = 0; i < r.rows(); ++i) {
        CAPTURE(r.text(i, 0));
        CHECK_FALSE(r.boolean(i, 1));
        // Every one pins its search_path, so objects the caller creates elsewhere cannot stand in; an
        // inlinable SQL function (fn_dataset_hierarchy_rows: a SET clause would stop the inlining)
        // runs as its caller and names every table and operator by its schema instead.
        const std::string source(r.text(i, 4));
        const bool pinned = contains(std::string(r.text(i, 3)), "search_path=pg_catalog, public, pg_temp");
        const bool qualified = r.boolean(i, 5) && !r.boolean(i, 2) && !contains(source, " = ") &&
                               contains(source, "OPERATOR(pg_catalog.=)");
        CHECK((pinned || qualified));
    }
}

TEST_CASE("hostile backfill slugs never leave the client and a hostile symbol is stored as data") {
    StatementLoggingCluster c;
    seed(c);
    const TableCounts before = counts(c);
    db::Connection conn = c.connect("stage1_app");
    const size_t mark = c.mark();

    auto values = testsupport::hostileStrings();
    values.push_back({"NUL byte", testsupport::withNulByte()});
    values.push_back({"10 MB", testsupport::tenMegabytes()});
    values.push_back({"valid slug then NUL", std::string("btc_2025_4h\0x", 13)});
    for (const auto& h : values) {
        CAPTURE(h.name);
        const auto started = std::chrono::steady_clock::now();
        // The window's preview and stage1ctl's check, then the query itself.
        CHECK(db::datasetSlugProblem(h.value));
        const app::PreviewResult preview = app::previewPlaceholder(h.value, "", "");
        CHECK_FALSE(preview.preview);
        CHECK(contains(preview.problem, "invalid dataset slug"));
        CHECK(preview.problem.size() < 400);  // the slug is quoted back shortened, never 10 MB
        CHECK(preview.problem.find('\0') == std::string::npos);
        CHECK(preview.problem.find('\n') == std::string::npos);
        try {
            db::upsertPlaceholderDataset(conn, h.value, std::nullopt, std::nullopt);
            FAIL("a bad slug was sent");
        } catch (const db::Error& e) {
            CHECK(e.info().sqlstate == "22023");
            CHECK(contains(e.info().message, "nothing was sent"));
        }
        CHECK(secondsSince(started) < 5.0);
    }
    CHECK(counts(c) == before);

    // A valid slug with a hostile symbol: the symbol is a value, stored byte for byte.
    size_t sent = 0;
    for (const auto& h : testsupport::hostileStrings()) {
        CAPTURE(h.name);
        const std::string slug = "sec_symbol_" + std::to_string(sent);
        auto result = db::upsertPlaceholderDataset(conn, slug, std::nullopt, h.value);
        CHECK(result.inserted);
        ++sent;
        db::Connection admin = c.admin();
        CHECK(
            admin.query("SELECT symbol FROM indicator_datasets WHERE questdb_tag = $1", {slug}).text(0, 0) ==
            h.value);
    }
    CHECK_THROWS_AS(
        db::upsertPlaceholderDataset(conn, "sec_symbol_nul", std::nullopt, testsupport::withNulByte()),
        db::Error);
    CHECK(checkOnlyIntended(c, mark, {"FROM fn_upsert_placeholder_dataset($1, $2::uuid, $3)"}) == sent);
    CHECK(c.count("indicator_datasets") == before.datasets + static_cast<long long>(sent));
    CHECK(c.count("walkforward_runs") == before.runs);
}

TEST_CASE("a pasted config with hostile text is parsed as data and matched by jsonb equality only") {
    StatementLoggingCluster c;
    const Ids ids = seed(c);
    db::Connection conn = c.connect("stage1_app");

    app::RunConfig config;
    for (const auto& h : testsupport::hostileStrings()) {
        config.featureColumns.push_back(h.value);
        config.hyperparameters[h.value] = h.value;
    }
    config.walkConfig["$tag$"] = "'; DROP TABLE walkforward_runs; --";
    const std::string pasted = app::serializeRunConfig(config);
    const app::ParseResult parsed = app::parseRunConfig(pasted);
    REQUIRE(parsed.ok);
    CHECK(parsed.ok->config == config);

    // Stored once (as the owner would) so an identical match exists: found by value, nothing else.
    db::Connection admin = c.admin();
    admin.query(
        "INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
        "hyperparameters, walk_config, serialized_config) VALUES (gen_random_uuid(), $1::uuid, "
        "'sec_hostile', "
        "$2::jsonb, $3::jsonb, $4::jsonb, $5)",
        {ids.datasetId, config.featureColumns.dump(), config.hyperparameters.dump(), config.walkConfig.dump(),
         pasted});
    const TableCounts before = counts(c);
    const size_t mark = c.mark();
    auto find = [&](const app::RunConfig& cfg) {
        return db::findIdenticalConfigs(conn, cfg.featureColumns.dump(), cfg.hyperparameters.dump(),
                                        cfg.walkConfig.dump(), std::nullopt, 10);
    };
    auto matches = find(parsed.ok->config);
    REQUIRE(matches.size() == 1);
    CHECK(matches[0].name == "sec_hostile");
    app::RunConfig other = config;
    other.walkConfig["$tag$"] = "'; DROP TABLE walkforward_runs; -- ";
    CHECK(find(other).empty());
    size_t sent = 2;

    // Hostile text that is not a config: a parse error with line and column, nothing sent.
    for (const auto& h : testsupport::hostileStrings()) {
        CAPTURE(h.name);
        const app::ParseResult bad = app::parseRunConfig(h.value);
        CHECK_FALSE(bad.ok);
        REQUIRE(bad.error);
        CHECK(contains(bad.error->message(), "line "));
    }
    const app::ParseResult nul =
        app::parseRunConfig("# stage1 run-config v1\n\n[features]\nrsi" + std::string(1, '\0') + "\n");
    CHECK_FALSE(nul.ok);
    const auto started = std::chrono::steady_clock::now();
    const app::ParseResult huge = app::parseRunConfig(testsupport::tenMegabytes());
    CHECK(secondsSince(started) < 2.0);
    REQUIRE(huge.error);
    CHECK(contains(huge.error->message(), "at most 1 MiB"));

    // JSON can spell a NUL ("\u0000"); jsonb cannot hold one, and says so.
    const app::ParseResult escaped = app::parseRunConfig(
        "# stage1 run-config v1\n\n[features]\n\n[hyperparameters]\nx = \"a\\u0000b\"\n\n[walk]\n");
    REQUIRE(escaped.ok);
    try {
        find(escaped.ok->config);
        FAIL("a config holding \\u0000 matched");
    } catch (const db::Error& e) {
        CHECK(e.info().sqlstate == "22P05");  // untranslatable_character: \u0000 cannot be converted to text
    }
    // The server refused the value while binding it ($1::jsonb), before the statement executed:
    // log_statement logs at execution, so this one is (rightly) not among the statements that ran.

    CHECK(checkOnlyIntended(c, mark, {"ARRAY[$1::jsonb, $2::jsonb, $3::jsonb]"}) == sent);
    CHECK(counts(c) == before);
}
