// What a desktop may queue in its spool, and so the only thing `stage1ctl replay-spool` sends and
// `validate --spool` accepts. The spool is mirrored from analysts' home directories: anyone who can
// write one of them (or one typo) must not be able to change the metadata server. Everything is read
// through db/spool/sql_lexer.hpp, the lexer the splitter uses too.
//
// Accepted, and nothing else (docs/RUNBOOK.md, "What a spool may hold"):
//
//   INSERT INTO [public.]<table> [( <column> [, <column>]... )]
//   VALUES ( <value> [, <value>]... ) [, ( ... )]...
//   [ ON CONFLICT [ ( <column> [, <column>]... ) | ON CONSTRAINT <name> ] DO NOTHING ] ;
//
//   <table>  indicator_datasets | walkforward_runs | walkforward_folds | simulation_runs
//   <value>  <constant> [ :: <type> ]   or   <clock> [ :: <type> ]
//   <constant> 'text' | E'text' | [-|+]<number> | NULL | TRUE | FALSE | DEFAULT
//   <clock>  now() | CURRENT_TIMESTAMP | CURRENT_DATE | LOCALTIMESTAMP | transaction_timestamp()
//            | statement_timestamp() | clock_timestamp()       (functions optionally pg_catalog.)
//   <type>   a built-in scalar type the four tables use (kSpoolCastTypes), optionally pg_catalog.,
//            without a modifier or array brackets
//
// Refused with the reason: other statements (UPDATE, DELETE, DDL, GRANT, SET, DO, CALL, SELECT,
// COPY, transaction control), other tables (the ledgers among them), WITH, INSERT ... SELECT,
// DEFAULT VALUES, OVERRIDING, an alias, any other function call, subqueries, operators and other
// expressions, dollar-quoted, bit, national and Unicode strings, parameters, RETURNING, DO UPDATE,
// a second statement, a NUL byte.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace db {

struct SpoolValue {
    enum class Kind { String, EscapeString, Number, Null, True, False, Default, Clock };
    Kind kind = Kind::Null;
    bool negative = false;  // a '-' before the number
    std::string_view text;  // the token as written: 'it''s', E'a\\b', 1.5, NULL, now
    std::string castType;   // the cast's type, canonical ("timestamp with time zone"), or empty
};

struct SpoolInsert {
    std::string table;                 // unqualified, one of kSpoolTables
    std::vector<std::string> columns;  // as PostgreSQL reads them (folded, unquoted); empty = none given
    std::vector<std::vector<SpoolValue>> rows;
    bool onConflictDoNothing = false;
    // The statement's own bytes, so that the replay can join the rows of several INSERTs into one
    // (head + " " + rowsText + ", " + rowsText ...) without reading the text a second way. Comments between
    // the tokens stay in them.
    std::string_view head;      // "INSERT INTO ... VALUES", from its first token through VALUES
    std::string_view rowsText;  // "(...), (...)", from the first row's '(' through the last row's ')'
};

struct SpoolVerdict {
    std::optional<SpoolInsert> insert;  // set when accepted
    std::string refusal;                // why not, when refused
    bool accepted() const { return insert.has_value(); }
};

// The statement as the splitter gives it (its terminating ';' included or not). The text views (the
// values', head and rowsText) point into statementText.
SpoolVerdict judgeSpoolStatement(std::string_view statementText);

// A literal's value as PostgreSQL reads it ('it''s' -> it's, E'a\nb' decoded, -1.5 for a negative
// number); nullopt for NULL, DEFAULT, clocks and strings the server would refuse.
std::optional<std::string> spoolValueText(const SpoolValue& value);

extern const std::vector<std::string_view> kSpoolTables;
extern const std::vector<std::string_view> kSpoolCastTypes;

}  // namespace db
