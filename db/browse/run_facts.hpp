// What Compare and the Folds section read about runs: one round trip for up to kMaxCompareRuns runs
// (identity, configs, fold count, the mean of every numeric fold metric), and one for a run's folds
// with what judging them needs (walk config, the dataset's granularity). Every value is bound.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace db {

constexpr size_t kMaxCompareRuns = 12;

// One run as Compare sees it.
struct RunFacts {
    std::string runId, datasetId, datasetSlug, granularity, measurement, status;
    std::string createdAt;  // UTC ISO 8601, "2026-01-01T00:00:00.000000Z" (the cursor's form)
    long long foldCount = 0, simulationCount = 0;
    // jsonb text, as the server prints it (always valid JSON)
    std::string featureColumns, hyperparameters, walkConfig;
    // Mean over the run's folds of each metric that is a JSON number in at least one fold (folds
    // where it is absent or not a number are left out): the same mean the query language's fold.<key>
    // compares. Ordered by name.
    std::map<std::string, double> metricMeans;
};

struct RunFactsResult {
    std::vector<RunFacts> runs;         // in the order asked, duplicates once (first place)
    std::vector<std::string> unknown;   // ids asked for that name no run (or are not UUIDs), in order
};
// Ids that are not UUIDs are reported as unknown without being sent. More than kMaxCompareRuns
// distinct ids: Error 22023, nothing sent.
RunFactsResult loadRunFacts(Connection& conn, const std::vector<std::string>& runIds);

struct FoldRow {
    int foldIndex = 0;
    // UTC ISO 8601 with microseconds (as RunFacts::createdAt) and the same instants as seconds since
    // the epoch (fractional), for drawing and arithmetic.
    std::string trainStart, trainEnd, testStart, testEnd;
    double trainStartEpoch = 0, trainEndEpoch = 0, testStartEpoch = 0, testEndEpoch = 0;
    std::string metrics;  // jsonb text (an object in every row the app writes; shown as is if not)
};

struct RunFolds {
    std::string runId, datasetSlug, granularity, measurement;
    std::string walkConfig;      // jsonb text
    std::vector<FoldRow> folds;  // by fold_index
};
// nullopt when no run has this id (or it is not a UUID: nothing sent).
std::optional<RunFolds> loadRunFolds(Connection& conn, const std::string& runId);

}  // namespace db
