// What the libFuzzer targets share: an invariant check that stops the run with a report (libFuzzer
// then saves the input as a crash artifact), and the input cut into fields.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

namespace stage1fuzz {

[[noreturn]] inline void fail(const char* condition, const char* file, int line) {
    std::fprintf(stderr, "\n==stage1-fuzz== invariant failed: %s\n    at %s:%d\n", condition, file, line);
    std::abort();
}

// The input's fields, split at the ASCII record separator (0x1e), so a seed stays a readable text
// (a seed without one is a single field).
inline std::vector<std::string> fields(std::string_view input, size_t count) {
    std::vector<std::string> out;
    while (out.size() + 1 < count) {
        size_t end = input.find('\x1e');
        if (end == std::string_view::npos) break;
        out.emplace_back(input.substr(0, end));
        input.remove_prefix(end + 1);
    }
    out.emplace_back(input);
    out.resize(count);
    return out;
}

}  // namespace stage1fuzz

#define FUZZ_CHECK(condition)                                                 \
    do {                                                                      \
        if (!(condition)) ::stage1fuzz::fail(#condition, __FILE__, __LINE__); \
    } while (0)
