// Internal to the run-config format (run_config.cpp); nothing else should include it. It is the
// format's JSON layer, split out so that run_config.cpp holds only the format itself (names,
// sections, the current and legacy forms, the hash):
// - writing JSON values in the format's canonical style and in PostgreSQL jsonb's text style;
// - the lines of a pasted text, and errors that point at a line and column (Rejection);
// - reading one JSON value inside a line (JsonReader), strictly and with those positioned errors.
// The rules themselves are documented in run_config.hpp.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "app/runconfig/run_config.hpp"

namespace app::run_config_detail {

// ---- Writing JSON ----

enum class JsonStyle { Canonical, Jsonb };

// Throws std::invalid_argument for a string that is not valid UTF-8 or a binary value.
void writeJson(std::string& out, const nlohmann::json& value, JsonStyle style);
// s as a canonical JSON string; throws std::invalid_argument when s is not valid UTF-8.
std::string jsonQuoted(std::string_view s);
// The plain decimal jsonb's numeric stores for value (1e-07 -> 0.0000001); "null" for NaN/infinities.
std::string jsonbDecimal(double value);

// ---- Characters of bare names (which JsonReader also reports as whole words) ----

bool isDigit(char c);
bool isBareStart(char c);  // [A-Za-z_]
bool isBareChar(char c);   // [A-Za-z0-9_.:/@+-]

// ---- Lines, positions and errors ----

struct Line {
    std::string_view text;  // without its line end and trailing spaces/tabs
    int number;             // 1-based
};

// What parsing throws; parseRunConfig turns it into its ParseError.
struct Rejection {
    ParseError error;
};

// The lines of text split at "\n", "\r\n" and "\r"; rejects the first that is not UTF-8 or holds a NUL.
std::vector<Line> splitLines(std::string_view text);
// Throws a Rejection at pos (a byte offset in line.text; the column counts characters).
[[noreturn]] void reject(const Line& line, size_t pos, std::string expected, std::string found);
std::string foundAt(const Line& line, size_t pos);    // the character at pos: "a space", "\"x\"", ...
std::string shortened(std::string_view s);            // at most 32 characters, quoted, "..." when cut
std::string snippetAt(const Line& line, size_t pos);  // shortened(the rest of the line), or "end of line"

// ---- Reading one JSON value inside a line ----

class JsonReader {
  public:
    // `acrossLines`: the line is a whole text (the JSON object form), whose line ends are spaces too.
    JsonReader(const Line& line, size_t pos, bool acrossLines = false)
        : line_(line), text_(line.text), pos_(pos), acrossLines_(acrossLines) {}

    size_t pos() const { return pos_; }
    void skipSpaces() {
        while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                       (acrossLines_ && (text_[pos_] == '\n' || text_[pos_] == '\r'))))
            ++pos_;
    }
    // `what` names the value in the error when none starts here; elementStarts receives the
    // position of each element when the value is an array.
    nlohmann::json value(const std::string& what, std::vector<size_t>* elementStarts = nullptr);
    std::string string();  // a JSON string starting at pos()
    void expectEnd(const std::string& after);

  private:
    bool at(char c) const { return pos_ < text_.size() && text_[pos_] == c; }
    bool atDigit() const { return pos_ < text_.size() && isDigit(text_[pos_]); }

    nlohmann::json parseAny(int depth, const std::string& what, std::vector<size_t>* elementStarts);
    nlohmann::json parseObject(int depth);
    nlohmann::json parseArray(int depth, std::vector<size_t>* elementStarts);
    std::string parseString();
    void parseEscape(std::string& out);
    char32_t parseHex4();
    nlohmann::json parseNumber();

    const Line& line_;
    std::string_view text_;
    size_t pos_;
    bool acrossLines_;
};

}  // namespace app::run_config_detail
