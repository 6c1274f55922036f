// app::compareRuns and its outputs: row keys as the query language writes them (nested paths,
// quoted keys), missing keys, numbers and their deltas, feature sets, TSV and Markdown.
#include <doctest/doctest.h>

#include <algorithm>

#include "app/runconfig/run_compare.hpp"

namespace {

db::RunFacts facts(const std::string& id, const std::string& hyper, const std::string& walk,
                   const std::string& features = R"(["rsi_14"])") {
    db::RunFacts f;
    f.runId = id;
    f.datasetId = "d-" + id;
    f.datasetSlug = "btc_2025_4h";
    f.granularity = "4h";
    f.measurement = "m_" + id;
    f.status = "completed";
    f.createdAt = "2026-01-01T00:00:00.000000Z";
    f.foldCount = 4;
    f.simulationCount = 2;
    f.featureColumns = features;
    f.hyperparameters = hyper;
    f.walkConfig = walk;
    return f;
}

const app::CompareRow& row(const app::RunComparison& c, const std::string& key) {
    auto it = std::find_if(c.rows.begin(), c.rows.end(), [&](const auto& r) { return r.key == key; });
    REQUIRE_MESSAGE(it != c.rows.end(), key);
    return *it;
}

bool hasRow(const app::RunComparison& c, const std::string& key) {
    return std::any_of(c.rows.begin(), c.rows.end(), [&](const auto& r) { return r.key == key; });
}

std::vector<std::string> keys(const app::RunComparison& c) {
    std::vector<std::string> out;
    for (const auto& r : c.rows) out.push_back(r.key);
    return out;
}

}  // namespace

TEST_CASE("compare: identity rows first, then fold., hp. and walk. rows, each sorted") {
    auto a = facts("a", R"({"model": "lgbm", "lr": 0.1})", R"({"folds": 4})");
    auto b = facts("b", R"({"model": "xgb", "depth": 3})", R"({"folds": 4})");
    a.metricMeans = {{"sharpe", 1.25}, {"ic", 0.05}};
    b.metricMeans = {{"sharpe", 0.75}};
    auto c = app::compareRuns({a, b});
    CHECK(c.runIds == std::vector<std::string>{"a", "b"});
    CHECK(keys(c) == std::vector<std::string>{"dataset", "measurement", "status", "created", "folds",
                                              "simulations", "features", "fold.ic", "fold.sharpe", "hp.depth",
                                              "hp.lr", "hp.model", "walk.folds"});
    CHECK(!row(c, "dataset").differs);
    CHECK(row(c, "measurement").differs);
    CHECK(row(c, "folds").cells[0].number == 4.0);
    CHECK(row(c, "features").cells[1].text == "1");
    CHECK(row(c, "created").cells[0].text == "2026-01-01T00:00:00.000000Z");
    CHECK(!row(c, "created").cells[0].number);
    // A key one run lacks differs, and its cell is empty.
    CHECK(row(c, "hp.depth").differs);
    CHECK(!row(c, "hp.depth").cells[0].text);
    CHECK(row(c, "hp.depth").cells[1].text == "3");
    CHECK(row(c, "fold.ic").differs);
    CHECK(!row(c, "walk.folds").differs);
    // measurement, fold.ic, fold.sharpe, hp.depth, hp.lr, hp.model
    CHECK(c.differing() == 6);
}

TEST_CASE("compare: nested objects flatten to paths, odd keys are quoted, other values are compact JSON") {
    auto a = facts("a",
                   R"({"model": {"depth": 3, "kind": "tree"}, "max-depth": 5, "say \"hi\"": 1,
                       "layers": [64, 32], "flag": true, "none": null, "empty": {}, "lr": 0.1})",
                   R"({"split": {"train": {"bars": 1000}}})");
    auto c = app::compareRuns({a, a});
    CHECK(keys(c) == std::vector<std::string>{
                         "dataset", "measurement", "status", "created", "folds", "simulations", "features",
                         "hp.\"max-depth\"", "hp.\"say \"\"hi\"\"\"", "hp.empty", "hp.flag", "hp.layers",
                         "hp.lr", "hp.model.depth", "hp.model.kind", "hp.none", "walk.split.train.bars"});
    CHECK(row(c, "hp.layers").cells[0].text == "[64,32]");
    CHECK(!row(c, "hp.layers").cells[0].number);
    CHECK(row(c, "hp.flag").cells[0].text == "true");
    CHECK(row(c, "hp.none").cells[0].text == "null");
    CHECK(row(c, "hp.empty").cells[0].text == "{}");
    CHECK(row(c, "hp.model.kind").cells[0].text == "tree");  // a string without its quotes
    CHECK(row(c, "hp.lr").cells[0].text == "0.1");
    CHECK(row(c, "hp.lr").cells[0].number == 0.1);
    CHECK(row(c, "walk.split.train.bars").cells[0].number == 1000.0);
    CHECK(c.differing() == 0);

    // An empty document has no rows; one that is not an object is one row.
    auto empty = app::compareRuns({facts("x", "{}", "[1]")});
    CHECK(!hasRow(empty, "hp"));
    CHECK(row(empty, "walk").cells[0].text == "[1]");
}

TEST_CASE("compare: numbers keep their JSON text, means show 6 significant digits, deltas are numeric") {
    auto a = facts("a", R"({"lr": 0.1, "n": 100, "big": 12345678901})", "{}");
    auto b = facts("b", R"({"lr": 0.25, "n": "100", "big": 12345678901})", "{}");
    auto c0 = facts("c", R"({"lr": 1.5e-3})", "{}");
    a.metricMeans = {{"sharpe", 1.0 / 3.0}};
    b.metricMeans = {{"sharpe", 1.0 / 3.0 + 1e-9}};  // equal to 6 digits: shown and compared alike
    c0.metricMeans = {{"sharpe", 2.0}};
    auto c = app::compareRuns({a, b, c0});
    CHECK(row(c, "hp.lr").cells[2].text == "0.0015");
    CHECK(row(c, "hp.big").cells[0].text == "12345678901");
    CHECK(row(c, "fold.sharpe").cells[0].text == "0.333333");
    CHECK(row(c, "fold.sharpe").cells[2].text == "2");
    auto twoRuns = app::compareRuns({a, b});
    CHECK(!row(twoRuns, "fold.sharpe").differs);
    CHECK(!row(twoRuns, "hp.big").differs);
    // "100" and 100 read the same but are not the same value.
    CHECK(row(twoRuns, "hp.n").cells[0].text == row(twoRuns, "hp.n").cells[1].text);
    CHECK(row(twoRuns, "hp.n").differs);
    CHECK(!row(twoRuns, "hp.n").cells[1].number);

    const auto& lr = row(c, "hp.lr");
    CHECK(app::deltaAgainst(lr, 1, 0) == doctest::Approx(0.15));
    CHECK(app::deltaAgainst(lr, 0, 1) == doctest::Approx(-0.15));
    CHECK(app::deltaAgainst(lr, 2, 1) == doctest::Approx(0.0015 - 0.25));
    CHECK(!app::deltaAgainst(lr, 1, 1));                // the reference itself
    CHECK(!app::deltaAgainst(row(c, "hp.n"), 1, 0));    // a string against a number
    CHECK(!app::deltaAgainst(row(c, "hp.big"), 2, 0));  // a missing value
    CHECK(!app::deltaAgainst(lr, 5, 0));                // no such column
    CHECK(app::deltaAgainst(row(c, "folds"), 1, 0) == 0.0);
}

TEST_CASE("compare: features as sets, common and only, and against a reference") {
    auto a = facts("a", "{}", "{}", R"(["rsi_14", "atr_14", "macd"])");
    auto b = facts("b", "{}", "{}", R"(["atr_14", "rsi_14", "obv"])");
    auto c0 = facts("c", "{}", "{}", R"(["rsi_14", "atr_14", "macd", "vwap"])");
    auto c = app::compareRuns({a, b, c0});
    CHECK(c.features.common == std::vector<std::string>{"atr_14", "rsi_14"});
    REQUIRE(c.features.only.size() == 3);
    CHECK(c.features.only[0].empty());  // macd is in c too
    CHECK(c.features.only[1] == std::vector<std::string>{"obv"});
    CHECK(c.features.only[2] == std::vector<std::string>{"vwap"});
    CHECK(row(c, "features").cells[2].number == 4.0);
    CHECK(row(c, "features").differs);

    auto delta = app::featuresAgainst({a, b, c0}, 1, 0);
    CHECK(delta.added == std::vector<std::string>{"obv"});
    CHECK(delta.removed == std::vector<std::string>{"macd"});
    delta = app::featuresAgainst({a, b, c0}, 2, 0);
    CHECK(delta.added == std::vector<std::string>{"vwap"});
    CHECK(delta.removed.empty());
    CHECK(app::featuresAgainst({a, b}, 0, 0).added.empty());

    // Order in the array does not matter; a run whose features are not an array has none.
    auto same = app::compareRuns({a, facts("d", "{}", "{}", R"(["macd", "atr_14", "rsi_14"])")});
    CHECK(same.features.only[0].empty());
    CHECK(same.features.only[1].empty());
    auto odd = app::compareRuns({a, facts("e", "{}", "{}", R"({"x": 1})")});
    CHECK(odd.features.common.empty());
    CHECK(!row(odd, "features").cells[1].text);
}

TEST_CASE("compare: TSV and Markdown, with only the differing rows on request") {
    auto a = facts("run-a", R"({"note": "a|b\tc\nd", "same": 1})", "{}");
    auto b = facts("run-b", R"({"same": 1})", "{}");
    b.datasetSlug = "eth_2025_1h";
    auto c = app::compareRuns({a, b});
    CHECK(app::compareAsTsv(c, true) ==
          "key\trun-a\trun-b\n"
          "dataset\tbtc_2025_4h\teth_2025_1h\n"
          "measurement\tm_run-a\tm_run-b\n"
          "hp.note\ta|b c d\t\n");
    CHECK(app::compareAsMarkdown(c, true) ==
          "| key | run-a | run-b |\n"
          "| --- | --- | --- |\n"
          "| dataset | btc_2025_4h | eth_2025_1h |\n"
          "| measurement | m_run-a | m_run-b |\n"
          "| hp.note | a\\|b\tc d |  |\n");
    const std::string all = app::compareAsTsv(c, false);
    CHECK(all.find("hp.same\t1\t1\n") != std::string::npos);
    CHECK(all.find("status\tcompleted\tcompleted\n") != std::string::npos);
    CHECK(std::count(all.begin(), all.end(), '\n') == 1 + static_cast<long>(c.rows.size()));
}

TEST_CASE("compare: features as a membership TSV, every feature of any run once, sorted") {
    const std::vector<db::RunFacts> runs{facts("a", "{}", "{}", R"(["rsi_14", "atr_14", "vwap"])"),
                                         facts("b", "{}", "{}", R"(["rsi_14", "obv\tslope"])"),
                                         facts("c", "{}", "{}", R"(["vwap", "rsi_14"])")};
    CHECK(app::featuresAsTsv(runs) ==
          "feature\ta\tb\tc\n"
          "atr_14\t1\t\t\n"
          "obv slope\t\t1\t\n"
          "rsi_14\t1\t1\t1\n"
          "vwap\t1\t\t1\n");
}
