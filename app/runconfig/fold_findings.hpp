// What is wrong with how a run's folds were cut, in words: test windows that overlap, a test window
// that starts before its train window ends, a purge gap shorter than the walk config asks for, and
// a few more. Pure (no server): tested through data.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/browse/run_facts.hpp"

namespace app {

struct FoldFinding {
    // test_overlap          two folds' test windows share time (folds: the pair)
    // test_before_train_end a fold's test starts before its train ends (folds: that fold)
    // purge_gap_short       test_start - train_end < purge_bars × bar length, one finding for the run
    //                       (folds: every such fold; a test that starts before its train ends is a
    //                       test_before_train_end finding instead)
    // window_empty          a train or test window ends at or before it starts (folds: that fold; one
    //                       finding per window)
    // fold_count_mismatch   walk config's "folds" (a number) differs from the number of fold rows, for
    //                       a run that has any (a pending run without folds is not cut yet) (folds: none)
    std::string kind;
    std::vector<int> folds;  // fold_index values, ascending
    std::string message;     // one sentence with the instants and numbers involved
};

// Seconds in one bar of a dataset granularity: "1m" "5m" "15m" "30m" "1h" "4h" "1d" "1w" and any
// <n><s|m|h|d|w>; nullopt for anything else (then no purge check).
std::optional<long long> granularitySeconds(const std::string& granularity);

// The gap the walk config asks for between train_end and test_start, in seconds: purge_bars (a
// JSON number ≥ 0) × granularitySeconds; nullopt when either is unknown. embargo_bars is not part
// of it: an embargo drops training data *after* a test window, which a walk-forward train window
// (always before its test) never holds.
std::optional<double> requiredPurgeSeconds(const std::string& walkConfigJson, const std::string& granularity);

// Findings in a stable order: by kind as listed above, then by first fold.
std::vector<FoldFinding> findFoldProblems(const db::RunFolds& run);

// The fold's metrics (its jsonb object) as name → number, non-numbers left out; and the names of
// every numeric metric over all folds, sorted (the table's metric columns, the chart's choices).
std::vector<std::string> foldMetricNames(const std::vector<db::FoldRow>& folds);
std::optional<double> foldMetric(const db::FoldRow& fold, const std::string& name);

}  // namespace app
