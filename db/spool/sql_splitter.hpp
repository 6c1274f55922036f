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

// A plain `INSERT INTO <table> [(<columns>)] VALUES (<row>)[, (<row>)...];` of constants and nothing
// else: rows hold only literals, numbers, NULL/TRUE/FALSE/DEFAULT, operators and ::casts (no
// function call, subquery or parameter), and no comment, RETURNING, ON CONFLICT, OVERRIDING, alias,
// SELECT or DEFAULT VALUES. Statements with the same `head` can then run as one multi-row INSERT
// (head + rows joined by ", "): PostgreSQL coerces each VALUES row to the target columns on its own,
// exactly as for separate INSERTs, and constant rows cannot observe each other. (Statement-level
// triggers and rules would fire once instead of per statement; the Stage 1 tables have none.)
struct InsertValuesParts {
    std::string_view head;  // "INSERT INTO ... VALUES", verbatim
    std::string_view rows;  // "(...), (...)", verbatim
};
std::optional<InsertValuesParts> insertValuesParts(std::string_view statementText);

// The target named by an InsertValuesParts::head, verbatim: the table as written (qualified or not,
// quoted or not) and each name of the column list (empty when the head has none).
struct InsertTarget {
    std::string_view table;
    std::vector<std::string_view> columns;
};
std::optional<InsertTarget> insertTarget(std::string_view head);

// One VALUES item that is a single constant: a number (with a '-' before it or not), a '...' or
// E'...' string, NULL, TRUE or FALSE, and at most one ::type after it.
struct SqlConstant {
    enum class Kind { String, EscapeString, Number, Null, True, False };
    Kind kind = Kind::Null;
    bool negative = false;      // a '-' before the number
    std::string_view text;      // the token verbatim: 'it''s', E'a\\b', 1.5, NULL
    std::string_view castType;  // the type name after "::" verbatim ("timestamp with time zone"), or empty
};
// The rows of an InsertValuesParts::rows, when every item of every row is such a constant; nullopt
// when one is anything else (an expression, DEFAULT, a type modifier or array type in the cast, a
// second cast, U&'' or B'' strings, dollar quotes).
std::optional<std::vector<std::vector<SqlConstant>>> insertRowConstants(std::string_view rows);

// What identifies a statement for the replay ledger: its text without the terminating ';' and
// without the whitespace (space, \t, \r, \n, \f, \v) that precedes it. Nothing else is normalised:
// bytes inside literals, inner comments and line ends are significant.
std::string_view statementKeyText(std::string_view statementText);

}  // namespace db
