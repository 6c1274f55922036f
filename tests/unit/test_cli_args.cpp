#include <doctest/doctest.h>

#include "app/cli/cli_args.hpp"

namespace {
const std::vector<app::OptionSpec> kSpecs = {{"dsn", true, ""}, {"json", false, ""}, {"limit", true, ""}};
}

TEST_CASE("options take values in both spellings, and flags none") {
    auto parsed = app::parseOptions({"--dsn", "host=x", "--json", "--limit=20"}, kSpecs);
    CHECK(parsed.value("dsn") == std::optional<std::string>("host=x"));
    CHECK(parsed.flags.count("json") == 1);
    CHECK(parsed.integer("limit", 50, 1, 1000) == 20);
    CHECK(parsed.integer("absent", 50, 1, 1000) == 50);
}

TEST_CASE("every wrong flag is a usage error that says what was wrong") {
    using app::UsageError;
    CHECK_THROWS_WITH_AS(app::parseOptions({"--nope"}, kSpecs), "unknown option --nope", UsageError);
    CHECK_THROWS_WITH_AS(app::parseOptions({"--dsn"}, kSpecs), "--dsn needs a value", UsageError);
    CHECK_THROWS_WITH_AS(app::parseOptions({"--json=1"}, kSpecs), "--json takes no value", UsageError);
    CHECK_THROWS_WITH_AS(app::parseOptions({"stray"}, kSpecs),
                         doctest::Contains("unexpected argument 'stray'"), UsageError);
    CHECK_THROWS_WITH_AS(app::parseOptions({"--json", "--json"}, kSpecs), "--json given twice", UsageError);
    auto parsed = app::parseOptions({"--limit", "12x"}, kSpecs);
    CHECK_THROWS_WITH_AS(parsed.integer("limit", 50, 1, 1000), doctest::Contains("got '12x'"), UsageError);
    auto big = app::parseOptions({"--limit", "5000"}, kSpecs);
    CHECK_THROWS_AS(big.integer("limit", 50, 1, 1000), UsageError);
}

TEST_CASE("a repeating last positional takes every further bare argument, a plain one only its own") {
    const std::vector<app::OptionSpec> specs = {{"run_id", false, "", true, true}, {"all", false, ""}};
    auto parsed = app::parseOptions({"a", "--all", "b", "c", "--", "--d"}, specs);
    CHECK(parsed.positional == std::vector<std::string>{"a", "b", "c", "--d"});
    CHECK(parsed.flags.count("all") == 1);
    CHECK(app::parseOptions({}, specs).positional.empty());
    const std::vector<app::OptionSpec> single = {{"file", false, "", true}};
    CHECK_THROWS_WITH_AS(app::parseOptions({"a", "b"}, single), doctest::Contains("unexpected argument 'b'"),
                         app::UsageError);
    CHECK(app::describeOptions(specs).rfind("  <run_id>...  ", 0) == 0);
}
