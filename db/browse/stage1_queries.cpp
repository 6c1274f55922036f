#include "db/browse/stage1_queries.hpp"

#include <algorithm>
#include <regex>

namespace db {

namespace {

// UTC, microseconds: exact, and free of spaces so a cursor survives a shell.
constexpr const char* kIsoCreatedAt =
    "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";

std::optional<std::string> filterProblem(const char* name, const std::optional<std::string>& value) {
    if (!value) return std::nullopt;
    if (value->size() > kMaxFilterBytes)
        return std::string("the ") + name + " filter is " + std::to_string(value->size()) +
               " bytes long; at most " + std::to_string(kMaxFilterBytes) + " are allowed";
    if (value->find('\0') != std::string::npos)
        return std::string("the ") + name +
               " filter contains a NUL byte (0x00), which PostgreSQL text cannot hold";
    return std::nullopt;
}

Params pageParams(const PageRequest& request) {
    if (auto problem = pageFilterProblem(request))
        throw Error(DbError{"22023", *problem + "; nothing was sent", "", "Shorten or correct the filter."});
    return {std::to_string(std::min(request.limit, kServerPageLimit)),
            request.after ? Param(request.after->createdAt) : Param(),
            request.after ? Param(request.after->id) : Param(),
            request.search ? Param(*request.search) : Param()};
}

template <typename Row>
void finishPage(Page<Row>& page, const PageRequest& request, const std::string& lastCreatedAt,
                const std::string& lastId) {
    if (static_cast<int>(page.rows.size()) >= request.limit && !page.rows.empty())
        page.next = PageCursor{lastCreatedAt, lastId};
}

std::optional<std::string> optionalColumn(const Result& r, int row, int column) {
    return r.optionalText(row, column);
}

// A page larger than the server's limit as consecutive server pages, each one statement (a cancel
// ends the one running). `onePage` fetches at most kServerPageLimit rows for the request it gets.
template <typename Row, typename OnePage>
Page<Row> collectPages(const PageRequest& request, OnePage onePage) {
    Page<Row> all;
    PageRequest part = request;
    for (;;) {
        part.limit = std::min(request.limit - static_cast<int>(all.rows.size()), kServerPageLimit);
        Page<Row> page = onePage(part);  // its next is set only when it was full
        for (Row& row : page.rows) all.rows.push_back(std::move(row));
        all.next = page.next;
        if (!page.next || static_cast<int>(all.rows.size()) >= request.limit) return all;
        part.after = page.next;
    }
}

RunRow runRowAt(const Result& r, int i) {
    return RunRow{std::string(r.text(i, 0)), std::string(r.text(i, 1)),
                  std::string(r.text(i, 2)), std::string(r.text(i, 3)),
                  std::string(r.text(i, 4)), r.integer(i, 5),
                  r.integer(i, 6),           r.boolean(i, 7)};
}

Params runParams(const std::string& datasetId, const PageRequest& request) {
    Params params = pageParams(request);
    params.insert(params.begin(), datasetId);
    params.push_back(request.status ? Param(*request.status) : Param());
    return params;
}

// The columns of fn_list_runs and fn_list_runs_newer, in runRowAt's order.
std::string runColumns() {
    return std::string("SELECT run_id, dataset_id, prediction_measurement, status, ") + kIsoCreatedAt +
           ", fold_count, simulation_count, has_serialized_config ";
}

}  // namespace

std::string PageCursor::encode() const {
    return createdAt + "/" + id;
}

std::optional<PageCursor> PageCursor::decode(const std::string& text) {
    static const std::regex shape(
        R"(^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z)/([0-9a-fA-F-]{36})$)");
    std::smatch m;
    if (!std::regex_match(text, m, shape) || !looksLikeUuid(m[3].str())) return std::nullopt;
    return PageCursor{m[1].str(), m[3].str()};
}

std::optional<std::string> pageFilterProblem(const PageRequest& request) {
    if (auto problem = filterProblem("search", request.search)) return problem;
    return filterProblem("status", request.status);
}

bool looksLikeUuid(const std::string& text) {
    static const std::regex shape(
        "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$");
    return std::regex_match(text, shape);
}

std::optional<std::string> datasetSlugProblem(const std::string& slug) {
    static const std::regex rule(kDatasetSlugRule);
    if (std::regex_match(slug, rule)) return std::nullopt;
    // Quoted back as printable text: a NUL or a line break would cut or split the message.
    std::string shown;
    for (unsigned char c : slug.substr(0, 80)) {
        static const char* hex = "0123456789abcdef";
        if (c < 0x20 || c == 0x7f)
            shown += std::string("\\x") + hex[c >> 4] + hex[c & 15];
        else
            shown += static_cast<char>(c);
    }
    if (slug.size() > 80) shown += "... (" + std::to_string(slug.size()) + " bytes)";
    return "invalid dataset slug '" + shown + "': it must match " + kDatasetSlugRule +
           " (1 to 63 characters: lower-case letters, digits, '_' and '-', starting with a letter or digit, "
           "e.g. btc_2025_4h)";
}

Page<DatasetRow> listDatasets(Connection& conn, const PageRequest& request) {
    if (request.limit > kServerPageLimit)
        return collectPages<DatasetRow>(request,
                                        [&](const PageRequest& part) { return listDatasets(conn, part); });
    Result r =
        conn.query(std::string("SELECT dataset_id, dataset_slug, symbol, granularity, source, row_count, "
                               "first_bar_ts, last_bar_ts, ") +
                       kIsoCreatedAt + ", run_count FROM fn_list_datasets($1, $2, $3, $4)",
                   pageParams(request));
    Page<DatasetRow> page;
    for (int i = 0; i < r.rows(); ++i) {
        DatasetRow row;
        row.datasetId = std::string(r.text(i, 0));
        row.slug = std::string(r.text(i, 1));
        row.symbol = std::string(r.text(i, 2));
        row.granularity = std::string(r.text(i, 3));
        row.source = std::string(r.text(i, 4));
        row.rowCount = r.integer(i, 5);
        row.firstBarTs = optionalColumn(r, i, 6);
        row.lastBarTs = optionalColumn(r, i, 7);
        row.createdAt = std::string(r.text(i, 8));
        row.runCount = r.integer(i, 9);
        page.rows.push_back(std::move(row));
    }
    if (!page.rows.empty()) finishPage(page, request, page.rows.back().createdAt, page.rows.back().datasetId);
    return page;
}

Page<RunRow> listRuns(Connection& conn, const std::string& datasetId, const PageRequest& request) {
    if (request.limit > kServerPageLimit)
        return collectPages<RunRow>(request,
                                    [&](const PageRequest& part) { return listRuns(conn, datasetId, part); });
    Result r =
        conn.query(runColumns() + "FROM fn_list_runs($1, $2, $3, $4, $5, $6)", runParams(datasetId, request));
    Page<RunRow> page;
    for (int i = 0; i < r.rows(); ++i) page.rows.push_back(runRowAt(r, i));
    if (!page.rows.empty()) finishPage(page, request, page.rows.back().createdAt, page.rows.back().runId);
    return page;
}

Page<RunRow> listRunsNewer(Connection& conn, const std::string& datasetId, const PageRequest& request) {
    PageRequest one = request;
    one.limit = std::min(request.limit, kServerPageLimit);
    // The function returns the nearest first (ascending); the tree wants newest first.
    Result r = conn.query(runColumns() + "FROM fn_list_runs_newer($1, $2, $3, $4, $5, $6)",
                          runParams(datasetId, one));
    Page<RunRow> page;
    for (int i = r.rows() - 1; i >= 0; --i) page.rows.push_back(runRowAt(r, i));
    if (!page.rows.empty()) finishPage(page, one, page.rows.front().createdAt, page.rows.front().runId);
    return page;
}

std::optional<RunPosition> findRunPosition(Connection& conn, const std::string& runId) {
    if (!looksLikeUuid(runId)) return std::nullopt;
    Result r = conn.query(
        std::string("SELECT dataset_id, ") + kIsoCreatedAt + " FROM walkforward_runs WHERE run_id = $1::uuid",
        {runId});
    if (r.rows() == 0) return std::nullopt;
    return RunPosition{std::string(r.text(0, 0)), PageCursor{std::string(r.text(0, 1)), runId}};
}

std::optional<PageCursor> runsCursorAbove(Connection& conn, const std::string& datasetId,
                                          const PageCursor& row, const PageRequest& request) {
    PageRequest nearest = request;
    nearest.limit = 1;
    nearest.after = row;
    Page<RunRow> above = listRunsNewer(conn, datasetId, nearest);
    if (above.rows.empty()) return std::nullopt;
    return PageCursor{above.rows.front().createdAt, above.rows.front().runId};
}

Page<SimulationRow> listSimulations(Connection& conn, const std::string& runId, const PageRequest& request) {
    if (request.limit > kServerPageLimit)
        return collectPages<SimulationRow>(
            request, [&](const PageRequest& part) { return listSimulations(conn, runId, part); });
    Params params = pageParams(request);
    params.insert(params.begin(), runId);
    params.push_back(request.status ? Param(*request.status) : Param());
    Result r =
        conn.query(std::string("SELECT simulation_id, run_id, questdb_namespace, status, ") + kIsoCreatedAt +
                       ", has_serialized_config FROM fn_list_simulations($1, $2, $3, $4, $5, $6)",
                   params);
    Page<SimulationRow> page;
    for (int i = 0; i < r.rows(); ++i) {
        page.rows.push_back(SimulationRow{std::string(r.text(i, 0)), std::string(r.text(i, 1)),
                                          std::string(r.text(i, 2)), std::string(r.text(i, 3)),
                                          std::string(r.text(i, 4)), r.boolean(i, 5)});
    }
    if (!page.rows.empty())
        finishPage(page, request, page.rows.back().createdAt, page.rows.back().simulationId);
    return page;
}

std::optional<std::string> findDatasetId(Connection& conn, const std::string& slugOrUuid) {
    Result r =
        looksLikeUuid(slugOrUuid)
            ? conn.query("SELECT dataset_id FROM indicator_datasets WHERE dataset_id = $1::uuid",
                         {slugOrUuid})
            : conn.query("SELECT dataset_id FROM indicator_datasets WHERE questdb_tag = $1", {slugOrUuid});
    if (r.rows() == 0) return std::nullopt;
    return std::string(r.text(0, 0));
}

namespace {

// The same expression as migration 0003, so a NULL shows exactly what the backfill would write.
constexpr const char* kLegacyRun =
    "r.feature_columns::text || E'\\n' || r.hyperparameters::text || E'\\n' || r.walk_config::text";

StoredConfig storedConfigFrom(const Result& r) {
    StoredConfig c;
    c.serializedConfig = r.optionalText(0, 0);
    c.legacyText = std::string(r.text(0, 1));
    c.featureColumns = std::string(r.text(0, 2));
    c.hyperparameters = std::string(r.text(0, 3));
    c.walkConfig = std::string(r.text(0, 4));
    if (r.columns() > 5) c.simulationParameters = std::string(r.text(0, 5));
    return c;
}

}  // namespace

std::optional<StoredConfig> loadRunConfig(Connection& conn, const std::string& runId) {
    Result r = conn.query(std::string("SELECT r.serialized_config, ") + kLegacyRun +
                              ", r.feature_columns::text, r.hyperparameters::text, r.walk_config::text "
                              "FROM walkforward_runs r WHERE r.run_id = $1::uuid",
                          {runId});
    if (r.rows() == 0) return std::nullopt;
    return storedConfigFrom(r);
}

std::optional<StoredConfig> loadSimulationConfig(Connection& conn, const std::string& simulationId) {
    Result r = conn.query(
        std::string("SELECT s.serialized_config, ") + kLegacyRun +
            " || CASE WHEN s.parameters::text <> '{}' THEN E'\\n' || s.parameters::text ELSE '' END, "
            "r.feature_columns::text, r.hyperparameters::text, r.walk_config::text, s.parameters::text "
            "FROM simulation_runs s JOIN walkforward_runs r USING (run_id) "
            "WHERE s.simulation_id = $1::uuid",
        {simulationId});
    if (r.rows() == 0) return std::nullopt;
    return storedConfigFrom(r);
}

std::vector<ConfigMatch> findIdenticalConfigs(Connection& conn, const std::string& featureColumnsJson,
                                              const std::string& hyperparametersJson,
                                              const std::string& walkConfigJson,
                                              const std::optional<std::string>& simulationParametersJson,
                                              int limit) {
    // The array equality is what idx_walkforward_runs_config_identity (migration 0010) serves.
    const std::string runMatch =
        "ARRAY[r.feature_columns, r.hyperparameters, r.walk_config] = ARRAY[$1::jsonb, $2::jsonb, $3::jsonb]";
    Result r =
        simulationParametersJson
            ? conn.query(std::string("SELECT 'simulation', s.simulation_id, s.run_id, d.questdb_tag, "
                                     "s.questdb_namespace, to_char(s.created_at AT TIME ZONE 'UTC', "
                                     "'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                                     "FROM walkforward_runs r JOIN simulation_runs s USING (run_id) "
                                     "JOIN indicator_datasets d ON d.dataset_id = r.dataset_id WHERE ") +
                             runMatch + " AND s.parameters = $5::jsonb ORDER BY s.created_at DESC LIMIT $4",
                         {featureColumnsJson, hyperparametersJson, walkConfigJson, std::to_string(limit),
                          *simulationParametersJson})
            : conn.query(
                  std::string("SELECT 'run', r.run_id, r.run_id, d.questdb_tag, r.prediction_measurement, "
                              "to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') "
                              "FROM walkforward_runs r JOIN indicator_datasets d USING (dataset_id) WHERE ") +
                      runMatch + " ORDER BY r.created_at DESC LIMIT $4",
                  {featureColumnsJson, hyperparametersJson, walkConfigJson, std::to_string(limit)});
    std::vector<ConfigMatch> matches;
    for (int i = 0; i < r.rows(); ++i)
        matches.push_back(ConfigMatch{std::string(r.text(i, 0)), std::string(r.text(i, 1)),
                                      std::string(r.text(i, 2)), std::string(r.text(i, 3)),
                                      std::string(r.text(i, 4)), std::string(r.text(i, 5))});
    return matches;
}

PlaceholderResult upsertPlaceholderDataset(Connection& conn, const std::string& slug,
                                           const std::optional<std::string>& datasetId,
                                           const std::optional<std::string>& symbol) {
    // The server checks the same rule, but would quote the whole slug back (10 MB in, 10 MB of
    // error message out): a bad slug never leaves the client, whoever calls this.
    if (auto problem = datasetSlugProblem(slug))
        throw Error(DbError{"22023", *problem + "; nothing was sent", "", ""});
    Result r =
        conn.query("SELECT dataset_id, inserted, note FROM fn_upsert_placeholder_dataset($1, $2::uuid, $3)",
                   {slug, datasetId ? Param(*datasetId) : Param(), symbol ? Param(*symbol) : Param()});
    return PlaceholderResult{std::string(r.text(0, 0)), r.boolean(0, 1), std::string(r.text(0, 2))};
}

}  // namespace db
