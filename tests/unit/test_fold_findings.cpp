// What app::findFoldProblems says about a run's folds: every kind, the boundaries where nothing is
// wrong (a gap exactly as long as the config asks; test windows that touch without sharing time),
// the order of findings, and the granularities it understands.
#include <doctest/doctest.h>

#include <cstdio>
#include <ctime>

#include "app/runconfig/fold_findings.hpp"

namespace {

constexpr double kDay = 86400;
constexpr double kJan1 = 1735689600;  // 2025-01-01T00:00:00Z

// As the server prints it: UTC with microseconds.
std::string iso(double epoch) {
    const time_t whole = static_cast<time_t>(epoch);
    struct tm tm {};
    gmtime_r(&whole, &tm);
    char out[40];
    std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%S", &tm);
    char micros[16];
    std::snprintf(micros, sizeof micros, ".%06dZ",
                  static_cast<int>((epoch - static_cast<double>(whole)) * 1e6 + 0.5));
    return out + std::string(micros);
}

// A fold from day offsets after 2025-01-01 (day 90 is April 1, day 100 April 11, day 120 May 1).
db::FoldRow fold(int index, double trainStart, double trainEnd, double testStart, double testEnd,
                 std::string metrics = "{}") {
    db::FoldRow f;
    f.foldIndex = index;
    f.trainStartEpoch = kJan1 + trainStart * kDay;
    f.trainEndEpoch = kJan1 + trainEnd * kDay;
    f.testStartEpoch = kJan1 + testStart * kDay;
    f.testEndEpoch = kJan1 + testEnd * kDay;
    f.trainStart = iso(f.trainStartEpoch);
    f.trainEnd = iso(f.trainEndEpoch);
    f.testStart = iso(f.testStartEpoch);
    f.testEnd = iso(f.testEndEpoch);
    f.metrics = std::move(metrics);
    return f;
}

db::RunFolds run(std::vector<db::FoldRow> folds, std::string walk = "{}", std::string granularity = "1d") {
    db::RunFolds r;
    r.runId = "00000000-0000-4000-8000-000000000001";
    r.granularity = std::move(granularity);
    r.walkConfig = std::move(walk);
    r.folds = std::move(folds);
    return r;
}

std::vector<std::string> kinds(const std::vector<app::FoldFinding>& findings) {
    std::vector<std::string> out;
    for (const auto& f : findings) out.push_back(f.kind);
    return out;
}

}  // namespace

TEST_CASE("fold findings: a clean walk-forward cut has none") {
    auto r = run({fold(0, 0, 100, 102, 130), fold(1, 30, 130, 132, 160), fold(2, 60, 160, 162, 190)},
                 R"({"folds": 3, "purge_bars": 2})");
    CHECK(app::findFoldProblems(r).empty());
}

TEST_CASE("fold findings: overlapping test windows are reported per pair, touching windows are fine") {
    auto overlapping =
        run({fold(0, 0, 100, 100, 140), fold(1, 20, 120, 120, 160), fold(2, 40, 140, 160, 200)});
    auto findings = app::findFoldProblems(overlapping);
    REQUIRE(findings.size() == 1);  // 0 and 1 share [120, 140); 1 ends where 2 starts: half-open, apart
    CHECK(findings[0].kind == "test_overlap");
    CHECK(findings[0].folds == std::vector<int>{0, 1});
    CHECK(findings[0].message.find("folds 0 and 1") == 0);
    CHECK(findings[0].message.find("overlap by 20 d") != std::string::npos);
    CHECK(findings[0].message.find("2025-05-01T00:00:00Z") != std::string::npos);  // fold 1's test start

    auto touching = run({fold(0, 0, 100, 100, 130), fold(1, 30, 130, 130, 160)});
    CHECK(app::findFoldProblems(touching).empty());

    // Out of order in the rows, and one window inside another: still one finding, folds ascending.
    auto nested = run({fold(3, 0, 100, 100, 200), fold(1, 0, 100, 120, 130)});
    findings = app::findFoldProblems(nested);
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].folds == std::vector<int>{1, 3});
    CHECK(findings[0].message.find("overlap by 10 d") != std::string::npos);
}

TEST_CASE("fold findings: a test window that starts before its train window ends") {
    auto r = run({fold(0, 0, 100, 90, 120), fold(1, 30, 130, 130, 160)}, R"({"purge_bars": 3})");
    auto findings = app::findFoldProblems(r);
    // Fold 0 is test_before_train_end (not also purge_gap_short); fold 1 has no gap at all.
    CHECK(kinds(findings) == std::vector<std::string>{"test_before_train_end", "purge_gap_short"});
    CHECK(findings[0].folds == std::vector<int>{0});
    CHECK(findings[0].message ==
          "fold 0: test starts at 2025-04-01T00:00:00Z, 10 d before its train window "
          "ends at 2025-04-11T00:00:00Z");
    CHECK(findings[1].folds == std::vector<int>{1});
}

TEST_CASE("fold findings: the purge gap against purge_bars × the bar, exactly equal being fine") {
    const std::string walk = R"({"purge_bars": 8, "embargo_bars": 50})";
    SUBCASE("the example of the issue: purge_bars 8 at 4h, test_start == train_end") {
        auto r = run({fold(3, 0, 100, 100, 130)}, walk, "4h");
        auto findings = app::findFoldProblems(r);
        REQUIRE(findings.size() == 1);
        CHECK(findings[0].kind == "purge_gap_short");
        CHECK(findings[0].folds == std::vector<int>{3});
        CHECK(findings[0].message ==
              "fold 3: test starts 0 s after train ends (train ends 2025-04-11T00:00:00Z, test starts "
              "2025-04-11T00:00:00Z); walk config purge_bars 8 at 4h asks for at least 32 h");
    }
    SUBCASE("exactly 32 h is enough, a second less is not") {
        auto gapOf = [&](double seconds) {
            auto r = run({fold(0, 0, 100, 100, 130)}, walk, "4h");
            r.folds[0].testStartEpoch = r.folds[0].trainEndEpoch + seconds;
            return app::findFoldProblems(r);
        };
        CHECK(gapOf(32 * 3600).empty());
        CHECK(gapOf(40 * 3600).empty());
        CHECK(kinds(gapOf(32 * 3600 - 1)) == std::vector<std::string>{"purge_gap_short"});
        CHECK(kinds(gapOf(32 * 3600 - 0.000001)) == std::vector<std::string>{"purge_gap_short"});
    }
    SUBCASE("every short fold in one finding") {
        auto r = run({fold(0, 0, 100, 100, 110), fold(1, 10, 110, 111, 120), fold(2, 20, 120, 120.5, 130)},
                     R"({"purge_bars": 2})", "1d");
        auto findings = app::findFoldProblems(r);
        REQUIRE(findings.size() == 1);
        CHECK(findings[0].folds == std::vector<int>{0, 1, 2});
        CHECK(findings[0].message.find("folds 0, 1 and 2: ") == 0);
        CHECK(findings[0].message.find("fold 2: 12 h, ") != std::string::npos);
        CHECK(findings[0].message.find("asks for at least 2 d") != std::string::npos);
    }
    SUBCASE("no check without a known granularity or a numeric purge_bars") {
        auto noBar = run({fold(0, 0, 100, 100, 130)}, walk, "unknown");
        CHECK(app::findFoldProblems(noBar).empty());
        auto textPurge = run({fold(0, 0, 100, 100, 130)}, R"({"purge_bars": "8"})", "4h");
        CHECK(app::findFoldProblems(textPurge).empty());
        auto noPurge = run({fold(0, 0, 100, 100, 130)}, R"({"embargo_bars": 8})", "4h");
        CHECK(app::findFoldProblems(noPurge).empty());
    }
}

TEST_CASE("fold findings: empty windows and a fold count the walk config disagrees with") {
    auto r = run({fold(0, 100, 100, 100, 90), fold(1, 50, 60, 70, 80)}, R"({"folds": 5})");
    auto findings = app::findFoldProblems(r);
    CHECK(kinds(findings) == std::vector<std::string>{"window_empty", "window_empty", "fold_count_mismatch"});
    CHECK(findings[0].message ==
          "fold 0: the train window ends at 2025-04-11T00:00:00Z, the instant it starts");
    CHECK(findings[1].message ==
          "fold 0: the test window ends at 2025-04-01T00:00:00Z, before it starts at 2025-04-11T00:00:00Z");
    CHECK(findings[2].folds.empty());
    CHECK(findings[2].message == "walk config asks for 5 folds, but the run has 2 fold rows");

    // A run not cut yet, and a walk config that says nothing or something else than a number.
    CHECK(app::findFoldProblems(run({}, R"({"folds": 5})")).empty());
    CHECK(app::findFoldProblems(run({fold(0, 0, 10, 10, 20)}, R"({"folds": "5"})")).empty());
    CHECK(app::findFoldProblems(run({fold(0, 0, 10, 10, 20)}, R"({"folds": 1})")).empty());
    CHECK(app::findFoldProblems(run({fold(0, 0, 10, 10, 20)}, "not json")).empty());
}

TEST_CASE("fold findings: kinds in the documented order, each by first fold") {
    auto r = run({fold(2, 0, 100, 100, 150), fold(0, 0, 100, 90, 120), fold(1, 0, 100, 110, 110)},
                 R"({"folds": 4, "purge_bars": 1})");
    auto findings = app::findFoldProblems(r);
    CHECK(kinds(findings) == std::vector<std::string>{"test_overlap", "test_before_train_end",
                                                      "purge_gap_short", "window_empty",
                                                      "fold_count_mismatch"});
    CHECK(findings[0].folds == std::vector<int>{0, 2});
    CHECK(findings[1].folds == std::vector<int>{0});
    CHECK(findings[2].folds == std::vector<int>{2});
    CHECK(findings[3].folds == std::vector<int>{1});
}

TEST_CASE("granularitySeconds and requiredPurgeSeconds") {
    CHECK(app::granularitySeconds("1m") == 60);
    CHECK(app::granularitySeconds("5m") == 300);
    CHECK(app::granularitySeconds("15m") == 900);
    CHECK(app::granularitySeconds("30m") == 1800);
    CHECK(app::granularitySeconds("1h") == 3600);
    CHECK(app::granularitySeconds("4h") == 14400);
    CHECK(app::granularitySeconds("1d") == 86400);
    CHECK(app::granularitySeconds("1w") == 604800);
    CHECK(app::granularitySeconds("30s") == 30);
    for (const char* bad :
         {"", "unknown", "0h", "h", "1", "1M", "1y", "01h", " 1h", "1h ", "-1h", "1.5h", "9999999h"})
        CHECK_MESSAGE(!app::granularitySeconds(bad), bad);
    CHECK(app::requiredPurgeSeconds(R"({"purge_bars": 8})", "4h") == 8.0 * 14400);
    CHECK(app::requiredPurgeSeconds(R"({"purge_bars": 0})", "4h") == 0.0);
    CHECK(!app::requiredPurgeSeconds(R"({"purge_bars": -1})", "4h"));
    CHECK(!app::requiredPurgeSeconds(R"({"purge_bars": 8})", "unknown"));
    CHECK(!app::requiredPurgeSeconds(R"([8])", "4h"));
    CHECK(!app::requiredPurgeSeconds("", "4h"));
}

TEST_CASE("fold metrics: numeric names over all folds, and one fold's value") {
    std::vector<db::FoldRow> folds = {fold(0, 0, 1, 1, 2, R"({"ic": 0.1, "note": "x", "sharpe": 1})"),
                                      fold(1, 0, 1, 1, 2, R"({"ic": "n/a", "hit_rate": 0.5})"),
                                      fold(2, 0, 1, 1, 2, R"([1, 2])")};
    CHECK(app::foldMetricNames(folds) == std::vector<std::string>{"hit_rate", "ic", "sharpe"});
    CHECK(app::foldMetric(folds[0], "ic") == 0.1);
    CHECK(app::foldMetric(folds[0], "sharpe") == 1.0);
    CHECK(!app::foldMetric(folds[0], "note"));
    CHECK(!app::foldMetric(folds[1], "ic"));
    CHECK(!app::foldMetric(folds[2], "ic"));
}

TEST_CASE("fold findings: a finding over hundreds of folds names them all in folds, and a few in words") {
    std::vector<db::FoldRow> folds;
    for (int i = 0; i < 300; ++i) folds.push_back(fold(i, i, i + 30, i + 30, i + 31));
    auto findings = app::findFoldProblems(run(folds, R"({"purge_bars": 8})", "4h"));
    REQUIRE(findings.size() == 1);
    const app::FoldFinding& gap = findings[0];
    CHECK(gap.kind == "purge_gap_short");
    CHECK(gap.folds.size() == 300);
    CHECK(gap.folds.back() == 299);
    INFO(gap.message);
    CHECK(gap.message.rfind("folds 0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 290 more: ", 0) == 0);
    CHECK(gap.message.find("fold 2: 0 s") != std::string::npos);
    CHECK(gap.message.find("fold 3:") == std::string::npos);
    CHECK(gap.message.find("; and 297 more folds alike)") != std::string::npos);
    CHECK(gap.message.size() < 600);

    // Four folds are still spelled out one by one.
    folds.resize(4);
    findings = app::findFoldProblems(run(folds, R"({"purge_bars": 8})", "4h"));
    REQUIRE(findings.size() == 1);
    CHECK(findings[0].message.rfind("folds 0, 1, 2 and 3: ", 0) == 0);
    CHECK(findings[0].message.find("fold 3: 0 s") != std::string::npos);
    CHECK(findings[0].message.find("more") == std::string::npos);
}
