// app/backup_files: dump names, the sha256 sidecar, ISO weeks and retention, without a database.
#include <doctest/doctest.h>

#include <ctime>

#include "app/ops/backup_files.hpp"
#include "app/ops/pg_tools.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

std::time_t utc(int y, int mo, int d, int h = 0, int mi = 0, int s = 0) {
    std::tm tm{};
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    return timegm(&tm);
}

std::vector<std::string> keptNames(const app::RetentionPlan& plan) {
    std::vector<std::string> out;
    for (const auto& k : plan.keep) out.push_back(k.fileName);
    return out;
}

}  // namespace

TEST_CASE("dump file names round-trip and nothing else matches the pattern") {
    const std::time_t t = utc(2026, 11, 26, 12, 0, 5);
    CHECK(app::dumpFileName("stage1_trading", t) == "stage1_trading-20261126T120005Z.dump");
    CHECK(app::parseDumpFileName("stage1_trading-20261126T120005Z.dump", "stage1_trading") == t);
    for (const char* other :
         {"stage1_trading-20261126T120005Z.dump.sha256", "stage1_trading-20261126T120005Z.dump.verified",
          ".stage1_trading-20261126T120005Z.dump.partial", "stage1_trading-20261126T120005.dump",
          "stage1_trading-20261126T120005Z.DUMP", "other_db-20261126T120005Z.dump",
          "stage1_trading-2026.dump", "stage1_trading-20260231T120005Z.dump",
          "stage1_trading-20261126T250005Z.dump", "stage1_trading-2026112xT120005Z.dump", "notes.txt"})
        CHECK_MESSAGE(!app::parseDumpFileName(other, "stage1_trading"), other);
    CHECK(!app::dumpDatabaseNameProblem("stage1_trading"));
    CHECK(app::dumpDatabaseNameProblem("my db"));
    CHECK(app::dumpDatabaseNameProblem("a/b"));
    CHECK(app::dumpDatabaseNameProblem(""));
}

TEST_CASE("the sha256 sidecar is what sha256sum writes and reads") {
    const std::string hex(64, 'a');
    CHECK(app::sha256SidecarText(hex, "x.dump") == hex + "  x.dump\n");
    auto text = app::parseSha256Sidecar(hex + "  x.dump\n");
    REQUIRE(text);
    CHECK(text->hex == hex);
    CHECK(text->fileName == "x.dump");
    auto binary = app::parseSha256Sidecar(std::string(64, 'B') + " *x.dump");
    REQUIRE(binary);
    CHECK(binary->hex == std::string(64, 'b'));
    CHECK(!app::parseSha256Sidecar("abc  x.dump\n"));
    CHECK(!app::parseSha256Sidecar(std::string(64, 'g') + "  x.dump\n"));
    CHECK(!app::parseSha256Sidecar(hex + " x.dump\n"));
    CHECK(!app::parseSha256Sidecar(hex + "  x.dump\n" + hex + "  y.dump\n"));

    testsupport::ScratchDir dir;
    testsupport::writeFile(dir.path() / "abc.txt", "abc");
    CHECK(app::sha256OfFile(dir.path() / "abc.txt") ==
          "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    CHECK_THROWS_AS(app::sha256OfFile(dir.path() / "missing"), std::runtime_error);
}

TEST_CASE("ISO weeks at year boundaries") {
    CHECK(app::isoWeekLabel(app::isoWeekOf(utc(2026, 11, 26))) == "2026-W48");
    CHECK(app::isoWeekLabel(app::isoWeekOf(utc(2026, 11, 22, 23, 59))) == "2026-W47");
    CHECK(app::isoWeekLabel(app::isoWeekOf(utc(2026, 11, 23))) == "2026-W48");
    CHECK(app::isoWeekLabel(app::isoWeekOf(utc(2021, 1, 3))) == "2020-W53");
    CHECK(app::isoWeekLabel(app::isoWeekOf(utc(2024, 12, 30))) == "2025-W01");
    CHECK(app::isoWeekLabel(app::isoWeekOf(utc(2027, 1, 1))) == "2026-W53");
    CHECK(app::utcDayLabel(utc(2026, 11, 26, 23, 59, 59)) == "2026-11-26");
}

TEST_CASE("retention keeps the newest dump of each day and ISO week among verified ones") {
    std::vector<app::DumpOnDisk> dumps = {
        {"running", utc(2026, 11, 26, 3), false},      // another run, not verified yet
        {"thu-02", utc(2026, 11, 26, 2), true},        // newest verified, daily 1, weekly W48
        {"thu-01", utc(2026, 11, 26, 1), true},        // same day, older
        {"wed", utc(2026, 11, 25), true},              // daily 2
        {"tue-unverified", utc(2026, 11, 24), false},  // failed verification
        {"mon", utc(2026, 11, 23), true},              // daily 3
        {"sun", utc(2026, 11, 22), true},              // day 4 (not kept daily), weekly W47
        {"sun-before", utc(2026, 11, 15), true},       // weekly W46: beyond keepWeekly 2
    };
    app::RetentionPlan plan = app::planRetention(dumps, 3, 2);
    CHECK(keptNames(plan) == std::vector<std::string>{"running", "thu-02", "wed", "mon", "sun"});
    CHECK(plan.prune == std::vector<std::string>{"thu-01", "tue-unverified", "sun-before"});
    REQUIRE(plan.keep.size() == 5);
    CHECK(plan.keep[0].reasons == std::vector<std::string>{"newer than the newest verified dump"});
    CHECK(plan.keep[1].reasons ==
          std::vector<std::string>{"newest verified", "daily 2026-11-26", "weekly 2026-W48"});
    CHECK(plan.keep[4].reasons == std::vector<std::string>{"weekly 2026-W47"});
}

TEST_CASE("retention never prunes the newest verified dump, nor anything before one exists") {
    std::vector<app::DumpOnDisk> dumps = {{"new", utc(2026, 11, 26), true}, {"old", utc(2026, 11, 20), true}};
    app::RetentionPlan zero = app::planRetention(dumps, 0, 0);
    CHECK(keptNames(zero) == std::vector<std::string>{"new"});
    CHECK(zero.prune == std::vector<std::string>{"old"});

    std::vector<app::DumpOnDisk> unverified = {{"a", utc(2026, 11, 26), false},
                                               {"b", utc(2026, 11, 1), false}};
    app::RetentionPlan none = app::planRetention(unverified, 1, 1);
    CHECK(none.prune.empty());
    CHECK(keptNames(none) == std::vector<std::string>{"a", "b"});
    CHECK(app::planRetention({}, 14, 8).keep.empty());
}

TEST_CASE("connection settings reach pg_dump as PG variables, unknown keywords by name only") {
    db::ConnectParams params;
    params.set("host", "db.example");
    params.set("port", "6543");
    params.set("dbname", "stage1_trading");
    params.set("user", "backup");
    params.set("password", "s3cret");
    params.set("sslmode", "verify-full");
    params.set("keepalives", "1");
    std::vector<std::string> ignored;
    auto env = app::libpqEnvironment(params, &ignored);
    CHECK(env == std::map<std::string, std::string>{{"PGHOST", "db.example"},
                                                    {"PGPORT", "6543"},
                                                    {"PGDATABASE", "stage1_trading"},
                                                    {"PGUSER", "backup"},
                                                    {"PGPASSWORD", "s3cret"},
                                                    {"PGSSLMODE", "verify-full"}});
    CHECK(ignored == std::vector<std::string>{"keepalives"});
}

TEST_CASE("pg programs come from --pg-bin only when given, with a clear message when missing") {
    testsupport::ScratchDir dir;
    auto noPath = [](const char*) -> const char* { return nullptr; };
    CHECK_THROWS_WITH_AS(app::findPgProgram("pg_dump", dir.path().string(), noPath),
                         doctest::Contains("pg_dump not found in --pg-bin"), app::PgToolMissing);
    testsupport::writeFile(dir.path() / "pg_dump", "#!/bin/sh\n");
    CHECK_THROWS_AS(app::findPgProgram("pg_dump", dir.path().string(), noPath),
                    app::PgToolMissing);  // not executable
    std::filesystem::permissions(dir.path() / "pg_dump", std::filesystem::perms::owner_all);
    CHECK(app::findPgProgram("pg_dump", dir.path().string(), noPath) == dir.path() / "pg_dump");
    std::string path = dir.path().string();
    auto withPath = [&](const char* name) -> const char* {
        return std::string(name) == "PATH" ? path.c_str() : nullptr;
    };
    CHECK(app::findPgProgram("pg_dump", std::nullopt, withPath) == dir.path() / "pg_dump");
}
