// The geometry of the Folds section's two pictures, with no ImGui: the timeline (one lane per fold,
// train and test spans on a shared date axis) and the bar chart of one metric per fold with its mean.
// ui/folds_section.cpp only draws these rectangles, so the pictures are tested through this.
#pragma once

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "app/runconfig/fold_findings.hpp"
#include "db/browse/run_facts.hpp"

namespace app {

struct Span {
    float x0 = 0, x1 = 0;  // x1 >= x0 + minimum width, so a zero-length window still shows
};

struct TimelineLane {
    int foldIndex = 0;
    float y0 = 0, y1 = 0;
    Span train, test;
    bool flagged = false;    // a finding names this fold
    bool uncovered = false;  // its test window is not covered by the QuestDB series
    bool labeled = true;     // draw its "f<index>": false where lanes are thinner than a label
};

struct AxisTick {
    float x = 0;
    std::string label;  // "2025-03", "2025-03-14" or "2025" depending on the span shown
};

struct TimelineLayout {
    double startEpoch = 0, endEpoch = 0;  // what the width shows
    std::vector<TimelineLane> lanes;      // in fold order, top to bottom
    std::vector<AxisTick> ticks;          // ascending x, all within [0, width]
    float height = 0;                     // lanes only; the axis labels go below
    float laneGap = 0;                    // as laid out (thinner than asked when many folds must fit)
    // x of an instant (clamped to the width)
    float xOf(double epoch, float width) const;
};

struct TimelineMetrics {
    float width = 600, laneHeight = 14, laneGap = 4;
    float minSpanWidth = 2;
    // Above this many pixels of lanes (0: no limit), lanes and gaps shrink together so that a run of
    // hundreds of folds stays one picture, down to minLaneHeight each (then it grows past it).
    float maxHeight = 0, minLaneHeight = 2;
    float labelHeight = 0;  // a lane label's height: thinner lanes label every k-th lane only
};

// Spans start at x = 0; the caller adds its origin. flaggedFolds/uncoveredFolds: fold indexes.
TimelineLayout layoutFoldTimeline(const std::vector<db::FoldRow>& folds, const std::set<int>& flaggedFolds,
                                  const std::set<int>& uncoveredFolds, const TimelineMetrics& metrics);
std::set<int> foldsNamedBy(const std::vector<FoldFinding>& findings);

struct MetricBar {
    int foldIndex = 0;
    std::optional<double> value;           // absent: the fold has no such number (no bar)
    float x0 = 0, x1 = 0, y0 = 0, y1 = 0;  // y0 < y1, y grows downwards
};

struct MetricChart {
    std::vector<MetricBar> bars;
    float zeroY = 0;             // the baseline (0 within the range, else the nearer edge)
    std::optional<float> meanY;  // the mean line, when any fold has the metric
    std::optional<double> mean;
    double low = 0, high = 0;  // the value range shown (includes 0)
};

MetricChart layoutMetricChart(const std::vector<db::FoldRow>& folds, const std::string& metric, float width,
                              float height);

}  // namespace app
