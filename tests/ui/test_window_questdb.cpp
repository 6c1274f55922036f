// The details panel's QuestDB section in the real window, against a PostgreSQL STAND-IN for QuestDB
// (a tables() function and plain tables; QuestDB itself is not obtainable here).
#include <doctest/doctest.h>

#include "tests/ui/window_harness.hpp"

namespace {

void seed(db::Connection& conn) {
    conn.exec(R"sql(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count) VALUES
          ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance', 'btc_2025_4h', 3),
          ('22222222-2222-4222-8222-222222222222', 'ETH', '1h', 'binance', 'eth_2024_1h', 7);
    )sql");
}

void makeStandIn(db::Connection& q) {
    q.exec(R"sql(
        CREATE FUNCTION tables() RETURNS TABLE (id int, table_name text, "designatedTimestamp" text)
          LANGUAGE sql STABLE AS $$ VALUES (1, 'btc_2025_4h', 'ts'), (2, 'eth_2024_1h', 'ts') $$;
        CREATE TABLE btc_2025_4h (ts timestamp, close double precision);
        INSERT INTO btc_2025_4h SELECT '2024-01-01'::timestamp + (i || ' hours')::interval, i FROM generate_series(0, 2) i;
        CREATE TABLE eth_2024_1h (ts timestamp, close double precision);
        INSERT INTO eth_2024_1h SELECT '2024-02-01'::timestamp + (i || ' hours')::interval, i FROM generate_series(1, 5) i;
    )sql");
}

// The window's environment pointing QuestDB at the stand-in.
std::map<std::string, std::string> questDbAt(const testsupport::TestDatabase& standIn) {
    return {{"STAGE1_QUESTDB_HOST", testsupport::cluster().socketDir},
            {"STAGE1_QUESTDB_PORT", testsupport::cluster().port},
            {"STAGE1_QUESTDB_USER", "postgres"},
            {"STAGE1_QUESTDB_DBNAME", standIn.name()}};
}

}  // namespace

TEST_CASE("window: a selected dataset shows its QuestDB rows, and a row_count that disagrees") {
    testsupport::TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seed(conn);
    testsupport::TestDatabase questdb;  // the stand-in
    auto q = questdb.connect();
    makeStandIn(q);
    testsupport::WindowHarness w(questDbAt(questdb), "");
    w.connectByTyping(database);

    w.ui().click("tree.dataset.eth_2024_1h");
    REQUIRE(w.ui().runUntil([&] { return w.state().questdb.result.has_value() && !w.wb().busy(); }, 15.0));
    w.ui().frames(2);
    std::string text = w.ui().snapshot();
    INFO(text);
    CHECK(w.ui().drawn("questdb.table"));
    CHECK(w.ui().drawn("questdb.mismatch"));
    CHECK(text.find("eth_2024_1h  exists") != std::string::npos);
    CHECK(text.find("row_count 7 in PostgreSQL") != std::string::npos);
    CHECK(text.find("2024-02-01T01:00:00.000000Z") != std::string::npos);
    CHECK(text.find("2024-02-01T05:00:00.000000Z") != std::string::npos);

    w.ui().click("tree.dataset.btc_2025_4h");
    REQUIRE(w.ui().runUntil(
        [&] {
            return w.state().questdb.table == "btc_2025_4h" && w.state().questdb.result && !w.wb().busy();
        },
        15.0));
    w.ui().frames(2);
    CHECK(w.ui().drawn("questdb.rows"));
    CHECK_FALSE(w.ui().drawn("questdb.mismatch"));
    CHECK(w.ui().snapshot().find("= row_count") != std::string::npos);
}

TEST_CASE("window: without QuestDB settings the section says how to configure it and asks nothing") {
    testsupport::TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seed(conn);
    testsupport::WindowHarness w;
    CHECK(w.ui().drawn("connect.questdb.host"));  // the connection form has the fields to type it in
    w.connectByTyping(database);
    w.ui().click("tree.dataset.btc_2025_4h");
    w.ui().frames(3);
    CHECK(w.ui().drawn("questdb.hint"));
    CHECK_FALSE(w.ui().drawn("questdb.table"));
    CHECK(w.ui().snapshot().find("QuestDB not configured: set STAGE1_QUESTDB_HOST") != std::string::npos);
    CHECK(w.state().questdb.request.phase == app::RequestPhase::Idle);
}

TEST_CASE("window: a run's folds its QuestDB series does not cover are struck through and named") {
    testsupport::TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seed(conn);
    // A 4h run predicting 2024-01-02 .. 2024-01-20: fold 1 ends one bar after the last row (an
    // exclusive test_end, covered); fold 2 runs 10 days past it.
    conn.exec(R"sql(
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config) VALUES
          ('aaaaaaaa-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'btc_pred_1', '[]', '{}',
           '{}', 'completed', 'c1');
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end, metrics) VALUES
          ('aaaaaaaa-0000-4000-8000-000000000001', 0, '2023-12-01 00:00+00', '2024-01-01 00:00+00', '2024-01-02 00:00+00', '2024-01-10 00:00+00', '{"sharpe": 1.1}'),
          ('aaaaaaaa-0000-4000-8000-000000000001', 1, '2023-12-10 00:00+00', '2024-01-10 00:00+00', '2024-01-10 00:00+00', '2024-01-20 04:00+00', '{"sharpe": 0.4}'),
          ('aaaaaaaa-0000-4000-8000-000000000001', 2, '2023-12-20 00:00+00', '2024-01-20 00:00+00', '2024-01-20 04:00+00', '2024-01-30 00:00+00', '{"sharpe": -0.2}');
    )sql");
    testsupport::TestDatabase questdb;
    auto q = questdb.connect();
    makeStandIn(q);
    q.exec(R"sql(
        CREATE OR REPLACE FUNCTION tables() RETURNS TABLE (id int, table_name text, "designatedTimestamp" text)
          LANGUAGE sql STABLE AS $$ VALUES (1, 'btc_2025_4h', 'ts'), (2, 'eth_2024_1h', 'ts'), (3, 'btc_pred_1', 'ts') $$;
        CREATE TABLE btc_pred_1 (ts timestamp, prediction double precision);
        INSERT INTO btc_pred_1 SELECT '2024-01-02'::timestamp + (i || ' days')::interval, i FROM generate_series(0, 18) i;
    )sql");
    testsupport::WindowHarness w(questDbAt(questdb), "");
    w.connectByTyping(database);
    w.wb().hierarchy().revealRun("aaaaaaaa-0000-4000-8000-000000000001");
    REQUIRE(w.ui().runUntil(
        [&] {
            return w.state().folds.run && w.state().questdb.result && w.state().questdb.kind == "run" &&
                   w.idle();
        },
        15.0));
    w.ui().frames(2);
    std::string text = w.ui().snapshot();
    INFO(text);
    REQUIRE(w.ui().drawn("questdb.coverage"));
    CHECK(text.find("1 of 3 test windows not covered") != std::string::npos);
    CHECK(w.ui().drawn("questdb.uncovered.2"));
    CHECK_FALSE(w.ui().drawn("questdb.uncovered.1"));
    CHECK(text.find("fold 2: the whole window is after the last row") != std::string::npos);

    // The timeline names it on the lane's hover; a covered lane says nothing of QuestDB.
    w.ui().hover("folds.lane.2");
    text = w.ui().snapshot();
    CHECK(text.find("fold 2") != std::string::npos);
    CHECK(text.find("QuestDB: test window the whole window is after the last row") != std::string::npos);
    w.ui().hover("folds.lane.1");
    text = w.ui().snapshot();
    CHECK(text.find("fold 1") != std::string::npos);
    CHECK(text.find("QuestDB: test window") == std::string::npos);
}
