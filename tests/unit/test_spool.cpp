#include <doctest/doctest.h>
#include <sys/stat.h>

#include "app/ops/spool.hpp"
#include "tests/support/scratch_dir.hpp"

TEST_CASE("spool literals survive quotes and backslashes whatever standard_conforming_strings says") {
    CHECK(app::sqlLiteral("plain") == "E'plain'");
    CHECK(app::sqlLiteral("it's") == "E'it''s'");
    CHECK(app::sqlLiteral("a\\b") == "E'a\\\\b'");
    CHECK(app::sqlLiteral("x'); DROP TABLE t; --") == "E'x''); DROP TABLE t; --'");
}

TEST_CASE("a placeholder is spooled as one complete INSERT, appended and private to the user") {
    testsupport::ScratchDir dir;
    auto path = dir.path() / "spool" / "pending_postgres_inserts.sql";
    auto preview = app::previewPlaceholder("btc_2025_4h", "", "");
    REQUIRE(preview.preview);
    std::string statement = app::placeholderInsertStatement(*preview.preview, "2026-11-26T12:00:00Z");
    CHECK(statement ==
          "INSERT INTO public.indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, "
          "row_count, "
          "first_bar_ts, last_bar_ts) VALUES (E'44744a70-d595-8a7e-90ab-1d7c7795b1f2'::uuid, E'BTC', "
          "E'unknown', "
          "E'laptop_imgui', E'btc_2025_4h', 0, E'2026-11-26T12:00:00Z'::timestamptz, "
          "E'2026-11-26T12:00:00Z'::timestamptz);");
    app::appendToSpool(path, statement, "queued by a test\nwith a newline");
    app::appendToSpool(path, "SELECT 1;", "second");
    CHECK(testsupport::readFile(path) ==
          "-- queued by a test with a newline\n" + statement + "\n-- second\nSELECT 1;\n");
    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    auto env = [](const char* name) -> const char* {
        return std::string(name) == "STAGE1_SPOOL_PATH" ? "/tmp/x.sql" : nullptr;
    };
    CHECK(app::defaultSpoolPath(env) == "/tmp/x.sql");
    CHECK_THROWS_WITH_AS(app::appendToSpool("/proc/forbidden/spool.sql", "SELECT 1;", "x"),
                         doctest::Contains("cannot"), std::runtime_error);
}
