#include "app/run_config.hpp"

#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <vector>

#include "db/migration_catalog.hpp"

namespace app {
namespace {

using nlohmann::json;

enum Section { kFeatures, kHyperparameters, kWalk, kSimulation, kSectionCount };
constexpr std::array<std::string_view, kSectionCount> kSectionNames = {"features", "hyperparameters", "walk",
                                                                       "simulation"};
constexpr std::string_view kNeitherForm = "the header '# stage1 run-config v1' or legacy JSON lines";

// ---- UTF-8 ----

// Length (1-4) of the well-formed UTF-8 sequence at s[pos] (pos < s.size()), or 0 when there is none.
size_t decodeUtf8(std::string_view s, size_t pos, char32_t& codePoint) {
    unsigned lead = static_cast<unsigned char>(s[pos]);
    if (lead < 0x80) {
        codePoint = lead;
        return 1;
    }
    size_t length = 0;
    unsigned low = 0x80, high = 0xBF;  // the second byte's range; it excludes overlongs and surrogates
    if (lead >= 0xC2 && lead <= 0xDF) {
        length = 2;
        codePoint = lead & 0x1F;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
        length = 3;
        codePoint = lead & 0x0F;
        if (lead == 0xE0) low = 0xA0;
        if (lead == 0xED) high = 0x9F;
    } else if (lead >= 0xF0 && lead <= 0xF4) {
        length = 4;
        codePoint = lead & 0x07;
        if (lead == 0xF0) low = 0x90;
        if (lead == 0xF4) high = 0x8F;
    } else {
        return 0;
    }
    if (pos + length > s.size()) return 0;
    for (size_t i = 1; i < length; ++i) {
        unsigned byte = static_cast<unsigned char>(s[pos + i]);
        if (byte < (i == 1 ? low : 0x80) || byte > (i == 1 ? high : 0xBF)) return 0;
        codePoint = (codePoint << 6) | (byte & 0x3F);
    }
    return length;
}

void appendUtf8(std::string& out, char32_t c) {
    if (c < 0x80) {
        out += static_cast<char>(c);
    } else if (c < 0x800) {
        out += static_cast<char>(0xC0 | (c >> 6));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else if (c < 0x10000) {
        out += static_cast<char>(0xE0 | (c >> 12));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    } else {
        out += static_cast<char>(0xF0 | (c >> 18));
        out += static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (c & 0x3F));
    }
}

size_t countCodePoints(std::string_view s) {
    size_t count = 0;
    for (char c : s) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

// ---- Writing JSON: the canonical style of the v1 format, and jsonb's text output ----

enum class JsonStyle { Canonical, Jsonb };

// JSON's two-character escapes: kEscapedChars[i] is written as a backslash and kEscapeLetters[i].
constexpr std::string_view kEscapedChars = "\"\\\b\f\n\r\t";
constexpr std::string_view kEscapeLetters = "\"\\bfnrt";

// Characters a clipboard, mail client or editor may drop, convert or break a line at.
bool invisibleOrLineBreaking(char32_t c) {
    return c < 0x20 || (c >= 0x7F && c <= 0x9F) || c == 0xA0 || c == 0xAD || (c >= 0x200B && c <= 0x200F) ||
           (c >= 0x2028 && c <= 0x202E) || (c >= 0x2060 && c <= 0x2064) || (c >= 0x2066 && c <= 0x2069) ||
           c == 0xFEFF;
}

void writeString(std::string& out, std::string_view s, JsonStyle style) {
    out += '"';
    for (size_t pos = 0; pos < s.size();) {
        char32_t c = 0;
        size_t length = decodeUtf8(s, pos, c);
        if (length == 0) throw std::invalid_argument("a string in the config is not valid UTF-8");
        size_t shortForm = c < 0x80 ? kEscapedChars.find(static_cast<char>(c)) : std::string_view::npos;
        if (shortForm != std::string_view::npos) {
            out += '\\';
            out += kEscapeLetters[shortForm];
        } else if (style == JsonStyle::Canonical ? invisibleOrLineBreaking(c) : c < 0x20) {
            char escape[8];
            std::snprintf(escape, sizeof escape, "\\u%04x", static_cast<unsigned>(c));
            out += escape;
        } else {
            out += s.substr(pos, length);
        }
        pos += length;
    }
    out += '"';
}

std::string jsonQuoted(std::string_view s) {
    std::string out;
    writeString(out, s, JsonStyle::Canonical);
    return out;
}

// nlohmann's shortest round-trip form; -0.0 is written as 0.0, NaN and infinities as null.
std::string shortestFloat(double value) {
    return value == 0 ? "0.0" : json(value).dump();
}

// numeric's output for a number written as `shortest`: plain decimal, and as many fraction digits
// as the input had after applying its exponent (1.5e-07 -> 0.00000015, 1e+20 -> 100000000000000000000).
std::string plainDecimal(const std::string& shortest) {
    size_t exponentAt = shortest.find('e');
    if (exponentAt == std::string::npos) return shortest;
    std::string mantissa = shortest.substr(0, exponentAt);
    long exponent = std::stol(shortest.substr(exponentAt + 1));
    bool negative = mantissa[0] == '-';
    if (negative) mantissa.erase(0, 1);
    size_t dot = mantissa.find('.');
    std::string integerDigits = mantissa.substr(0, dot);
    std::string fractionDigits = dot == std::string::npos ? "" : mantissa.substr(dot + 1);
    std::string digits = integerDigits + fractionDigits;
    long point = static_cast<long>(integerDigits.size()) + exponent;  // digits before the decimal point
    long scale = std::max(0L, static_cast<long>(fractionDigits.size()) - exponent);
    auto digitAt = [&](long i) { return i >= 0 && i < static_cast<long>(digits.size()) ? digits[i] : '0'; };
    std::string out;
    for (long i = 0; i < point; ++i) out += digitAt(i);
    size_t firstNonZero = out.find_first_not_of('0');
    out = firstNonZero == std::string::npos ? "0" : out.substr(firstNonZero);
    if (scale > 0) {
        out += '.';
        for (long i = point; i < point + scale; ++i) out += digitAt(i);
    }
    return negative ? "-" + out : out;
}

void writeJson(std::string& out, const json& value, JsonStyle style) {
    if (value.is_string()) {
        writeString(out, value.get_ref<const std::string&>(), style);
    } else if (value.is_number_float()) {
        std::string text = shortestFloat(value.get<double>());
        out += style == JsonStyle::Jsonb && text != "null" ? plainDecimal(text) : text;
    } else if (value.is_array()) {
        out += '[';
        for (size_t i = 0; i < value.size(); ++i) {
            if (i) out += ", ";
            writeJson(out, value[i], style);
        }
        out += ']';
    } else if (value.is_object()) {
        std::vector<json::const_iterator> members;  // nlohmann's order: bytewise by key
        for (auto it = value.begin(); it != value.end(); ++it) members.push_back(it);
        if (style == JsonStyle::Jsonb)
            std::stable_sort(members.begin(), members.end(),
                             [](const auto& a, const auto& b) { return a.key().size() < b.key().size(); });
        out += '{';
        for (size_t i = 0; i < members.size(); ++i) {
            if (i) out += ", ";
            writeString(out, members[i].key(), style);
            out += ": ";
            writeJson(out, members[i].value(), style);
        }
        out += '}';
    } else if (value.is_binary()) {
        throw std::invalid_argument("the config holds a binary JSON value, which has no text form");
    } else {
        out += value.dump();  // null, true, false, an integer
    }
}

// ---- Names: bare when unambiguous, else a JSON string ----

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isBareStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isBareChar(char c) {
    return isBareStart(c) || isDigit(c) || std::string_view(".:/@+-").find(c) != std::string_view::npos;
}
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
        writeString(out, name, JsonStyle::Canonical);
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

// ---- Parsing: lines, positions and errors ----

struct Line {
    std::string_view text;  // without its line end and trailing spaces/tabs
    int number;             // 1-based
};

struct Rejection {
    ParseError error;
};

[[noreturn]] void reject(const Line& line, size_t pos, std::string expected, std::string found) {
    int column = static_cast<int>(countCodePoints(line.text.substr(0, pos))) + 1;
    throw Rejection{ParseError{line.number, column, std::move(expected), std::move(found)}};
}

// The character at pos, for an error message.
std::string foundAt(const Line& line, size_t pos) {
    if (pos >= line.text.size()) return "end of line";
    if (line.text[pos] == ' ') return "a space";
    if (line.text[pos] == '\t') return "a tab";
    char32_t c = 0;
    return jsonQuoted(line.text.substr(pos, decodeUtf8(line.text, pos, c)));
}

// At most 32 characters of s, quoted, "..." when cut.
std::string shortened(std::string_view s) {
    size_t pos = 0;
    for (int count = 0; pos < s.size() && count < 32; ++count) {
        char32_t c = 0;
        pos += decodeUtf8(s, pos, c);
    }
    return jsonQuoted(s.substr(0, pos)) + (pos < s.size() ? "..." : "");
}

std::string snippetAt(const Line& line, size_t pos) {
    return pos >= line.text.size() ? "end of line" : shortened(line.text.substr(pos));
}

std::string describeType(const json& value) {
    if (value.is_object()) return "a JSON object";
    if (value.is_array()) return "a JSON array";
    if (value.is_string()) return "a string";
    if (value.is_number()) return "the number " + value.dump();
    return value.dump();  // null, true, false
}

std::vector<Line> splitLines(std::string_view text) {
    std::vector<Line> lines;
    size_t start = 0;
    for (size_t i = 0;; ++i) {
        if (i < text.size() && text[i] != '\n' && text[i] != '\r') continue;
        std::string_view body = text.substr(start, i - start);
        while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.remove_suffix(1);
        lines.push_back(Line{body, static_cast<int>(lines.size()) + 1});
        if (i == text.size()) return lines;
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        start = i + 1;
    }
}

void checkEncoding(const Line& line) {
    for (size_t pos = 0; pos < line.text.size();) {
        char32_t c = 0;
        size_t length = decodeUtf8(line.text, pos, c);
        if (length == 0) {
            char byte[8];
            std::snprintf(byte, sizeof byte, "0x%02x", static_cast<unsigned char>(line.text[pos]));
            reject(line, pos, "UTF-8 text", std::string("the byte ") + byte + ", which is not valid UTF-8");
        }
        if (c == 0) reject(line, pos, "UTF-8 text", "a NUL byte");
        pos += length;
    }
}

// ---- Parsing one JSON value inside a line ----

class JsonReader {
  public:
    JsonReader(const Line& line, size_t pos) : line_(line), text_(line.text), pos_(pos) {}

    size_t pos() const { return pos_; }
    void skipSpaces() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
    }
    // `what` names the value in the error when none starts here; elementStarts receives the
    // position of each element when the value is an array.
    json value(const std::string& what, std::vector<size_t>* elementStarts = nullptr) {
        return parseAny(0, what, elementStarts);
    }
    std::string string() { return parseString(); }
    void expectEnd(const std::string& after) {
        skipSpaces();
        if (pos_ < text_.size()) reject(line_, pos_, "end of line after " + after, snippetAt(line_, pos_));
    }

  private:
    bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
    bool atDigit() const { return pos_ < text_.size() && isDigit(text_[pos_]); }

    json parseAny(int depth, const std::string& what, std::vector<size_t>* elementStarts) {
        if (pos_ >= text_.size()) reject(line_, pos_, what, "end of line");
        char c = text_[pos_];
        if ((c == '[' || c == '{') && depth == kMaxJsonDepth)
            reject(line_, pos_, "at most " + std::to_string(kMaxJsonDepth) + " nested arrays and objects",
                   "one more");
        if (c == '{') return parseObject(depth + 1);
        if (c == '[') return parseArray(depth + 1, elementStarts);
        if (c == '"') return parseString();
        if (c == '-' || isDigit(c)) return parseNumber();
        for (std::string_view literal : {"true", "false", "null"}) {
            if (text_.substr(pos_, literal.size()) != literal) continue;
            pos_ += literal.size();
            return literal == "null" ? json(nullptr) : json(literal == "true");
        }
        size_t wordEnd = pos_;
        while (wordEnd < text_.size() && isBareChar(text_[wordEnd])) ++wordEnd;
        reject(line_, pos_, what,
               wordEnd > pos_ ? shortened(text_.substr(pos_, wordEnd - pos_)) : foundAt(line_, pos_));
    }

    json parseObject(int depth) {
        ++pos_;
        json object = json::object();
        skipSpaces();
        if (at('}')) {
            ++pos_;
            return object;
        }
        for (bool first = true;; first = false) {
            skipSpaces();
            if (!at('"'))
                reject(line_, pos_, first ? "a quoted key or \"}\"" : "a quoted key", foundAt(line_, pos_));
            size_t keyAt = pos_;
            std::string key = parseString();
            if (object.contains(key))
                reject(line_, keyAt, "each key once in a JSON object", jsonQuoted(key) + " a second time");
            skipSpaces();
            if (!at(':')) reject(line_, pos_, "\":\" after the key", foundAt(line_, pos_));
            ++pos_;
            skipSpaces();
            object[std::move(key)] = parseAny(depth, "a JSON value after \":\"", nullptr);
            skipSpaces();
            if (at('}')) {
                ++pos_;
                return object;
            }
            if (!at(',')) reject(line_, pos_, "\",\" or \"}\" after an object member", foundAt(line_, pos_));
            ++pos_;
        }
    }

    json parseArray(int depth, std::vector<size_t>* elementStarts) {
        ++pos_;
        json array = json::array();
        skipSpaces();
        if (at(']')) {
            ++pos_;
            return array;
        }
        for (bool first = true;; first = false) {
            skipSpaces();
            if (elementStarts) elementStarts->push_back(pos_);
            array.push_back(
                parseAny(depth, first ? "a JSON value or \"]\"" : "a JSON value after \",\"", nullptr));
            skipSpaces();
            if (at(']')) {
                ++pos_;
                return array;
            }
            if (!at(',')) reject(line_, pos_, "\",\" or \"]\" after an array element", foundAt(line_, pos_));
            ++pos_;
        }
    }

    std::string parseString() {
        ++pos_;
        std::string out;
        for (;;) {
            if (pos_ >= text_.size()) reject(line_, pos_, "the closing '\"' of the string", "end of line");
            unsigned char c = static_cast<unsigned char>(text_[pos_]);
            if (c == '"') {
                ++pos_;
                return out;
            }
            if (c == '\\') {
                parseEscape(out);
            } else if (c < 0x20) {
                reject(line_, pos_, "a control character written as an escape (\\t, \\u0001, ...)",
                       foundAt(line_, pos_));
            } else {
                size_t end = pos_;
                while (end < text_.size() && text_[end] != '"' && text_[end] != '\\' &&
                       static_cast<unsigned char>(text_[end]) >= 0x20)
                    ++end;
                out += text_.substr(pos_, end - pos_);
                pos_ = end;
            }
        }
    }

    void parseEscape(std::string& out) {
        size_t escapeAt = pos_++;
        if (pos_ >= text_.size())
            reject(line_, pos_, "an escape such as \\n, \\\" or \\u00e9", "end of line");
        char kind = text_[pos_++];
        size_t shortForm = kEscapeLetters.find(kind);
        if (kind == '/' || shortForm != std::string_view::npos) {
            out += kind == '/' ? '/' : kEscapedChars[shortForm];
            return;
        }
        if (kind != 'u')
            reject(line_, pos_ - 1, "an escape such as \\n, \\\" or \\u00e9", foundAt(line_, pos_ - 1));
        char32_t c = parseHex4();
        if (c >= 0xDC00 && c <= 0xDFFF)
            reject(line_, escapeAt, "a \\u escape that is not a lone low surrogate",
                   shortened(text_.substr(escapeAt, 6)));
        if (c >= 0xD800 && c <= 0xDBFF) {
            size_t lowAt = pos_;
            if (text_.substr(pos_, 2) != "\\u")
                reject(line_, pos_, "a \\u escape of a low surrogate after the high surrogate",
                       foundAt(line_, pos_));
            pos_ += 2;
            char32_t low = parseHex4();
            if (low < 0xDC00 || low > 0xDFFF)
                reject(line_, lowAt, "a low surrogate (\\udc00 to \\udfff) after the high surrogate",
                       shortened(text_.substr(lowAt, 6)));
            c = 0x10000 + ((c - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(out, c);
    }

    char32_t parseHex4() {
        char32_t value = 0;
        for (int i = 0; i < 4; ++i, ++pos_) {
            char c = pos_ < text_.size() ? text_[pos_] : '\0';
            int digit = isDigit(c)               ? c - '0'
                        : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                        : (c >= 'A' && c <= 'F') ? c - 'A' + 10
                                                 : -1;
            if (digit < 0) reject(line_, pos_, "4 hex digits after \\u", foundAt(line_, pos_));
            value = value * 16 + static_cast<char32_t>(digit);
        }
        return value;
    }

    json parseNumber() {
        size_t start = pos_;
        if (at('-')) ++pos_;
        if (!atDigit()) reject(line_, pos_, "a digit", foundAt(line_, pos_));
        if (at('0')) {
            ++pos_;
            if (atDigit()) reject(line_, pos_, "no digit after a leading 0", foundAt(line_, pos_));
        }
        while (atDigit()) ++pos_;
        bool integral = true;
        if (at('.')) {
            integral = false;
            ++pos_;
            if (!atDigit()) reject(line_, pos_, "a digit after \".\"", foundAt(line_, pos_));
            while (atDigit()) ++pos_;
        }
        if (at('e') || at('E')) {
            integral = false;
            ++pos_;
            if (at('+') || at('-')) ++pos_;
            if (!atDigit()) reject(line_, pos_, "a digit in the exponent", foundAt(line_, pos_));
            while (atDigit()) ++pos_;
        }
        std::string_view token = text_.substr(start, pos_ - start);
        const char* first = token.data();
        const char* last = first + token.size();
        if (integral && token[0] == '-') {
            std::int64_t value = 0;
            if (std::from_chars(first, last, value).ec == std::errc()) return json(value);
        } else if (integral) {
            std::uint64_t value = 0;
            if (std::from_chars(first, last, value).ec == std::errc()) return json(value);
        }
        double value = 0;  // a fraction, an exponent, or an integer beyond 64 bits
        if (std::from_chars(first, last, value).ec != std::errc())
            reject(line_, start, "a number that a 64-bit float can hold", shortened(token));
        return json(value == 0 ? 0.0 : value);
    }

    const Line& line_;
    std::string_view text_;
    size_t pos_;
};

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
    for (const Line& line : lines) checkEncoding(line);
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
    if (rest[0] == '[' || rest[0] == '{') return {readLegacyForm(lines, first), ConfigForm::Legacy};
    reject(line, start, std::string(kNeitherForm), snippetAt(line, start));
}

// For the hash, numbers compare as the decimals jsonb would store (see run_config.hpp): a float with
// an integral value becomes the integer its shortest form names, when that fits in 64 bits.
json integralFloatsAsIntegers(const json& value) {
    if (value.is_number_float()) {
        double d = value.get<double>();
        if (!std::isfinite(d) || std::trunc(d) != d) return value;
        std::string decimal = plainDecimal(shortestFloat(d));  // "2.0", "1000000000000000000"
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
    return form == ConfigForm::Current ? "current (v1)" : "legacy (JSON lines)";
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
