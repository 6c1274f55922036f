#include "app/questdb/fold_coverage.hpp"

#include <cmath>

namespace app {

FoldCoverage foldCoverage(const std::optional<TimeRange>& range, const std::vector<db::FoldRow>& folds,
                          double toleranceSeconds) {
    FoldCoverage coverage;
    coverage.foldCount = static_cast<int>(folds.size());
    for (const db::FoldRow& fold : folds) {
        UncoveredFold u;
        u.foldIndex = fold.foldIndex;
        if (!range) {
            coverage.uncovered.push_back(u);
            continue;
        }
        const bool startsBefore = fold.testStartEpoch < range->first;
        const bool endsAfter = fold.testEndEpoch > range->last + toleranceSeconds;
        if (!startsBefore && !endsAfter) continue;
        u.missingBeforeSeconds = startsBefore ? range->first - fold.testStartEpoch : 0;
        u.missingAfterSeconds = endsAfter ? fold.testEndEpoch - range->last : 0;
        const bool outside = fold.testEndEpoch < range->first || fold.testStartEpoch > range->last;
        u.how = outside                     ? UncoveredFold::How::Outside
                : startsBefore && endsAfter ? UncoveredFold::How::Both
                : startsBefore              ? UncoveredFold::How::StartsBeforeData
                                            : UncoveredFold::How::EndsAfterData;
        coverage.uncovered.push_back(u);
    }
    return coverage;
}

std::string describeSpan(double seconds) {
    struct Unit {
        const char* name;
        long long seconds;
    };
    static const Unit units[] = {{"d", 86400}, {"h", 3600}, {"min", 60}, {"s", 1}};
    long long left = std::llround(std::fabs(seconds));
    if (left == 0) return "0 s";
    std::string out;
    int parts = 0;
    for (const Unit& u : units) {
        if (left < u.seconds || parts == 2) continue;
        out += (out.empty() ? "" : " ") + std::to_string(left / u.seconds) + " " + u.name;
        left %= u.seconds;
        ++parts;
    }
    return out;
}

std::string describeUncovered(const UncoveredFold& fold) {
    switch (fold.how) {
        case UncoveredFold::How::NoData:
            return "no rows with a timestamp to compare";
        case UncoveredFold::How::Outside:
            return fold.missingBeforeSeconds > 0 ? "the whole window is before the first row"
                                                 : "the whole window is after the last row";
        case UncoveredFold::How::StartsBeforeData:
            return "starts " + describeSpan(fold.missingBeforeSeconds) + " before the first row";
        case UncoveredFold::How::EndsAfterData:
            return "ends " + describeSpan(fold.missingAfterSeconds) + " after the last row";
        case UncoveredFold::How::Both:
            return "starts " + describeSpan(fold.missingBeforeSeconds) + " before the first row and ends " +
                   describeSpan(fold.missingAfterSeconds) + " after the last";
    }
    return "";
}

}  // namespace app
