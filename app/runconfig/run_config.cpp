#include "app/runconfig/run_config.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <map>
#include <stdexcept>
#include <vector>

#include "app/runconfig/run_config_json.hpp"
#include "db/schema/migration_catalog.hpp"

namespace app {
namespace {

using nlohmann::json;
using namespace run_config_detail;

enum Section { kFeatures, kHyperparameters, kWalk, kSimulation, kSectionCount };
constexpr std::array<std::string_view, kSectionCount> kSectionNames = {"features", "hyperparameters", "walk",
                                                                       "simulation"};
constexpr std::string_view kNeitherForm = "the header '# stage1 run-config v1' or legacy JSON lines";

// ---- Names: bare when unambiguous, else a JSON string ----

bool isJsonLiteral(std::string_view word) {
    return word == "true" || word == "false" || word == "null";
}

size_t bareNameEnd(std::string_view text) {
    size_t end = 0;
    if (!text.empty() && isBareStart(text[0]))
        while (++end < text.size() && isBareChar(text[end])) {
        }
    return end;
}

void writeName(std::string& out, const std::string& name) {
    if (!name.empty() && bareNameEnd(name) == name.size() && !isJsonLiteral(name))
        out += name;
    else
        out += jsonQuoted(name);
}

void checkShape(const RunConfig& config) {
    if (!config.featureColumns.is_array())
        throw std::invalid_argument("featureColumns must be a JSON array of feature names");
    for (const auto& feature : config.featureColumns)
        if (!feature.is_string() || feature.get_ref<const std::string&>().empty())
            throw std::invalid_argument("every feature must be a non-empty string, not " + feature.dump());
    if (!config.hyperparameters.is_object())
        throw std::invalid_argument("hyperparameters must be a JSON object");
    if (!config.walkConfig.is_object()) throw std::invalid_argument("walkConfig must be a JSON object");
    if (config.simulationParameters && !config.simulationParameters->is_object())
        throw std::invalid_argument("simulationParameters must be a JSON object");
}

void writeSection(std::string& out, Section section, const json& object) {
    out += "\n[";
    out += kSectionNames[section];
    out += "]\n";
    for (auto it = object.begin(); it != object.end(); ++it) {
        writeName(out, it.key());
        out += " = ";
        writeJson(out, it.value(), JsonStyle::Canonical);
        out += '\n';
    }
}

// ---- Parsing: what the readers found ----

std::string describeType(const json& value) {
    if (value.is_object()) return "a JSON object";
    if (value.is_array()) return "a JSON array";
    if (value.is_string()) return "a string";
    if (value.is_number()) return "the number " + value.dump();
    return value.dump();  // null, true, false
}

// ---- The current form ----

void readHeader(const Line& line) {
    constexpr std::string_view kStart = "# stage1 run-config";
    std::string_view text = line.text;
    if (text.substr(0, kStart.size()) != kStart ||
        (text.size() > kStart.size() && text[kStart.size()] != ' '))
        reject(line, 0, std::string(kNeitherForm), snippetAt(line, 0));
    size_t at = kStart.size() + 1;
    if (at >= text.size())
        reject(line, text.size(), "a version after the header, as in \" v1\"", "end of line");
    std::string_view version = text.substr(at);
    if (version == "v1") return;
    bool numbered = version.size() > 1 && version[0] == 'v' &&
                    version.find_first_not_of("0123456789", 1) == std::string_view::npos;
    if (numbered)
        reject(line, at, "a supported version (this build reads v1 and the legacy JSON lines)",
               jsonQuoted(version));
    reject(line, at, "a version such as v1", snippetAt(line, at));
}

Section readSectionHeader(const Line& line) {
    size_t close = line.text.find(']');
    if (close == std::string_view::npos)
        reject(line, line.text.size(), "\"]\" closing the section name", "end of line");
    std::string_view name = line.text.substr(1, close - 1);
    size_t section = 0;
    while (section < kSectionCount && kSectionNames[section] != name) ++section;
    if (section == kSectionCount)
        reject(line, 0, "a section: [features], [hyperparameters], [walk] or [simulation]",
               shortened(line.text.substr(0, close + 1)));
    if (close + 1 < line.text.size())
        reject(line, close + 1, "end of line after the section header", snippetAt(line, close + 1));
    return static_cast<Section>(section);
}

json checkedFeature(const Line& line, size_t at, json value) {
    if (!value.is_string()) reject(line, at, "a feature name (a string)", describeType(value));
    if (value.get_ref<const std::string&>().empty()) reject(line, at, "a non-empty feature name", "\"\"");
    return value;
}

json readFeatureLine(const Line& line) {
    std::string_view text = line.text;
    size_t end = bareNameEnd(text);
    if (end > 0 && !isJsonLiteral(text.substr(0, end))) {
        if (end < text.size())
            reject(line, end, "end of line after the feature name (write other names as JSON strings)",
                   foundAt(line, end));
        return json(std::string(text.substr(0, end)));
    }
    char c = text[0];
    if (end == 0 && c != '"' && c != '-' && c != '{' && !isDigit(c))
        reject(line, 0, "a feature name or a section header", snippetAt(line, 0));
    JsonReader reader(line, 0);  // a quoted name, or a JSON value that is not a string
    json value = reader.value("a feature name");
    reader.expectEnd("the feature name");
    return checkedFeature(line, 0, std::move(value));
}

void readKeyLine(const Line& line, Section section, json& object, std::map<std::string, int>& keyLines) {
    std::string_view text = line.text;
    std::string key;
    size_t pos = bareNameEnd(text);
    if (pos > 0) {
        key = std::string(text.substr(0, pos));
    } else if (text[0] == '"') {
        JsonReader reader(line, 0);
        key = reader.string();
        pos = reader.pos();
    } else {
        reject(line, 0, "a key (a name or a quoted JSON string) or a section header", snippetAt(line, 0));
    }
    auto [first, inserted] = keyLines.emplace(key, line.number);
    if (!inserted)
        reject(line, 0, "each key once in [" + std::string(kSectionNames[section]) + "]",
               jsonQuoted(key) + " again (first on line " + std::to_string(first->second) + ")");
    JsonReader reader(line, pos);
    reader.skipSpaces();
    if (reader.pos() >= text.size() || text[reader.pos()] != '=')
        reject(line, reader.pos(), "\"=\" after the key", foundAt(line, reader.pos()));
    JsonReader valueReader(line, reader.pos() + 1);
    valueReader.skipSpaces();
    object[key] = valueReader.value("a JSON value after \"=\"");
    valueReader.expectEnd("the value");
}

RunConfig readCurrentForm(const std::vector<Line>& lines, size_t headerIndex) {
    std::array<int, kSectionCount> headerLine{};  // 0 while a section has not been seen
    std::array<json, kSectionCount> content = {json::array(), json::object(), json::object(), json::object()};
    std::map<std::string, int> keyLines;  // of the current section
    int current = -1;
    const Line* last = &lines[headerIndex];
    for (size_t i = headerIndex + 1; i < lines.size(); ++i) {
        const Line& line = lines[i];
        if (line.text.empty()) continue;
        last = &line;
        if (line.text[0] == '[') {
            Section section = readSectionHeader(line);
            if (headerLine[section])
                reject(line, 0, "each section once",
                       "a second " + shortened(line.text) + " (the first is on line " +
                           std::to_string(headerLine[section]) + ")");
            headerLine[section] = line.number;
            current = section;
            keyLines.clear();
        } else if (current < 0) {
            reject(line, 0, "a section header such as \"[features]\"", snippetAt(line, 0));
        } else if (current == kFeatures) {
            content[kFeatures].push_back(readFeatureLine(line));
        } else {
            readKeyLine(line, static_cast<Section>(current), content[current], keyLines);
        }
    }
    for (Section required : {kFeatures, kHyperparameters, kWalk})
        if (!headerLine[required])
            reject(*last, last->text.size(),
                   "a [" + std::string(kSectionNames[required]) +
                       "] section (every config has [features], [hyperparameters] and [walk])",
                   "end of input");
    RunConfig config;
    config.featureColumns = std::move(content[kFeatures]);
    config.hyperparameters = std::move(content[kHyperparameters]);
    config.walkConfig = std::move(content[kWalk]);
    if (headerLine[kSimulation]) config.simulationParameters = std::move(content[kSimulation]);
    return config;
}

// ---- The legacy form ----

constexpr std::array<std::string_view, 4> kLegacyRoles = {"the feature list", "the hyperparameters",
                                                          "the walk config", "the simulation parameters"};

json readLegacyLine(const Line& line, size_t index) {
    JsonReader reader(line, 0);
    reader.skipSpaces();
    size_t start = reader.pos();
    std::vector<size_t> elementStarts;
    std::string what = index == 0 ? "a JSON array of feature names" : "a JSON object";
    json value = reader.value(what + " (" + std::string(kLegacyRoles[index]) + ")", &elementStarts);
    reader.expectEnd("the JSON value");
    if (index == 0 && value.is_array()) {
        for (size_t i = 0; i < value.size(); ++i) checkedFeature(line, elementStarts[i], value[i]);
    } else if (index == 0 || !value.is_object()) {
        reject(line, start,
               what + " on legacy line " + std::to_string(index + 1) + " (" +
                   std::string(kLegacyRoles[index]) + ")",
               describeType(value));
    }
    return value;
}

RunConfig readLegacyForm(const std::vector<Line>& lines, size_t firstIndex) {
    std::vector<json> documents;
    const Line* last = &lines[firstIndex];
    for (size_t i = firstIndex; i < lines.size(); ++i) {
        const Line& line = lines[i];
        if (line.text.empty()) continue;
        if (documents.size() == kLegacyRoles.size())
            reject(line, 0, "end of input: the legacy form has at most 4 JSON lines",
                   "a 5th: " + snippetAt(line, 0));
        documents.push_back(readLegacyLine(line, documents.size()));
        last = &line;
    }
    if (documents.size() < 3)
        reject(*last, last->text.size(),
               "line " + std::to_string(documents.size() + 1) + " of the legacy form, " +
                   std::string(kLegacyRoles[documents.size()]) + " as a JSON object (it has 3 or 4 lines)",
               "end of input");
    RunConfig config;
    config.featureColumns = std::move(documents[0]);
    config.hyperparameters = std::move(documents[1]);
    config.walkConfig = std::move(documents[2]);
    if (documents.size() == 4) config.simulationParameters = std::move(documents[3]);
    return config;
}

constexpr std::array<std::string_view, 4> kJsonObjectKeys = {"feature_columns", "hyperparameters",
                                                             "walk_config", "parameters"};

// A rejection made while reading the whole text as one line, moved to the line and column it is on
// in the text (its column counted code points from the text's start).
ParseError onItsLine(std::string_view text, ParseError error) {
    size_t offset = 0;
    for (int points = 1; offset < text.size(); ++offset)
        if ((static_cast<unsigned char>(text[offset]) & 0xC0) != 0x80 && points++ == error.column) break;
    int line = 1;
    size_t lineStart = 0;
    for (size_t i = 0; i < offset; ++i)
        if (text[i] == '\n' || (text[i] == '\r' && (i + 1 >= text.size() || text[i + 1] != '\n'))) {
            ++line;  // \n, \r\n (at its \n) or a lone \r
            lineStart = i + 1;
        }
    error.line = line;
    error.column = 1;
    for (size_t i = lineStart; i < offset; ++i)
        error.column += (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
    if (error.found == "end of line") error.found = "end of input";
    if (error.expected.rfind("end of line after ", 0) == 0) error.expected.replace(0, 11, "end of input");
    return error;
}

RunConfig readJsonObjectForm(std::string_view text) {
    const Line whole{text, 1};
    try {
        JsonReader reader(whole, 0, true);
        reader.skipSpaces();
        const size_t start = reader.pos();
        json object = reader.value("a JSON object with feature_columns, hyperparameters and walk_config");
        reader.expectEnd("the JSON object");
        for (auto it = object.begin(); it != object.end(); ++it)
            if (std::find(kJsonObjectKeys.begin(), kJsonObjectKeys.end(), it.key()) == kJsonObjectKeys.end())
                reject(whole, start,
                       "only the keys feature_columns, hyperparameters, walk_config and parameters",
                       jsonQuoted(it.key()));
        for (std::string_view required : {kJsonObjectKeys[0], kJsonObjectKeys[1], kJsonObjectKeys[2]})
            if (!object.contains(std::string(required)))
                reject(whole, start, "the key \"" + std::string(required) + "\"", "an object without it");
        RunConfig config;
        config.featureColumns = std::move(object["feature_columns"]);
        if (!config.featureColumns.is_array())
            reject(whole, start, "feature_columns as a JSON array of feature names",
                   describeType(config.featureColumns));
        for (const json& feature : config.featureColumns) checkedFeature(whole, start, feature);
        auto objectAt = [&](const char* key) {
            json value = std::move(object[key]);
            if (!value.is_object())
                reject(whole, start, std::string(key) + " as a JSON object", describeType(value));
            return value;
        };
        config.hyperparameters = objectAt("hyperparameters");
        config.walkConfig = objectAt("walk_config");
        if (object.contains("parameters")) config.simulationParameters = objectAt("parameters");
        return config;
    } catch (const Rejection& rejection) {
        throw Rejection{onItsLine(text, rejection.error)};
    }
}

bool looksLikeSectionHeader(std::string_view text) {
    size_t end = bareNameEnd(text.substr(1)) + 1;
    return end > 1 && end < text.size() && text[end] == ']' && !isJsonLiteral(text.substr(1, end - 1));
}

ParsedConfig readText(std::string_view text) {
    if (text.size() > kMaxRunConfigBytes)
        throw Rejection{ParseError{1, 1, "at most 1 MiB (" + std::to_string(kMaxRunConfigBytes) + " bytes)",
                                   std::to_string(text.size()) + " bytes"}};
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    std::vector<Line> lines = splitLines(text);
    size_t first = 0;
    while (first < lines.size() && lines[first].text.empty()) ++first;
    if (first == lines.size())
        throw Rejection{
            ParseError{1, 1, std::string(kNeitherForm), text.empty() ? "empty input" : "only blank lines"}};
    const Line& line = lines[first];
    if (line.text[0] == '#') {
        readHeader(line);
        return {readCurrentForm(lines, first), ConfigForm::Current};
    }
    size_t start = line.text.find_first_not_of(" \t");
    std::string_view rest = line.text.substr(start);
    if (rest[0] == '[' && looksLikeSectionHeader(rest))
        reject(line, start, "the header line '# stage1 run-config v1' before the first section",
               snippetAt(line, start));
    if (rest[0] == '{') return {readJsonObjectForm(text), ConfigForm::JsonObject};
    if (rest[0] == '[') return {readLegacyForm(lines, first), ConfigForm::Legacy};
    reject(line, start, std::string(kNeitherForm), snippetAt(line, start));
}

// For the hash, numbers compare as the decimals jsonb would store (see run_config.hpp): a float with
// an integral value becomes the integer its shortest form names, when that fits in 64 bits.
json integralFloatsAsIntegers(const json& value) {
    if (value.is_number_float()) {
        double d = value.get<double>();
        if (!std::isfinite(d) || std::trunc(d) != d) return value;
        std::string decimal = jsonbDecimal(d);  // "2.0", "1000000000000000000"
        if (decimal.size() > 2 && decimal.compare(decimal.size() - 2, 2, ".0") == 0)
            decimal.resize(decimal.size() - 2);
        const char* first = decimal.data();
        const char* last = first + decimal.size();
        std::int64_t signedValue = 0;
        if (std::from_chars(first, last, signedValue).ec == std::errc()) return json(signedValue);
        std::uint64_t unsignedValue = 0;
        if (std::from_chars(first, last, unsignedValue).ec == std::errc()) return json(unsignedValue);
        return value;
    }
    if (value.is_array()) {
        json out = json::array();
        for (const auto& element : value) out.push_back(integralFloatsAsIntegers(element));
        return out;
    }
    if (value.is_object()) {
        json out = json::object();
        for (auto it = value.begin(); it != value.end(); ++it)
            out[it.key()] = integralFloatsAsIntegers(it.value());
        return out;
    }
    return value;
}

}  // namespace

bool operator==(const RunConfig& a, const RunConfig& b) {
    if (a.simulationParameters.has_value() != b.simulationParameters.has_value()) return false;
    if (a.simulationParameters && *a.simulationParameters != *b.simulationParameters) return false;
    return a.featureColumns == b.featureColumns && a.hyperparameters == b.hyperparameters &&
           a.walkConfig == b.walkConfig;
}

const char* describe(ConfigForm form) {
    switch (form) {
        case ConfigForm::Current:
            return "current (v1)";
        case ConfigForm::Legacy:
            return "legacy (JSON lines)";
        case ConfigForm::JsonObject:
            break;
    }
    return "JSON object";
}

std::string ParseError::message() const {
    return "line " + std::to_string(line) + ", column " + std::to_string(column) + ": expected " + expected +
           ", found " + found;
}

std::string serializeRunConfig(const RunConfig& config) {
    checkShape(config);
    std::string out(kRunConfigHeader);
    out += "\n\n[features]\n";
    for (const auto& feature : config.featureColumns) {
        writeName(out, feature.get_ref<const std::string&>());
        out += '\n';
    }
    writeSection(out, kHyperparameters, config.hyperparameters);
    writeSection(out, kWalk, config.walkConfig);
    if (config.simulationParameters) writeSection(out, kSimulation, *config.simulationParameters);
    return out;
}

ParseResult parseRunConfig(std::string_view text) {
    try {
        return ParseResult{readText(text), std::nullopt};
    } catch (const Rejection& rejection) {
        return ParseResult{std::nullopt, rejection.error};
    }
}

std::string runConfigHash(const RunConfig& config) {
    checkShape(config);
    RunConfig normalized;
    normalized.featureColumns = config.featureColumns;
    normalized.hyperparameters = integralFloatsAsIntegers(config.hyperparameters);
    normalized.walkConfig = integralFloatsAsIntegers(config.walkConfig);
    if (config.simulationParameters && !config.simulationParameters->empty())
        normalized.simulationParameters = integralFloatsAsIntegers(*config.simulationParameters);
    return db::sha256Hex(serializeRunConfig(normalized));
}

std::string legacyText(const RunConfig& config) {
    checkShape(config);
    std::string out;
    writeJson(out, config.featureColumns, JsonStyle::Jsonb);
    out += '\n';
    writeJson(out, config.hyperparameters, JsonStyle::Jsonb);
    out += '\n';
    writeJson(out, config.walkConfig, JsonStyle::Jsonb);
    if (config.simulationParameters && !config.simulationParameters->empty()) {
        out += '\n';
        writeJson(out, *config.simulationParameters, JsonStyle::Jsonb);
    }
    return out;
}

}  // namespace app
