#include <doctest/doctest.h>

#include <map>

#include "app/connect/connection_settings.hpp"

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

app::ResolvedConnection resolve(const app::ConnectionSettings& flags, const app::ConnectionSettings& profile,
                                std::map<std::string, std::string> env) {
    return app::resolveConnection(flags, profile, fakeEnv(std::move(env)), "test");
}

}  // namespace

TEST_CASE("flags beat STAGE1_* variables, which beat the profile, which beats the product defaults") {
    app::ConnectionSettings flags, profile;
    flags.port = "6000";
    profile.host = "203.0.113.30";
    profile.port = "7000";
    profile.user = "analyst";
    profile.sslmode = "verify-full";
    auto r = resolve(flags, profile,
                     {{"STAGE1_POSTGRES_HOST", "203.0.113.10"}, {"STAGE1_POSTGRES_SSLMODE", "require"}});
    auto p = r.connectParams();
    CHECK(get(p, "host") == "203.0.113.10");  // env over profile
    CHECK(get(p, "port") == "6000");          // flag over profile
    CHECK(get(p, "user") == "analyst");       // profile over default
    CHECK(get(p, "sslmode") == "require");    // env over profile
    CHECK(get(p, "dbname") == "stage1_trading");
    CHECK(get(p, "connect_timeout") == "5");
    CHECK(get(p, "application_name") == "test");
    CHECK(r.statementTimeoutMs == 15000);
}

TEST_CASE("libpq's own variables are left to libpq instead of the product defaults") {
    auto r = resolve({}, {}, {{"PGDATABASE", "other"}, {"PGUSER", "me"}, {"PGCONNECT_TIMEOUT", "9"}});
    auto p = r.connectParams();
    CHECK(get(p, "dbname") == "<unset>");
    CHECK(get(p, "user") == "<unset>");
    CHECK(get(p, "connect_timeout") == "<unset>");
    auto service = resolve({}, {}, {{"PGSERVICE", "stage1"}}).connectParams();
    CHECK(get(service, "dbname") == "<unset>");
}

TEST_CASE("--dsn keywords pass through, multi-host strings and target_session_attrs untouched") {
    auto flags = app::settingsFromDsn(
        "host=203.0.113.1,203.0.113.2 port=5432,5433 target_session_attrs=read-write "
        "dbname=stage1_trading sslmode=verify-full");
    auto p = resolve(flags, {}, {}).connectParams();
    CHECK(get(p, "host") == "203.0.113.1,203.0.113.2");
    CHECK(get(p, "port") == "5432,5433");
    CHECK(get(p, "target_session_attrs") == "read-write");
    auto uri = app::settingsFromDsn("postgresql://analyst@203.0.113.20:6432/stage1_trading?sslmode=require");
    CHECK(uri.user == std::optional<std::string>("analyst"));
    CHECK(uri.sslmode == std::optional<std::string>("require"));
    CHECK_THROWS_WITH_AS(app::settingsFromDsn("host=x bogus_keyword=1"), doctest::Contains("bogus_keyword"),
                         std::invalid_argument);
}

TEST_CASE("tunnel mode keeps the real host name for .pgpass and verify-full, and dials 127.0.0.1") {
    app::ConnectionSettings flags;
    flags.host = "db.example.internal";
    flags.port = "5432";
    flags.mode = app::ConnectionMode::Tunnel;
    auto r = resolve(flags, {}, {{"STAGE1_TUNNEL_LOCAL_PORT", "6543"}});
    auto p = r.connectParams();
    CHECK(get(p, "host") == "db.example.internal");
    CHECK(get(p, "hostaddr") == "127.0.0.1");
    CHECK(get(p, "port") == "6543");
    CHECK(r.describe() == "stage1_app@db.example.internal/stage1_trading via tunnel 127.0.0.1:6543");
    CHECK(r.remoteHost == "127.0.0.1");
    CHECK(r.remotePort == 5432);
}

TEST_CASE("the password comes from the environment, never shows in describe()") {
    auto r =
        resolve({}, {}, {{"STAGE1_POSTGRES_PASSWORD", "s3cret"}, {"STAGE1_POSTGRES_HOST", "203.0.113.5"}});
    CHECK(get(r.connectParams(), "password") == "s3cret");
    CHECK(r.describe().find("s3cret") == std::string::npos);
}

TEST_CASE("malformed STAGE1_* numbers are rejected with the variable's name") {
    CHECK_THROWS_WITH_AS(resolve({}, {}, {{"STAGE1_TUNNEL_LOCAL_PORT", "abc"}}),
                         doctest::Contains("STAGE1_TUNNEL_LOCAL_PORT"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(resolve({}, {}, {{"STAGE1_CONNECTION_MODE", "carrier-pigeon"}}),
                         doctest::Contains("'direct' or 'tunnel'"), std::invalid_argument);
}

TEST_CASE("ssh targets are user@host[:port], IPv6 in brackets, nothing a shell would interpret") {
    auto plain = app::parseSshTarget("analyst@jump.example.internal");
    REQUIRE(plain);
    CHECK(plain->destination == "analyst@jump.example.internal");
    CHECK_FALSE(plain->port);
    auto withPort = app::parseSshTarget("analyst@203.0.113.7:2222");
    REQUIRE(withPort);
    CHECK(withPort->destination == "analyst@203.0.113.7");
    CHECK(withPort->port == std::optional<int>(2222));
    auto v6 = app::parseSshTarget("analyst@[2001:db8::1]:22");
    REQUIRE(v6);
    CHECK(v6->destination == "analyst@2001:db8::1");
    for (const char* bad :
         {"jump", "@host", "user@", "user@host:99999", "user@host;rm -rf /", "user@$(id)", "a@[::1"})
        CHECK_FALSE(app::parseSshTarget(bad));
}

TEST_CASE("a direct connection to another machine requires TLS unless sslmode is given anywhere") {
    auto sslmodeFor = [](app::ConnectionSettings flags, std::map<std::string, std::string> env = {}) {
        app::ResolvedConnection r = resolve(flags, {}, std::move(env));
        return std::make_pair(get(r.connectParams(), "sslmode"), r.tlsRequiredByDefault);
    };
    app::ConnectionSettings remote;
    remote.host = "203.0.113.5";
    CHECK(sslmodeFor(remote) == std::make_pair(std::string("require"), true));
    app::ConnectionSettings named;
    named.host = "db.example.net";
    CHECK(sslmodeFor(named).first == "require");

    SUBCASE("hosts on this machine keep libpq's default") {
        for (const char* host : {"localhost", "127.0.0.1", "127.3.2.1", "::1", "/var/run/postgresql",
                                 "@abstract", "localhost,127.0.0.2"}) {
            CAPTURE(host);
            app::ConnectionSettings local;
            local.host = host;
            CHECK(sslmodeFor(local) == std::make_pair(std::string("<unset>"), false));
        }
        CHECK(sslmodeFor({}).first == "<unset>");  // libpq's default: the socket
    }
    SUBCASE("where libpq really goes decides: a list with another machine, hostaddr, PGHOST, PGHOSTADDR") {
        app::ConnectionSettings list;
        list.host = "127.0.0.1,203.0.113.5";
        CHECK(sslmodeFor(list).first == "require");
        app::ConnectionSettings viaAddress;
        viaAddress.host = "localhost";
        viaAddress.extraKeywords["hostaddr"] = "203.0.113.5";
        CHECK(sslmodeFor(viaAddress).first == "require");
        app::ConnectionSettings loopbackAddress;
        loopbackAddress.host = "db.example.net";
        loopbackAddress.extraKeywords["hostaddr"] = "127.0.0.1";
        CHECK(sslmodeFor(loopbackAddress).first == "<unset>");
        CHECK(sslmodeFor({}, {{"PGHOST", "203.0.113.5"}}).first == "require");
        CHECK(sslmodeFor({}, {{"PGHOSTADDR", "203.0.113.5"}}).first == "require");
        CHECK(sslmodeFor({}, {{"PGHOST", "/tmp"}}).first == "<unset>");
        CHECK(sslmodeFor({}, {{"STAGE1_POSTGRES_HOST", "203.0.113.5"}}).first == "require");
    }
    SUBCASE("every explicit source wins") {
        app::ConnectionSettings flag = remote;
        flag.sslmode = "prefer";
        CHECK(sslmodeFor(flag) == std::make_pair(std::string("prefer"), false));
        CHECK(sslmodeFor(app::settingsFromDsn("host=203.0.113.5 sslmode=disable")).first == "disable");
        CHECK(sslmodeFor(remote, {{"STAGE1_POSTGRES_SSLMODE", "allow"}}).first == "allow");
        app::ConnectionSettings profile;
        profile.sslmode = "verify-full";
        CHECK(get(resolve(remote, profile, {}).connectParams(), "sslmode") == "verify-full");
        // libpq's own: PGSSLMODE (and its old PGREQUIRESSL), a service file
        CHECK(sslmodeFor(remote, {{"PGSSLMODE", "prefer"}}) == std::make_pair(std::string("<unset>"), false));
        CHECK(sslmodeFor(remote, {{"PGREQUIRESSL", "0"}}).first == "<unset>");
        CHECK(sslmodeFor(remote, {{"PGSERVICE", "stage1"}}).first == "<unset>");
    }
    SUBCASE("the SSH tunnel keeps libpq's default: ssh already encrypts") {
        app::ConnectionSettings tunnel = remote;
        tunnel.mode = app::ConnectionMode::Tunnel;
        CHECK(sslmodeFor(tunnel) == std::make_pair(std::string("<unset>"), false));
    }
}

TEST_CASE("a password to another machine on a connection allowed to be plaintext is warned about") {
    auto warning = [](app::ConnectionSettings flags, std::map<std::string, std::string> env = {}) {
        app::ResolvedConnection r = resolve(flags, {}, env);
        return app::plaintextPasswordWarning(r, fakeEnv(env));
    };
    app::ConnectionSettings remote;
    remote.host = "203.0.113.5";
    CHECK_FALSE(warning(remote).has_value());  // the default requires TLS
    for (const char* mode : {"disable", "allow", "prefer"}) {
        CAPTURE(mode);
        app::ConnectionSettings plain = remote;
        plain.sslmode = mode;
        REQUIRE(warning(plain).has_value());
        CHECK(warning(plain)->find(std::string("sslmode=") + mode) != std::string::npos);
    }
    CHECK(warning(remote, {{"PGSSLMODE", "disable"}}).has_value());
    app::ConnectionSettings verified = remote;
    verified.sslmode = "verify-full";
    CHECK_FALSE(warning(verified).has_value());
    app::ConnectionSettings local;
    local.host = "127.0.0.1";
    local.sslmode = "disable";
    CHECK_FALSE(warning(local).has_value());
    app::ConnectionSettings tunnel = remote;
    tunnel.sslmode = "disable";
    tunnel.mode = app::ConnectionMode::Tunnel;
    CHECK_FALSE(warning(tunnel).has_value());
}
