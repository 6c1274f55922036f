// stage1ctl search '<query>': runs found by what they are, across all datasets (the query language
// of db/search/run_query.hpp, run by db/search/run_search.hpp). A bad query is refused before
// anything is sent (exit 2, with the column); no match is not a failure (exit 0, no rows).
#include <nlohmann/json.hpp>

#include "app/cli/ctl_commands.hpp"
#include "db/search/run_search.hpp"

namespace app {

namespace {

using nlohmann::json;

enum class Format { Text, Json, Csv };

Format outputFormat(const ParsedArgs& args) {
    const auto format = args.value("format");
    if (!format) return jsonOutput(args) ? Format::Json : Format::Text;
    if (*format == "csv" && !jsonOutput(args)) return Format::Csv;
    if (*format == "json") return Format::Json;
    if (*format == "text" && !jsonOutput(args)) return Format::Text;
    if (jsonOutput(args))
        throw UsageError("--json and --format " + *format + " ask for two formats: choose one");
    throw UsageError("--format expects text, csv or json, got '" + *format + "'");
}

int runSearch(const ParsedArgs& args, CtlIo& io) {
    if (args.positional.empty())
        throw UsageError(
            "search needs a query, e.g. stage1ctl search \"hp.model = 'lgbm' and features has 'rsi_14'\"");
    const Format format = outputFormat(args);
    const int limit = static_cast<int>(args.integer("limit", 50, 1, db::search::kMaxSearchLimit));
    std::optional<db::PageCursor> after;
    if (auto text = args.value("after")) {
        after = db::PageCursor::decode(*text);
        if (!after)
            throw UsageError("--after expects the cursor printed as 'next' by the previous page, got '" +
                             *text + "'");
    }
    auto compiled = db::search::compileRunQuery(args.positional[0], db::search::kSearchFirstQueryParam);
    if (auto* error = std::get_if<db::search::QueryError>(&compiled))
        throw UsageError("query: " + error->text());
    const auto& query = std::get<db::search::CompiledQuery>(compiled);

    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    const db::search::SearchPage page = db::search::searchRuns(*conn, query, limit, after);

    std::vector<std::string> fieldNames;
    for (const auto& field : query.fields) fieldNames.push_back(field.name);
    auto value = [](const std::optional<std::string>& v) { return v.value_or(""); };
    if (format == Format::Json) {
        json runs = json::array();
        for (const auto& row : page.rows) {
            json fields = json::object();
            for (size_t f = 0; f < fieldNames.size(); ++f)
                fields[fieldNames[f]] = row.fieldValues[f] ? json(*row.fieldValues[f]) : json(nullptr);
            runs.push_back({{"run_id", row.runId},
                            {"dataset_id", row.datasetId},
                            {"dataset_slug", row.datasetSlug},
                            {"prediction_measurement", row.measurement},
                            {"status", row.status},
                            {"created_at", row.createdAt},
                            {"fields", fields}});
        }
        io.out << json{{"query", args.positional[0]},
                       {"fields", fieldNames},
                       {"runs", runs},
                       {"next", cursorJson(page.next)}}
                      .dump(2)
               << "\n";
        return kExitOk;
    }
    std::vector<std::string> header = {"dataset", "measurement", "status", "created_at"};
    header.insert(header.end(), fieldNames.begin(), fieldNames.end());
    header.push_back("run_id");
    std::vector<std::vector<std::string>> rows;
    for (const auto& row : page.rows) {
        std::vector<std::string> cells = {row.datasetSlug, row.measurement, row.status, row.createdAt};
        for (const auto& v : row.fieldValues) cells.push_back(value(v));
        cells.push_back(row.runId);
        rows.push_back(std::move(cells));
    }
    if (format == Format::Csv) {
        io.out << db::search::csvLine(header);
        for (const auto& row : rows) io.out << db::search::csvLine(row);
        if (page.next) io.err << "next: --after " << page.next->encode() << "\n";  // stdout stays CSV
        return kExitOk;
    }
    printTable(io.out, header, rows, page.next);
    return kExitOk;
}

}  // namespace

CtlCommand searchCommand() {
    return {"search",
            "runs across all datasets by what they are: stage1ctl search \"hp.model = 'lgbm' and fold.sharpe "
            "> 1\"",
            {{"query", false, "the query (stage1ctl(1), QUERY LANGUAGE)", true},
             {"limit", true, "rows per page, 1-1000 (default 50)"},
             {"after", true, "cursor printed as 'next' by the previous page"},
             {"format", true, "text (default), csv (a header row, RFC 4180) or json"}},
            runSearch};
}

}  // namespace app
