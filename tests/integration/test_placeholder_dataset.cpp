// fn_upsert_placeholder_dataset and db/scripts/backfill_placeholder_dataset.sql.
#include <doctest/doctest.h>

#include "tests/support/test_database.hpp"

using testsupport::TestDatabase;

namespace {

struct Upsert {
    std::string id;
    bool inserted;
    std::string note;
};

Upsert upsert(db::Connection& conn, const db::Param& slug, const db::Param& id = {},
              const db::Param& symbol = {}) {
    db::Result r =
        conn.query("SELECT dataset_id, inserted, note FROM fn_upsert_placeholder_dataset($1, $2, $3)",
                   {slug, id, symbol});
    REQUIRE(r.rows() == 1);
    return {std::string(r.text(0, 0)), r.boolean(0, 1), std::string(r.text(0, 2))};
}

std::string script() {
    return testsupport::sourcePath("db/scripts/backfill_placeholder_dataset.sql");
}

}  // namespace

TEST_CASE("a placeholder dataset is inserted once with a UUID derived from the slug") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    Upsert first = upsert(conn, std::string("btc_2025_4h"));
    CHECK(first.inserted);
    // RFC 9562 v8 from sha256(namespace || slug); cross-checked with Python's hashlib when written.
    CHECK(first.id == conn.query("SELECT fn_placeholder_dataset_uuid('btc_2025_4h')::text").text(0, 0));
    CHECK(first.id == "44744a70-d595-8a7e-90ab-1d7c7795b1f2");  // Python: hashlib.sha256(ns.bytes + slug)
    CHECK(first.id.substr(14, 1) == "8");
    db::Result row = conn.query(
        "SELECT symbol, granularity, source, questdb_tag, row_count, first_bar_ts IS NOT NULL, "
        "last_bar_ts IS NOT NULL FROM indicator_datasets WHERE dataset_id = $1",
        {first.id});
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, 0) == "BTC");
    CHECK(row.text(0, 1) == "unknown");
    CHECK(row.text(0, 2) == "laptop_imgui");
    CHECK(row.text(0, 3) == "btc_2025_4h");
    CHECK(row.text(0, 4) == "0");
    CHECK(row.text(0, 5) == "t");

    Upsert again = upsert(conn, std::string("btc_2025_4h"));
    CHECK_FALSE(again.inserted);
    CHECK(again.id == first.id);
    CHECK(conn.query("SELECT count(*) FROM indicator_datasets").integer(0, 0) == 1);

    Upsert explicitSymbol = upsert(conn, std::string("weird-slug_9"), db::Param(), std::string("WRD"));
    CHECK(explicitSymbol.inserted);
    CHECK(conn.query("SELECT symbol FROM indicator_datasets WHERE questdb_tag = 'weird-slug_9'").text(0, 0) ==
          "WRD");
}

TEST_CASE("bad slugs are rejected with the rule, and a slug under another UUID is reported, not duplicated") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    for (const char* bad : {"", "BTC_2025", "_btc", "btc 2025", "btc;drop",
                            "a234567890123456789012345678901234567890123456789012345678901234"}) {
        CAPTURE(bad);
        try {
            upsert(conn, std::string(bad));
            FAIL("accepted a bad slug");
        } catch (const db::Error& e) {
            CHECK(e.info().sqlstate == "22023");
            CHECK(e.info().describe().find("^[a-z0-9][a-z0-9_-]{0,62}$") != std::string::npos);
        }
    }
    CHECK(conn.query("SELECT count(*) FROM indicator_datasets").integer(0, 0) == 0);

    conn.exec(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) "
        "VALUES ('99999999-9999-4999-8999-999999999999', 'ETH', '1h', 'binance', 'eth_2024_1h')");
    Upsert existing = upsert(conn, std::string("eth_2024_1h"));
    CHECK_FALSE(existing.inserted);
    CHECK(existing.id == "99999999-9999-4999-8999-999999999999");
    CHECK(existing.note.find("99999999-9999-4999-8999-999999999999") != std::string::npos);
    CHECK(conn.query("SELECT count(*) FROM indicator_datasets WHERE questdb_tag = 'eth_2024_1h'")
              .integer(0, 0) == 1);

    try {
        upsert(conn, std::string("sol_2026_1d"), std::string("99999999-9999-4999-8999-999999999999"));
        FAIL("reused a dataset_id for another slug");
    } catch (const db::Error& e) {
        CHECK(e.info().sqlstate == "23505");
        CHECK(e.info().describe().find("eth_2024_1h") != std::string::npos);
    }
}

TEST_CASE("the psql backfill script inserts, repeats as a no-op, and refuses bad input") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();

    auto created = database.psqlFile(
        script(), {"slug=btc_2025_4h", "uuid=0f0f0f0f-0000-4000-8000-00000000abcd", "symbol=XBT"});
    INFO(created.err);
    REQUIRE(created.exitCode == 0);
    CHECK(created.out.find("created") != std::string::npos);
    db::Result row =
        conn.query("SELECT dataset_id, symbol FROM indicator_datasets WHERE questdb_tag = 'btc_2025_4h'");
    REQUIRE(row.rows() == 1);
    CHECK(row.text(0, 0) == "0f0f0f0f-0000-4000-8000-00000000abcd");
    CHECK(row.text(0, 1) == "XBT");

    auto repeat =
        database.psqlFile(script(), {"slug=btc_2025_4h", "uuid=0f0f0f0f-0000-4000-8000-00000000abcd"});
    REQUIRE(repeat.exitCode == 0);
    CHECK(repeat.out.find("already present") != std::string::npos);

    auto otherUuid =
        database.psqlFile(script(), {"slug=btc_2025_4h"});  // derived UUID differs from the stored one
    REQUIRE(otherUuid.exitCode == 0);
    CHECK(otherUuid.out.find("0f0f0f0f-0000-4000-8000-00000000abcd") != std::string::npos);
    CHECK(conn.query("SELECT count(*) FROM indicator_datasets").integer(0, 0) == 1);

    auto bad = database.psqlFile(script(), {"slug=BTC 2025'; DROP TABLE indicator_datasets; --"});
    CHECK(bad.exitCode != 0);
    CHECK(bad.err.find("slug") != std::string::npos);
    auto missing = database.psqlFile(script());
    CHECK(missing.exitCode != 0);
    CHECK((missing.err + missing.out).find("usage") != std::string::npos);
    CHECK(conn.query("SELECT count(*) FROM indicator_datasets").integer(0, 0) == 1);
}
