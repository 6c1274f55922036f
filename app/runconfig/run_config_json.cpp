#include "app/runconfig/run_config_json.hpp"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace app::run_config_detail {

using nlohmann::json;

namespace {

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

}  // namespace

std::string jsonQuoted(std::string_view s) {
    std::string out;
    writeString(out, s, JsonStyle::Canonical);
    return out;
}

std::string jsonbDecimal(double value) {
    std::string shortest = shortestFloat(value);
    return shortest == "null" ? shortest : plainDecimal(shortest);
}

void writeJson(std::string& out, const json& value, JsonStyle style) {
    if (value.is_string()) {
        writeString(out, value.get_ref<const std::string&>(), style);
    } else if (value.is_number_float()) {
        double number = value.get<double>();
        out += style == JsonStyle::Jsonb ? jsonbDecimal(number) : shortestFloat(number);
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

// ---- Characters of bare names ----

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}
bool isBareStart(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool isBareChar(char c) {
    return isBareStart(c) || isDigit(c) || std::string_view(".:/@+-").find(c) != std::string_view::npos;
}

// ---- Parsing: lines, positions and errors ----

[[noreturn]] void reject(const Line& line, size_t pos, std::string expected, std::string found) {
    int column = static_cast<int>(countCodePoints(line.text.substr(0, pos))) + 1;
    throw Rejection{ParseError{line.number, column, std::move(expected), std::move(found)}};
}

std::string foundAt(const Line& line, size_t pos) {
    if (pos >= line.text.size()) return "end of line";
    if (line.text[pos] == ' ') return "a space";
    if (line.text[pos] == '\t') return "a tab";
    char32_t c = 0;
    return jsonQuoted(line.text.substr(pos, decodeUtf8(line.text, pos, c)));
}

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

namespace {

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

}  // namespace

std::vector<Line> splitLines(std::string_view text) {
    std::vector<Line> lines;
    size_t start = 0;
    for (size_t i = 0;; ++i) {
        if (i < text.size() && text[i] != '\n' && text[i] != '\r') continue;
        std::string_view body = text.substr(start, i - start);
        while (!body.empty() && (body.back() == ' ' || body.back() == '\t')) body.remove_suffix(1);
        lines.push_back(Line{body, static_cast<int>(lines.size()) + 1});
        if (i == text.size()) break;
        if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
        start = i + 1;
    }
    for (const Line& line : lines) checkEncoding(line);
    return lines;
}

// ---- Parsing one JSON value inside a line ----

json JsonReader::value(const std::string& what, std::vector<size_t>* elementStarts) {
    return parseAny(0, what, elementStarts);
}

std::string JsonReader::string() {
    return parseString();
}

void JsonReader::expectEnd(const std::string& after) {
    skipSpaces();
    if (pos_ < text_.size()) reject(line_, pos_, "end of line after " + after, snippetAt(line_, pos_));
}

json JsonReader::parseAny(int depth, const std::string& what, std::vector<size_t>* elementStarts) {
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

json JsonReader::parseObject(int depth) {
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

json JsonReader::parseArray(int depth, std::vector<size_t>* elementStarts) {
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

std::string JsonReader::parseString() {
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

void JsonReader::parseEscape(std::string& out) {
    size_t escapeAt = pos_++;
    if (pos_ >= text_.size()) reject(line_, pos_, "an escape such as \\n, \\\" or \\u00e9", "end of line");
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

char32_t JsonReader::parseHex4() {
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

json JsonReader::parseNumber() {
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

}  // namespace app::run_config_detail
