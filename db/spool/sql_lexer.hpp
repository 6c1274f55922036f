// The one SQL lexer: PostgreSQL's lexical rules, as far as the spool and the replay need them. The
// splitter (db/spool/sql_splitter.hpp) finds statements with its scanning rules; the spool grammar
// (db/spool/spool_grammar.hpp) and validate --spool read statements through lexSql. Because both rest on
// the same rules, replay-spool and validate --spool can never read one file two ways.
//
// Rules (PostgreSQL's scan.l, with standard_conforming_strings on, which the replay sets):
//   whitespace  space \t \n \r \f \v
//   comments    -- to the end of the line; /* ... */ nested
//   strings     '...' with '' ; E'...' with backslash escapes and '' ; B'', X'', N'', U&'' prefixed;
//               $$...$$ and $tag$...$tag$
//   names       [A-Za-z_\x80-\xff][A-Za-z0-9_$\x80-\xff]* ; "quoted" with "" ; U&"quoted"
//   numbers     digits [. digits] [e [+-] digits], or . digits; letters straight after make it junk
//   parameters  $1
//   operators   runs of + - * / < > = ~ ! @ # % ^ & | ` ? (never containing -- or /*)
//   punctuation ( ) [ ] , ; . : ::
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace db {

enum class SqlTokenKind {
    Word,               // keyword or plain identifier, as written
    QuotedIdentifier,   // "name", as written (quotes included)
    UnicodeIdentifier,  // U&"name"
    String,             // '...'
    EscapeString,       // E'...'
    PrefixedString,     // B'...', X'...', N'...', U&'...'
    DollarString,       // $$...$$, $tag$...$tag$
    Number,             // 42, 1.5, 1e-3, .5
    BadNumber,          // a number with letters or more dots straight after it: 0x1F, 1_000, 1abc
    Parameter,          // $1
    Operator,           // a run of operator characters
    Punct,              // one of ( ) [ ] , ; . : and ::
};

struct SqlToken {
    SqlTokenKind kind;
    std::string_view text;  // verbatim, into the lexed text
    size_t offset = 0;      // of text in the lexed text
    int line = 1;           // 1-based
};

struct SqlLex {
    std::vector<SqlToken> tokens;  // comments and whitespace dropped
    bool hadComments = false;
    // Set when the text ends inside a string, quoted name or comment; tokens stop before it.
    std::optional<std::string> unterminated;
};

SqlLex lexSql(std::string_view text, int firstLine = 1);

// The name a Word or QuotedIdentifier means: a word folded to lower case (ASCII, as PostgreSQL
// does), a quoted name without its quotes and with "" undoubled. nullopt for other kinds.
std::optional<std::string> sqlIdentifier(const SqlToken& token);

// True when token is the keyword `upper` (compared case-insensitively; quoted names never are).
bool isSqlKeyword(const SqlToken& token, std::string_view upper);

// The value of a String or EscapeString token, exactly as PostgreSQL reads it (standard conforming
// strings): '' undoubled; in E'' \b \f \n \r \t, octal \o \oo \ooo, hex \xh \xhh, \uXXXX and
// \UXXXXXXXX (as UTF-8), any other \c as c. nullopt for a value PostgreSQL refuses (a NUL byte, an
// invalid code point) or for other kinds.
std::optional<std::string> sqlStringValue(const SqlToken& token);

// ---- The scanning rules, for the splitter's own single pass ----
namespace sqllex {

constexpr size_t npos = std::string_view::npos;

bool isSpace(char c);
bool isIdentStart(char c);
bool isIdentChar(char c);
bool isDigit(char c);
inline char at(std::string_view s, size_t i) {
    return i < s.size() ? s[i] : '\0';
}
// Each returns the index just past what starts at i, or npos when the text ends first.
size_t endOfLineComment(std::string_view s, size_t i);  // at the '\n' (whitespace) or the end
size_t endOfBlockComment(std::string_view s, size_t i);
// One token that is neither whitespace nor a comment, starting at i (which must be neither).
SqlTokenKind scanToken(std::string_view s, size_t i, size_t& end);

}  // namespace sqllex

}  // namespace db
