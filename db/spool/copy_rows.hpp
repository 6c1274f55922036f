// COPY text-format lines for the constant rows of spooled INSERTs, made only where COPY stores
// exactly what the INSERT would: stage1ctl replay-spool loads runs of them with COPY, which costs
// the server less than half of what parsing the same rows as INSERT ... VALUES does.
//
// Why the rules: an INSERT turns an untyped literal into the column's type with that type's input
// function and the column's modifier, which is what COPY does with its field. Anything else can
// differ: a bare 1.5 into an integer column is rounded by the INSERT and refused by COPY; a bare
// number into a text column is printed back by the INSERT (1e3 becomes '1000'); -0 is 0 for the
// INSERT's integer but -0 for COPY's float8; a cast to another type (or one with a modifier, like
// ::char, which is char(1)) converts the value on the way. Those rows are left to the INSERT.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/spool/copy_order.hpp"
#include "db/spool/spool_grammar.hpp"

namespace db {

// A ::type name as the server resolved it: its type, when it has no modifier; nullopt otherwise
// (unknown, or a modifier such as char's implied (1)).
using CastTypes = std::map<std::string, std::optional<TypeOid>, std::less<>>;

// The value of a '...' or E'...' constant (standard_conforming_strings on). nullopt for E'' escapes
// it does not decode (octal, \x, \u, \U: they can make bytes the encoding refuses) and for values
// that are not strings.
std::optional<std::string> decodeStringConstant(const SpoolValue& constant);

// Appends a value as a field of COPY's text format: backslash, newline, carriage return and tab escaped.
void appendCopyEscaped(std::string_view value, std::string& out);

// Appends one COPY text line per row to `out` for a target with these column types (one per
// column of the INSERT's column list). Returns false, leaving `out` as it was, when a row has
// another number of values or any value might not reach its column exactly as the INSERT's
// (DEFAULT and the clocks never do: COPY has no expressions).
bool appendCopyLines(const std::vector<std::vector<SpoolValue>>& rows, const std::vector<TypeOid>& columns,
                     const CastTypes& casts, std::string& out);

// A table whose rows COPY stores like INSERT (db/spool/spool_copy.hpp asks the server which).
struct CopyTarget {
    std::string command;           // "COPY <schema>.<table> (<columns>) FROM STDIN", names quoted
    std::vector<TypeOid> columns;  // the types of the INSERT's column list, in its order
    std::vector<int> attnums;      // their attribute numbers
    CopyTableTraits table;         // whether its rows may load ahead of others' (db/spool/copy_order.hpp)
};

// What the server said about the targets and ::type names of a file's INSERTs: plain data, so the
// batch planner (db/spool/spool_plan.hpp) decides without a connection.
struct CopyTargets {
    // By insertTargetKey(); nullopt: that target goes by INSERT.
    std::map<std::string, std::optional<CopyTarget>, std::less<>> targets;
    CastTypes casts;
    ForeignKeyLinks links;  // every foreign key from or to a target's table

    // The target of this INSERT when it takes COPY; nullptr otherwise.
    const CopyTarget* find(const SpoolInsert& insert) const;
};

// The table and the column list, as PostgreSQL reads them: INSERTs with the same key go to the same
// columns however their names were written.
std::string insertTargetKey(const SpoolInsert& insert);

}  // namespace db
