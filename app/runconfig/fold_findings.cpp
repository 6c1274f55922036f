#include "app/runconfig/fold_findings.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <regex>
#include <set>

namespace app {

namespace {

using nlohmann::json;

// Instants are stored with microseconds; a gap that differs by less than half of one is equal.
constexpr double kSameInstant = 5e-7;

json parsedObject(const std::string& text) {
    json value = json::parse(text, nullptr, false);
    return value.is_object() ? value : json::object();
}

// "2025-03-01T12:00:00Z" when the microseconds are zero (most stored instants), else as stored.
std::string shortInstant(const std::string& iso) {
    const std::string zeros = ".000000Z";
    if (iso.size() > zeros.size() && iso.compare(iso.size() - zeros.size(), zeros.size(), zeros) == 0)
        return iso.substr(0, iso.size() - zeros.size()) + "Z";
    return iso;
}

// A duration in the largest unit that divides it exactly ("32 h", "2 d", "0 s"), or in seconds.
std::string duration(double seconds) {
    const double magnitude = std::fabs(seconds);
    char out[48];
    if (magnitude != std::floor(magnitude)) {
        std::snprintf(out, sizeof out, "%.6g s", seconds);
        return out;
    }
    const long long whole = static_cast<long long>(seconds);
    static const std::pair<long long, const char*> units[] = {{86400, "d"}, {3600, "h"}, {60, "min"}};
    for (const auto& [size, name] : units)
        if (whole != 0 && whole % size == 0) return std::to_string(whole / size) + " " + name;
    return std::to_string(whole) + " s";
}

std::string numberText(const json& value) {
    return value.dump();
}

void addTestOverlaps(const db::RunFolds& run, std::vector<FoldFinding>& out) {
    // Only windows that hold time can share it; empty ones are window_empty findings.
    std::vector<const db::FoldRow*> tests;
    for (const auto& f : run.folds)
        if (f.testEndEpoch > f.testStartEpoch) tests.push_back(&f);
    std::sort(tests.begin(), tests.end(), [](const auto* a, const auto* b) {
        return a->testStartEpoch != b->testStartEpoch ? a->testStartEpoch < b->testStartEpoch
                                                      : a->foldIndex < b->foldIndex;
    });
    for (size_t i = 0; i < tests.size(); ++i) {
        for (size_t j = i + 1; j < tests.size(); ++j) {
            const db::FoldRow& a = *tests[i];
            const db::FoldRow& b = *tests[j];
            // Half-open [start, end): a window that starts where another ends does not overlap it.
            if (b.testStartEpoch >= a.testEndEpoch - kSameInstant) break;
            const db::FoldRow& first = a.foldIndex < b.foldIndex ? a : b;
            const db::FoldRow& second = a.foldIndex < b.foldIndex ? b : a;
            const double shared = std::min(a.testEndEpoch, b.testEndEpoch) - b.testStartEpoch;
            out.push_back({"test_overlap",
                           {first.foldIndex, second.foldIndex},
                           "folds " + std::to_string(first.foldIndex) + " and " +
                               std::to_string(second.foldIndex) + ": test windows overlap by " +
                               duration(shared) + " (fold " + std::to_string(first.foldIndex) + " tests " +
                               shortInstant(first.testStart) + " to " + shortInstant(first.testEnd) +
                               ", fold " + std::to_string(second.foldIndex) + " tests " +
                               shortInstant(second.testStart) + " to " + shortInstant(second.testEnd) + ")"});
        }
    }
}

void addTestsBeforeTrainEnd(const db::RunFolds& run, std::vector<FoldFinding>& out) {
    for (const auto& f : run.folds) {
        if (f.testStartEpoch >= f.trainEndEpoch - kSameInstant) continue;
        out.push_back({"test_before_train_end",
                       {f.foldIndex},
                       "fold " + std::to_string(f.foldIndex) + ": test starts at " +
                           shortInstant(f.testStart) + ", " + duration(f.trainEndEpoch - f.testStartEpoch) +
                           " before its train window ends at " + shortInstant(f.trainEnd)});
    }
}

// A message stays readable (and drawable: one wrapped text item) however many folds a finding
// names; FoldFinding::folds keeps them all.
constexpr size_t kFoldsNamed = 10;    // "0, 1, ..., 9 and 290 more"
constexpr size_t kFoldsDetailed = 4;  // gaps spelled out; beyond, the first three and a count

// "0", "0 and 3", "0, 1 and 3", "0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 290 more".
std::string foldList(const std::vector<int>& folds) {
    std::string text;
    const size_t named = folds.size() > kFoldsNamed ? kFoldsNamed : folds.size();
    for (size_t i = 0; i < named; ++i)
        text += (i == 0 ? "" : i + 1 == folds.size() ? " and " : ", ") + std::to_string(folds[i]);
    if (named < folds.size()) text += " and " + std::to_string(folds.size() - named) + " more";
    return text;
}

// One finding for every fold whose gap is short: the same config asks the same of each.
void addShortPurgeGaps(const db::RunFolds& run, std::vector<FoldFinding>& out) {
    const auto required = requiredPurgeSeconds(run.walkConfig, run.granularity);
    if (!required) return;
    std::vector<const db::FoldRow*> shortGaps;
    for (const auto& f : run.folds) {
        const double gap = f.testStartEpoch - f.trainEndEpoch;
        // A test that starts before its train ends is already a test_before_train_end finding.
        if (gap >= -kSameInstant && gap < *required - kSameInstant) shortGaps.push_back(&f);
    }
    if (shortGaps.empty()) return;
    FoldFinding finding{"purge_gap_short", {}, ""};
    std::string details;
    const size_t detailed = shortGaps.size() > kFoldsDetailed ? kFoldsDetailed - 1 : shortGaps.size();
    for (const auto* f : shortGaps) {
        finding.folds.push_back(f->foldIndex);
        if (finding.folds.size() > detailed) continue;
        const std::string gap = duration(f->testStartEpoch - f->trainEndEpoch);
        const std::string instants =
            "train ends " + shortInstant(f->trainEnd) + ", test starts " + shortInstant(f->testStart);
        details += shortGaps.size() == 1 ? "test starts " + gap + " after train ends (" + instants + ")"
                                         : std::string(details.empty() ? "" : "; ") + "fold " +
                                               std::to_string(f->foldIndex) + ": " + gap + ", " + instants;
    }
    if (detailed < shortGaps.size())
        details += "; and " + std::to_string(shortGaps.size() - detailed) + " more folds alike";
    std::sort(finding.folds.begin(), finding.folds.end());
    const std::string purgeBars = numberText(parsedObject(run.walkConfig)["purge_bars"]);
    finding.message = (shortGaps.size() == 1
                           ? "fold " + foldList(finding.folds) + ": " + details
                           : "folds " + foldList(finding.folds) +
                                 ": tests start too soon after their train windows end (" + details + ")") +
                      "; walk config purge_bars " + purgeBars + " at " + run.granularity +
                      " asks for at least " + duration(*required);
    out.push_back(std::move(finding));
}

void addEmptyWindows(const db::RunFolds& run, std::vector<FoldFinding>& out) {
    for (const auto& f : run.folds) {
        auto check = [&](const char* window, const std::string& start, const std::string& end,
                         double startEpoch, double endEpoch) {
            if (endEpoch > startEpoch + kSameInstant) return;
            out.push_back({"window_empty",
                           {f.foldIndex},
                           "fold " + std::to_string(f.foldIndex) + ": the " + window + " window ends at " +
                               shortInstant(end) + ", " +
                               (std::fabs(endEpoch - startEpoch) <= kSameInstant
                                    ? "the instant it starts"
                                    : "before it starts at " + shortInstant(start))});
        };
        check("train", f.trainStart, f.trainEnd, f.trainStartEpoch, f.trainEndEpoch);
        check("test", f.testStart, f.testEnd, f.testStartEpoch, f.testEndEpoch);
    }
}

void addFoldCountMismatch(const db::RunFolds& run, std::vector<FoldFinding>& out) {
    // A run not cut yet (pending, no fold rows) is not a mismatch: its folds are still to come.
    if (run.folds.empty()) return;
    const json folds = parsedObject(run.walkConfig)["folds"];
    if (!folds.is_number()) return;
    if (folds.get<double>() == static_cast<double>(run.folds.size())) return;
    out.push_back({"fold_count_mismatch",
                   {},
                   "walk config asks for " + numberText(folds) + " folds, but the run has " +
                       std::to_string(run.folds.size()) + " fold row" + (run.folds.size() == 1 ? "" : "s")});
}

}  // namespace

std::optional<long long> granularitySeconds(const std::string& granularity) {
    static const std::regex shape("^([1-9][0-9]{0,5})([smhdw])$");
    std::smatch m;
    if (!std::regex_match(granularity, m, shape)) return std::nullopt;
    const long long count = std::stoll(m[1].str());
    switch (m[2].str()[0]) {
        case 's':
            return count;
        case 'm':
            return count * 60;
        case 'h':
            return count * 3600;
        case 'd':
            return count * 86400;
        default:
            return count * 7 * 86400;
    }
}

std::optional<double> requiredPurgeSeconds(const std::string& walkConfigJson,
                                           const std::string& granularity) {
    const auto bar = granularitySeconds(granularity);
    if (!bar) return std::nullopt;
    const json purge = parsedObject(walkConfigJson)["purge_bars"];
    if (!purge.is_number() || purge.get<double>() < 0) return std::nullopt;
    return purge.get<double>() * static_cast<double>(*bar);
}

std::vector<FoldFinding> findFoldProblems(const db::RunFolds& run) {
    std::vector<FoldFinding> findings;
    // Each adds its kind's findings in order of first fold; the kinds come in the header's order.
    auto byFirstFold = [](const FoldFinding& a, const FoldFinding& b) { return a.folds < b.folds; };
    for (auto add : {addTestOverlaps, addTestsBeforeTrainEnd, addShortPurgeGaps, addEmptyWindows,
                     addFoldCountMismatch}) {
        std::vector<FoldFinding> ofKind;
        add(run, ofKind);
        std::stable_sort(ofKind.begin(), ofKind.end(), byFirstFold);
        findings.insert(findings.end(), ofKind.begin(), ofKind.end());
    }
    return findings;
}

std::optional<double> foldMetric(const db::FoldRow& fold, const std::string& name) {
    const json metrics = parsedObject(fold.metrics);
    auto it = metrics.find(name);
    if (it == metrics.end() || !it->is_number()) return std::nullopt;
    return it->get<double>();
}

std::vector<std::string> foldMetricNames(const std::vector<db::FoldRow>& folds) {
    std::set<std::string> names;
    for (const auto& fold : folds) {
        const json metrics = parsedObject(fold.metrics);  // items() must not outlive it
        for (const auto& [name, value] : metrics.items())
            if (value.is_number()) names.insert(name);
    }
    return {names.begin(), names.end()};
}

}  // namespace app
