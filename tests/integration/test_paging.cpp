// fn_list_* keyset paging: every row exactly once, in order, with ties; served by an index.
#include <doctest/doctest.h>

#include <set>
#include <vector>

#include "tests/support/test_database.hpp"

using testsupport::TestDatabase;

namespace {

const std::string kDataset = "aaaaaaaa-0000-4000-8000-000000000001";

// 53 runs over only 5 distinct created_at values: most pages end inside a tie.
void seedTiedRuns(db::Connection& conn) {
    conn.query(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) "
        "VALUES ($1, 'BTC', '4h', 'test', 'btc_ties')",
        {kDataset});
    conn.query(R"sql(
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns,
                                      hyperparameters, walk_config, status, created_at, serialized_config)
        SELECT gen_random_uuid(), $1, 'm_' || i, '[]', '{}', '{}', CASE WHEN i % 4 = 0 THEN 'failed' ELSE 'completed' END,
               timestamptz '2026-01-01' + (i % 5) * interval '1 minute', CASE WHEN i % 3 = 0 THEN NULL ELSE 'x' END
        FROM generate_series(1, 53) i)sql",
               {kDataset});
}

std::vector<std::string> walkRuns(db::Connection& conn, int limit, const db::Params& filters = {}) {
    std::vector<std::string> seen;
    db::Param cursorTs, cursorId;
    for (int page = 0; page < 1000; ++page) {
        db::Params params = {kDataset, std::to_string(limit), cursorTs, cursorId};
        params.insert(params.end(), filters.begin(), filters.end());
        std::string sql = "SELECT run_id, created_at FROM fn_list_runs($1, $2, $3, $4";
        for (size_t i = 0; i < filters.size(); ++i) sql += ", $" + std::to_string(5 + i);
        db::Result r = conn.query(sql + ")", params);
        if (r.rows() == 0) break;
        CHECK(r.rows() <= limit);
        for (int i = 0; i < r.rows(); ++i) seen.emplace_back(r.text(i, 0));
        cursorTs = std::string(r.text(r.rows() - 1, 1));
        cursorId = std::string(r.text(r.rows() - 1, 0));
    }
    return seen;
}

std::vector<std::string> column(db::Result r) {
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0));
    return out;
}

}  // namespace

TEST_CASE("walking fn_list_runs page by page returns every run once, newest first, across ties") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedTiedRuns(conn);
    auto expected =
        column(conn.query("SELECT run_id FROM walkforward_runs WHERE dataset_id = $1 "
                          "ORDER BY created_at DESC, run_id DESC",
                          {kDataset}));
    REQUIRE(expected.size() == 53);
    for (int limit : {1, 7, 10, 53, 100}) {
        CAPTURE(limit);
        auto walked = walkRuns(conn, limit);
        CHECK(walked == expected);
        CHECK(std::set<std::string>(walked.begin(), walked.end()).size() == walked.size());
    }
}

TEST_CASE("fn_list_runs filters on the server and reports counts and config presence") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seedTiedRuns(conn);
    auto failed = walkRuns(conn, 7, {db::Param(), std::string("failed")});
    CHECK(failed.size() == 13);                                          // i % 4 == 0 for i in 1..53
    auto search = walkRuns(conn, 7, {std::string("M_5"), db::Param()});  // case-insensitive substring
    CHECK(search.size() == 5);                                           // m_5 and m_50..m_53
    db::Result underscore =
        conn.query("SELECT count(*) FROM fn_list_runs($1, 1000, NULL, NULL, '_')", {kDataset});
    CHECK(underscore.integer(0, 0) == 53);  // '_' is literal, not a wildcard (every name has one)
    db::Result pct = conn.query("SELECT count(*) FROM fn_list_runs($1, 1000, NULL, NULL, '%')", {kDataset});
    CHECK(pct.integer(0, 0) == 0);

    conn.exec(
        "INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace) "
        "SELECT gen_random_uuid(), run_id, 'ns_' || n FROM walkforward_runs, generate_series(1, 2) n "
        "WHERE prediction_measurement = 'm_3'");
    db::Result row = conn.query(
        "SELECT simulation_count, fold_count, has_serialized_config FROM fn_list_runs($1, 100) "
        "WHERE prediction_measurement = 'm_3'",
        {kDataset});
    REQUIRE(row.rows() == 1);
    CHECK(row.integer(0, 0) == 2);
    CHECK(row.integer(0, 1) == 0);
    CHECK(row.text(0, 2) == "f");
    db::Result ds = conn.query(
        "SELECT run_count, dataset_slug FROM fn_list_datasets(10) WHERE dataset_id = $1", {kDataset});
    CHECK(ds.integer(0, 0) == 53);
    CHECK(ds.text(0, 1) == "btc_ties");
}

TEST_CASE("fn_list_datasets and fn_list_simulations page the same way") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(R"sql(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, created_at)
        SELECT gen_random_uuid(), 'S' || i, '1h', 'test', 'ds_' || i, timestamptz '2026-01-01' + (i % 3) * interval '1 s'
        FROM generate_series(1, 31) i;
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters, walk_config)
        SELECT 'bbbbbbbb-0000-4000-8000-000000000001', dataset_id, 'm', '[]', '{}', '{}' FROM indicator_datasets LIMIT 1;
        INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, created_at)
        SELECT gen_random_uuid(), 'bbbbbbbb-0000-4000-8000-000000000001', 'ns_' || i, timestamptz '2026-01-01' + (i % 2) * interval '1 s'
        FROM generate_series(1, 29) i;)sql");

    auto walk = [&](const std::string& call, const db::Param& parent) {
        std::vector<std::string> seen;
        db::Param ts, id;
        for (int guard = 0; guard < 100; ++guard) {
            db::Result r =
                parent ? conn.query(call, {*parent, "4", ts, id}) : conn.query(call, {"4", ts, id});
            if (r.rows() == 0) break;
            for (int i = 0; i < r.rows(); ++i) seen.emplace_back(r.text(i, 0));
            ts = std::string(r.text(r.rows() - 1, 1));
            id = std::string(r.text(r.rows() - 1, 0));
        }
        return seen;
    };
    CHECK(walk("SELECT dataset_id, created_at FROM fn_list_datasets($1, $2, $3)", db::Param()) ==
          column(conn.query(
              "SELECT dataset_id FROM indicator_datasets ORDER BY created_at DESC, dataset_id DESC")));
    CHECK(walk("SELECT simulation_id, created_at FROM fn_list_simulations($1, $2, $3, $4)",
               std::string("bbbbbbbb-0000-4000-8000-000000000001")) ==
          column(conn.query(
              "SELECT simulation_id FROM simulation_runs ORDER BY created_at DESC, simulation_id DESC")));
}

TEST_CASE("the page size is clamped: NULL means 50, below 1 means 1, above 1000 means 1000") {
    TestDatabase database;
    database.migrate();
    REQUIRE(database
                .ctl({"demo-seed", "--datasets", "1", "--runs-per-dataset", "1200", "--sims-per-run", "0",
                      "--folds-per-run", "0"})
                .exitCode == 0);
    auto conn = database.connect();
    std::string dataset(conn.query("SELECT dataset_id FROM indicator_datasets").text(0, 0));
    auto rows = [&](const db::Param& limit) {
        return conn.query("SELECT count(*) FROM fn_list_runs($1, $2::int)", {dataset, limit}).integer(0, 0);
    };
    CHECK(rows(db::Param()) == 50);
    CHECK(rows(std::string("0")) == 1);
    CHECK(rows(std::string("-5")) == 1);
    CHECK(rows(std::string("5000")) == 1000);
    CHECK(conn.query("SELECT count(*) FROM fn_list_runs($1::uuid, 50)", {dataset}).integer(0, 0) == 50);
}

TEST_CASE("a deep page is an index scan on the keyset index with no sort, also once the plan is generic") {
    TestDatabase database;
    database.migrate();
    REQUIRE(database
                .ctl({"demo-seed", "--datasets", "2", "--runs-per-dataset", "20000", "--sims-per-run", "0",
                      "--folds-per-run", "0"})
                .exitCode == 0);
    auto conn = database.connect();
    conn.exec("ANALYZE");
    std::string dataset(conn.query("SELECT dataset_id FROM indicator_datasets LIMIT 1").text(0, 0));
    db::Result cursor = conn.query(
        "SELECT created_at, run_id FROM walkforward_runs WHERE dataset_id = $1 "
        "ORDER BY created_at DESC, run_id DESC OFFSET 15000 LIMIT 1",
        {dataset});
    std::vector<std::string> notices;
    conn.onNotice([&](const std::string& n) { notices.push_back(n); });
    conn.exec(
        "LOAD 'auto_explain'; SET auto_explain.log_min_duration = 0; SET auto_explain.log_nested_statements "
        "= on;"
        "SET auto_explain.log_level = notice; SET client_min_messages = notice");
    // plpgsql tries custom plans five times, then may switch to a generic one: check both.
    for (int call = 0; call < 8; ++call) {
        notices.clear();
        db::Result page =
            conn.query("SELECT * FROM fn_list_runs($1, 50, $2, $3)",
                       {dataset, std::string(cursor.text(0, 0)), std::string(cursor.text(0, 1))});
        CHECK(page.rows() == 50);
        std::string plans;
        for (const auto& n : notices) plans += n + "\n";
        CAPTURE(call);
        CAPTURE(plans);
        CHECK(plans.find("idx_walkforward_runs_dataset_created_id") != std::string::npos);
        CHECK(plans.find("Index Cond") != std::string::npos);
        CHECK(plans.find("Sort") == std::string::npos);
        CHECK(plans.find("Seq Scan on walkforward_runs") == std::string::npos);
    }
}
