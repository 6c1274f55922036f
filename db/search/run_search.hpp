// A run query (db/search/run_query.hpp) run on the server: across all datasets, newest first,
// keyset-paged on (created_at, run_id) like the tree, with the values of the fields the query named.
// One statement per page; every value is a bound parameter.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/browse/stage1_queries.hpp"
#include "db/pg/pg.hpp"
#include "db/search/run_query.hpp"

namespace db::search {

struct SearchRow {
    std::string runId, datasetId, datasetSlug, measurement, status, createdAt;
    std::vector<std::optional<std::string>> fieldValues;  // one per CompiledQuery::fields, NULL when absent
};

struct SearchPage {
    std::vector<SearchRow> rows;
    std::optional<PageCursor> next;  // set when the page was full (there may be more)
};

constexpr int kMaxSearchLimit = 1000;

// limit is clamped to 1..kMaxSearchLimit. Throws db::Error when the server refuses.
SearchPage searchRuns(Connection& conn, const CompiledQuery& query, int limit,
                      const std::optional<PageCursor>& after);

// One CSV line (RFC 4180): a cell is quoted when it holds a comma, a quote or a line break, quotes
// doubled; the line ends in CRLF. `stage1ctl search --format csv` and the window's Copy as CSV.
std::string csvLine(const std::vector<std::string>& cells);

// The parameters searchRuns binds before the query's own: compile with this as firstParam.
constexpr int kSearchFirstQueryParam = 4;

}  // namespace db::search
