#include <doctest/doctest.h>
#include <sys/stat.h>

#include "app/connect/profiles.hpp"
#include "tests/support/scratch_dir.hpp"

TEST_CASE("profiles round-trip through a 0600 file and never store a password") {
    testsupport::ScratchDir dir;
    auto path = dir.path() / "stage1-debugger" / "profiles.json";
    app::Profile office;
    office.name = "office";
    office.settings.host = "db.example.internal";
    office.settings.sslmode = "verify-full";
    office.settings.password = "must-not-be-saved";
    app::Profile tunnel;
    tunnel.name = "home";
    tunnel.settings.mode = app::ConnectionMode::Tunnel;
    tunnel.settings.sshTarget = "analyst@203.0.113.7:2222";
    tunnel.settings.tunnelLocalPort = 6543;
    app::saveProfiles(path, {office, tunnel});

    struct stat st {};
    REQUIRE(stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    REQUIRE(stat(path.parent_path().c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    CHECK(testsupport::readFile(path).find("must-not-be-saved") == std::string::npos);

    auto loaded = app::loadProfiles(path);
    REQUIRE(loaded.profiles.size() == 2);
    CHECK(loaded.find("office")->settings.host == std::optional<std::string>("db.example.internal"));
    CHECK_FALSE(loaded.find("office")->settings.password);
    CHECK(loaded.find("home")->settings.mode ==
          std::optional<app::ConnectionMode>(app::ConnectionMode::Tunnel));
    CHECK(loaded.find("home")->settings.tunnelLocalPort == std::optional<int>(6543));
    CHECK(loaded.warnings.empty());
}

TEST_CASE("a password in a hand-edited profile is ignored with a warning, broken files are reported") {
    testsupport::ScratchDir dir;
    auto path = dir.path() / "profiles.json";
    testsupport::writeFile(path, R"({"profiles": [{"name": "x", "host": "h", "password": "oops"}]})");
    auto loaded = app::loadProfiles(path);
    REQUIRE(loaded.profiles.size() == 1);
    CHECK_FALSE(loaded.profiles[0].settings.password);
    REQUIRE(loaded.warnings.size() == 1);
    CHECK(loaded.warnings[0].find("password") != std::string::npos);

    testsupport::writeFile(path, "{\"profiles\": [");
    CHECK_THROWS_WITH_AS(app::loadProfiles(path), doctest::Contains("is not valid JSON"), std::runtime_error);
    testsupport::writeFile(path, R"({"profiles": [{"name": "a"}, {"name": "a"}]})");
    CHECK_THROWS_WITH_AS(app::loadProfiles(path), doctest::Contains("used twice"), std::runtime_error);
    testsupport::writeFile(path, R"({"profiles": [{"name": "a", "port": 5432}]})");
    CHECK_THROWS_WITH_AS(app::loadProfiles(path), doctest::Contains("'port' has the wrong type"),
                         std::runtime_error);
    CHECK(app::loadProfiles(dir.path() / "missing.json").profiles.empty());
}

TEST_CASE("profile numbers must be integers that fit, and the text parser names its origin") {
    // nlohmann's unchecked get<int>() made 1e300 undefined behaviour and 4294967297 the port 1.
    CHECK_THROWS_WITH_AS(
        app::parseProfiles(R"({"profiles": [{"name": "a", "connect_timeout": 1e300}]})", "p.json"),
        doctest::Contains("p.json: profile #1: field 'connect_timeout' has the wrong type"),
        std::runtime_error);
    CHECK_THROWS_WITH_AS(
        app::parseProfiles(R"({"profiles": [{"name": "a", "tunnel": {"local_port": 4294967297}}]})",
                           "p.json"),
        doctest::Contains("field 'local_port' is out of range"), std::runtime_error);
    CHECK_THROWS_WITH_AS(
        app::parseProfiles(R"({"profiles": [{"name": "a", "tunnel": {"remote_port": 5.5}}]})", "p.json"),
        doctest::Contains("field 'remote_port' has the wrong type"), std::runtime_error);
    CHECK_THROWS_WITH_AS(app::parseProfiles("[1]", "p.json"), doctest::Contains("p.json: expected"),
                         std::runtime_error);
    // A number no double holds is nlohmann's out_of_range, not a parse_error: it escaped the loader.
    CHECK_THROWS_WITH_AS(
        app::parseProfiles(R"({"profiles": [{"name": "a", "connect_timeout": 9e34294967298}]})", "p.json"),
        doctest::Contains("p.json is not valid JSON"), std::runtime_error);

    auto file = app::parseProfiles(
        R"({"profiles": [{"name": "a", "statement_timeout_ms": -1, "tunnel": {"remote_port": 2147483647}}]})",
        "p.json");
    REQUIRE(file.profiles.size() == 1);
    CHECK(file.profiles[0].settings.statementTimeoutMs == std::optional<int>(-1));
    CHECK(file.profiles[0].settings.remotePort == std::optional<int>(2147483647));
    // What saveProfiles writes loads back to the same bytes.
    std::string text = app::profilesText(file.profiles);
    CHECK(app::profilesText(app::parseProfiles(text, "p.json").profiles) == text);
}
