#include <doctest/doctest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "app/runconfig/run_config.hpp"
#include "db/schema/migration_catalog.hpp"

using app::ConfigForm;
using app::RunConfig;
using nlohmann::json;

namespace {

// Type-sensitive, unlike nlohmann's ==: 2 and 2.0 differ here.
bool identical(const RunConfig& a, const RunConfig& b) {
    return a.featureColumns.dump() == b.featureColumns.dump() &&
           a.hyperparameters.dump() == b.hyperparameters.dump() &&
           a.walkConfig.dump() == b.walkConfig.dump() &&
           a.simulationParameters.has_value() == b.simulationParameters.has_value() &&
           (!a.simulationParameters || a.simulationParameters->dump() == b.simulationParameters->dump());
}

RunConfig makeConfig(json features, json hyperparameters, json walk, std::optional<json> simulation = {}) {
    RunConfig config;
    config.featureColumns = std::move(features);
    config.hyperparameters = std::move(hyperparameters);
    config.walkConfig = std::move(walk);
    config.simulationParameters = std::move(simulation);
    return config;
}

// The run of tests/integration/test_migrate.cpp, whose legacy text PostgreSQL wrote.
RunConfig btcRun() {
    return makeConfig({"rsi_14", "atr_14"}, {{"lr", 0.05}, {"num_leaves", 31}},
                      {{"folds", 4}, {"train_bars", 2000}});
}

std::string errorOf(const app::ParseResult& result) {
    return result.error ? result.error->message() : "none";
}

RunConfig parsedOrFail(const std::string& text) {
    auto result = app::parseRunConfig(text);
    INFO(text);
    INFO(errorOf(result));
    REQUIRE(result.ok);
    REQUIRE_FALSE(result.error);
    return result.ok->config;
}

// Random configs with every JSON type and the strings and keys that break naive formats.
class ConfigGenerator {
  public:
    explicit ConfigGenerator(unsigned seed) : rng_(seed) {}

    std::mt19937& rng() { return rng_; }
    size_t below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
    bool coin() { return below(2) == 0; }

    RunConfig config() {
        RunConfig config;
        for (size_t i = below(9); i > 0; --i) config.featureColumns.push_back(featureName());
        config.hyperparameters = object(below(9), 0);
        config.walkConfig = object(below(6), 0);
        size_t simulation = below(3);
        if (simulation == 1) config.simulationParameters = json::object();
        if (simulation == 2) config.simulationParameters = object(below(5), 0);
        return config;
    }

    std::string text(size_t maxPieces) {
        static const std::vector<std::string> pieces = {"a",
                                                        "Z",
                                                        "_",
                                                        "0",
                                                        "9",
                                                        " ",
                                                        "  ",
                                                        "\"",
                                                        "\\",
                                                        "\n",
                                                        "\t",
                                                        "\r",
                                                        "\b",
                                                        "\f",
                                                        "/",
                                                        "=",
                                                        "[",
                                                        "]",
                                                        "{",
                                                        "}",
                                                        "#",
                                                        ",",
                                                        ":",
                                                        "\u00e9",
                                                        "\u4e2d\u6587",
                                                        "\U0001F600",
                                                        "\x01",
                                                        "\x1f",
                                                        "\x7f",
                                                        "\u0085",
                                                        "\u00a0",
                                                        "\u2028",
                                                        "\u2029",
                                                        "\u200b",
                                                        "\ufeff",
                                                        "\u202e",
                                                        "true",
                                                        "null",
                                                        "-1",
                                                        "lr",
                                                        "\\u0041",
                                                        std::string(1, '\0')};
        std::string out;
        for (size_t i = below(maxPieces + 1); i > 0; --i) out += pieces[below(pieces.size())];
        return out;
    }

    std::string key() {
        static const std::vector<std::string> bare = {"lr",  "num_leaves", "max_depth", "folds", "train_bars",
                                                      "a.b", "x:y",        "path/to",   "u@h",   "c++",
                                                      "k-1", "_x",         "Z9",        "seed",  "fee_bps"};
        return coin() ? bare[below(bare.size())] : text(4);
    }

    std::string featureName() {
        static const std::vector<std::string> odd = {"42", "-x",  "true",  "null",   "false",
                                                     "#x", "[x]", " lead", "trail ", "\u00e9"};
        size_t kind = below(10);
        if (kind < 7) return "f" + std::to_string(below(1000)) + (coin() ? "_14" : ".lag:2");
        if (kind == 7) return odd[below(odd.size())];
        std::string name;
        while (name.empty()) name = text(4);
        return name;
    }

    json value(int depth) {
        switch (below(depth < 3 ? 8 : 6)) {
            case 0:
                return nullptr;
            case 1:
                return coin();
            case 2:
                return std::uniform_int_distribution<int>(-100, 100)(rng_);
            case 3:
                return bigInteger();
            case 4:
                return finiteDouble();
            case 5:
                return text(6);
            case 6: {
                json array = json::array();
                for (size_t i = below(4); i > 0; --i) array.push_back(value(depth + 1));
                return array;
            }
            default:
                return object(below(4), depth + 1);
        }
    }

  private:
    json object(size_t size, int depth) {
        json out = json::object();
        for (size_t i = 0; i < size; ++i) out[key()] = value(depth);
        return out;
    }

    json bigInteger() {
        switch (below(5)) {
            case 0:
                return std::numeric_limits<std::int64_t>::min();
            case 1:
                return std::numeric_limits<std::int64_t>::max();
            case 2:
                return std::numeric_limits<std::uint64_t>::max();
            case 3:
                return static_cast<std::int64_t>(std::uniform_int_distribution<std::uint64_t>()(rng_));
            default:
                return std::uniform_int_distribution<std::uint64_t>()(rng_);
        }
    }

    double finiteDouble() {
        static const std::vector<double> special = {
            0.1,     0.05,    1e-7,     2.0,    1e16,   1e18, 1e20,   0.0,     5e-324,
            DBL_MIN, DBL_MAX, -DBL_MAX, 0x1p63, 0x1p64, 1e15, 1.5e-7, -1e-300, 123456789012345678.0};
        for (;;) {
            double d = 0;
            switch (below(4)) {
                case 0:
                    d = special[below(special.size())];
                    break;
                case 1:
                    d = std::uniform_real_distribution<double>(-1e6, 1e6)(rng_);
                    break;
                case 2:
                    d = std::pow(10.0, std::uniform_real_distribution<double>(-300, 300)(rng_));
                    break;
                default: {
                    std::uint64_t bits = std::uniform_int_distribution<std::uint64_t>()(rng_);
                    std::memcpy(&d, &bits, sizeof d);
                }
            }
            if (d != 0 && coin()) d = -d;
            if (std::isfinite(d) && !(d == 0 && std::signbit(d))) return d;
        }
    }

    std::mt19937 rng_;
};

// What pasting through a clipboard may do to the text: BOM, CRLF or CR, trailing blanks, blank lines,
// the final newline dropped or doubled.
std::string clipboardMangled(const std::string& text, ConfigGenerator& gen) {
    static const std::vector<std::string> ends = {"\n", "\r\n", "\r"};
    static const std::vector<std::string> blanks = {"", " ", "\t", "  \t "};
    std::string out = gen.coin() ? "\xEF\xBB\xBF" : "";
    for (size_t i = gen.below(3); i > 0; --i) out += blanks[gen.below(blanks.size())] + ends[gen.below(3)];
    std::string lastEnd;
    for (size_t start = 0; start < text.size();) {
        size_t end = text.find('\n', start);
        lastEnd = ends[gen.below(3)];
        out += text.substr(start, end - start) + blanks[gen.below(blanks.size())] + lastEnd;
        start = end + 1;
    }
    if (gen.coin()) out.resize(out.size() - lastEnd.size());
    for (size_t i = gen.below(3); i > 0; --i) out += ends[gen.below(3)];
    return out;
}

// The same JSON written another valid way: members shuffled, odd spacing, \u escapes for non-ASCII.
std::string scrambledJson(const json& value, ConfigGenerator& gen) {
    static const std::vector<std::string> spaces = {"", " ", "\t", "  "};
    auto space = [&] { return spaces[gen.below(spaces.size())]; };
    if (value.is_object() || value.is_array()) {
        std::vector<std::string> parts;
        for (auto it = value.begin(); it != value.end(); ++it)
            parts.push_back(
                (value.is_object() ? scrambledJson(it.key(), gen) + space() + ":" + space() : "") +
                scrambledJson(it.value(), gen));
        if (value.is_object()) std::shuffle(parts.begin(), parts.end(), gen.rng());
        std::string out = value.is_object() ? "{" : "[";
        for (size_t i = 0; i < parts.size(); ++i) out += (i ? "," + space() : space()) + parts[i];
        return out + space() + (value.is_object() ? "}" : "]");
    }
    return value.dump(-1, ' ', gen.coin());
}

// A v1 text nothing like serializeRunConfig's, for the same config: sections and keys shuffled,
// every name quoted, other spacing, blank lines anywhere.
std::string scrambledText(const RunConfig& config, ConfigGenerator& gen) {
    static const std::vector<std::string> equals = {"=", " = ", "\t=\t", " =", "=  "};
    std::vector<std::vector<std::string>> sections;
    std::vector<std::string> features = {"[features]"};
    for (const auto& feature : config.featureColumns) features.push_back(scrambledJson(feature, gen));
    sections.push_back(features);
    auto keyLines = [&](const char* header, const json& object) {
        std::vector<std::string> lines;
        for (auto it = object.begin(); it != object.end(); ++it)
            lines.push_back(scrambledJson(it.key(), gen) + equals[gen.below(equals.size())] +
                            scrambledJson(it.value(), gen));
        std::shuffle(lines.begin(), lines.end(), gen.rng());
        lines.insert(lines.begin(), header);
        sections.push_back(lines);
    };
    keyLines("[hyperparameters]", config.hyperparameters);
    keyLines("[walk]", config.walkConfig);
    if (config.simulationParameters) keyLines("[simulation]", *config.simulationParameters);
    std::shuffle(sections.begin(), sections.end(), gen.rng());
    std::string out = "# stage1 run-config v1\n";
    for (const auto& section : sections)
        for (const auto& line : section) out += line + (gen.below(4) == 0 ? "\n\n" : "\n");
    return out;
}

// A config that must hash differently from `config`.
RunConfig mutated(RunConfig config, ConfigGenerator& gen) {
    switch (gen.below(4)) {
        case 0:
            config.featureColumns.push_back("mutated_feature");
            break;
        case 1:
            config.hyperparameters["\x01mutation"] = 1;
            break;
        case 2:
            if (config.walkConfig.empty())
                config.walkConfig["folds"] = 4;
            else
                config.walkConfig.begin().value() = json::array({config.walkConfig.begin().value()});
            break;
        default:
            if (config.simulationParameters && !config.simulationParameters->empty())
                config.simulationParameters.reset();
            else
                config.simulationParameters = json{{"fee_bps", 4}};
    }
    return config;
}

}  // namespace

TEST_CASE("the v1 format, byte for byte") {
    RunConfig config = btcRun();
    config.hyperparameters["min child weight"] = json::parse(R"({"b": "x\ty", "a": [1, 2.5, null]})");
    config.simulationParameters = json{{"fee_bps", 4}};
    CHECK(app::serializeRunConfig(config) ==
          "# stage1 run-config v1\n"
          "\n"
          "[features]\n"
          "rsi_14\n"
          "atr_14\n"
          "\n"
          "[hyperparameters]\n"
          "lr = 0.05\n"
          "\"min child weight\" = {\"a\": [1, 2.5, null], \"b\": \"x\\ty\"}\n"
          "num_leaves = 31\n"
          "\n"
          "[walk]\n"
          "folds = 4\n"
          "train_bars = 2000\n"
          "\n"
          "[simulation]\n"
          "fee_bps = 4\n");

    RunConfig empty;
    CHECK(app::serializeRunConfig(empty) ==
          "# stage1 run-config v1\n\n[features]\n\n[hyperparameters]\n\n[walk]\n");
    empty.simulationParameters = json::object();
    std::string withEmptySimulation = app::serializeRunConfig(empty);
    CHECK(withEmptySimulation ==
          "# stage1 run-config v1\n\n[features]\n\n[hyperparameters]\n\n[walk]\n\n[simulation]\n");
    CHECK(identical(parsedOrFail(withEmptySimulation), empty));
    CHECK(std::string(app::describe(ConfigForm::Current)) == "current (v1)");
    CHECK(std::string(app::describe(ConfigForm::Legacy)) == "legacy (JSON lines)");
}

TEST_CASE("names are bare only when unambiguous, any key or string survives") {
    RunConfig config =
        makeConfig({"rsi_14", "true", "42", "-x", "my feature", "#x", "\u00e9", "a.b:c/d@e+f-g"},
                   {{"", 1}, {" a", 2}, {"a=b", 3}, {"lr", 4}, {"q\"", 5}, {"true", 6}, {"\u00e9", 7}},
                   {{"s",
                     "tab\tnl\nq\"b\\c\x01"
                     "d\x7f"
                     "n\u00a0l\u2028z\u200bb\ufeffe\U0001F600\u00e9"},
                    {"nul", std::string("a\0b", 3)}});
    std::string text = app::serializeRunConfig(config);
    CHECK(text ==
          "# stage1 run-config v1\n\n[features]\n"
          "rsi_14\n\"true\"\n\"42\"\n\"-x\"\n\"my feature\"\n\"#x\"\n\"\u00e9\"\na.b:c/d@e+f-g\n"
          "\n[hyperparameters]\n"
          "\"\" = 1\n\" a\" = 2\n\"a=b\" = 3\nlr = 4\n\"q\\\"\" = 5\n\"true\" = 6\n\"\u00e9\" = 7\n"
          "\n[walk]\n"
          "nul = \"a\\u0000b\"\n"
          "s = \"tab\\tnl\\nq\\\"b\\\\c\\u0001d\\u007fn\\u00a0l\\u2028z\\u200bb\\ufeffe\U0001F600\u00e9\"\n");
    CHECK(identical(parsedOrFail(text), config));
}

TEST_CASE("numbers: integers stay integers, floats print shortest, -0.0 and huge integers are normalized") {
    RunConfig config = makeConfig(json::array(),
                                  {{"int", 31},
                                   {"float_two", 2.0},
                                   {"min", std::numeric_limits<std::int64_t>::min()},
                                   {"umax", std::numeric_limits<std::uint64_t>::max()},
                                   {"tiny", 1e-7},
                                   {"neg_zero", -0.0}},
                                  json::object());
    std::string text = app::serializeRunConfig(config);
    CHECK(text.find("int = 31\n") != std::string::npos);
    CHECK(text.find("float_two = 2.0\n") != std::string::npos);
    CHECK(text.find("min = -9223372036854775808\n") != std::string::npos);
    CHECK(text.find("umax = 18446744073709551615\n") != std::string::npos);
    CHECK(text.find("tiny = 1e-07\n") != std::string::npos);
    CHECK(text.find("neg_zero = 0.0\n") != std::string::npos);

    RunConfig parsed = parsedOrFail(
        "# stage1 run-config v1\n[features]\n[walk]\n[hyperparameters]\n"
        "neg_zero = -0.0\nneg_int_zero = -0\nbig = 18446744073709551616\nsmall = -9223372036854775809\n"
        "scaled = 1.50\nexp = 1E3\nnested = [-0.0, {\"z\": -0e5}]\n");
    const json& h = parsed.hyperparameters;
    CHECK(h["neg_zero"].is_number_float());
    CHECK_FALSE(std::signbit(h["neg_zero"].get<double>()));
    CHECK(h["neg_int_zero"].is_number_integer());
    CHECK(h["neg_int_zero"].dump() == "0");
    CHECK(h["big"].is_number_float());
    CHECK(h["big"].dump() == "1.8446744073709552e+19");
    CHECK(h["small"].dump() == "-9.223372036854776e+18");
    CHECK(h["scaled"].dump() == "1.5");
    CHECK(h["exp"].dump() == "1000.0");
    CHECK(h["nested"].dump() == "[0.0,{\"z\":0.0}]");

    for (const char* tooBig : {"x = 1e400", "x = -1e400", "x = 1e-400"}) {
        auto result = app::parseRunConfig(
            std::string("# stage1 run-config v1\n[features]\n[walk]\n[hyperparameters]\n") + tooBig);
        REQUIRE(result.error);
        CHECK(result.error->message() ==
              std::string("line 5, column 5: expected a number that a 64-bit float can "
                          "hold, found \"") +
                  (tooBig + 4) + "\"");
    }
}

TEST_CASE("pastes are accepted through what clipboards do to them") {
    RunConfig config = btcRun();
    config.simulationParameters = json{{"fee_bps", 4}};
    std::string canonical = app::serializeRunConfig(config);
    auto replaced = [&](const std::string& lineEnd) {
        std::string out;
        for (char c : canonical) out += c == '\n' ? lineEnd : std::string(1, c);
        return out;
    };
    std::string noFinalNewline = canonical.substr(0, canonical.size() - 1);
    std::string trailingBlanks;
    for (char c : canonical) trailingBlanks += c == '\n' ? std::string(" \t \n") : std::string(1, c);
    for (const std::string& text : {canonical, replaced("\r\n"), replaced("\r"), "\xEF\xBB\xBF" + canonical,
                                    noFinalNewline, canonical + "\n\n\n", "\n\r\n  \n" + canonical,
                                    trailingBlanks, "\xEF\xBB\xBF\r\n" + replaced("\r\n") + "\r\n"}) {
        INFO(text);
        auto result = app::parseRunConfig(text);
        REQUIRE(result.ok);
        CHECK(result.ok->form == ConfigForm::Current);
        CHECK(identical(result.ok->config, config));
        CHECK(app::serializeRunConfig(result.ok->config) == canonical);
    }
}

TEST_CASE("legacy rows: the exact text PostgreSQL wrote, as written and as pasted") {
    const std::string run =
        "[\"rsi_14\", \"atr_14\"]\n{\"lr\": 0.05, \"num_leaves\": 31}\n{\"folds\": 4, \"train_bars\": 2000}";
    const std::string simulation = run + "\n{\"fee_bps\": 4}";
    RunConfig expectedRun = btcRun();
    RunConfig expectedSimulation = btcRun();
    expectedSimulation.simulationParameters = json{{"fee_bps", 4}};

    CHECK(app::legacyText(expectedRun) == run);
    CHECK(app::legacyText(expectedSimulation) == simulation);
    RunConfig emptySimulation = btcRun();
    emptySimulation.simulationParameters = json::object();
    CHECK(app::legacyText(emptySimulation) == run);  // as migration 0003: no 4th line for {}

    auto crlf = [](std::string s) {
        for (size_t at = s.find('\n'); at != std::string::npos; at = s.find('\n', at + 2))
            s.replace(at, 1, "\r\n");
        return s;
    };
    for (const std::string& text :
         {run, crlf(run), "\xEF\xBB\xBF" + run, "\xEF\xBB\xBF" + crlf(run) + "\r\n"}) {
        auto result = app::parseRunConfig(text);
        REQUIRE(result.ok);
        CHECK(result.ok->form == ConfigForm::Legacy);
        CHECK(identical(result.ok->config, expectedRun));
    }
    for (const std::string& text : {simulation, crlf(simulation), "\xEF\xBB\xBF" + simulation + "\n"}) {
        auto result = app::parseRunConfig(text);
        REQUIRE(result.ok);
        CHECK(result.ok->form == ConfigForm::Legacy);
        CHECK(identical(result.ok->config, expectedSimulation));
    }
    CHECK(identical(parsedOrFail("[]\n{}\n{\"folds\": 1}"),
                    makeConfig(json::array(), json::object(), {{"folds", 1}})));
    // The same run in both forms is the same run.
    CHECK(app::runConfigHash(parsedOrFail(run)) ==
          app::runConfigHash(parsedOrFail(app::serializeRunConfig(expectedRun))));
}

TEST_CASE("legacyText follows jsonb: key order, escapes and numeric's plain decimals") {
    RunConfig config =
        makeConfig({"a\"b", "tab\there", "\u00e9\u2028"},
                   {{"bb", 1},
                    {"a", 2},
                    {"ccc", 3},
                    {"ab", 4},
                    {"nested", {{"zz", json::array({1e-7, 1e20})}, {"y", nullptr}}}},
                   {{"neg", -1.5e-7}, {"big", 1.2345678901234568e17}, {"x", 2.0}, {"ctl", "\x01\x7f"}});
    CHECK(app::legacyText(config) ==
          "[\"a\\\"b\", \"tab\\there\", \"\u00e9\u2028\"]\n"
          "{\"a\": 2, \"ab\": 4, \"bb\": 1, \"ccc\": 3, \"nested\": {\"y\": null, \"zz\": [0.0000001, "
          "100000000000000000000]}}\n"
          "{\"x\": 2.0, \"big\": 123456789012345680, \"ctl\": \"\\u0001\x7f\", \"neg\": -0.00000015}");
    // jsonb writes 1e20 without exponent, so the legacy text reads back an integer-looking number:
    // equal by value and by hash, which is why the hash compares numbers by value.
    RunConfig back = parsedOrFail(app::legacyText(config));
    CHECK(back == config);
    CHECK(app::runConfigHash(back) == app::runConfigHash(config));

    RunConfig pgNumbers =
        parsedOrFail("[]\n{\"lr\": 1.50, \"eps\": 0.0000001, \"big\": 100000000000000000000}\n{}");
    CHECK(pgNumbers.hyperparameters["lr"].dump() == "1.5");
    CHECK(pgNumbers.hyperparameters["eps"].dump() == "1e-07");
    CHECK(pgNumbers.hyperparameters["big"].dump() == "1e+20");
}

TEST_CASE("the hash: missing and {} simulation parameters are one, 2.0 is 2, anything else counts") {
    RunConfig run = btcRun();
    RunConfig emptySimulation = btcRun();
    emptySimulation.simulationParameters = json::object();
    RunConfig simulation = btcRun();
    simulation.simulationParameters = json{{"fee_bps", 4}};
    CHECK(app::runConfigHash(run) == app::runConfigHash(emptySimulation));
    CHECK(app::runConfigHash(run) != app::runConfigHash(simulation));
    CHECK(app::serializeRunConfig(run) !=
          app::serializeRunConfig(emptySimulation));  // the text keeps the difference

    std::string hash = app::runConfigHash(run);
    CHECK(hash.size() == 64);
    CHECK(hash.find_first_not_of("0123456789abcdef") == std::string::npos);
    CHECK(hash == db::sha256Hex(app::serializeRunConfig(run)));

    RunConfig floats = btcRun();
    floats.walkConfig["folds"] = 4.0;
    floats.hyperparameters["big"] = 1e18;
    RunConfig integers = btcRun();
    integers.hyperparameters["big"] = 1000000000000000000LL;
    CHECK(app::serializeRunConfig(floats) != app::serializeRunConfig(integers));
    CHECK(app::runConfigHash(floats) == app::runConfigHash(integers));

    // Numbers compare as the decimals jsonb stores: the double 2^63 prints as 9.223372036854776e+18,
    // which jsonb keeps (and legacy text shows) as 9223372036854776000, not 9223372036854775808.
    RunConfig twoPow63 = makeConfig(json::array(), {{"x", 0x1p63}}, json::object());
    CHECK(app::runConfigHash(twoPow63) ==
          app::runConfigHash(makeConfig(json::array(), {{"x", 9223372036854776000ULL}}, json::object())));
    CHECK(app::runConfigHash(twoPow63) !=
          app::runConfigHash(makeConfig(json::array(), {{"x", 9223372036854775808ULL}}, json::object())));
    CHECK(app::legacyText(twoPow63) == "[]\n{\"x\": 9223372036854776000}\n{}");

    RunConfig reordered = btcRun();
    reordered.featureColumns = {"atr_14", "rsi_14"};
    CHECK(app::runConfigHash(reordered) != hash);  // feature order is part of the config
    RunConfig retyped = btcRun();
    retyped.hyperparameters["num_leaves"] = "31";
    CHECK(app::runConfigHash(retyped) != hash);
}

TEST_CASE("serialize refuses configs the format cannot hold") {
    CHECK_THROWS_AS(app::serializeRunConfig(makeConfig(json::object(), json::object(), json::object())),
                    std::invalid_argument);
    CHECK_THROWS_AS(app::serializeRunConfig(makeConfig({"a", 1}, json::object(), json::object())),
                    std::invalid_argument);
    CHECK_THROWS_AS(app::serializeRunConfig(makeConfig({""}, json::object(), json::object())),
                    std::invalid_argument);
    CHECK_THROWS_AS(app::serializeRunConfig(makeConfig({"a"}, json::array(), json::object())),
                    std::invalid_argument);
    CHECK_THROWS_AS(app::serializeRunConfig(makeConfig({"a"}, json::object(), nullptr)),
                    std::invalid_argument);
    CHECK_THROWS_AS(app::serializeRunConfig(makeConfig({"a"}, json::object(), json::object(), json::array())),
                    std::invalid_argument);
    CHECK_THROWS_AS(app::serializeRunConfig(makeConfig({"a"}, {{"s", "\xff"}}, json::object())),
                    std::invalid_argument);
    CHECK_THROWS_AS(app::runConfigHash(makeConfig({"a"}, {{"\xc3", 1}}, json::object())),
                    std::invalid_argument);
    CHECK_THROWS_AS(app::legacyText(makeConfig({1}, json::object(), json::object())), std::invalid_argument);
}

TEST_CASE("property: serialize and parse are exact inverses on 3,000 generated configs") {
    ConfigGenerator gen(20240611);
    for (int i = 0; i < 3000; ++i) {
        RunConfig config = gen.config();
        std::string text = app::serializeRunConfig(config);
        INFO("case " << i << ":\n" << text);
        REQUIRE(app::serializeRunConfig(config) == text);  // deterministic
        REQUIRE(text.size() >= 2);
        CHECK(text.compare(0, app::kRunConfigHeader.size() + 1, std::string(app::kRunConfigHeader) + "\n") ==
              0);
        CHECK(text.back() == '\n');
        CHECK(text[text.size() - 2] != '\n');
        CHECK(text.find('\r') == std::string::npos);

        auto result = app::parseRunConfig(text);
        INFO(errorOf(result));
        REQUIRE(result.ok);
        CHECK(result.ok->form == ConfigForm::Current);
        CHECK(identical(result.ok->config, config));
        CHECK(app::serializeRunConfig(result.ok->config) == text);
    }
}

TEST_CASE("property: the hash ignores the text form and sees every change, on 2,000 generated configs") {
    ConfigGenerator gen(7);
    for (int i = 0; i < 2000; ++i) {
        RunConfig config = gen.config();
        std::string hash = app::runConfigHash(config);
        REQUIRE(app::runConfigHash(config) == hash);
        std::string canonical = app::serializeRunConfig(config);

        std::string pasted = clipboardMangled(canonical, gen);
        std::string legacy = app::legacyText(config);
        std::string pastedLegacy = clipboardMangled(legacy + "\n", gen);
        std::string scrambled = scrambledText(config, gen);
        INFO("case " << i << ":\n"
                     << canonical << "\npasted:\n"
                     << pasted << "\nlegacy:\n"
                     << legacy << "\nscrambled:\n"
                     << scrambled);

        RunConfig fromPaste = parsedOrFail(pasted);
        CHECK(identical(fromPaste, config));
        CHECK(app::serializeRunConfig(fromPaste) == canonical);

        RunConfig fromScrambled = parsedOrFail(scrambled);
        CHECK(identical(fromScrambled, config));
        CHECK(app::runConfigHash(fromScrambled) == hash);

        RunConfig expectedFromLegacy = config;
        if (expectedFromLegacy.simulationParameters && expectedFromLegacy.simulationParameters->empty())
            expectedFromLegacy.simulationParameters.reset();
        for (const std::string& text : {legacy, pastedLegacy}) {
            auto result = app::parseRunConfig(text);
            INFO(errorOf(result));
            REQUIRE(result.ok);
            CHECK(result.ok->form == ConfigForm::Legacy);
            CHECK(result.ok->config == expectedFromLegacy);  // by value: jsonb may write 1e18 as an integer
            CHECK(app::runConfigHash(result.ok->config) == hash);
        }

        CHECK(app::runConfigHash(mutated(config, gen)) != hash);
    }
}

TEST_CASE("limits: exactly 1 MiB and 512 levels of nesting are accepted, one more is not") {
    std::string text = app::serializeRunConfig(btcRun());
    text += std::string(app::kMaxRunConfigBytes - text.size(), '\n');
    REQUIRE(text.size() == app::kMaxRunConfigBytes);
    CHECK(app::parseRunConfig(text).ok);
    text += "\n";
    auto tooLarge = app::parseRunConfig(text);
    REQUIRE(tooLarge.error);
    CHECK_FALSE(tooLarge.ok);
    CHECK(tooLarge.error->message() ==
          "line 1, column 1: expected at most 1 MiB (1048576 bytes), found 1048577 bytes");

    std::string head = "# stage1 run-config v1\n[features]\n[hyperparameters]\n[walk]\nx = ";
    RunConfig deep = parsedOrFail(head + std::string(512, '[') + std::string(512, ']'));
    CHECK(deep.walkConfig["x"].is_array());
    CHECK(app::serializeRunConfig(deep).find(std::string(512, '[') + std::string(512, ']')) !=
          std::string::npos);
    auto tooDeep = app::parseRunConfig(head + std::string(513, '[') + std::string(513, ']'));
    REQUIRE(tooDeep.error);
    CHECK(tooDeep.error->line == 5);
    CHECK(tooDeep.error->column == 5 + 512);
    CHECK(tooDeep.error->expected == "at most 512 nested arrays and objects");
}

TEST_CASE("error columns count characters, not bytes, and skip a leading BOM") {
    auto result = app::parseRunConfig(
        "\xEF\xBB\xBF# stage1 run-config v1\n[features]\n[hyperparameters]\n[walk]\ns = \"\u00e9\U0001F600\" "
        "x");
    REQUIRE(result.error);
    CHECK(result.error->message() == "line 5, column 10: expected end of line after the value, found \"x\"");
    auto version = app::parseRunConfig("\xEF\xBB\xBF# stage1 run-config v7");
    REQUIRE(version.error);
    CHECK(version.error->column == 21);
}

namespace {

struct MalformedPaste {
    const char* what;
    std::string text;
    int line;
    int column;
    std::string fragment;  // of the message
};

const std::string kHead = "# stage1 run-config v1\n";
const std::string kFeaturesAndHyper =
    kHead + "[features]\na\n[hyperparameters]\n";  // lines 1-4; line 5 is next

std::vector<MalformedPaste> malformedPastes() {
    const std::string neither = "expected the header '# stage1 run-config v1' or legacy JSON lines";
    std::string tooLarge = kHead + "[features]\n" + std::string(app::kMaxRunConfigBytes, 'a');
    return {
        {"truncated JSON array", kFeaturesAndHyper + "lr = {\"a\": [1, 2\n[walk]\n", 5, 17,
         "expected \",\" or \"]\" after an array element, found end of line"},
        {"truncated string", kFeaturesAndHyper + "s = \"abc\n[walk]\n", 5, 9,
         "expected the closing '\"' of the string, found end of line"},
        {"stray line before the first section", kHead + "hello\n[features]\n", 2, 1,
         "expected a section header such as \"[features]\", found \"hello\""},
        {"key without =", kFeaturesAndHyper + "lr 0.05\n", 5, 4, "expected \"=\" after the key, found \"0\""},
        {"key alone", kFeaturesAndHyper + "lr\n", 5, 3, "expected \"=\" after the key, found end of line"},
        {"==", kFeaturesAndHyper + "lr == 0.05\n", 5, 5, "expected a JSON value after \"=\", found \"=\""},
        {"= and no value", kFeaturesAndHyper + "lr =   \n", 5, 5,
         "expected a JSON value after \"=\", found end of line"},
        {"duplicate key", kFeaturesAndHyper + "lr = 1\n\"lr\" = 2\n[walk]\n", 6, 1,
         "expected each key once in [hyperparameters], found \"lr\" again (first on line 5)"},
        {"duplicate section", kFeaturesAndHyper + "[walk]\n[features]\n", 6, 1,
         "expected each section once, found a second \"[features]\" (the first is on line 2)"},
        {"unknown section", kFeaturesAndHyper + "[walk_config]\n", 5, 1,
         "expected a section: [features], [hyperparameters], [walk] or [simulation], found "
         "\"[walk_config]\""},
        {"unknown version", "# stage1 run-config v9\n[features]\n", 1, 21,
         "expected a supported version (this build reads v1 and the legacy JSON lines), found \"v9\""},
        {"header without version", "# stage1 run-config\n", 1, 20, "expected a version after the header"},
        {"non-string feature", kHead + "[features]\n42\n", 3, 1,
         "expected a feature name (a string), found the number 42"},
        {"unquoted true feature", kHead + "[features]\ntrue\n", 3, 1,
         "expected a feature name (a string), found true"},
        {"empty feature", kHead + "[features]\n\"\"\n", 3, 1,
         "expected a non-empty feature name, found \"\""},
        {"feature with a space", kHead + "[features]\nrsi 14\n", 3, 4,
         "expected end of line after the feature name (write other names as JSON strings), found a space"},
        {"indented feature", kHead + "[features]\n  rsi_14\n", 3, 1,
         "expected a feature name or a section header, found \"  rsi_14\""},
        {"empty input", "", 1, 1, neither + ", found empty input"},
        {"whitespace only", " \t\r\n  \n\r", 1, 1, neither + ", found only blank lines"},
        {"2-line legacy", "[\"a\"]\n{\"lr\": 1}", 2, 10,
         "expected line 3 of the legacy form, the walk config as a JSON object (it has 3 or 4 lines), found "
         "end "
         "of input"},
        {"5-line legacy", "[]\n{}\n{}\n{}\n{\"x\": 1}", 5, 1,
         "expected end of input: the legacy form has at most 4 JSON lines, found a 5th: \"{\\\"x\\\": 1}\""},
        {"legacy lines starting with an object (read as the JSON object form)", "{\"lr\": 1}\n{}\n{}", 2, 1,
         "expected end of input after the JSON object, found \"{}"},
        {"legacy line 3 an array", "[]\n{}\n [1]", 3, 2,
         "expected a JSON object on legacy line 3 (the walk config), found a JSON array"},
        {"legacy non-string feature", "[\"a\", 1]\n{}\n{}", 1, 7,
         "expected a feature name (a string), found the number 1"},
        {"legacy empty feature", "[\"a\",  \"\"]\n{}\n{}", 1, 8, "expected a non-empty feature name"},
        {"a pretty JSON object of other keys", "{\n  \"lr\": 1\n}", 1, 1,
         "expected only the keys feature_columns, hyperparameters, walk_config and parameters, found \"lr\""},
        {"invalid UTF-8 byte", kHead + "[features]\nr\xffsi\n", 3, 2,
         "expected UTF-8 text, found the byte 0xff, which is not valid UTF-8"},
        {"Windows-1252 paste", kHead + "[features]\n\u00e9t\u00e9\ncaf\xe9\n", 4, 4, "found the byte 0xe9"},
        {"overlong UTF-8", kHead + "[features]\n\u00e9\xc0\xaf\n", 3, 2, "found the byte 0xc0"},
        {"UTF-16 paste", std::string("\xff\xfe#\0 \0s\0", 8), 1, 1, "found the byte 0xff"},
        {"NUL byte", kHead + "[features]\nrsi" + std::string(1, '\0') + "x\n", 3, 4,
         "expected UTF-8 text, found a NUL byte"},
        {"1 MiB + 1 bytes", tooLarge.substr(0, app::kMaxRunConfigBytes + 1), 1, 1,
         "expected at most 1 MiB (1048576 bytes), found 1048577 bytes"},
        {"email quote", "> # stage1 run-config v1\n> [features]\n", 1, 1,
         neither + ", found \"> # stage1 run-config v1\""},
        {"SQL statement", "SELECT serialized_config FROM walkforward_runs WHERE run_id = 1;", 1, 1,
         neither + ", found \"SELECT serialized_config FROM wa\"..."},
        {"HTML", "<pre># stage1 run-config v1</pre>", 1, 1, neither + ", found \"<pre>"},
        {"Markdown fence", "```\n# stage1 run-config v1\n```", 1, 1, neither + ", found \"```\""},
        {"missing header", "[features]\na\n", 1, 1,
         "expected the header line '# stage1 run-config v1' before the first section, found \"[features]\""},
        {"missing [walk]", kFeaturesAndHyper + "lr = 1\n\n", 5, 7,
         "expected a [walk] section (every config has [features], [hyperparameters] and [walk]), found end "
         "of "
         "input"},
        {"comment after a value", kFeaturesAndHyper + "lr = 0.05 # learning rate\n", 5, 11,
         "expected end of line after the value, found \"# learning rate\""},
        {"duplicate key inside a JSON value", kFeaturesAndHyper + "p = {\"a\": 1, \"a\": 2}\n", 5, 14,
         "expected each key once in a JSON object, found \"a\" a second time"},
        {"bad escape", kFeaturesAndHyper + "s = \"a\\qb\"\n", 5, 8, "expected an escape such as"},
        {"lone low surrogate", kFeaturesAndHyper + "s = \"\\udc00\"\n", 5, 6,
         "expected a \\u escape that is not a lone low surrogate, found \"\\\\udc00\""},
        {"high surrogate alone", kFeaturesAndHyper + "s = \"\\ud83dx\"\n", 5, 12,
         "expected a \\u escape of a low surrogate after the high surrogate, found \"x\""},
        {"leading zero", kFeaturesAndHyper + "x = 01\n", 5, 6,
         "expected no digit after a leading 0, found \"1\""},
        {"trailing comma", kFeaturesAndHyper + "x = [1, 2,]\n", 5, 11,
         "expected a JSON value after \",\", found \"]\""},
        {"single-quoted JSON", kFeaturesAndHyper + "x = {'a': 1}\n", 5, 6,
         "expected a quoted key or \"}\", found \"'\""},
        {"raw tab in a string", kFeaturesAndHyper + "x = \"a\tb\"\n", 5, 7,
         "expected a control character written as an escape (\\t, \\u0001, ...), found a tab"},
        {"Python literal", kFeaturesAndHyper + "x = True\n", 5, 5,
         "expected a JSON value after \"=\", found \"True\""},
        {"CRLF lines are counted once", "# stage1 run-config v1\r\n[features]\r\n\r\n1x\r\n", 4, 2,
         "expected end of line after the feature name, found \"x\""},
        {"lone CR lines", "[]\r{}\r{}\r{}\r{}", 5, 1, "at most 4 JSON lines"},
        {"BOM then a quote", "\xEF\xBB\xBF> quoted", 1, 1, neither},
        {"pasted twice", kHead + "[features]\na\n# stage1 run-config v1\n", 4, 1,
         "expected a feature name or a section header, found \"# stage1 run-config v1\""},
        {"text after a section header", kHead + "[walk] folds = 4\n", 2, 7,
         "expected end of line after the section header, found \" folds = 4\""},
        {"unclosed section header", kHead + "[walk\n", 2, 6, "expected \"]\" closing the section name"},
        {"key starting with a digit", kFeaturesAndHyper + "1x = 2\n", 5, 1,
         "expected a key (a name or a quoted JSON string) or a section header, found \"1x = 2\""},
        {"too deep", kFeaturesAndHyper + "x = " + std::string(600, '['), 5, 517,
         "expected at most 512 nested arrays and objects"},
    };
}

}  // namespace

TEST_CASE("malformed pastes are refused with the line, column and what was expected") {
    auto cases = malformedPastes();
    CHECK(cases.size() >= 25);
    for (const auto& paste : cases) {
        INFO(paste.what);
        auto result = app::parseRunConfig(paste.text);
        CHECK_FALSE(result.ok);
        REQUIRE(result.error);
        INFO(result.error->message());
        CHECK(result.error->line == paste.line);
        CHECK(result.error->column == paste.column);
        CHECK(result.error->message().find(paste.fragment) != std::string::npos);
        CHECK(result.error->message().rfind("line " + std::to_string(paste.line) + ", column " +
                                                std::to_string(paste.column) + ": expected ",
                                            0) == 0);
    }
}

TEST_CASE("the JSON object form: what Copy as JSON writes, compact or pretty, reads as the same config") {
    RunConfig config;
    config.featureColumns = json::array({"rsi_14", "vol it's"});
    config.hyperparameters = json::parse(R"({"lr": 0.05, "depth": 6, "nested": {"a": [1, 2.5, null]}})");
    config.walkConfig = json::parse(R"({"purge_bars": 8, "folds": 4})");
    nlohmann::json copied = {{"feature_columns", config.featureColumns},
                             {"hyperparameters", config.hyperparameters},
                             {"walk_config", config.walkConfig}};
    const std::string v1 = app::serializeRunConfig(config);
    for (const std::string& text :
         {copied.dump(2) + "\n", copied.dump(), "\xEF\xBB\xBF\r\n" + copied.dump(4) + "\r\n\r\n"}) {
        CAPTURE(text);
        auto result = app::parseRunConfig(text);
        REQUIRE_MESSAGE(result.ok, (result.error ? result.error->message() : ""));
        CHECK(result.ok->form == ConfigForm::JsonObject);
        CHECK(identical(result.ok->config, config));
        CHECK(app::serializeRunConfig(result.ok->config) == v1);
        CHECK(app::runConfigHash(result.ok->config) == app::runConfigHash(config));
    }
    // A simulation's copy has its parameters.
    copied["parameters"] = {{"fee_bps", 4}};
    auto simulation = app::parseRunConfig(copied.dump(2));
    REQUIRE(simulation.ok);
    REQUIRE(simulation.ok->config.simulationParameters);
    CHECK((*simulation.ok->config.simulationParameters)["fee_bps"] == 4);
    CHECK(std::string(app::describe(ConfigForm::JsonObject)) == "JSON object");
}

TEST_CASE("the JSON object form: what is wrong is said on its own line and column") {
    auto error = [](const std::string& text) {
        auto result = app::parseRunConfig(text);
        REQUIRE(result.error);
        return *result.error;
    };
    // A missing value on line 3 of a pretty object.
    auto e =
        error("{\n  \"feature_columns\": [\"a\"],\n  \"hyperparameters\": ,\n  \"walk_config\": {}\n}\n");
    CHECK(e.line == 3);
    CHECK(e.column == 22);
    // A key twice, on line 4 (after a CRLF and a lone CR).
    e = error(
        "{\"feature_columns\": [],\r\n\"hyperparameters\": {},\r\"walk_config\": {},\n\"walk_config\": {}}");
    CHECK(e.line == 4);
    CHECK(e.column == 1);
    CHECK(e.expected == "each key once in a JSON object");
    // Keys it does not know, keys it needs, and the types they hold.
    CHECK(error(R"({"feature_columns": [], "hyperparameters": {}, "walk_config": {}, "seed": 1})").found ==
          "\"seed\"");
    CHECK(error(R"({"feature_columns": [], "hyperparameters": {}})").expected == "the key \"walk_config\"");
    CHECK(error(R"({"feature_columns": {}, "hyperparameters": {}, "walk_config": {}})").expected ==
          "feature_columns as a JSON array of feature names");
    CHECK(error(R"({"feature_columns": [""], "hyperparameters": {}, "walk_config": {}})").expected ==
          "a non-empty feature name");
    CHECK(error(R"({"feature_columns": [], "hyperparameters": [], "walk_config": {}})").expected ==
          "hyperparameters as a JSON object");
    // Something after the object, and an object cut off.
    e = error("{\"feature_columns\": [], \"hyperparameters\": {}, \"walk_config\": {}}\n{}\n");
    CHECK(e.line == 2);
    CHECK(error("{\"feature_columns\": [\n").found == "end of input");
}
