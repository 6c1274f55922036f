#include "app/runconfig/fold_timeline.hpp"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace app {

namespace {

constexpr double kDay = 86400.0;
constexpr float kPixelsPerTick = 80.0f;  // a label "2025-03-14" is about 70 px wide

// A tick step: fixed seconds, or whole calendar months (months are not all the same length).
struct TickStep {
    double seconds;
    int months;
    const char* format;
    double approxSeconds() const { return months > 0 ? months * 30.44 * kDay : seconds; }
};

const TickStep kSteps[] = {
    {3600, 0, "%m-%d %H:%M"},
    {6 * 3600, 0, "%m-%d %H:%M"},
    {kDay, 0, "%Y-%m-%d"},
    {7 * kDay, 0, "%Y-%m-%d"},
    {0, 1, "%Y-%m"},
    {0, 3, "%Y-%m"},
    {0, 6, "%Y-%m"},
    {0, 12, "%Y"},
    {0, 24, "%Y"},
    {0, 60, "%Y"},
    {0, 120, "%Y"},
};

std::string formatUtc(double epoch, const char* format) {
    const std::time_t t = static_cast<std::time_t>(std::floor(epoch));
    std::tm tm{};
    gmtime_r(&t, &tm);
    char text[32];
    std::strftime(text, sizeof text, format, &tm);
    return text;
}

// The first calendar month boundary at or after `epoch` whose month number is a multiple of `months`.
double firstMonthTick(double epoch, int months, int& monthNumber) {
    const std::time_t t = static_cast<std::time_t>(std::floor(epoch));
    std::tm tm{};
    gmtime_r(&t, &tm);
    monthNumber = (tm.tm_year + 1900) * 12 + tm.tm_mon;
    const bool onBoundary = tm.tm_mday == 1 && tm.tm_hour == 0 && tm.tm_min == 0 && tm.tm_sec == 0;
    if (!onBoundary || monthNumber % months != 0) monthNumber = (monthNumber / months + 1) * months;
    std::tm first{};
    first.tm_year = monthNumber / 12 - 1900;
    first.tm_mon = monthNumber % 12;
    first.tm_mday = 1;
    return static_cast<double>(timegm(&first));
}

double monthStart(int monthNumber) {
    std::tm tm{};
    tm.tm_year = monthNumber / 12 - 1900;
    tm.tm_mon = monthNumber % 12;
    tm.tm_mday = 1;
    return static_cast<double>(timegm(&tm));
}

std::vector<AxisTick> axisTicks(const TimelineLayout& layout, float width) {
    const double span = layout.endEpoch - layout.startEpoch;
    const int maxTicks = std::max(2, static_cast<int>(width / kPixelsPerTick));
    const TickStep* step = &kSteps[std::size(kSteps) - 1];
    for (const TickStep& candidate : kSteps)
        if (span / candidate.approxSeconds() <= maxTicks) {
            step = &candidate;
            break;
        }
    std::vector<AxisTick> ticks;
    if (step->months > 0) {
        int month = 0;
        for (double t = firstMonthTick(layout.startEpoch, step->months, month); t <= layout.endEpoch;
             month += step->months, t = monthStart(month))
            ticks.push_back({layout.xOf(t, width), formatUtc(t, step->format)});
    } else {
        for (double t = std::ceil(layout.startEpoch / step->seconds) * step->seconds; t <= layout.endEpoch;
             t += step->seconds)
            ticks.push_back({layout.xOf(t, width), formatUtc(t, step->format)});
    }
    return ticks;
}

Span spanOf(const TimelineLayout& layout, double from, double to, const TimelineMetrics& metrics) {
    Span s{layout.xOf(from, metrics.width), layout.xOf(to, metrics.width)};
    if (s.x1 < s.x0 + metrics.minSpanWidth) s.x1 = s.x0 + metrics.minSpanWidth;
    return s;
}

}  // namespace

float TimelineLayout::xOf(double epoch, float width) const {
    const double span = endEpoch - startEpoch;
    if (span <= 0) return 0;
    const double x = (epoch - startEpoch) / span * width;
    return static_cast<float>(std::clamp(x, 0.0, static_cast<double>(width)));
}

std::set<int> foldsNamedBy(const std::vector<FoldFinding>& findings) {
    std::set<int> named;
    for (const FoldFinding& finding : findings) named.insert(finding.folds.begin(), finding.folds.end());
    return named;
}

TimelineLayout layoutFoldTimeline(const std::vector<db::FoldRow>& folds, const std::set<int>& flaggedFolds,
                                  const std::set<int>& uncoveredFolds, const TimelineMetrics& metrics) {
    TimelineLayout layout;
    if (folds.empty()) return layout;
    layout.startEpoch = folds.front().trainStartEpoch;
    layout.endEpoch = folds.front().testEndEpoch;
    for (const db::FoldRow& f : folds) {
        layout.startEpoch = std::min(
            {layout.startEpoch, f.trainStartEpoch, f.trainEndEpoch, f.testStartEpoch, f.testEndEpoch});
        layout.endEpoch =
            std::max({layout.endEpoch, f.trainStartEpoch, f.trainEndEpoch, f.testStartEpoch, f.testEndEpoch});
    }
    if (layout.endEpoch <= layout.startEpoch) layout.endEpoch = layout.startEpoch + kDay;
    const float count = static_cast<float>(folds.size());
    float laneHeight = metrics.laneHeight, laneGap = metrics.laneGap;
    const float natural = count * (laneHeight + laneGap) - laneGap;
    if (metrics.maxHeight > 0 && natural > metrics.maxHeight) {
        const float scale = metrics.maxHeight / natural;
        laneHeight = std::max(metrics.minLaneHeight, laneHeight * scale);
        laneGap *= scale;
    }
    const float pitch = laneHeight + laneGap;
    const size_t labelEvery = pitch > 0 && metrics.labelHeight > pitch
                                  ? static_cast<size_t>(std::ceil(metrics.labelHeight / pitch))
                                  : 1;
    for (size_t i = 0; i < folds.size(); ++i) {
        const db::FoldRow& f = folds[i];
        TimelineLane lane;
        lane.foldIndex = f.foldIndex;
        lane.y0 = static_cast<float>(i) * pitch;
        lane.y1 = lane.y0 + laneHeight;
        lane.labeled = i % labelEvery == 0;
        lane.train = spanOf(layout, f.trainStartEpoch, f.trainEndEpoch, metrics);
        lane.test = spanOf(layout, f.testStartEpoch, f.testEndEpoch, metrics);
        lane.flagged = flaggedFolds.count(f.foldIndex) > 0;
        lane.uncovered = uncoveredFolds.count(f.foldIndex) > 0;
        layout.lanes.push_back(lane);
    }
    layout.height = count * pitch - laneGap;
    layout.laneGap = laneGap;
    layout.ticks = axisTicks(layout, metrics.width);
    return layout;
}

MetricChart layoutMetricChart(const std::vector<db::FoldRow>& folds, const std::string& metric, float width,
                              float height) {
    MetricChart chart;
    double sum = 0;
    int count = 0;
    for (const db::FoldRow& f : folds) {
        MetricBar bar;
        bar.foldIndex = f.foldIndex;
        bar.value = foldMetric(f, metric);
        if (bar.value) {
            chart.low = std::min(chart.low, *bar.value);
            chart.high = std::max(chart.high, *bar.value);
            sum += *bar.value;
            ++count;
        }
        chart.bars.push_back(bar);
    }
    if (chart.high <= chart.low) chart.high = chart.low + 1;  // every value 0 (or none)
    const double range = chart.high - chart.low;
    auto yOf = [&](double v) { return static_cast<float>((chart.high - v) / range * height); };
    chart.zeroY = yOf(0);
    const float slot = chart.bars.empty() ? 0 : width / static_cast<float>(chart.bars.size());
    for (size_t i = 0; i < chart.bars.size(); ++i) {
        MetricBar& bar = chart.bars[i];
        bar.x0 = slot * static_cast<float>(i) + slot * 0.15f;
        bar.x1 = slot * static_cast<float>(i + 1) - slot * 0.15f;
        if (!bar.value) continue;
        bar.y0 = yOf(std::max(*bar.value, 0.0));
        bar.y1 = yOf(std::min(*bar.value, 0.0));
    }
    if (count > 0) {
        chart.mean = sum / count;
        chart.meanY = yOf(*chart.mean);
    }
    return chart;
}

}  // namespace app
