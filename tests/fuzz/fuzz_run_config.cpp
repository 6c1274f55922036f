// libFuzzer target: the RunConfigSerializer parser (app::parseRunConfig, with its JSON reader in
// run_config_json.cpp) on any bytes, in both the current (v1) and the legacy form.
// Invariants beyond "no crash": exactly one of ok/error is set; an error points at a real line and
// column; a parsed config serializes (no exception), and parse(serialize(parse(x))) is the same config
// whose serialization is the same text; the hash is the same through the v1 text and through the
// legacy text PostgreSQL would have written.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/runconfig/run_config.hpp"
#include "tests/fuzz/fuzz_check.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    app::ParseResult parsed = app::parseRunConfig(text);
    FUZZ_CHECK(parsed.ok.has_value() != parsed.error.has_value());
    if (parsed.error) {
        const app::ParseError& e = *parsed.error;
        // Lines end at \n, \r\n or \r; the error's line is one of them.
        size_t lines = 1;
        for (size_t i = 0; i < text.size(); ++i)
            if (text[i] == '\n' || (text[i] == '\r' && (i + 1 == text.size() || text[i + 1] != '\n')))
                ++lines;
        FUZZ_CHECK(e.line >= 1 && static_cast<size_t>(e.line) <= lines);
        FUZZ_CHECK(e.column >= 1 && static_cast<size_t>(e.column) <= text.size() + 1);
        FUZZ_CHECK(!e.expected.empty() && !e.found.empty());
        return 0;
    }
    const app::RunConfig& config = parsed.ok->config;
    std::string v1 = app::serializeRunConfig(config);
    FUZZ_CHECK(v1.rfind(app::kRunConfigHeader, 0) == 0 && v1.back() == '\n');

    app::ParseResult again = app::parseRunConfig(v1);
    FUZZ_CHECK(again.ok && again.ok->form == app::ConfigForm::Current);
    FUZZ_CHECK(again.ok->config == config);
    FUZZ_CHECK(app::serializeRunConfig(again.ok->config) == v1);

    std::string hash = app::runConfigHash(config);
    FUZZ_CHECK(hash.size() == 64 && app::runConfigHash(again.ok->config) == hash);

    app::ParseResult legacy = app::parseRunConfig(app::legacyText(config));
    FUZZ_CHECK(legacy.ok && legacy.ok->form == app::ConfigForm::Legacy);
    FUZZ_CHECK(app::runConfigHash(legacy.ok->config) == hash);
    return 0;
}
