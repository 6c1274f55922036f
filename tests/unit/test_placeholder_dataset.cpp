#include <doctest/doctest.h>

#include <random>
#include <set>
#include <string>

#include "app/ops/placeholder_dataset.hpp"
#include "db/browse/stage1_queries.hpp"

namespace {

int hexValue(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

}  // namespace

TEST_CASE("placeholder_dataset: ids match the examples in migration 0008") {
    CHECK(app::placeholderDatasetUuid("btc_2025_4h") == "44744a70-d595-8a7e-90ab-1d7c7795b1f2");
    CHECK(app::placeholderDatasetUuid("eth_2024_1h") == "f3cdd64b-e779-8bf6-8717-aa5bc0102d3c");
    CHECK(app::placeholderDatasetUuid("a") == "bd7a0314-6222-873f-8f4e-3250ed73639f");
}

TEST_CASE("placeholder_dataset: random slugs give distinct lower-case version 8 variant 10 ids") {
    std::mt19937 rng(8);
    const std::string first = "abcdefghijklmnopqrstuvwxyz0123456789", rest = first + "_-";
    auto pick = [&rng](size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng); };
    std::set<std::string> slugs, ids;
    for (int i = 0; i < 1000; ++i) {
        std::string slug(1, first[pick(first.size())]);
        for (size_t n = pick(63); n > 0; --n) slug += rest[pick(rest.size())];
        REQUIRE_FALSE(db::datasetSlugProblem(slug));
        CAPTURE(slug);
        const std::string uuid = app::placeholderDatasetUuid(slug);
        REQUIRE(uuid.size() == 36);
        for (size_t p = 0; p < uuid.size(); ++p) {
            if (p == 8 || p == 13 || p == 18 || p == 23)
                CHECK(uuid[p] == '-');
            else
                CHECK(hexValue(uuid[p]) >= 0);
        }
        CHECK(uuid[14] == '8');                            // version nibble
        CHECK((hexValue(uuid[19]) & 0xC) == 0x8);          // variant bits 10
        CHECK(app::placeholderDatasetUuid(slug) == uuid);  // deterministic
        slugs.insert(slug);
        ids.insert(uuid);
    }
    CHECK(ids.size() == slugs.size());
}

TEST_CASE("placeholder_dataset: preview with derived id and symbol") {
    auto result = app::previewPlaceholder("btc_2025_4h", "", "");
    REQUIRE(result.preview);
    CHECK(result.problem.empty());
    const auto& p = *result.preview;
    CHECK(p.slug == "btc_2025_4h");
    CHECK(p.datasetId == "44744a70-d595-8a7e-90ab-1d7c7795b1f2");
    CHECK(p.idDerived);
    CHECK(p.symbol == "BTC");
    CHECK(p.granularity == "unknown");
    CHECK(p.source == "laptop_imgui");
}

TEST_CASE("placeholder_dataset: default symbol is the upper-cased leading letters and digits") {
    CHECK(app::previewPlaceholder("eth-usd_1h", "", "").preview->symbol == "ETH");
    CHECK(app::previewPlaceholder("9x", "", "").preview->symbol == "9X");
    CHECK(app::previewPlaceholder("a", "", "").preview->symbol == "A");
    CHECK(app::previewPlaceholder("sol2025", "", "").preview->symbol == "SOL2025");
    CHECK(app::previewPlaceholder("x_", "", "").preview->symbol == "X");
}

TEST_CASE("placeholder_dataset: a given symbol is kept as btrim leaves it, a blank one counts as absent") {
    CHECK(app::previewPlaceholder("btc_2025_4h", "", "XBT").preview->symbol == "XBT");
    CHECK(app::previewPlaceholder("btc_2025_4h", "", "  xbt/usd ").preview->symbol == "xbt/usd");
    CHECK(app::previewPlaceholder("btc_2025_4h", "", "   ").preview->symbol == "BTC");
    CHECK(app::previewPlaceholder("btc_2025_4h", "", "").preview->symbol == "BTC");
}

TEST_CASE("placeholder_dataset: an explicit id is checked and lower-cased") {
    auto given = app::previewPlaceholder("btc_2025_4h", " 0561D805-7935-408E-99D4-7572ECFC6738 ", "");
    REQUIRE(given.preview);
    CHECK(given.preview->datasetId == "0561d805-7935-408e-99d4-7572ecfc6738");
    CHECK_FALSE(given.preview->idDerived);
    CHECK(given.preview->symbol == "BTC");

    CHECK(app::previewPlaceholder("btc_2025_4h", "  ", "").preview->idDerived);

    for (const char* bad :
         {"x", "0561d805-7935-408e-99d4-7572ecfc673", "0561d805-7935-408e-99d4-7572ecfc6738a",
          "0561d805x7935-408e-99d4-7572ecfc6738", "g561d805-7935-408e-99d4-7572ecfc6738"}) {
        CAPTURE(bad);
        auto result = app::previewPlaceholder("btc_2025_4h", bad, "");
        CHECK_FALSE(result.preview);
        CHECK(result.problem.find("invalid dataset id") != std::string::npos);
    }
}

TEST_CASE("placeholder_dataset: bad slugs get the server's rule as the reason") {
    for (const char* bad : {"", "BTC_2025", "_x", "-x", "a b", "a;b", "ä"}) {
        CAPTURE(bad);
        auto result = app::previewPlaceholder(bad, "", "");
        CHECK_FALSE(result.preview);
        CHECK(result.problem.find(db::kDatasetSlugRule) != std::string::npos);
    }
    CHECK_FALSE(app::previewPlaceholder(std::string(64, 'a'), "", "").preview);
    CHECK(app::previewPlaceholder(std::string(63, 'a'), "", "").preview);
}
