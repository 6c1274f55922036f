// The Folds section's pictures as geometry: lanes, spans on the shared date axis, ticks, flags,
// and the metric chart's bars, baseline and mean.
#include <doctest/doctest.h>

#include "app/runconfig/fold_timeline.hpp"
#include "app/runconfig/json_paths.hpp"

using app::layoutFoldTimeline;
using app::layoutMetricChart;

namespace {

constexpr double kDay = 86400.0;
constexpr double kJan2025 = 1735689600.0;  // 2025-01-01T00:00:00Z

db::FoldRow fold(int index, double trainStart, double trainEnd, double testStart, double testEnd,
                 const std::string& metrics = "{}") {
    db::FoldRow f;
    f.foldIndex = index;
    f.trainStartEpoch = trainStart;
    f.trainEndEpoch = trainEnd;
    f.testStartEpoch = testStart;
    f.testEndEpoch = testEnd;
    f.metrics = metrics;
    return f;
}

// Three folds of 60 train days then 30 test days, stepping 30 days: 2025-01-01 to 2025-05-01.
std::vector<db::FoldRow> threeFolds() {
    const char* const sharpe[] = {"-0.5", "0.5", "1.5"};
    std::vector<db::FoldRow> folds;
    for (int i = 0; i < 3; ++i) {
        const double start = kJan2025 + 30 * kDay * i;
        folds.push_back(fold(i, start, start + 60 * kDay, start + 60 * kDay, start + 90 * kDay,
                             "{\"sharpe\": " + std::string(sharpe[i]) + ", \"label\": \"x\"}"));
    }
    return folds;
}

}  // namespace

TEST_CASE("the timeline puts every fold on one shared axis, one lane each") {
    app::TimelineMetrics m;
    m.width = 600;
    m.laneHeight = 10;
    m.laneGap = 5;
    const auto layout = layoutFoldTimeline(threeFolds(), {}, {}, m);
    CHECK(layout.startEpoch == kJan2025);
    CHECK(layout.endEpoch == kJan2025 + 150 * kDay);
    REQUIRE(layout.lanes.size() == 3);
    CHECK(layout.height == doctest::Approx(3 * 15 - 5));
    for (size_t i = 0; i < 3; ++i) {
        const app::TimelineLane& lane = layout.lanes[i];
        CHECK(lane.foldIndex == static_cast<int>(i));
        CHECK(lane.y0 == doctest::Approx(15.0 * i));
        CHECK(lane.y1 - lane.y0 == doctest::Approx(10));
        // 150 days over 600 px: 4 px a day
        CHECK(lane.train.x0 == doctest::Approx(4.0 * 30 * i));
        CHECK(lane.train.x1 == doctest::Approx(4.0 * (30 * i + 60)));
        CHECK(lane.test.x0 == doctest::Approx(lane.train.x1));
        CHECK(lane.test.x1 == doctest::Approx(4.0 * (30 * i + 90)));
        CHECK_FALSE(lane.flagged);
    }
    CHECK(layout.lanes[2].test.x1 == doctest::Approx(600));
}

TEST_CASE("hundreds of folds shrink into the height allowed, labelled every few lanes") {
    std::vector<db::FoldRow> folds;
    for (int i = 0; i < 400; ++i) {
        db::FoldRow f;
        f.foldIndex = i;
        f.trainStartEpoch = kJan2025 + i * kDay;
        f.trainEndEpoch = f.trainStartEpoch + 30 * kDay;
        f.testStartEpoch = f.trainEndEpoch;
        f.testEndEpoch = f.testStartEpoch + kDay;
        folds.push_back(f);
    }
    app::TimelineMetrics m;
    m.laneHeight = 10;
    m.laneGap = 4;
    m.maxHeight = 1200;  // 400 lanes at 14 px would take 5,596
    m.minLaneHeight = 2;
    m.labelHeight = 13;
    const auto layout = layoutFoldTimeline(folds, {}, {}, m);
    REQUIRE(layout.lanes.size() == 400);
    CHECK(layout.height <= doctest::Approx(1200));
    CHECK(layout.height >= 1100);  // it uses the room it has
    size_t labeled = 0;
    float lastLabelY = -100;
    for (size_t i = 0; i < layout.lanes.size(); ++i) {
        const app::TimelineLane& lane = layout.lanes[i];
        CHECK(lane.y1 - lane.y0 >= 2.0f);
        if (i > 0) CHECK(lane.y0 >= layout.lanes[i - 1].y1);  // in order, never overlapping
        if (!lane.labeled) continue;
        CHECK(lane.y0 - lastLabelY >= 13.0f - 0.01f);  // labels do not run into each other
        lastLabelY = lane.y0;
        ++labeled;
    }
    CHECK(layout.lanes.front().labeled);
    CHECK(labeled >= 80);  // as many as fit

    // Past the floor the picture grows instead: 2 px lanes at the least.
    m.maxHeight = 100;
    const auto floor = layoutFoldTimeline(folds, {}, {}, m);
    CHECK(floor.lanes[0].y1 - floor.lanes[0].y0 == doctest::Approx(2.0));
    CHECK(floor.height > 100);

    // A few folds are left alone and all labelled.
    const auto few = layoutFoldTimeline(threeFolds(), {}, {}, m);
    CHECK(few.lanes[0].y1 - few.lanes[0].y0 == doctest::Approx(10));
    for (const auto& lane : few.lanes) CHECK(lane.labeled);
}

TEST_CASE("flagged and uncovered folds are marked on their own lanes") {
    const auto layout = layoutFoldTimeline(threeFolds(), {1}, {2}, app::TimelineMetrics{});
    CHECK_FALSE(layout.lanes[0].flagged);
    CHECK(layout.lanes[1].flagged);
    CHECK_FALSE(layout.lanes[2].flagged);
    CHECK(layout.lanes[2].uncovered);
    CHECK_FALSE(layout.lanes[1].uncovered);

    std::vector<app::FoldFinding> findings = {{"test_overlap", {0, 2}, ""}, {"purge_gap_short", {2}, ""}};
    CHECK(app::foldsNamedBy(findings) == std::set<int>{0, 2});
}

TEST_CASE("a zero-length window still shows as a sliver, and a single instant gets a day") {
    std::vector<db::FoldRow> folds = {
        fold(0, kJan2025, kJan2025 + 10 * kDay, kJan2025 + 10 * kDay, kJan2025 + 10 * kDay)};
    app::TimelineMetrics m;
    m.minSpanWidth = 3;
    const auto layout = layoutFoldTimeline(folds, {}, {}, m);
    CHECK(layout.lanes[0].test.x1 - layout.lanes[0].test.x0 == doctest::Approx(3));

    const auto instant = layoutFoldTimeline({fold(0, kJan2025, kJan2025, kJan2025, kJan2025)}, {}, {}, m);
    CHECK(instant.endEpoch == kJan2025 + kDay);
    CHECK(layoutFoldTimeline({}, {}, {}, m).lanes.empty());
}

TEST_CASE("axis ticks fall on calendar boundaries and fit the width") {
    app::TimelineMetrics m;
    m.width = 600;  // room for 7 ticks of 80 px
    const auto months = layoutFoldTimeline(threeFolds(), {}, {}, m);
    REQUIRE(months.ticks.size() >= 2);
    CHECK(months.ticks.size() <= 7);
    CHECK(months.ticks.front().label == "2025-01");
    CHECK(months.ticks.front().x == doctest::Approx(0));
    CHECK(months.ticks[1].label == "2025-02");
    CHECK(months.ticks[1].x == doctest::Approx(4.0 * 31));  // January has 31 days
    for (size_t i = 1; i < months.ticks.size(); ++i) CHECK(months.ticks[i].x > months.ticks[i - 1].x);

    m.width = 200;  // two ticks at most: quarters
    const auto narrow = layoutFoldTimeline(threeFolds(), {}, {}, m);
    REQUIRE(narrow.ticks.size() == 2);
    CHECK(narrow.ticks[0].label == "2025-01");
    CHECK(narrow.ticks[1].label == "2025-04");

    // Hours of 1m bars: ticks every hour, labelled with the time.
    std::vector<db::FoldRow> minutes = {
        fold(0, kJan2025, kJan2025 + 3600 * 3, kJan2025 + 3600 * 3, kJan2025 + 3600 * 4)};
    m.width = 600;
    const auto hours = layoutFoldTimeline(minutes, {}, {}, m);
    REQUIRE(hours.ticks.size() == 5);
    CHECK(hours.ticks[1].label == "01-01 01:00");
    for (const auto& tick : hours.ticks) {
        CHECK(tick.x >= 0);
        CHECK(tick.x <= 600);
    }
}

TEST_CASE("the metric chart: bars from the zero line, the mean line, folds without the metric") {
    auto folds = threeFolds();  // sharpe -0.5, 0.5, 1.5
    folds.push_back(fold(3, 0, 0, 0, 0, "{\"label\": \"no sharpe here\"}"));
    const auto chart = layoutMetricChart(folds, "sharpe", 400, 100);
    REQUIRE(chart.bars.size() == 4);
    CHECK(chart.low == doctest::Approx(-0.5));
    CHECK(chart.high == doctest::Approx(1.5));
    CHECK(chart.zeroY == doctest::Approx(75));  // 1.5 above zero, 0.5 below, in 100 px
    REQUIRE(chart.mean);
    CHECK(*chart.mean == doctest::Approx(0.5));
    CHECK(*chart.meanY == doctest::Approx(50));
    // The negative bar hangs below the zero line; the positive ones stand on it.
    CHECK(chart.bars[0].y0 == doctest::Approx(75));
    CHECK(chart.bars[0].y1 == doctest::Approx(100));
    CHECK(chart.bars[2].y0 == doctest::Approx(0));
    CHECK(chart.bars[2].y1 == doctest::Approx(75));
    CHECK_FALSE(chart.bars[3].value);
    // Four slots of 100 px, bars 70 px wide in the middle of theirs.
    CHECK(chart.bars[1].x0 == doctest::Approx(115));
    CHECK(chart.bars[1].x1 == doctest::Approx(185));

    const auto none = layoutMetricChart(folds, "label", 400, 100);  // never a number
    CHECK_FALSE(none.mean);
    CHECK(none.high > none.low);
}

TEST_CASE("JSON documents flatten to query paths") {
    const auto doc =
        nlohmann::json::parse(R"({"b": {"c": 1, "max-depth": [1, 2], "e": {}}, "a": "x", "q\"k": null})");
    const auto leaves = app::flattenJson(doc, "hp");
    REQUIRE(leaves.size() == 5);
    CHECK(leaves[0].first == "hp.a");
    CHECK(app::leafText(leaves[0].second) == "x");
    CHECK(leaves[1].first == "hp.b.c");
    CHECK(leaves[2].first == "hp.b.e");
    CHECK(app::leafText(leaves[2].second) == "{}");
    CHECK(leaves[3].first == "hp.b.\"max-depth\"");
    CHECK(app::leafText(leaves[3].second) == "[1,2]");
    CHECK(leaves[4].first == "hp.\"q\"\"k\"");
    CHECK(app::flattenJson(nlohmann::json::object(), "hp").empty());
    CHECK(app::queryPathStep("_ok9") == "_ok9");
    CHECK(app::queryPathStep("9lives") == "\"9lives\"");
    CHECK(app::queryPathStep("") == "\"\"");
}
