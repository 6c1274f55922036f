#include <doctest/doctest.h>

#include <map>

#include "app/connection_options.hpp"

namespace {
app::EnvLookup fakeEnv(std::map<std::string, std::string> values) {
    return [values = std::move(values)](const char* name) -> const char* {
        auto it = values.find(name);
        return it == values.end() ? nullptr : it->second.c_str();
    };
}
std::string get(const db::ConnectParams& p, const char* k) {
    const std::string* v = p.find(k);
    return v ? *v : "<unset>";
}
}  // namespace

TEST_CASE("STAGE1_POSTGRES_* variables map to libpq keywords; unset ones are left to libpq") {
    auto p = app::resolveConnection({}, fakeEnv({{"STAGE1_POSTGRES_HOST", "203.0.113.10"},
                                                 {"STAGE1_POSTGRES_PORT", "5433"},
                                                 {"STAGE1_POSTGRES_SSLMODE", "require"}}));
    CHECK(get(p, "host") == "203.0.113.10");
    CHECK(get(p, "port") == "5433");
    CHECK(get(p, "sslmode") == "require");
    CHECK(get(p, "dbname") == "<unset>");
    CHECK(get(p, "application_name") == "stage1ctl");
}

TEST_CASE("--dsn overrides exactly the keywords it sets") {
    app::ConnectionRequest request;
    request.dsn = "postgresql://analyst@203.0.113.20:6432/stage1_trading";
    auto p = app::resolveConnection(request, fakeEnv({{"STAGE1_POSTGRES_HOST", "203.0.113.10"},
                                                      {"STAGE1_POSTGRES_PASSWORD", "from-env"}}));
    CHECK(get(p, "host") == "203.0.113.20");
    CHECK(get(p, "port") == "6432");
    CHECK(get(p, "user") == "analyst");
    CHECK(get(p, "password") == "from-env");
    CHECK(p.describe() == "analyst@203.0.113.20:6432/stage1_trading");
    CHECK(p.describe().find("from-env") == std::string::npos);
}

TEST_CASE("a malformed --dsn is rejected with libpq's reason") {
    app::ConnectionRequest request;
    request.dsn = "host=x bogus_keyword=1";
    CHECK_THROWS_WITH_AS(app::resolveConnection(request, fakeEnv({})), doctest::Contains("bogus_keyword"),
                         std::invalid_argument);
}
