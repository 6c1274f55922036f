// libFuzzer target: the run query language (db::search::compileRunQuery).
// Invariants beyond "no crash":
// - a refusal points inside the query: 1 <= column <= its length in code points + 1, with a message;
// - an acceptance has exactly one parameter per distinct $N of the condition, numbered from firstParam on,
//   and every $N a field's sqlText uses is used by the condition too;
// - the condition is fixed SQL: its only single quotes are those of the jsonb type names the compiler
//   writes, so no quote (hence no value) of the input ever reaches it; no comment, no backslash, no ';'.
// - the same query from another firstParam compiles to the same parameters.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "db/search/run_query.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

int codePoints(std::string_view s) {
    int count = 0;
    for (char c : s) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    return count;
}

std::set<long> placeholders(std::string_view sql) {
    std::set<long> out;
    for (size_t i = 0; i < sql.size(); ++i) {
        if (sql[i] != '$') continue;
        size_t j = i + 1;
        long n = 0;
        while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9' && n < 1000000) n = n * 10 + (sql[j++] - '0');
        FUZZ_CHECK(j > i + 1);  // a '$' is always a placeholder
        out.insert(n);
    }
    return out;
}

// The condition with the quoted words the compiler itself writes taken out.
std::string withoutFixedLiterals(std::string text) {
    for (const char* fixed : {"'number'", "'string'", "'boolean'", "'null'"})
        for (size_t at; (at = text.find(fixed)) != std::string::npos;)
            text.erase(at, std::string(fixed).size());
    return text;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view query(reinterpret_cast<const char*>(data), size);
    auto result = db::search::compileRunQuery(query, 1);
    if (auto* error = std::get_if<db::search::QueryError>(&result)) {
        FUZZ_CHECK(error->column >= 1 && error->column <= codePoints(query) + 1);
        FUZZ_CHECK(!error->message.empty());
        return 0;
    }
    const auto& compiled = std::get<db::search::CompiledQuery>(result);
    std::set<long> used = placeholders(compiled.condition);
    FUZZ_CHECK(used.size() == compiled.params.size());
    FUZZ_CHECK(used.empty() || (*used.begin() == 1 && *used.rbegin() == static_cast<long>(used.size())));
    for (const auto& param : compiled.params) FUZZ_CHECK(param.has_value());
    for (const auto& field : compiled.fields) {
        FUZZ_CHECK(!field.name.empty() && !field.sqlText.empty());
        for (long n : placeholders(field.sqlText)) FUZZ_CHECK(used.count(n) == 1);
    }
    std::string fixed = withoutFixedLiterals(compiled.condition);
    FUZZ_CHECK(fixed.find('\'') == std::string::npos);
    FUZZ_CHECK(fixed.find("--") == std::string::npos && fixed.find("/*") == std::string::npos);
    FUZZ_CHECK(fixed.find('\\') == std::string::npos && fixed.find(';') == std::string::npos);

    auto shifted = db::search::compileRunQuery(query, 7);
    const auto* again = std::get_if<db::search::CompiledQuery>(&shifted);
    FUZZ_CHECK(again && again->params == compiled.params && again->fields.size() == compiled.fields.size());
    return 0;
}
