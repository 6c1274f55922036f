// CTest keeps test names in CMake lists, where ';' separates items: doctest_discover_tests then
// registers a name cut in two that matches no test case, and the test silently runs nothing. Every
// TEST_CASE name under tests/ is read here and must be free of ';'.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

// The names of the TEST_CASEs in `source`, adjacent string literals joined.
std::vector<std::string> testCaseNames(const std::string& source) {
    static const std::regex testCase(R"re(TEST_CASE\(\s*((?:"(?:[^"\\]|\\.)*"\s*)+))re");
    static const std::regex literal(R"re("((?:[^"\\]|\\.)*)")re");
    std::vector<std::string> names;
    for (auto it = std::sregex_iterator(source.begin(), source.end(), testCase); it != std::sregex_iterator();
         ++it) {
        const std::string literals = (*it)[1];
        std::string name;
        for (auto l = std::sregex_iterator(literals.begin(), literals.end(), literal);
             l != std::sregex_iterator(); ++l)
            name += (*l)[1];
        names.push_back(name);
    }
    return names;
}

}  // namespace

TEST_CASE("testCaseNames reads single and concatenated names") {
    CHECK(testCaseNames("TEST_CASE(\"a, b\") {}\nTEST_CASE(\n    \"c \"\n    \"d\") {}") ==
          std::vector<std::string>{"a, b", "c d"});
}

TEST_CASE("no test name holds a semicolon (CTest would split it and run nothing)") {
    const std::filesystem::path tests = std::filesystem::path(STAGE1_SOURCE_DIR_FOR_UNIT) / "tests";
    int files = 0, names = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(tests)) {
        if (entry.path().extension() != ".cpp") continue;
        std::ifstream in(entry.path());
        std::stringstream text;
        text << in.rdbuf();
        ++files;
        for (const std::string& name : testCaseNames(text.str())) {
            ++names;
            INFO(entry.path().string() << ": " << name);
            CHECK(name.find(';') == std::string::npos);
        }
    }
    CHECK(files > 20);
    CHECK(names > 200);
}
