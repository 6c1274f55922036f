#include "db/search/find.hpp"

#include "db/browse/stage1_queries.hpp"

namespace db::search {

namespace {

// One statement, one round trip: each branch is an equality on an indexed column. $1 is the text,
// $2 the same text as a uuid when it is one (NULL otherwise, so the uuid branches find nothing
// instead of failing on a cast).
constexpr const char* kFindSql = R"sql(
SELECT rank, id, matched_by, label, dataset_id, run_id FROM (
    -- rank is the MatchKind: datasets, then runs, then simulations
    SELECT 0 AS rank, d.dataset_id::text AS id, 'dataset_id' AS matched_by,
           d.questdb_tag AS label, d.dataset_id::text AS dataset_id, '' AS run_id
    FROM public.indicator_datasets d WHERE d.dataset_id = $2::uuid
    UNION ALL
    SELECT 0, d.dataset_id::text, 'slug', d.questdb_tag, d.dataset_id::text, ''
    FROM public.indicator_datasets d WHERE d.questdb_tag = $1
    UNION ALL
    SELECT 1, r.run_id::text, 'run_id', r.prediction_measurement, r.dataset_id::text, r.run_id::text
    FROM public.walkforward_runs r WHERE r.run_id = $2::uuid
    UNION ALL
    SELECT 1, r.run_id::text, 'prediction_measurement', r.prediction_measurement, r.dataset_id::text,
           r.run_id::text
    FROM public.walkforward_runs r WHERE r.prediction_measurement = $1
    UNION ALL
    SELECT 2, s.simulation_id::text, 'simulation_id', s.questdb_namespace, r.dataset_id::text,
           s.run_id::text
    FROM public.simulation_runs s JOIN public.walkforward_runs r ON r.run_id = s.run_id
    WHERE s.simulation_id = $2::uuid
    UNION ALL
    SELECT 2, s.simulation_id::text, 'questdb_namespace', s.questdb_namespace, r.dataset_id::text,
           s.run_id::text
    FROM public.simulation_runs s JOIN public.walkforward_runs r ON r.run_id = s.run_id
    WHERE s.questdb_namespace = $1
) m
ORDER BY rank, label, id
LIMIT $3
)sql";

}  // namespace

const char* matchKindName(MatchKind kind) {
    switch (kind) {
        case MatchKind::Dataset:
            return "dataset";
        case MatchKind::Run:
            return "run";
        case MatchKind::Simulation:
            break;
    }
    return "simulation";
}

std::optional<std::string> findTextProblem(const std::string& text) {
    if (text.size() > kMaxFilterBytes)
        return "the text to find is " + std::to_string(text.size()) +
               " bytes long; no id or name is longer than " + std::to_string(kMaxFilterBytes);
    if (text.find('\0') != std::string::npos)
        return std::string("the text to find contains a NUL byte (0x00), which no id or name holds");
    return std::nullopt;
}

std::vector<FindMatch> findExact(Connection& conn, const std::string& text, int limit) {
    std::vector<FindMatch> matches;
    if (text.empty()) return matches;
    if (auto problem = findTextProblem(text))
        throw Error(DbError{"22023", *problem + "; nothing was sent", "", ""});
    const Param asUuid = looksLikeUuid(text) ? Param(text) : std::nullopt;
    Result r = conn.query(kFindSql, {text, asUuid, std::to_string(limit)});
    for (int i = 0; i < r.rows(); ++i)
        matches.push_back({static_cast<MatchKind>(r.integer(i, 0)), std::string(r.text(i, 1)),
                           std::string(r.text(i, 2)), std::string(r.text(i, 3)), std::string(r.text(i, 4)),
                           std::string(r.text(i, 5))});
    return matches;
}

}  // namespace db::search
