// Where QuestDB is: the one resolution the window and `validate --questdb` share, the profile's
// "questdb" object, and the diagnosis of a QuestDB that cannot be reached.
#include <doctest/doctest.h>

#include <map>

#include "app/connect/profiles.hpp"
#include "app/connect/questdb_connection.hpp"
#include "app/questdb/questdb_diagnosis.hpp"
#include "tests/support/scratch_dir.hpp"

namespace {

app::EnvLookup envOf(std::map<std::string, std::string> vars) {
    auto shared = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
    return [shared](const char* name) -> const char* {
        auto it = shared->find(name);
        return it == shared->end() ? nullptr : it->second.c_str();
    };
}

std::string param(const db::ConnectParams& p, const char* keyword) {
    const std::string* v = p.find(keyword);
    return v ? *v : "<unset>";
}

app::QuestDbSettings hostOnly(const std::string& host) {
    app::QuestDbSettings s;
    s.host = host;
    return s;
}

}  // namespace

TEST_CASE("questdb settings: nothing given is not configured, and QuestDB's defaults fill the rest") {
    app::ResolvedQuestDb none = app::resolveQuestDb({}, {}, envOf({}));
    CHECK_FALSE(none.configured);

    app::ResolvedQuestDb q = app::resolveQuestDb(hostOnly("qdb.internal"), {}, envOf({}));
    CHECK(q.configured);
    CHECK(q.describe() == "admin@qdb.internal:8812/qdb");
    db::ConnectParams p = q.connectParams("stage1-debugger");
    CHECK(param(p, "host") == "qdb.internal");
    CHECK(param(p, "port") == "8812");
    CHECK(param(p, "user") == "admin");
    CHECK(param(p, "dbname") == "qdb");
    CHECK(param(p, "sslmode") == "disable");  // QuestDB's PG wire has no TLS
    CHECK(param(p, "connect_timeout") == "5");
    CHECK(param(p, "password") == "<unset>");
    CHECK(param(p, "application_name") == "stage1-debugger");
}

TEST_CASE("questdb settings: explicit over STAGE1_QUESTDB_* over STAGE1_QUESTDB_DSN over the profile") {
    app::QuestDbSettings profile;
    profile.host = "from-profile";
    profile.port = "1111";
    profile.user = "profile_user";
    profile.dbname = "profile_db";

    CHECK(app::resolveQuestDb({}, profile, envOf({})).describe() ==
          "profile_user@from-profile:1111/profile_db");

    auto env = envOf({{"STAGE1_QUESTDB_DSN", "host=from-dsn port=2222 user=dsn_user sslmode=require"},
                      {"STAGE1_QUESTDB_PORT", "3333"},
                      {"STAGE1_QUESTDB_PASSWORD", "s3cret"}});
    app::ResolvedQuestDb fromEnv = app::resolveQuestDb({}, profile, env);
    CHECK(fromEnv.configured);
    // The variable beats the DSN's port; the DSN beats the profile; the profile fills dbname.
    CHECK(fromEnv.describe() == "dsn_user@from-dsn:3333/profile_db");
    db::ConnectParams p = fromEnv.connectParams("x");
    CHECK(param(p, "password") == "s3cret");
    CHECK(param(p, "sslmode") == "require");  // a DSN may still ask for TLS (a proxy in front)
    CHECK(fromEnv.describe().find("s3cret") == std::string::npos);

    app::ResolvedQuestDb flag = app::resolveQuestDb(hostOnly("from-flag"), profile, env, true);
    CHECK(flag.describe() == "dsn_user@from-flag:3333/profile_db");

    // --questdb without a host still configures it (libpq's default host), as validate always did.
    CHECK(app::resolveQuestDb({}, {}, envOf({}), true).configured);
}

TEST_CASE("questdb settings: a malformed DSN is refused with its password masked") {
    try {
        app::questDbSettingsFromDsn("host=q password=hunter2 nonsense", "--questdb");
        FAIL("parsed");
    } catch (const std::invalid_argument& e) {
        CHECK(std::string(e.what()).find("--questdb is not a valid connection string") == 0);
        CHECK(std::string(e.what()).find("hunter2") == std::string::npos);
    }
    CHECK_THROWS_AS(app::resolveQuestDb({}, {}, envOf({{"STAGE1_QUESTDB_DSN", "=oops"}})),
                    std::invalid_argument);
}

TEST_CASE("profiles: the \"questdb\" object round-trips without any password") {
    testsupport::ScratchDir dir;
    auto path = dir.path() / "stage1-debugger" / "profiles.json";
    app::Profile office;
    office.name = "office";
    office.settings.host = "db.example.internal";
    office.settings.questdb.host = "qdb.example.internal";
    office.settings.questdb.port = "8812";
    office.settings.questdb.user = "analyst";
    office.settings.questdb.dbname = "qdb";
    office.settings.questdb.password = "quest-must-not-be-saved";
    app::saveProfiles(path, {office});
    const std::string text = testsupport::readFile(path);
    CHECK(text.find("quest-must-not-be-saved") == std::string::npos);
    CHECK(text.find("\"questdb\"") != std::string::npos);

    app::ProfileFile loaded = app::loadProfiles(path);
    REQUIRE(loaded.profiles.size() == 1);
    const app::QuestDbSettings& q = loaded.profiles[0].settings.questdb;
    CHECK(q.host == "qdb.example.internal");
    CHECK(q.user == "analyst");
    CHECK_FALSE(q.password);

    app::ProfileFile withPassword = app::parseProfiles(
        R"({"profiles": [{"name": "p", "questdb": {"host": "q", "password": "quest"}}]})", "profiles.json");
    CHECK_FALSE(withPassword.profiles[0].settings.questdb.password);
    REQUIRE(withPassword.warnings.size() == 1);
    CHECK(withPassword.warnings[0].find("\"questdb\" \"password\" field was ignored") != std::string::npos);
    CHECK_THROWS_AS(app::parseProfiles(R"({"profiles": [{"name": "p", "questdb": "q"}]})", "f"),
                    std::runtime_error);
}

TEST_CASE("questdb diagnosis: refused and timed out name QuestDB's host:port and the settings to check") {
    app::ResolvedQuestDb q = app::resolveQuestDb(hostOnly("qdb.internal"), {}, envOf({}));
    db::DbError refused{"",
                        "connection to server at \"qdb.internal\" (10.0.0.5), port 8812 failed: Connection "
                        "refused\n\tIs the server running on that host and accepting TCP/IP connections?",
                        "", ""};
    app::Diagnosis d = app::diagnoseQuestDb(refused, q);
    CHECK(d.kind == app::DiagnosisKind::ConnectionRefused);
    CHECK(d.title == "QuestDB at qdb.internal:8812 is not reachable");
    REQUIRE(d.fixes.size() == 2);
    CHECK(d.fixes[0].text.find("STAGE1_QUESTDB_HOST=qdb.internal") != std::string::npos);
    CHECK(d.fixes[1].text.find("pg.net.bind.to=0.0.0.0:8812") != std::string::npos);

    app::Diagnosis t = app::diagnoseQuestDb({"", "timeout expired", "", ""}, q);
    CHECK(t.kind == app::DiagnosisKind::Timeout);
    CHECK(t.explanation.find("within 5 s") != std::string::npos);

    app::Diagnosis pw = app::diagnoseQuestDb(
        {"28P01", "FATAL:  password authentication failed for user \"admin\"", "", ""}, q);
    CHECK(pw.title == "QuestDB at qdb.internal:8812 refused the login of admin");
    CHECK(pw.fixes[0].text == "STAGE1_QUESTDB_PASSWORD=...");
}
