// A JSON document as flat (path, value) pairs, the way Compare's rows and the Details' parameter
// tables show it: nested objects joined with '.', a key that is not an identifier quoted the way the
// run query language quotes it (hp."max-depth"), so a path can be pasted into a search.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace app {

// `key` as one step of a query path: as is when it is [A-Za-z_][A-Za-z0-9_]*, else in double
// quotes with '"' doubled.
std::string queryPathStep(const std::string& key);

// Every leaf of `document` under `prefix` ("hp" → "hp.max_depth"; "" → "max_depth"), in key order.
// Arrays, scalars and nested empty objects are leaves; an empty document has none. A non-object
// document is one leaf named prefix.
std::vector<std::pair<std::string, nlohmann::json>> flattenJson(const nlohmann::json& document,
                                                                const std::string& prefix);

// How a leaf reads in a table: a string without its quotes, anything else as compact JSON.
std::string leafText(const nlohmann::json& value);

}  // namespace app
