// The run query language's syntax tree and its parser (db/search/run_query.hpp has the language). The
// parser also applies the typing rules, so a tree it returns compiles without further checks.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "db/search/run_query.hpp"

namespace db::search {

enum class FieldKind { Hyper, Walk, Sim, Fold, Features, Status, Dataset, Symbol, Measurement, Created };

struct FieldRef {
    FieldKind kind = FieldKind::Status;
    std::vector<std::string> path;  // hp. walk. sim. fold.: the keys, unescaped; empty for the others
    std::string spelling;           // as written in the query, for NamedField::name
};

enum class CompareOp { Eq, Ne, Lt, Le, Gt, Ge, Like, Has, Exists, In };

struct QueryValue {
    enum class Kind { String, Number, True, False, Null };
    Kind kind = Kind::Null;
    std::string text;  // String: the content; Number: JSON text as written; others: empty
};

struct Comparison {
    FieldRef field;
    CompareOp op = CompareOp::Eq;
    std::vector<QueryValue> values;  // none for exists, one or more for in, one otherwise
};

struct QueryNode {
    enum class Kind { And, Or, Not, Compare };
    Kind kind = Kind::Compare;
    std::vector<QueryNode> children;  // And/Or: two or more; Not: one
    Comparison comparison;            // Compare only
};

// The query must have passed checkQueryEncoding and the length limit.
std::variant<QueryNode, QueryError> parseRunQuery(std::string_view query);

// The JSON-path fields (hp. walk. sim. fold.).
inline bool hasPath(FieldKind kind) {
    return kind == FieldKind::Hyper || kind == FieldKind::Walk || kind == FieldKind::Sim ||
           kind == FieldKind::Fold;
}

}  // namespace db::search
