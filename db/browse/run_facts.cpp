#include "db/browse/run_facts.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <set>

#include "db/browse/stage1_queries.hpp"

namespace db {

namespace {

std::string isoUtc(const char* column) {
    return std::string("to_char(") + column + " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
}

std::string lowered(std::string text) {
    std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
    return text;
}

// The mean is the query language's fold.<key> (db/search/run_query_sql.cpp): numbers only, folds
// without the key left out. A metrics value that is not an object counts as having no metrics, so
// jsonb_each never sees (and fails on) an array or a scalar.
constexpr const char* kMetricMeans =
    "(SELECT coalesce(jsonb_object_agg(m.key, m.mean), '{}')::text FROM ("
    "  SELECT e.key, avg((e.value)::numeric) AS mean FROM walkforward_folds f"
    "  CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(f.metrics) = 'object' THEN f.metrics"
    "                                     ELSE '{}'::jsonb END) e"
    "  WHERE f.run_id = r.run_id AND jsonb_typeof(e.value) = 'number' GROUP BY e.key) m)";

std::map<std::string, double> meansFrom(std::string_view jsonText) {
    std::map<std::string, double> means;
    const auto object = nlohmann::json::parse(jsonText, nullptr, false);
    if (!object.is_object()) return means;
    for (const auto& [name, value] : object.items())
        if (value.is_number()) means[name] = value.get<double>();
    return means;
}

double epochFrom(std::string_view text) {
    return std::strtod(std::string(text).c_str(), nullptr);
}

}  // namespace

RunFactsResult loadRunFacts(Connection& conn, const std::vector<std::string>& runIds) {
    // Distinct ids in the order first asked; a UUID's letters may come in either case.
    std::vector<std::string> asked;
    std::set<std::string> seen;
    for (const auto& id : runIds)
        if (seen.insert(lowered(id)).second) asked.push_back(id);
    if (asked.size() > kMaxCompareRuns)
        throw Error(DbError{"22023",
                            std::to_string(asked.size()) + " distinct runs asked for; at most " +
                                std::to_string(kMaxCompareRuns) + " can be compared; nothing sent",
                            "", "Compare fewer runs at a time."});

    std::string array;  // a bound uuid[] literal; every element was checked to be a UUID
    for (const auto& id : asked)
        if (looksLikeUuid(id)) array += (array.empty() ? "" : ",") + id;

    RunFactsResult result;
    std::map<std::string, RunFacts> found;  // by lower-case id
    if (!array.empty()) {
        Result r =
            conn.query(std::string("SELECT r.run_id, r.dataset_id, d.questdb_tag, d.granularity, "
                                   "r.prediction_measurement, r.status, ") +
                           isoUtc("r.created_at") +
                           ", (SELECT count(*) FROM walkforward_folds f WHERE f.run_id = r.run_id), "
                           "(SELECT count(*) FROM simulation_runs s WHERE s.run_id = r.run_id), "
                           "r.feature_columns::text, r.hyperparameters::text, r.walk_config::text, " +
                           kMetricMeans +
                           " FROM unnest($1::uuid[]) WITH ORDINALITY AS asked(run_id, place)"
                           " JOIN walkforward_runs r ON r.run_id = asked.run_id"
                           " JOIN indicator_datasets d ON d.dataset_id = r.dataset_id ORDER BY asked.place",
                       {"{" + array + "}"});
        for (int i = 0; i < r.rows(); ++i) {
            RunFacts facts;
            facts.runId = std::string(r.text(i, 0));
            facts.datasetId = std::string(r.text(i, 1));
            facts.datasetSlug = std::string(r.text(i, 2));
            facts.granularity = std::string(r.text(i, 3));
            facts.measurement = std::string(r.text(i, 4));
            facts.status = std::string(r.text(i, 5));
            facts.createdAt = std::string(r.text(i, 6));
            facts.foldCount = r.integer(i, 7);
            facts.simulationCount = r.integer(i, 8);
            facts.featureColumns = std::string(r.text(i, 9));
            facts.hyperparameters = std::string(r.text(i, 10));
            facts.walkConfig = std::string(r.text(i, 11));
            facts.metricMeans = meansFrom(r.text(i, 12));
            found.emplace(facts.runId, std::move(facts));
        }
    }
    for (const auto& id : asked) {
        auto hit = found.find(lowered(id));
        if (hit == found.end())
            result.unknown.push_back(id);
        else
            result.runs.push_back(hit->second);
    }
    return result;
}

std::optional<RunFolds> loadRunFolds(Connection& conn, const std::string& runId) {
    if (!looksLikeUuid(runId)) return std::nullopt;
    // One row per fold; a run without folds still gives one row (the LEFT JOIN's NULLs) with its own
    // columns.
    Result r = conn.query(
        std::string("SELECT r.run_id, d.questdb_tag, d.granularity, r.prediction_measurement, "
                    "r.walk_config::text, f.fold_index, ") +
            isoUtc("f.train_start") + ", " + isoUtc("f.train_end") + ", " + isoUtc("f.test_start") + ", " +
            isoUtc("f.test_end") +
            ", extract(epoch FROM f.train_start)::float8, extract(epoch FROM f.train_end)::float8, "
            "extract(epoch FROM f.test_start)::float8, extract(epoch FROM f.test_end)::float8, "
            "f.metrics::text "
            "FROM walkforward_runs r JOIN indicator_datasets d ON d.dataset_id = r.dataset_id "
            "LEFT JOIN walkforward_folds f ON f.run_id = r.run_id "
            "WHERE r.run_id = $1::uuid ORDER BY f.fold_index",
        {runId});
    if (r.rows() == 0) return std::nullopt;
    RunFolds run;
    run.runId = std::string(r.text(0, 0));
    run.datasetSlug = std::string(r.text(0, 1));
    run.granularity = std::string(r.text(0, 2));
    run.measurement = std::string(r.text(0, 3));
    run.walkConfig = std::string(r.text(0, 4));
    for (int i = 0; i < r.rows(); ++i) {
        if (r.isNull(i, 5)) continue;  // the run has no folds
        FoldRow fold;
        fold.foldIndex = static_cast<int>(r.integer(i, 5));
        fold.trainStart = std::string(r.text(i, 6));
        fold.trainEnd = std::string(r.text(i, 7));
        fold.testStart = std::string(r.text(i, 8));
        fold.testEnd = std::string(r.text(i, 9));
        fold.trainStartEpoch = epochFrom(r.text(i, 10));
        fold.trainEndEpoch = epochFrom(r.text(i, 11));
        fold.testStartEpoch = epochFrom(r.text(i, 12));
        fold.testEndEpoch = epochFrom(r.text(i, 13));
        fold.metrics = std::string(r.text(i, 14));
        run.folds.push_back(std::move(fold));
    }
    return run;
}

}  // namespace db
