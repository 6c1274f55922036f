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

}  // namespace

TEST_CASE("window: a selected dataset shows its QuestDB rows, and a row_count that disagrees") {
    testsupport::TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    seed(conn);
    testsupport::TestDatabase questdb;  // the stand-in
    auto q = questdb.connect();
    makeStandIn(q);
    testsupport::WindowHarness w({{"STAGE1_QUESTDB_HOST", testsupport::cluster().socketDir},
                                  {"STAGE1_QUESTDB_PORT", testsupport::cluster().port},
                                  {"STAGE1_QUESTDB_USER", "postgres"},
                                  {"STAGE1_QUESTDB_DBNAME", questdb.name()}},
                                 "");
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
