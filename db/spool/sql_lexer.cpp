#include "db/spool/sql_lexer.hpp"

#include <algorithm>
#include <cstring>

namespace db {

namespace sqllex {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// PostgreSQL's identifier characters; bytes >= 0x80 (UTF-8) count as letters.
bool isIdentStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           static_cast<unsigned char>(c) >= 0x80;
}
bool isIdentChar(char c) {
    return isIdentStart(c) || (c >= '0' && c <= '9') || c == '$';
}
bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

size_t endOfLineComment(std::string_view s, size_t i) {
    size_t end = s.find('\n', i);
    return end == npos ? s.size() : end;
}

size_t endOfBlockComment(std::string_view s, size_t i) {  // nested, as PostgreSQL's are
    int nesting = 0;
    for (size_t k = i; k < s.size();) {
        if (s[k] == '/' && at(s, k + 1) == '*') {
            ++nesting;
            k += 2;
        } else if (s[k] == '*' && at(s, k + 1) == '/') {
            k += 2;
            if (--nesting == 0) return k;
        } else {
            ++k;
        }
    }
    return npos;
}

namespace {

// A quoted string from its opening quote; backslash escapes only in E'' strings.
size_t endOfString(std::string_view s, size_t i, bool backslashEscapes) {
    // Jumps between the only bytes that matter inside the string (memchr for plain strings).
    auto stop = [&](size_t k) {
        if (!backslashEscapes) return s.find('\'', k);
        while (k < s.size() && s[k] != '\'' && s[k] != '\\') ++k;
        return k < s.size() ? k : npos;
    };
    for (size_t k = stop(i + 1); k != npos && k < s.size(); k = stop(k)) {
        if (s[k] == '\\') {
            k += 2;
        } else if (at(s, k + 1) == '\'') {
            k += 2;
        } else {
            return k + 1;
        }
    }
    return npos;
}

size_t endOfQuotedIdentifier(std::string_view s, size_t i) {
    for (size_t k = i + 1; k < s.size();) {
        if (s[k] == '"') {
            if (at(s, k + 1) != '"') return k + 1;
            k += 2;
        } else {
            ++k;
        }
    }
    return npos;
}

// `$tag$` or `$$` opens a dollar quote; `$1` (a parameter) and a lone `$` are one short token.
size_t endOfDollar(std::string_view s, size_t i, bool& quote) {
    size_t k = i + 1;
    if (k < s.size() && isIdentStart(s[k]))
        while (k < s.size() && isIdentChar(s[k]) && s[k] != '$') ++k;
    quote = at(s, k) == '$';
    if (!quote) {
        for (k = i + 1; k < s.size() && isDigit(s[k]);) ++k;
        return k;
    }
    const std::string_view delimiter = s.substr(i, k + 1 - i);
    size_t close = s.find(delimiter, k + 1);
    return close == npos ? npos : close + delimiter.size();
}

// PostgreSQL's numeric literals; anything glued to one (letters, another dot) makes it junk.
SqlTokenKind scanNumber(std::string_view s, size_t i, size_t& end) {
    size_t k = i;
    while (isDigit(at(s, k))) ++k;
    if (at(s, k) == '.' && at(s, k + 1) != '.') {
        ++k;
        while (isDigit(at(s, k))) ++k;
    }
    if ((at(s, k) == 'e' || at(s, k) == 'E')) {
        size_t e = k + 1;
        if (at(s, e) == '+' || at(s, e) == '-') ++e;
        if (isDigit(at(s, e))) {
            k = e;
            while (isDigit(at(s, k))) ++k;
        }
    }
    if (isIdentChar(at(s, k)) || at(s, k) == '.') {
        while (isIdentChar(at(s, k)) || at(s, k) == '.') ++k;
        end = k;
        return SqlTokenKind::BadNumber;
    }
    end = k;
    return SqlTokenKind::Number;
}

bool isOperatorChar(char c) {
    return c != '\0' && std::strchr("+-*/<>=~!@#%^&|`?", c) != nullptr;
}

}  // namespace

SqlTokenKind scanToken(std::string_view s, size_t i, size_t& end) {
    const char c = s[i];
    if ((c == 'U' || c == 'u') && at(s, i + 1) == '&' && (at(s, i + 2) == '\'' || at(s, i + 2) == '"')) {
        if (at(s, i + 2) == '\'') {
            end = endOfString(s, i + 2, false);
            return SqlTokenKind::PrefixedString;
        }
        end = endOfQuotedIdentifier(s, i + 2);
        return SqlTokenKind::UnicodeIdentifier;
    }
    if (isIdentStart(c)) {
        // E'...', B'...', X'...', N'...' only when the letter is a token by itself.
        if (at(s, i + 1) == '\'') {
            if (c == 'E' || c == 'e') {
                end = endOfString(s, i + 1, true);
                return SqlTokenKind::EscapeString;
            }
            if (std::strchr("BbXxNn", c)) {
                end = endOfString(s, i + 1, false);
                return SqlTokenKind::PrefixedString;
            }
        }
        size_t k = i + 1;
        while (k < s.size() && isIdentChar(s[k])) ++k;
        end = k;
        return SqlTokenKind::Word;
    }
    if (isDigit(c) || (c == '.' && isDigit(at(s, i + 1)))) return scanNumber(s, i, end);
    if (c == '\'') {
        end = endOfString(s, i, false);
        return SqlTokenKind::String;
    }
    if (c == '"') {
        end = endOfQuotedIdentifier(s, i);
        return SqlTokenKind::QuotedIdentifier;
    }
    if (c == '$') {
        bool quote = false;
        end = endOfDollar(s, i, quote);
        return quote ? SqlTokenKind::DollarString : SqlTokenKind::Parameter;
    }
    if (c == ':') {
        end = at(s, i + 1) == ':' ? i + 2 : i + 1;
        return SqlTokenKind::Punct;
    }
    if (std::strchr("()[],;.", c)) {
        end = i + 1;
        return SqlTokenKind::Punct;
    }
    size_t k = i + 1;
    if (isOperatorChar(c))
        while (isOperatorChar(at(s, k)) && !(s[k] == '-' && at(s, k + 1) == '-') &&
               !(s[k] == '/' && at(s, k + 1) == '*'))
            ++k;
    end = k;  // an operator, or a byte SQL has no use for (a backslash, a brace): one token each
    return SqlTokenKind::Operator;
}

}  // namespace sqllex

using namespace sqllex;

SqlLex lexSql(std::string_view s, int firstLine) {
    SqlLex out;
    int line = firstLine;
    size_t i = 0;
    auto advance = [&](size_t to) {
        line += static_cast<int>(std::count(s.begin() + static_cast<std::ptrdiff_t>(i),
                                            s.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
        i = to;
    };
    while (i < s.size()) {
        const char c = s[i];
        if (isSpace(c)) {
            advance(i + 1);
            continue;
        }
        if (c == '-' && at(s, i + 1) == '-') {
            out.hadComments = true;
            advance(endOfLineComment(s, i));
            continue;
        }
        if (c == '/' && at(s, i + 1) == '*') {
            out.hadComments = true;
            const size_t end = endOfBlockComment(s, i);
            if (end == npos) {
                out.unterminated = "unterminated /* comment";
                return out;
            }
            advance(end);
            continue;
        }
        size_t end = npos;
        const SqlTokenKind kind = scanToken(s, i, end);
        if (end == npos) {
            out.unterminated =
                kind == SqlTokenKind::QuotedIdentifier || kind == SqlTokenKind::UnicodeIdentifier
                    ? "unterminated quoted identifier"
                : kind == SqlTokenKind::DollarString ? "unterminated dollar-quoted string"
                                                     : "unterminated quoted string";
            return out;
        }
        out.tokens.push_back(SqlToken{kind, s.substr(i, end - i), i, line});
        advance(end);
    }
    return out;
}

std::optional<std::string> sqlIdentifier(const SqlToken& token) {
    if (token.kind == SqlTokenKind::Word) {
        std::string name(token.text);
        for (char& c : name)
            if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        return name;
    }
    if (token.kind == SqlTokenKind::QuotedIdentifier) {
        std::string name;
        const std::string_view inner = token.text.substr(1, token.text.size() - 2);
        for (size_t k = 0; k < inner.size(); ++k) {
            name += inner[k];
            if (inner[k] == '"') ++k;  // "" stands for one "
        }
        return name;
    }
    return std::nullopt;
}

bool isSqlKeyword(const SqlToken& token, std::string_view upper) {
    if (token.kind != SqlTokenKind::Word || token.text.size() != upper.size()) return false;
    for (size_t k = 0; k < upper.size(); ++k) {
        char c = token.text[k];
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
        if (c != upper[k]) return false;
    }
    return true;
}

namespace {

void appendUtf8(std::string& out, unsigned long cp) {
    if (cp < 0x80) {
        out += static_cast<char>(cp);
    } else if (cp < 0x800) {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

int hexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The E'' escapes, between the quotes.
std::optional<std::string> decodeEscapes(std::string_view in) {
    std::string out;
    for (size_t k = 0; k < in.size(); ++k) {
        const char c = in[k];
        if (c == '\'') {  // '' inside the literal
            out += '\'';
            ++k;
            continue;
        }
        if (c != '\\') {
            out += c;
            continue;
        }
        if (++k >= in.size()) return std::nullopt;
        const char e = in[k];
        switch (e) {
            case 'b':
                out += '\b';
                continue;
            case 'f':
                out += '\f';
                continue;
            case 'n':
                out += '\n';
                continue;
            case 'r':
                out += '\r';
                continue;
            case 't':
                out += '\t';
                continue;
            default:
                break;
        }
        if (e >= '0' && e <= '7') {
            unsigned value = 0;
            size_t digits = 0;
            while (digits < 3 && k < in.size() && in[k] >= '0' && in[k] <= '7') {
                value = value * 8 + static_cast<unsigned>(in[k] - '0');
                ++k, ++digits;
            }
            --k;
            value &= 0xFF;  // PostgreSQL keeps the low byte
            if (value == 0) return std::nullopt;
            out += static_cast<char>(value);
            continue;
        }
        if (e == 'x' && k + 1 < in.size() && hexValue(in[k + 1]) >= 0) {
            unsigned value = 0;
            size_t digits = 0;
            while (digits < 2 && k + 1 < in.size() && hexValue(in[k + 1]) >= 0) {
                value = value * 16 + static_cast<unsigned>(hexValue(in[k + 1]));
                ++k, ++digits;
            }
            if (value == 0) return std::nullopt;
            out += static_cast<char>(value);
            continue;
        }
        if (e == 'u' || e == 'U') {
            const size_t width = e == 'u' ? 4 : 8;
            unsigned long cp = 0;
            for (size_t d = 1; d <= width; ++d) {
                if (k + d >= in.size()) return std::nullopt;
                const int h = hexValue(in[k + d]);
                if (h < 0) return std::nullopt;
                cp = cp * 16 + static_cast<unsigned long>(h);
            }
            k += width;
            // Surrogates (a pair in two escapes is legal SQL, and rare) and NUL are refused here:
            // nullopt tells the caller to leave the value to the server.
            if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return std::nullopt;
            appendUtf8(out, cp);
            continue;
        }
        out += e;  // \\ \' and any other character stand for themselves
    }
    return out;
}

// PostgreSQL checks the decoded bytes against the (UTF-8) encoding.
bool validUtf8(std::string_view s) {
    for (size_t k = 0; k < s.size();) {
        const auto b = static_cast<unsigned char>(s[k]);
        size_t length = b < 0x80 ? 1 : (b >> 5) == 0x6 ? 2 : (b >> 4) == 0xE ? 3 : (b >> 3) == 0x1E ? 4 : 0;
        if (length == 0 || k + length > s.size()) return false;
        unsigned long cp = length == 1 ? b : b & (0x7F >> length);
        for (size_t c = 1; c < length; ++c) {
            const auto next = static_cast<unsigned char>(s[k + c]);
            if ((next & 0xC0) != 0x80) return false;
            cp = (cp << 6) | (next & 0x3F);
        }
        const unsigned long least[] = {0, 0, 0x80, 0x800, 0x10000};
        if (cp < least[length] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        k += length;
    }
    return true;
}

}  // namespace

std::optional<std::string> sqlStringValue(const SqlToken& token) {
    if (token.kind == SqlTokenKind::String) {
        const std::string_view inner = token.text.substr(1, token.text.size() - 2);
        std::string out;
        out.reserve(inner.size());
        for (size_t k = 0; k < inner.size(); ++k) {
            out += inner[k];
            if (inner[k] == '\'') ++k;
        }
        if (out.find('\0') != std::string::npos) return std::nullopt;
        return out;
    }
    if (token.kind == SqlTokenKind::EscapeString) {
        auto value = decodeEscapes(token.text.substr(2, token.text.size() - 3));
        if (value && !validUtf8(*value)) return std::nullopt;
        return value;
    }
    return std::nullopt;
}

}  // namespace db
