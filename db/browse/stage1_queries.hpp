// The typed queries both programs use: paging through fn_list_*, loading configs, finding
// identical ones, and the placeholder backfill. Every value is bound; nothing is spliced.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace db {

// Keyset cursor: the last row's (created_at, id). Text form "<created_at>/<uuid>" with created_at
// in UTC ISO 8601 with microseconds, so it is shell-safe and exact.
struct PageCursor {
    std::string createdAt;
    std::string id;
    std::string encode() const;
    static std::optional<PageCursor> decode(const std::string& text);
};

// The largest page one fn_list_* call returns (the functions clamp p_limit to it).
constexpr int kServerPageLimit = 1000;

struct PageRequest {
    int limit = 50;  // any size: more than kServerPageLimit is fetched as consecutive server pages
    std::optional<PageCursor> after;
    std::optional<std::string> search;  // server-side, case-insensitive substring
    std::optional<std::string> status;  // runs and simulations only
};

template <typename Row>
struct Page {
    std::vector<Row> rows;
    std::optional<PageCursor> next;  // set when the page was full (there may be more)
};

struct DatasetRow {
    std::string datasetId, slug, symbol, granularity, source;
    long long rowCount = 0;
    std::optional<std::string> firstBarTs, lastBarTs;
    std::string createdAt;
    long long runCount = 0;
};

struct RunRow {
    std::string runId, datasetId, measurement, status, createdAt;
    long long foldCount = 0, simulationCount = 0;
    bool hasSerializedConfig = false;
};

struct SimulationRow {
    std::string simulationId, runId, namespaceName, status, createdAt;
    bool hasSerializedConfig = false;
};

// A filter is a few words typed by a person: longer text is refused before anything is sent (the
// server would compare it with every row), and so is a NUL byte (PostgreSQL text cannot hold it).
constexpr size_t kMaxFilterBytes = 1024;
std::optional<std::string> pageFilterProblem(const PageRequest& request);  // nullopt when fine

// Each throws Error (SQLSTATE 22023, nothing sent) when pageFilterProblem() has something to say.
Page<DatasetRow> listDatasets(Connection& conn, const PageRequest& request);
Page<RunRow> listRuns(Connection& conn, const std::string& datasetId, const PageRequest& request);
Page<SimulationRow> listSimulations(Connection& conn, const std::string& runId, const PageRequest& request);

// Runs newer than request.after (the tree's upward direction, for a list that starts mid-way),
// returned newest first like every page; at most kServerPageLimit. next is set when the page was
// full and is where to continue upwards (the newest row's keyset).
Page<RunRow> listRunsNewer(Connection& conn, const std::string& datasetId, const PageRequest& request);
// Where a run sits: its dataset, and its own keyset (for runsCursorAbove and listRunsNewer).
struct RunPosition {
    std::string datasetId;
    PageCursor keyset;
};
std::optional<RunPosition> findRunPosition(Connection& conn, const std::string& runId);
// The cursor whose listRuns page starts with `row` itself: the keyset of the nearest newer run that
// passes request's filters, or nullopt when `row` is the newest (the page from the top).
std::optional<PageCursor> runsCursorAbove(Connection& conn, const std::string& datasetId,
                                          const PageCursor& row, const PageRequest& request);

// A dataset named by slug or by UUID; nullopt when there is none.
std::optional<std::string> findDatasetId(Connection& conn, const std::string& slugOrUuid);

// What a run or simulation stores. When serialized_config is NULL, legacyText holds the form
// migration 0003 would write, derived from the JSONB columns on the server.
struct StoredConfig {
    std::optional<std::string> serializedConfig;
    std::string legacyText;
    std::string featureColumns, hyperparameters, walkConfig;  // jsonb text
    std::optional<std::string> simulationParameters;          // jsonb text, simulations only
};
std::optional<StoredConfig> loadRunConfig(Connection& conn, const std::string& runId);
std::optional<StoredConfig> loadSimulationConfig(Connection& conn, const std::string& simulationId);

// Runs (and, with parameters, simulations) whose JSONB content equals the given documents.
// jsonb equality ignores key order and whitespace, so any text form of the same config matches.
struct ConfigMatch {
    std::string kind;  // "run" | "simulation"
    std::string id, runId, datasetSlug, name, createdAt;
};
std::vector<ConfigMatch> findIdenticalConfigs(Connection& conn, const std::string& featureColumnsJson,
                                              const std::string& hyperparametersJson,
                                              const std::string& walkConfigJson,
                                              const std::optional<std::string>& simulationParametersJson,
                                              int limit);

struct PlaceholderResult {
    std::string datasetId;
    bool inserted = false;
    std::string note;
};
// Throws Error (SQLSTATE 22023, nothing sent) for a slug datasetSlugProblem() refuses.
PlaceholderResult upsertPlaceholderDataset(Connection& conn, const std::string& slug,
                                           const std::optional<std::string>& datasetId,
                                           const std::optional<std::string>& symbol);

// The rule fn_upsert_placeholder_dataset enforces, checked before anything is sent.
constexpr const char* kDatasetSlugRule = "^[a-z0-9][a-z0-9_-]{0,62}$";
std::optional<std::string> datasetSlugProblem(const std::string& slug);  // nullopt when valid
bool looksLikeUuid(const std::string& text);

}  // namespace db
