// The window and TLS: before a password goes to another machine on a connection that may be
// plaintext, it asks, once per profile, and sends nothing until allowed.
#include <doctest/doctest.h>

#include "tests/support/loopback.hpp"
#include "tests/support/password_cluster.hpp"
#include "tests/support/workbench_harness.hpp"
#include "tests/ui/window_harness.hpp"

TEST_CASE("window: a password for another machine without TLS waits for a yes, asked once per profile") {
    const auto host = testsupport::loopbackHostName();
    if (!host) {
        MESSAGE("this machine's name does not resolve to loopback; the case needs one that does");
        return;
    }
    testsupport::PasswordCluster pg;  // ssl = off, SCRAM over TCP
    testsupport::WindowHarness w;
    w.ui().fill("connect.host", *host);
    w.ui().fill("connect.port", pg.port());
    w.ui().fill("connect.db", testsupport::PasswordCluster::kDatabase);
    w.ui().fill("connect.user", "stage1_app");
    testsupport::editForm(w.wb(), [](app::ConnectionForm& f) { f.sslmode = "prefer"; });

    w.ui().click("connect.button");
    REQUIRE(w.ui().runUntil([&] { return w.state().connection.passwordRequested; }, 20.0));
    w.ui().fill("connect.password", testsupport::PasswordCluster::kPassword);  // Enter submits
    w.ui().frames(3);
    const auto& c = w.state().connection;
    REQUIRE_FALSE(c.plaintextPasswordQuestion.empty());
    CHECK(c.plaintextPasswordQuestion.find("without TLS (sslmode=prefer") != std::string::npos);
    CHECK(c.phase != app::ConnectionPhase::Connecting);  // nothing sent
    CHECK(w.ui().drawn("connect.allow_plaintext"));

    w.ui().click("connect.allow_plaintext");
    REQUIRE(
        w.ui().runUntil([&] { return c.phase == app::ConnectionPhase::Connected && !w.wb().busy(); }, 20.0));
    CHECK(c.facts.tls.inUse == false);
    CHECK(w.ui().snapshot().find("no TLS") != std::string::npos);

    // Once per profile: the same profile connects again without asking.
    w.ui().click("disconnect.button");
    w.ui().frames(2);
    testsupport::editForm(
        w.wb(), [](app::ConnectionForm& f) { f.password = testsupport::PasswordCluster::kPassword; });
    w.ui().click("connect.button");
    REQUIRE(
        w.ui().runUntil([&] { return c.phase == app::ConnectionPhase::Connected && !w.wb().busy(); }, 20.0));
    CHECK(c.plaintextPasswordQuestion.empty());

    // Another profile is asked again, and "Don't send" drops the password.
    w.ui().click("disconnect.button");
    w.ui().frames(2);
    testsupport::editForm(w.wb(), [](app::ConnectionForm& f) {
        f.profile = "office";
        f.password = testsupport::PasswordCluster::kPassword;
    });
    w.ui().click("connect.button");
    w.ui().frames(3);
    REQUIRE_FALSE(c.plaintextPasswordQuestion.empty());
    w.ui().click("connect.decline_plaintext");
    w.ui().frames(2);
    CHECK(c.plaintextPasswordQuestion.empty());
    CHECK(w.state().form.password.empty());
    CHECK(c.phase != app::ConnectionPhase::Connected);
}
