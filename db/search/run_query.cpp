#include "db/search/run_query.hpp"

#include "db/search/run_query_lexer.hpp"
#include "db/search/run_query_parser.hpp"
#include "db/search/run_query_sql.hpp"

namespace db::search {

std::string QueryError::text() const {
    return "column " + std::to_string(column) + ": " + message;
}

std::variant<CompiledQuery, QueryError> compileRunQuery(std::string_view query, int firstParam) {
    if (query.size() > kMaxQueryBytes) {
        // The column of the first character past the limit.
        int column = 1;
        for (size_t i = 0; i < kMaxQueryBytes; ++i)
            if ((static_cast<unsigned char>(query[i + 1]) & 0xC0) != 0x80) ++column;
        return QueryError{column, "query longer than " + std::to_string(kMaxQueryBytes) + " bytes"};
    }
    if (auto error = checkQueryEncoding(query)) return *error;
    auto parsed = parseRunQuery(query);
    if (auto* error = std::get_if<QueryError>(&parsed)) return std::move(*error);
    return compileQueryTree(std::get<QueryNode>(parsed), firstParam);
}

}  // namespace db::search
