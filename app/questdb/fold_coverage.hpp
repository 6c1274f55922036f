// Does a run's QuestDB table cover every fold's test window? Pure: the table's first and last
// timestamp against each fold's [test_start, test_end], so the window, the CLI and tests share it.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/browse/run_facts.hpp"

namespace app {

struct TimeRange {
    double first = 0, last = 0;  // seconds since the epoch, first <= last
};

struct UncoveredFold {
    enum class How {
        NoData,            // the table has no rows (or no timestamps to compare)
        Outside,           // the whole window lies before the first row or after the last
        StartsBeforeData,  // test_start is before the first row
        EndsAfterData,     // test_end is after the last row
        Both,              // the window begins before the first row and ends after the last
    };
    int foldIndex = 0;
    How how = How::NoData;
    double missingBeforeSeconds = 0;  // test_start .. first, when the window starts before the data
    double missingAfterSeconds = 0;   // last .. test_end, when it ends after the data
};

struct FoldCoverage {
    int foldCount = 0;
    std::vector<UncoveredFold> uncovered;  // by fold order
    bool allCovered() const { return uncovered.empty(); }
};

// `range` nullopt: the table has no timestamps (every fold is uncovered, NoData). A window is
// covered when first <= test_start and test_end <= last + toleranceSeconds (test_end may be an
// exclusive bound: the last row then sits one bar before it, which the caller's tolerance allows).
FoldCoverage foldCoverage(const std::optional<TimeRange>& range, const std::vector<db::FoldRow>& folds,
                          double toleranceSeconds = 0);

// "starts 2 d before the first row", "ends 4 h after the last row", "no rows", ...
std::string describeUncovered(const UncoveredFold& fold);
// "3 d 4 h", "12 min", "45 s" (the two largest units).
std::string describeSpan(double seconds);

}  // namespace app
