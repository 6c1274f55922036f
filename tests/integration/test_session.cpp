// The async Session against the real cluster: requests, timing, cancel, statement_timeout.
#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "db/pg/session.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/test_database.hpp"

using namespace std::chrono_literals;
using testsupport::TestDatabase;

namespace {

// Drains the mailbox until `done` turns true (or 20 s pass), as the CLI does.
void waitFor(db::Mailbox& mailbox, const bool& done) {
    auto deadline = std::chrono::steady_clock::now() + 20s;
    while (!done && std::chrono::steady_clock::now() < deadline) mailbox.waitAndDrain(100ms);
    REQUIRE(done);
}

db::Outcome<db::ServerFacts> connectNow(db::Session& session, db::Mailbox& mailbox) {
    db::Outcome<db::ServerFacts> facts;
    bool done = false;
    session.connect([&](db::Outcome<db::ServerFacts> o) {
        facts = std::move(o);
        done = true;
    });
    waitFor(mailbox, done);
    return facts;
}

template <typename T>
db::Outcome<T> runNow(db::Session& session, db::Mailbox& mailbox, std::function<T(db::Connection&)> work) {
    db::Outcome<T> outcome;
    bool done = false;
    session.submit<T>(std::move(work), [&](db::Outcome<T> o) {
        outcome = std::move(o);
        done = true;
    });
    waitFor(mailbox, done);
    return outcome;
}

}  // namespace

TEST_CASE("a session connects on its worker, reports server facts and applies statement_timeout") {
    TestDatabase database;
    db::Mailbox mailbox;
    std::atomic<int> wakes{0};
    mailbox.onPost([&] { ++wakes; });
    db::Session session({database.params(), 250}, mailbox);
    auto facts = connectNow(session, mailbox);
    REQUIRE(facts.ok());
    CHECK(facts.value->currentUser == "postgres");
    // The server the run uses (14, 15 or 18 under ./dev test), as the server itself reports it.
    CHECK(std::to_string(facts.value->serverVersionNum) ==
          std::string(database.connect().query("SHOW server_version_num").text(0, 0)));
    CHECK(facts.value->serverVersionNum >= db::kOldestSupportedMajor * 10000);
    CHECK(facts.value->clientAddress.empty());  // unix socket
    CHECK(facts.elapsedMs > 0);
    CHECK(wakes >= 1);
    CHECK(session.connected());

    auto timeout = runNow<std::string>(session, mailbox, [](db::Connection& c) {
        return std::string(c.query("SHOW statement_timeout").text(0, 0));
    });
    REQUIRE(timeout.ok());
    CHECK(*timeout.value == "250ms");

    auto slow = runNow<bool>(session, mailbox,
                             [](db::Connection& c) { return c.query("SELECT pg_sleep(2)").rows() == 1; });
    CHECK_FALSE(slow.ok());
    CHECK_FALSE(slow.cancelled);
    REQUIRE(slow.error);
    CHECK(slow.error->sqlstate == "57014");
    CHECK(slow.error->message.find("statement timeout") != std::string::npos);

    db::Outcome<bool> ping;
    bool pinged = false;
    session.ping([&](db::Outcome<bool> o) {
        ping = o;
        pinged = true;
    });
    waitFor(mailbox, pinged);
    CHECK(ping.ok());
    CHECK(ping.elapsedMs < 1000);
}

TEST_CASE("cancelling pg_sleep(30) returns within a second and the session stays usable") {
    TestDatabase database;
    db::Mailbox mailbox;
    db::Session session({database.params(), 0}, mailbox);
    REQUIRE(connectNow(session, mailbox).ok());

    db::Outcome<bool> outcome;
    bool done = false;
    auto id =
        session.submit<bool>([](db::Connection& c) { return c.query("SELECT pg_sleep(30)").rows() == 1; },
                             [&](db::Outcome<bool> o) {
                                 outcome = o;
                                 done = true;
                             });
    std::this_thread::sleep_for(300ms);  // let it reach the server
    auto cancelledAt = std::chrono::steady_clock::now();
    session.cancel(id);
    waitFor(mailbox, done);
    auto took =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - cancelledAt);
    CHECK(took.count() < 1000);
    CHECK(outcome.cancelled);
    REQUIRE(outcome.error);
    CHECK(outcome.error->sqlstate == "57014");
    CHECK(outcome.error->message.find("user request") != std::string::npos);

    auto after = runNow<long long>(session, mailbox,
                                   [](db::Connection& c) { return c.query("SELECT 41 + 1").integer(0, 0); });
    REQUIRE(after.ok());
    CHECK(*after.value == 42);
}

TEST_CASE("a queued request can be cancelled before it runs, the one ahead of it completes") {
    TestDatabase database;
    db::Mailbox mailbox;
    db::Session session({database.params(), 0}, mailbox);
    REQUIRE(connectNow(session, mailbox).ok());
    bool firstDone = false, secondDone = false;
    db::Outcome<bool> first, second;
    session.submit<bool>([](db::Connection& c) { return c.query("SELECT pg_sleep(0.3)").rows() == 1; },
                         [&](db::Outcome<bool> o) {
                             first = o;
                             firstDone = true;
                         });
    auto queued = session.submit<bool>([](db::Connection&) { return true; },
                                       [&](db::Outcome<bool> o) {
                                           second = o;
                                           secondDone = true;
                                       });
    session.cancel(queued);
    waitFor(mailbox, secondDone);
    CHECK(second.cancelled);
    CHECK_FALSE(second.ok());
    waitFor(mailbox, firstDone);
    CHECK(first.ok());
}

TEST_CASE("requests before a connection, and a refused connection, fail as data, not exceptions") {
    db::Mailbox mailbox;
    db::ConnectParams params;
    params.set("host", "127.0.0.1");
    params.set("port", testsupport::closedLoopbackPort());
    params.set("connect_timeout", "2");
    db::Session session({params, 0}, mailbox);
    auto early = runNow<bool>(session, mailbox, [](db::Connection&) { return true; });
    CHECK_FALSE(early.ok());
    CHECK(early.error->message == "not connected");
    auto facts = connectNow(session, mailbox);
    CHECK_FALSE(facts.ok());
    CHECK(facts.error->message.find("Connection refused") != std::string::npos);
    CHECK_FALSE(session.connected());
}

namespace {

// An error type the db layer knows nothing about, as the window's TunnelError is.
struct LayerAboveError : std::runtime_error {
    LayerAboveError(int code, const std::string& what) : std::runtime_error(what), code(code) {}
    int code;
};

}  // namespace

TEST_CASE("a failure keeps its own type: the caller recovers it from the outcome, the prepare step's too") {
    TestDatabase database;
    db::Mailbox mailbox;
    db::SessionOptions options{database.params(), 0};
    options.prepare = [](db::ConnectParams&, const std::atomic<bool>&) {
        throw LayerAboveError(7, "the tunnel would not come up");
    };
    db::Session session(options, mailbox);
    auto refused = connectNow(session, mailbox);
    REQUIRE_FALSE(refused.ok());
    CHECK(refused.error->message == "the tunnel would not come up");
    REQUIRE(refused.causeAs<LayerAboveError>() != nullptr);
    CHECK(refused.causeAs<LayerAboveError>()->code == 7);
    CHECK(refused.causeAs<db::Error>() == nullptr);

    options.prepare = nullptr;
    bool done = false;
    session.connect(options, [&](db::Outcome<db::ServerFacts> o) {
        CHECK(o.ok());
        done = true;
    });
    waitFor(mailbox, done);
    auto thrown =
        runNow<bool>(session, mailbox, [](db::Connection&) -> bool { throw LayerAboveError(9, "nope"); });
    REQUIRE(thrown.causeAs<LayerAboveError>() != nullptr);
    CHECK(thrown.causeAs<LayerAboveError>()->code == 9);
    // A server error stays a db::Error with its SQLSTATE, and is that type as the cause too.
    auto server = runNow<bool>(session, mailbox, [](db::Connection& conn) {
        conn.query("SELECT 1/0");
        return true;
    });
    REQUIRE_FALSE(server.ok());
    CHECK(server.error->sqlstate == "22012");
    REQUIRE(server.causeAs<db::Error>() != nullptr);
    CHECK(server.causeAs<db::Error>()->info().sqlstate == "22012");
    CHECK(server.causeAs<LayerAboveError>() == nullptr);
}
