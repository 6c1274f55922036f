// The text form of a walk-forward run's (or a simulation's) configuration: what serialized_config
// holds, what analysts copy to the clipboard, paste back, diff and hash to find identical runs.
//
// ## The current form (v1), as serializeRunConfig writes it
//
//     # stage1 run-config v1
//
//     [features]
//     rsi_14
//     atr_14
//
//     [hyperparameters]
//     lr = 0.05
//     num_leaves = 31
//     "min child weight" = {"a": [1, 2.5, null], "b": "x\ty"}
//
//     [walk]
//     folds = 4
//
//     [simulation]
//     fee_bps = 4
//
// - The header line comes first; then each section after one blank line, always in this order.
//   [features], [hyperparameters] and [walk] are always written; [simulation] exactly when
//   simulationParameters is set (even to {}). The text ends with exactly one "\n".
// - An empty section is its header with no lines under it (an empty feature list, an empty object).
// - [features]: one feature per line, in the config's order (order matters; repeats are kept).
//   [hyperparameters], [walk], [simulation]: one `name = value` line per key, sorted bytewise by
//   the key's UTF-8 bytes; the value is canonical one-line JSON (below).
// - Names (features and keys) are written bare when they match [A-Za-z_][A-Za-z0-9_.:/@+-]* and
//   are not true, false or null; any other name (an empty key, spaces, '=', '"', '#', '[', a
//   leading digit or '-', non-ASCII, ...) is written as a canonical JSON string: "my key" = 1.
//   So every JSON key and string is representable, and a line's first character says what it is:
//   '[' a section, '"' a quoted name, a letter or '_' a bare name.
// - Canonical JSON: ", " and ": " separators, object keys sorted bytewise, no other whitespace.
//   Strings escape '"', '\', every control character (C0, DEL, C1: \n \t \r \b \f or \u00xx) and
//   the invisible or line-breaking characters a clipboard or editor might eat or alter: U+00A0,
//   U+00AD, U+200B-U+200F, U+2028-U+202E, U+2060-U+2064, U+2066-U+2069, U+FEFF (as \uxxxx,
//   lowercase). Everything else, emoji included, is written as plain UTF-8.
// - Numbers: integers stay integers (64-bit signed or unsigned); floats print in the shortest form
//   that reads back to the same double (nlohmann's dump: 0.05, 1e-07, 2.0 keeps its ".0").
//   Normalized on the way in: -0.0 becomes 0.0, and an integer beyond 64 bits becomes the nearest
//   double (PostgreSQL's numeric may hold one; a double cannot be exact). A number no double can
//   hold (1e400, 1e-400) is a parse error. NaN/Infinity (only constructible in code) are written
//   as null, as nlohmann does.
// - JSON nesting is limited to kMaxJsonDepth levels; duplicate keys in a JSON object are errors.
//
// ## Parsing (parseRunConfig)
// Accepts the current form, the legacy form and the JSON object form (below), tolerating what clipboards do:
// a UTF-8 BOM, CRLF or lone CR line ends, trailing spaces/tabs, blank lines at the start, the end and between
// lines, and a missing or extra final newline. Sections may come in any order, and keys in any order.
// Anything else (indentation included) is a ParseError with the 1-based line and column in the original text
// (columns count Unicode characters, a tab is one, and a leading BOM is not counted), what was expected and
// what was found. serialize(parse(t)) == t for every t that serialize produced.
//
// ## The legacy form
// Rows written before v1 hold PostgreSQL's jsonb text output, one document per line joined by
// "\n": feature_columns, hyperparameters, walk_config and, for a simulation whose parameters are
// not {}, parameters. Any valid JSON is accepted on each line. 3 lines parse with no
// simulationParameters and 4 lines with them, so a simulation with parameters {} cannot be told
// from a plain run; the hash below makes that harmless.
//
// ## The JSON object form
// What the window's "Copy as JSON" writes, and what a desktop serializer may well emit: one JSON
// object with the keys feature_columns (an array of non-empty strings), hyperparameters and
// walk_config (objects) and, for a simulation, parameters (an object); no other key, each once, in
// any order, compact or pretty (line ends are whitespace inside it). Values are read by the same
// rules as the other forms (numbers, nesting, duplicate keys). A text whose first character (after
// a BOM and blank lines) is '{' is read as this form; the legacy form starts with '['.
//
// ## The content hash (runConfigHash)
// sha256 of the v1 text of the config after two normalizations, so that identical runs hash alike
// whatever form they were pasted in:
// - simulationParameters {} counts as missing (the legacy form cannot tell them apart);
// - numbers compare as the decimals jsonb stores: a float with an integral value counts as the
//   integer its shortest form names, when that fits in 64 bits (2.0 == 2, 1e3 == 1000, and the
//   double 2^63, shortest form 9.223372036854776e+18, == 9223372036854776000, which is what jsonb
//   keeps and legacy text shows for it), as jsonb and nlohmann's == compare 2 and 2.0 equal.
// Everything else counts: key names, string bytes, feature order, value types.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace app {

struct RunConfig {
    nlohmann::json featureColumns = nlohmann::json::array();    // array of non-empty strings
    nlohmann::json hyperparameters = nlohmann::json::object();  // object
    nlohmann::json walkConfig = nlohmann::json::object();       // object
    std::optional<nlohmann::json> simulationParameters;         // object; present for simulations
};

// By value, as nlohmann compares: 2 == 2.0.
bool operator==(const RunConfig& a, const RunConfig& b);
inline bool operator!=(const RunConfig& a, const RunConfig& b) {
    return !(a == b);
}

enum class ConfigForm { Current, Legacy, JsonObject };
const char* describe(ConfigForm form);  // "current (v1)", "legacy (JSON lines)", "JSON object"

struct ParseError {
    int line = 1;
    int column = 1;
    std::string expected;
    std::string found;

    std::string message() const;  // "line 4, column 12: expected ..., found ..."
};

struct ParsedConfig {
    RunConfig config;
    ConfigForm form = ConfigForm::Current;
};

// Exactly one of the two is set.
struct ParseResult {
    std::optional<ParsedConfig> ok;
    std::optional<ParseError> error;
};

constexpr size_t kMaxRunConfigBytes = size_t{1} << 20;  // larger input is rejected unread
constexpr int kMaxJsonDepth = 512;                      // arrays/objects inside one value
inline constexpr std::string_view kRunConfigHeader = "# stage1 run-config v1";

// Throws std::invalid_argument when the config does not fit the format: wrong JSON types, an
// empty feature name, a string that is not valid UTF-8.
std::string serializeRunConfig(const RunConfig& config);

ParseResult parseRunConfig(std::string_view text);

// Lowercase hex sha256 (see above); throws like serializeRunConfig.
std::string runConfigHash(const RunConfig& config);

// The legacy form exactly as PostgreSQL writes it (migration 0003): jsonb key order (shorter keys
// first, then bytewise), ", " / ": " separators, jsonb's string escapes and numeric's plain
// decimal notation (1e-07 -> 0.0000001). The 4th line only when simulationParameters is set and
// not {}. Throws like serializeRunConfig.
std::string legacyText(const RunConfig& config);

}  // namespace app
