// The run query language's tokens (db/search/run_query.hpp has the language). Tokens are produced on
// demand, so the first error from the left wins whether the lexer or the parser finds it.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "db/search/run_query.hpp"

namespace db::search {

enum class QueryTokenKind {
    End,        // after the last token
    Word,       // [A-Za-z_][A-Za-z0-9_]*: a field, a keyword or an unquoted key
    QuotedKey,  // "..." with "" undoubled
    String,     // '...' with '' undoubled
    Number,     // JSON's number grammar, as written
    Dot,
    LParen,
    RParen,
    Comma,
    Operator,  // = != < <= > >= ~
};

struct QueryToken {
    QueryTokenKind kind = QueryTokenKind::End;
    std::string text;   // Word, Number, Operator: as written; QuotedKey, String: the content, unescaped
    size_t offset = 0;  // byte offset of the token in the query
    size_t length = 0;  // bytes the token spans in the query, quotes included
    int column = 1;     // 1-based, in code points
};

// The query as UTF-8: the first place it is not valid UTF-8 or holds a NUL, if any.
std::optional<QueryError> checkQueryEncoding(std::string_view query);

class QueryLexer {
  public:
    // The query must have passed checkQueryEncoding.
    explicit QueryLexer(std::string_view query);

    std::variant<QueryToken, QueryError> next();
    // 1-based code point column of a byte offset (offset == size: one past the last character).
    int columnAt(size_t offset) const { return columns_[offset]; }

  private:
    std::variant<QueryToken, QueryError> quoted(char quote, QueryTokenKind kind, const char* what);
    std::variant<QueryToken, QueryError> number();
    QueryToken make(QueryTokenKind kind, size_t start, std::string text) const;
    QueryError errorAt(size_t offset, std::string message) const {
        return {columnAt(offset), std::move(message)};
    }

    std::string_view query_;
    size_t pos_ = 0;
    std::vector<int> columns_;  // per byte offset, size + 1 entries
};

// "'x'" for a printable ASCII character, "U+00E9" for anything else: for error messages.
std::string describeCharacter(std::string_view query, size_t offset);

}  // namespace db::search
