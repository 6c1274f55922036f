// The run query's syntax tree compiled to one parameterized SQL condition (the forms are listed in
// db/search/run_query.hpp). Values and keys become parameters; the SQL text is built only from the
// fixed pieces below and $N placeholders.
#pragma once

#include "db/search/run_query.hpp"
#include "db/search/run_query_parser.hpp"

namespace db::search {

CompiledQuery compileQueryTree(const QueryNode& root, int firstParam);

// A text[] literal ({"a","b"}) holding the keys as they are: for a $N::text[] parameter.
std::string textArrayLiteral(const std::vector<std::string>& items);
// A JSON string literal for any valid UTF-8 text.
std::string jsonString(std::string_view text);
// ILIKE's pattern for "contains text": %, _ and \ escaped with \ (ILIKE's default escape).
std::string containsPattern(std::string_view text);

}  // namespace db::search
