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

#include "db/spool/sql_splitter.hpp"

namespace db {

using TypeOid = unsigned int;

// A ::type name as the server resolved it: its type, when it has no modifier; nullopt otherwise
// (unknown, or a modifier such as char's implied (1)).
using CastTypes = std::map<std::string, std::optional<TypeOid>, std::less<>>;

// The value of a '...' or E'...' constant (standard_conforming_strings on). nullopt for E'' escapes
// it does not decode (octal, \x, \u, \U: they can make bytes the encoding refuses).
std::optional<std::string> decodeStringConstant(const SqlConstant& constant);

// Appends one COPY text line per row to `out` for a target with these column types (one per
// column of the INSERT's column list). Returns false, leaving `out` as it was, when a row has
// another number of values or any value might not reach its column exactly as the INSERT's.
bool appendCopyLines(const std::vector<std::vector<SqlConstant>>& rows, const std::vector<TypeOid>& columns,
                     const CastTypes& casts, std::string& out);

}  // namespace db
