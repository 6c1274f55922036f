#include "db/search/run_query_lexer.hpp"

#include <cstdio>

namespace db::search {

namespace {

bool isWordStart(char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isWordChar(char c) {
    return isWordStart(c) || isDigit(c);
}
bool isBlank(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool isContinuation(unsigned char c) {
    return (c & 0xC0) == 0x80;
}

// Beyond this the server refuses the number (numeric's range), so the client refuses it first.
constexpr int kMaxExponent = 1000;

}  // namespace

std::optional<QueryError> checkQueryEncoding(std::string_view query) {
    int column = 1;
    for (size_t i = 0; i < query.size(); ++column) {
        unsigned char c = static_cast<unsigned char>(query[i]);
        if (c == 0) return QueryError{column, "NUL character is not allowed"};
        size_t extra = 0;
        unsigned int cp = 0;
        if (c < 0x80) {
            ++i;
            continue;
        } else if (c >= 0xC2 && c <= 0xDF) {
            extra = 1, cp = c & 0x1F;
        } else if (c >= 0xE0 && c <= 0xEF) {
            extra = 2, cp = c & 0x0F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            extra = 3, cp = c & 0x07;
        } else {
            return QueryError{column, "invalid UTF-8"};
        }
        if (i + extra >= query.size()) return QueryError{column, "invalid UTF-8"};
        for (size_t k = 1; k <= extra; ++k) {
            unsigned char next = static_cast<unsigned char>(query[i + k]);
            if (!isContinuation(next)) return QueryError{column, "invalid UTF-8"};
            cp = (cp << 6) | (next & 0x3F);
        }
        // Overlong forms, UTF-16 surrogates and code points past U+10FFFF: the server refuses them too.
        bool overlong = (extra == 2 && cp < 0x800) || (extra == 3 && cp < 0x10000);
        if (overlong || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF)
            return QueryError{column, "invalid UTF-8"};
        i += extra + 1;
    }
    return std::nullopt;
}

std::string describeCharacter(std::string_view query, size_t offset) {
    unsigned char c = static_cast<unsigned char>(query[offset]);
    if (c > 0x20 && c < 0x7F) return std::string("'") + static_cast<char>(c) + "'";
    unsigned int cp = c;
    size_t extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : c >= 0xC0 ? 1 : 0;
    if (extra) cp = c & (0x3F >> extra);
    for (size_t k = 1; k <= extra && offset + k < query.size(); ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(query[offset + k]) & 0x3F);
    char out[16];
    std::snprintf(out, sizeof out, "U+%04X", cp);
    return out;
}

QueryLexer::QueryLexer(std::string_view query) : query_(query), columns_(query.size() + 1) {
    int column = 0;
    for (size_t i = 0; i < query.size(); ++i) {
        if (!isContinuation(static_cast<unsigned char>(query[i]))) ++column;
        columns_[i] = column;
    }
    columns_[query.size()] = column + 1;
}

QueryToken QueryLexer::make(QueryTokenKind kind, size_t start, std::string text) const {
    return QueryToken{kind, std::move(text), start, pos_ - start, columnAt(start)};
}

std::variant<QueryToken, QueryError> QueryLexer::next() {
    while (pos_ < query_.size() && isBlank(query_[pos_])) ++pos_;
    size_t start = pos_;
    if (pos_ == query_.size()) return make(QueryTokenKind::End, start, "");
    char c = query_[pos_];
    if (isWordStart(c)) {
        while (pos_ < query_.size() && isWordChar(query_[pos_])) ++pos_;
        return make(QueryTokenKind::Word, start, std::string(query_.substr(start, pos_ - start)));
    }
    if (isDigit(c) || (c == '-' && pos_ + 1 < query_.size() && isDigit(query_[pos_ + 1]))) return number();
    if (c == '\'') return quoted('\'', QueryTokenKind::String, "string");
    if (c == '"') return quoted('"', QueryTokenKind::QuotedKey, "quoted key");
    ++pos_;
    switch (c) {
        case '.':
            return make(QueryTokenKind::Dot, start, ".");
        case '(':
            return make(QueryTokenKind::LParen, start, "(");
        case ')':
            return make(QueryTokenKind::RParen, start, ")");
        case ',':
            return make(QueryTokenKind::Comma, start, ",");
        case '=':
        case '~':
            return make(QueryTokenKind::Operator, start, std::string(1, c));
        case '<':
        case '>':
            if (pos_ < query_.size() && query_[pos_] == '=') ++pos_;
            return make(QueryTokenKind::Operator, start, std::string(query_.substr(start, pos_ - start)));
        case '!':
            if (pos_ < query_.size() && query_[pos_] == '=') {
                ++pos_;
                return make(QueryTokenKind::Operator, start, "!=");
            }
            break;
    }
    return errorAt(start, "unexpected character " + describeCharacter(query_, start));
}

std::variant<QueryToken, QueryError> QueryLexer::quoted(char quote, QueryTokenKind kind, const char* what) {
    size_t start = pos_++;
    std::string content;
    while (pos_ < query_.size()) {
        char c = query_[pos_++];
        if (c != quote) {
            content += c;
        } else if (pos_ < query_.size() && query_[pos_] == quote) {
            content += quote;
            ++pos_;
        } else {
            return make(kind, start, std::move(content));
        }
    }
    return errorAt(start, std::string("unterminated ") + what);
}

// JSON's grammar, so the literal goes into a jsonb document as written and compares as numeric.
std::variant<QueryToken, QueryError> QueryLexer::number() {
    size_t start = pos_;
    auto digits = [&] {
        size_t from = pos_;
        while (pos_ < query_.size() && isDigit(query_[pos_])) ++pos_;
        return pos_ - from;
    };
    auto malformed = [&] {
        while (pos_ < query_.size() && (isWordChar(query_[pos_]) || query_[pos_] == '.')) ++pos_;
        return errorAt(start, "malformed number '" + std::string(query_.substr(start, pos_ - start)) + "'");
    };
    if (query_[pos_] == '-') ++pos_;
    size_t intStart = pos_;
    size_t intDigits = digits();
    if (intDigits > 1 && query_[intStart] == '0') return malformed();
    if (pos_ < query_.size() && query_[pos_] == '.') {
        ++pos_;
        if (digits() == 0) return malformed();
    }
    if (pos_ < query_.size() && (query_[pos_] == 'e' || query_[pos_] == 'E')) {
        ++pos_;
        if (pos_ < query_.size() && (query_[pos_] == '+' || query_[pos_] == '-')) ++pos_;
        size_t expStart = pos_;
        size_t expDigits = digits();
        if (expDigits == 0) return malformed();
        std::string_view exponent = query_.substr(expStart, expDigits);
        while (exponent.size() > 1 && exponent.front() == '0') exponent.remove_prefix(1);
        if (exponent.size() > 4 || std::stoi(std::string(exponent)) > kMaxExponent)
            return errorAt(start,
                           "number out of range (exponent beyond ±" + std::to_string(kMaxExponent) + ")");
    }
    if (pos_ < query_.size() && (isWordChar(query_[pos_]) || query_[pos_] == '.')) return malformed();
    return make(QueryTokenKind::Number, start, std::string(query_.substr(start, pos_ - start)));
}

}  // namespace db::search
