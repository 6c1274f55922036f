// The run query language (#15): one line an analyst types, parsed on the client into ONE boolean SQL
// condition over `walkforward_runs r JOIN indicator_datasets d USING (dataset_id)`. Every value and
// every JSON key is a bound parameter; the condition holds only fixed SQL and $N placeholders.
// Pure: no libpq here, so it is unit-tested without a server (and fuzzed).
//
// Grammar (keywords and field names case-insensitive, keys case-sensitive):
//   query      := or
//   or         := and { 'or' and }
//   and        := not { 'and' not }
//   not        := 'not' not | '(' or ')' | comparison
//   comparison := field op value | field 'exists' | field 'in' '(' value { ',' value } ')'
//   op         := = | != | < | <= | > | >= | ~ | has
//   field      := hp.<path> | walk.<path> | sim.<path> | fold.<path>
//               | features | status | dataset | symbol | measurement | created
//   path       := key { '.' key }    key := [A-Za-z_][A-Za-z0-9_]* | "quoted" ("" for a quote)
//   value      := 'string' ('' for a quote) | number | true | false | null
//   number     := JSON's grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?, exponent within ±1000
//
// What each field is, and what it accepts (anything else is a parse error at the operator or value):
//   hp. walk.  r.hyperparameters / r.walk_config at the path.
//              = != in   any scalar value; `=` and `in` are containment (r.hyperparameters @> {"a":{"b":v}}),
//                        which a jsonb_path_ops GIN index serves. Numbers compare as numbers (1 = 1.0).
//              !=        "present, of the literal's JSON type, and different": `hp.lr != 0.1` matches
//                        numbers other than 0.1, never a string or a missing key; `!= null` = present and
//                        not null.
//              < <= > >= a number (only JSON numbers match, compared as numeric) or a string (only JSON
//                        strings match, compared byte-wise, COLLATE "C", the same on every server).
//              ~         a string: case-insensitive substring of a JSON string value (ILIKE).
//              has       any scalar: the value at the path is an array holding it (containment).
//              exists    no value: the path is present (a JSON null counts as present).
//              `= null` matches a JSON null, not a missing key (that is `not hp.k exists`).
//   sim.       the same, true when ANY of the run's simulations matches (EXISTS over simulation_runs).
//   fold.      the mean of that metric over the run's folds, folds where it is absent or not a number
//              left out; no such fold = no mean, which matches nothing but `not`.
//              = != < <= > >= in  numbers only;  exists  (at least one fold has it as a number).
//   features   r.feature_columns, a JSON array of names: only `has 'name'` (containment).
//   status dataset symbol measurement   text columns (dataset is d.questdb_tag):
//              = != < <= > >= in  strings only (ordering COLLATE "C");  ~  ILIKE (a pg_trgm index serves it).
//   created    r.created_at: = != < <= > >= with 'YYYY-MM-DD' [('T'|' ')HH:MM[:SS[.fraction]]]
//              [Z|±HH[:MM]|±HHMM]; without a zone the session's TimeZone applies; `=` is the instant.
//
// Logic is two-valued: every comparison is true or false, never unknown, so `not X` is exactly the runs
// X does not match (a run without the key included).
// Limits (hostile input must not blow the stack or the server): ≤ 4096 bytes, valid UTF-8 without NUL,
// nesting (parentheses and `not`) ≤ 32 deep, ≤ 64 comparisons (each value of an `in` list counts as one).
// Errors give the 1-based column in code points and what was expected there.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace db::search {

struct QueryError {
    int column = 1;  // 1-based, in code points; the query's length + 1 for "at the end"
    std::string message;
    std::string text() const;  // "column 14: expected a value after '='"
};

struct NamedField {
    std::string name;  // as the user first wrote it: "hp.model", "fold.sharpe", "hp.\"max-depth\""
    // An expression over r and d giving the field's value as text, NULL when absent (for the results
    // list). It uses the query's params (a key path), and every param it uses is also used by
    // `condition`, so the condition alone, or with any of these, binds the same params.
    std::string sqlText;
};

struct CompiledQuery {
    std::string condition;  // parenthesized boolean SQL over r and d; placeholders $firstParam..
    std::vector<std::optional<std::string>> params;  // in placeholder order, text form
    std::vector<NamedField> fields;  // each distinct field named, in order of first appearance
};

constexpr size_t kMaxQueryBytes = 4096;
constexpr int kMaxQueryDepth = 32;
constexpr int kMaxQueryComparisons = 64;

// The parse and the compile in one step. firstParam: the number of the first placeholder (the caller's
// own parameters come before).
std::variant<CompiledQuery, QueryError> compileRunQuery(std::string_view query, int firstParam = 1);

}  // namespace db::search
