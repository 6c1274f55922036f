#include <doctest/doctest.h>

#include "db/browse/stage1_queries.hpp"

TEST_CASE("page cursors round-trip and reject anything else") {
    db::PageCursor c{"2026-01-01T00:00:00.123456Z", "0561d805-7935-408e-99d4-7572ecfc6738"};
    auto back = db::PageCursor::decode(c.encode());
    REQUIRE(back);
    CHECK(back->createdAt == c.createdAt);
    CHECK(back->id == c.id);
    for (const char* bad : {"", "x", "2026-01-01/abc", "2026-01-01T00:00:00Z/not-a-uuid",
                            "2026-01-01T00:00:00Z 0561d805-7935-408e-99d4-7572ecfc6738",
                            "'; DROP TABLE x; --/0561d805-7935-408e-99d4-7572ecfc6738"})
        CHECK_FALSE(db::PageCursor::decode(bad));
}

TEST_CASE("dataset slugs follow the server's rule") {
    CHECK_FALSE(db::datasetSlugProblem("btc_2025_4h"));
    CHECK_FALSE(db::datasetSlugProblem("a"));
    CHECK_FALSE(db::datasetSlugProblem("eth-usd_1h"));
    for (const char* bad : {"", "BTC", "_x", "-x", "a b", "a;b", "ä"}) {
        CAPTURE(bad);
        auto problem = db::datasetSlugProblem(bad);
        REQUIRE(problem);
        CHECK(problem->find("^[a-z0-9][a-z0-9_-]{0,62}$") != std::string::npos);
    }
    CHECK(db::datasetSlugProblem(std::string(63, 'a')) == std::nullopt);
    CHECK(db::datasetSlugProblem(std::string(64, 'a')) != std::nullopt);
}
