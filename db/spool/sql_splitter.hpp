// Splits a SQL script into statements the way psql does, without a server: a ';' ends a statement
// only outside quotes, comments and parentheses. Used by `stage1ctl replay-spool` on the spool file
// the desktop appends to ("-- note\n<statement>\n" entries, see app/ops/spool.cpp).
//
// Understood: '...' with '' (standard_conforming_strings on, the default since 9.1); E'...' with
// backslash escapes (E'it\'s', E'a\\b') and ''; U&'...', B'...', X'...' as plain strings; $$...$$ and
// $tag$...$tag$; "quoted identifiers" with ""; -- line comments; nested /* */ comments; LF and CRLF.
// Not understood (psql-only or rare): backslash meta-commands and BEGIN ATOMIC ... END bodies.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace db {

struct SqlStatement {
    // Verbatim bytes from the statement's first character that is neither whitespace nor part of a
    // comment, through its terminating ';'. Comments inside the statement are kept.
    std::string text;
    // The comments before it (back to the previous statement's ';'), verbatim, trimmed of
    // surrounding whitespace; the desktop's "-- <note>" line lands here. Empty when there were none.
    std::string leading;
    int line = 0;  // 1-based line where `text` starts
};

// A last statement without its ';', or text ending inside a literal or comment: the writer was cut
// off. It is not a statement yet.
struct SqlIncompleteTail {
    std::string text;    // verbatim from its first non-whitespace byte to the end of the script
    int line = 0;        // 1-based line where `text` starts
    std::string reason;  // "no terminating semicolon", "unterminated quoted string", ...
};

struct SqlSplit {
    std::vector<SqlStatement> statements;
    std::optional<SqlIncompleteTail> tail;
};

// Empty statements (";" alone) and trailing comments without a statement are skipped.
SqlSplit splitSqlStatements(std::string_view script);

// What identifies a statement for the replay ledger: its text without the terminating ';' and
// without the whitespace (space, \t, \r, \n, \f, \v) that precedes it. Nothing else is normalised:
// bytes inside literals, inner comments and line ends are significant.
std::string_view statementKeyText(std::string_view statementText);

}  // namespace db
