// stage1ctl datasets / runs / sims: one keyset page at a time through the fn_list_* functions.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "app/cli/ctl_commands.hpp"
#include "db/browse/stage1_queries.hpp"

namespace app {

namespace {

using nlohmann::json;

const std::vector<OptionSpec> kPageOptions = {
    {"limit", true, "rows per page, 1-1000 (default 50)"},
    {"after", true, "cursor printed by the previous page"},
    {"search", true, "case-insensitive substring, evaluated on the server"},
};

db::PageRequest pageRequest(const ParsedArgs& args) {
    db::PageRequest request;
    request.limit = static_cast<int>(args.integer("limit", 50, 1, 1000));
    if (auto after = args.value("after")) {
        request.after = db::PageCursor::decode(*after);
        if (!request.after)
            throw UsageError(
                "--after expects a cursor like 2026-01-01T00:00:00.000000Z/<uuid> (printed as "
                "'next:' by the previous page), got '" +
                *after + "'");
    }
    request.search = args.value("search");
    request.status = args.value("status");
    if (auto problem = db::pageFilterProblem(request)) throw UsageError(*problem);  // nothing is sent
    return request;
}

std::string requiredUuid(const ParsedArgs& args, const std::string& name) {
    auto v = args.uuid(name);
    if (!v) throw UsageError("--" + name + " <uuid> is required");
    return *v;
}

int runDatasets(const ParsedArgs& args, CtlIo& io) {
    db::PageRequest request = pageRequest(args);
    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    auto page = db::listDatasets(*conn, request);
    if (jsonOutput(args)) {
        json rows = json::array();
        for (const auto& d : page.rows)
            rows.push_back({{"dataset_id", d.datasetId},
                            {"slug", d.slug},
                            {"symbol", d.symbol},
                            {"granularity", d.granularity},
                            {"source", d.source},
                            {"row_count", d.rowCount},
                            {"first_bar_ts", d.firstBarTs ? json(*d.firstBarTs) : json(nullptr)},
                            {"last_bar_ts", d.lastBarTs ? json(*d.lastBarTs) : json(nullptr)},
                            {"created_at", d.createdAt},
                            {"run_count", d.runCount}});
        io.out << json{{"rows", rows}, {"next_cursor", cursorJson(page.next)}}.dump(2) << "\n";
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& d : page.rows)
        rows.push_back(
            {d.slug, d.symbol, d.granularity, std::to_string(d.runCount), d.createdAt, d.datasetId});
    printTable(io.out, {"slug", "symbol", "granularity", "runs", "created_at", "dataset_id"}, rows,
               page.next);
    return kExitOk;
}

int runRuns(const ParsedArgs& args, CtlIo& io) {
    auto dataset = args.value("dataset");
    if (!dataset) throw UsageError("--dataset <slug|uuid> is required");
    db::PageRequest request = pageRequest(args);
    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    auto datasetId = db::findDatasetId(*conn, *dataset);
    if (!datasetId)
        return reportFailure(args, io, "not_found", "no dataset with slug or id '" + *dataset + "'");
    auto page = db::listRuns(*conn, *datasetId, request);
    if (jsonOutput(args)) {
        json rows = json::array();
        for (const auto& r : page.rows)
            rows.push_back({{"run_id", r.runId},
                            {"dataset_id", r.datasetId},
                            {"prediction_measurement", r.measurement},
                            {"status", r.status},
                            {"created_at", r.createdAt},
                            {"fold_count", r.foldCount},
                            {"simulation_count", r.simulationCount},
                            {"has_serialized_config", r.hasSerializedConfig}});
        io.out << json{{"dataset_id", *datasetId}, {"rows", rows}, {"next_cursor", cursorJson(page.next)}}
                      .dump(2)
               << "\n";
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& r : page.rows)
        rows.push_back({r.measurement, r.status, std::to_string(r.foldCount),
                        std::to_string(r.simulationCount), r.hasSerializedConfig ? "yes" : "NULL",
                        r.createdAt, r.runId});
    printTable(io.out, {"measurement", "status", "folds", "sims", "config", "created_at", "run_id"}, rows,
               page.next);
    return kExitOk;
}

int runSims(const ParsedArgs& args, CtlIo& io) {
    std::string runId = requiredUuid(args, "run");
    db::PageRequest request = pageRequest(args);
    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    auto page = db::listSimulations(*conn, runId, request);
    if (jsonOutput(args)) {
        json rows = json::array();
        for (const auto& s : page.rows)
            rows.push_back({{"simulation_id", s.simulationId},
                            {"run_id", s.runId},
                            {"questdb_namespace", s.namespaceName},
                            {"status", s.status},
                            {"created_at", s.createdAt},
                            {"has_serialized_config", s.hasSerializedConfig}});
        io.out << json{{"rows", rows}, {"next_cursor", cursorJson(page.next)}}.dump(2) << "\n";
        return kExitOk;
    }
    std::vector<std::vector<std::string>> rows;
    for (const auto& s : page.rows)
        rows.push_back(
            {s.namespaceName, s.status, s.hasSerializedConfig ? "yes" : "NULL", s.createdAt, s.simulationId});
    printTable(io.out, {"namespace", "status", "config", "created_at", "simulation_id"}, rows, page.next);
    return kExitOk;
}

std::vector<OptionSpec> withPaging(std::vector<OptionSpec> options) {
    options.insert(options.end(), kPageOptions.begin(), kPageOptions.end());
    return options;
}

}  // namespace

// Prints rows as aligned text columns, then the cursor for the next page.
void printTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows,
                const std::optional<db::PageCursor>& next) {
    std::vector<size_t> width(header.size());
    for (size_t c = 0; c < header.size(); ++c) width[c] = header[c].size();
    for (const auto& row : rows)
        for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
    auto line = [&](const std::vector<std::string>& cells) {
        std::string text;
        for (size_t c = 0; c < cells.size(); ++c) {
            std::string cell = cells[c];
            if (c + 1 < cells.size()) cell.resize(width[c], ' ');
            text += (c ? "  " : "") + cell;
        }
        out << text << "\n";
    };
    line(header);
    for (const auto& row : rows) line(row);
    out << "(" << rows.size() << " row" << (rows.size() == 1 ? "" : "s") << ")";
    if (next) out << "  next: --after " << next->encode();
    out << "\n";
}

nlohmann::json cursorJson(const std::optional<db::PageCursor>& next) {
    return next ? nlohmann::json(next->encode()) : nlohmann::json(nullptr);
}

CtlCommand datasetsCommand() {
    return {"datasets", "list datasets, newest first (one page; --after continues)", withPaging({}),
            runDatasets};
}

CtlCommand runsCommand() {
    return {"runs", "list a dataset's walk-forward runs, newest first",
            withPaging(
                {{"dataset", true, "dataset slug or UUID (required)"}, {"status", true, "only this status"}}),
            runRuns};
}

CtlCommand simsCommand() {
    return {"sims", "list a run's simulations, newest first",
            withPaging({{"run", true, "run UUID (required)"}, {"status", true, "only this status"}}),
            runSims};
}

}  // namespace app
