#include "db/search/run_search.hpp"

#include <algorithm>

namespace db::search {

SearchPage searchRuns(Connection& conn, const CompiledQuery& query, int limit,
                      const std::optional<PageCursor>& after) {
    limit = std::clamp(limit, 1, kMaxSearchLimit);
    std::string sql =
        "SELECT r.run_id::text, r.dataset_id::text, d.questdb_tag, r.prediction_measurement, r.status, "
        "to_char(r.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')";
    for (const NamedField& field : query.fields) sql += ", (" + field.sqlText + ")::text";
    // The cursor's sentinels when there is none keep the keyset predicate one indexable row
    // comparison (as the fn_list_* functions do).
    sql +=
        " FROM public.walkforward_runs r JOIN public.indicator_datasets d ON d.dataset_id = r.dataset_id"
        " WHERE (r.created_at, r.run_id) < ($1::timestamptz, $2::uuid) AND (" +
        query.condition + ") ORDER BY r.created_at DESC, r.run_id DESC LIMIT $3";
    Params params = {after ? after->createdAt : std::string("infinity"),
                     after ? after->id : std::string("ffffffff-ffff-ffff-ffff-ffffffffffff"),
                     std::to_string(limit)};
    params.insert(params.end(), query.params.begin(), query.params.end());
    Result r = conn.query(sql, params);
    SearchPage page;
    const int fields = static_cast<int>(query.fields.size());
    for (int i = 0; i < r.rows(); ++i) {
        SearchRow row{std::string(r.text(i, 0)),
                      std::string(r.text(i, 1)),
                      std::string(r.text(i, 2)),
                      std::string(r.text(i, 3)),
                      std::string(r.text(i, 4)),
                      std::string(r.text(i, 5)),
                      {}};
        for (int f = 0; f < fields; ++f)
            row.fieldValues.push_back(r.isNull(i, 6 + f) ? std::nullopt
                                                         : std::optional<std::string>(r.text(i, 6 + f)));
        page.rows.push_back(std::move(row));
    }
    if (static_cast<int>(page.rows.size()) == limit)
        page.next = PageCursor{page.rows.back().createdAt, page.rows.back().runId};
    return page;
}

std::string csvLine(const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
        if (c > 0) line += ',';
        const std::string& value = cells[c];
        if (value.find_first_of(",\"\r\n") == std::string::npos) {
            line += value;
            continue;
        }
        line += '"';
        for (char ch : value) line += ch == '"' ? std::string("\"\"") : std::string(1, ch);
        line += '"';
    }
    return line + "\r\n";
}

}  // namespace db::search
