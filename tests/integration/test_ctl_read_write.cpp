// stage1ctl datasets / runs / sims / config / backfill-dataset / doctor against the real cluster.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <set>

#include "tests/support/loopback.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;
using testsupport::TestDatabase;

namespace {

void seed(const TestDatabase& database, int datasets, int runs, int sims) {
    auto r =
        database.ctl({"demo-seed", "--datasets", std::to_string(datasets), "--runs-per-dataset",
                      std::to_string(runs), "--sims-per-run", std::to_string(sims), "--folds-per-run", "1"});
    REQUIRE_MESSAGE(r.exitCode == 0, r.err);
}

std::string scalar(db::Connection& conn, const std::string& sql, const db::Params& params = {}) {
    return std::string(conn.query(sql, params).text(0, 0));
}

}  // namespace

TEST_CASE("runs pages through every run of a dataset with --after, in order, each once") {
    TestDatabase database;
    database.migrate();
    seed(database, 2, 23, 0);
    auto conn = database.connect();
    std::string slug =
        scalar(conn, "SELECT questdb_tag FROM indicator_datasets ORDER BY questdb_tag LIMIT 1");
    std::vector<std::string> seen;
    std::optional<std::string> cursor;
    for (int page = 0; page < 20; ++page) {
        std::vector<std::string> args = {"runs", "--dataset", slug, "--limit", "5", "--json"};
        if (cursor) args.insert(args.end(), {"--after", *cursor});
        auto r = database.ctl(args);
        REQUIRE_MESSAGE(r.exitCode == 0, r.err);
        auto j = json::parse(r.out);
        for (const auto& row : j["rows"]) seen.push_back(row["run_id"]);
        if (j["next_cursor"].is_null()) break;
        cursor = j["next_cursor"].get<std::string>();
    }
    db::Result expected = conn.query(
        "SELECT r.run_id FROM walkforward_runs r JOIN indicator_datasets d USING (dataset_id) "
        "WHERE d.questdb_tag = $1 ORDER BY r.created_at DESC, r.run_id DESC",
        {slug});
    REQUIRE(static_cast<int>(seen.size()) == expected.rows());
    for (int i = 0; i < expected.rows(); ++i) CHECK(seen[static_cast<size_t>(i)] == expected.text(i, 0));

    auto text = database.ctl({"runs", "--dataset", slug, "--limit", "3"});
    CHECK(text.out.find("next: --after ") != std::string::npos);
    auto datasets = database.ctl({"datasets", "--search", slug.substr(0, 3)});
    CHECK(datasets.exitCode == 0);
    CHECK(datasets.out.find(slug) != std::string::npos);
    auto unknown = database.ctl({"runs", "--dataset", "no_such_dataset"});
    CHECK(unknown.exitCode == 1);
    CHECK(unknown.err.find("no dataset with slug or id 'no_such_dataset'") != std::string::npos);
    auto badCursor = database.ctl({"runs", "--dataset", slug, "--after", "yesterday"});
    CHECK(badCursor.exitCode == 2);
}

TEST_CASE("sims lists a run's simulations, a bad --run is a usage error") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 2, 4);
    auto conn = database.connect();
    std::string run = scalar(conn, "SELECT run_id FROM walkforward_runs LIMIT 1");
    auto r = database.ctl({"sims", "--run", run, "--json"});
    REQUIRE(r.exitCode == 0);
    CHECK(json::parse(r.out)["rows"].size() == 4);
    CHECK(database.ctl({"sims", "--run", "12"}).exitCode == 2);
    CHECK(database.ctl({"sims"}).exitCode == 2);
}

TEST_CASE("config show prints serialized_config byte for byte, or the derived legacy form for NULL") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 3, 1);
    auto conn = database.connect();
    std::string run = scalar(conn, "SELECT run_id FROM walkforward_runs ORDER BY run_id LIMIT 1");
    // Bytes a clipboard might carry: CRLF, trailing spaces, tabs, non-ASCII, no final newline.
    const std::string stored = "# odd \t bytes  \r\nzürich ✓\r\n{\"a\": 1}   ";
    conn.query("UPDATE walkforward_runs SET serialized_config = $1 WHERE run_id = $2", {stored, run});
    auto shown = database.ctl({"config", "show", "--run", run});
    REQUIRE(shown.exitCode == 0);
    CHECK(shown.out == stored);
    CHECK(shown.err.empty());

    std::string other = scalar(conn, "SELECT run_id FROM walkforward_runs ORDER BY run_id DESC LIMIT 1");
    conn.query("UPDATE walkforward_runs SET serialized_config = NULL WHERE run_id = $1", {other});
    auto derived = database.ctl({"config", "show", "--run", other});
    REQUIRE(derived.exitCode == 0);
    CHECK(derived.out ==
          scalar(conn,
                 "SELECT feature_columns::text || E'\\n' || hyperparameters::text || E'\\n' || "
                 "walk_config::text FROM walkforward_runs WHERE run_id = $1",
                 {other}));
    CHECK(derived.err.find("serialized_config is NULL") != std::string::npos);

    std::string sim = scalar(conn, "SELECT simulation_id FROM simulation_runs LIMIT 1");
    auto simShown = database.ctl({"config", "show", "--simulation", sim, "--json"});
    REQUIRE(simShown.exitCode == 0);
    auto j = json::parse(simShown.out);
    CHECK(j["kind"] == "simulation");
    CHECK(j["text"].get<std::string>().find(
              scalar(conn,
                     "SELECT r.feature_columns::text FROM simulation_runs s "
                     "JOIN walkforward_runs r USING (run_id) WHERE simulation_id = $1",
                     {sim})) == 0);
    CHECK(database.ctl({"config", "show", "--run", run, "--simulation", sim}).exitCode == 2);
    CHECK(database.ctl({"config", "show", "--run", "00000000-0000-4000-8000-000000000000"}).exitCode == 1);
}

TEST_CASE("config check needs no server, config find lists every run with the identical config") {
    TestDatabase database;
    database.migrate();
    seed(database, 2, 5, 0);
    auto conn = database.connect();
    std::string run = scalar(conn, "SELECT run_id FROM walkforward_runs ORDER BY run_id LIMIT 1");
    // A second run with the same JSON content written in another key order and spacing.
    conn.query(R"sql(
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config)
        SELECT '99999999-0000-4000-8000-000000000001', dataset_id, 'copy_of_' || prediction_measurement,
               feature_columns::text::jsonb, hyperparameters::text::jsonb, walk_config::text::jsonb
        FROM walkforward_runs WHERE run_id = $1)sql",
               {run});
    std::string legacy = database.ctl({"config", "show", "--run", run}).out;

    // No --dsn: check must not try to connect.
    auto check = testsupport::runProcess(
        {testsupport::requiredEnv("STAGE1CTL"), "config", "check"},
        {{"STAGE1_POSTGRES_HOST", "127.0.0.1"}, {"STAGE1_POSTGRES_PORT", testsupport::closedLoopbackPort()}},
        "\xEF\xBB\xBF" + legacy + "\r\n");
    INFO(check.err);
    CHECK(check.exitCode == 0);
    CHECK(check.out.find("valid legacy run config") != std::string::npos);

    auto broken = database.ctl({"config", "check", "--json"}, "[\"rsi_14\"]\n{\"lr\": }\n{}\n");
    CHECK(broken.exitCode == 1);
    auto error = json::parse(broken.out)["error"];
    CHECK(error["line"] == 2);
    CHECK(error["column"].get<int>() > 1);
    CHECK(broken.err.find("line 2, column") != std::string::npos);

    auto found = database.ctl({"config", "find", "--json"}, legacy);
    INFO(found.err);

    REQUIRE(found.exitCode == 0);
    std::set<std::string> ids;
    const json matches = json::parse(found.out)["matches"];
    for (const auto& m : matches) ids.insert(m["id"].get<std::string>());
    CHECK(ids.count(run) == 1);
    CHECK(ids.count("99999999-0000-4000-8000-000000000001") == 1);

    auto none = database.ctl({"config", "find"}, "[]\n{}\n{\"folds\": 12345}");
    CHECK(none.exitCode == 1);
    CHECK(none.out.find("(0 matches)") != std::string::npos);
}

TEST_CASE("backfill-dataset says created, then already present, a bad slug is refused before sending") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    auto first = database.ctl({"backfill-dataset", "--slug", "btc_2025_4h", "--json"});
    INFO(first.err);
    REQUIRE(first.exitCode == 0);
    auto j = json::parse(first.out);
    CHECK(j["inserted"] == true);
    CHECK(j["dataset_id"] == "44744a70-d595-8a7e-90ab-1d7c7795b1f2");
    auto second = database.ctl({"backfill-dataset", "--slug", "btc_2025_4h"});
    REQUIRE(second.exitCode == 0);
    CHECK(second.out.find("already present: btc_2025_4h 44744a70-d595-8a7e-90ab-1d7c7795b1f2") !=
          std::string::npos);
    CHECK(scalar(conn, "SELECT count(*) FROM indicator_datasets") == "1");

    auto bad = database.ctl({"backfill-dataset", "--slug", "BTC 2025"});
    CHECK(bad.exitCode == 2);
    CHECK(bad.err.find("^[a-z0-9][a-z0-9_-]{0,62}$") != std::string::npos);
    CHECK(database.ctl({"backfill-dataset", "--slug", "eth_1h", "--uuid", "nope"}).exitCode == 2);
    auto conflict = database.ctl(
        {"backfill-dataset", "--slug", "sol_1d", "--uuid", "44744a70-d595-8a7e-90ab-1d7c7795b1f2"});
    CHECK(conflict.exitCode == 1);
    CHECK(conflict.err.find("btc_2025_4h") != std::string::npos);
    CHECK(scalar(conn, "SELECT count(*) FROM indicator_datasets") == "1");
}

TEST_CASE("doctor walks every step on a healthy database and exits 0") {
    TestDatabase database;
    database.migrate();
    auto r = database.ctl({"doctor", "--json"});
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    auto j = json::parse(r.out);
    CHECK(j["ok"] == true);
    CHECK(j["diagnosis"].is_null());
    std::vector<std::string> names;
    for (const auto& s : j["steps"]) {
        names.push_back(s["name"]);
        CHECK(s["ok"] == true);
        CHECK(s["ms"].get<double>() >= 0);
    }
    CHECK(names == std::vector<std::string>{"resolve", "tcp_connect", "tls", "authenticate", "server",
                                            "schema", "durability"});
    CHECK(j["steps"][5]["detail"].get<std::string>().find("all serialization objects present") !=
          std::string::npos);
}

TEST_CASE("doctor exits 1 when the schema is behind and 3 with a diagnosis when the server is unreachable") {
    TestDatabase database;
    auto behind = database.ctl({"doctor", "--json"});
    CHECK(behind.exitCode == 1);
    CHECK(json::parse(behind.out)["steps"][5]["ok"] == false);

    auto refused =
        testsupport::runProcess({testsupport::requiredEnv("STAGE1CTL"), "doctor", "--json", "--host",
                                 "127.0.0.1", "--port", testsupport::closedLoopbackPort()});
    CHECK(refused.exitCode == 3);
    auto j = json::parse(refused.out);
    CHECK(j["ok"] == false);
    CHECK(j["steps"][1]["name"] == "tcp_connect");
    CHECK(j["steps"][1]["ok"] == false);
    CHECK(j["diagnosis"]["kind"] == "connection_refused");
    CHECK_FALSE(j["diagnosis"]["fixes"].empty());

    CHECK(testsupport::runProcess({testsupport::requiredEnv("STAGE1CTL"), "doctor", "--sslmode", "maybe"})
              .exitCode == 2);
}

TEST_CASE("read commands run under statement_timeout and say so when a statement hits it") {
    TestDatabase database;
    database.migrate();
    seed(database, 1, 3, 0);
    auto conn = database.connect();
    // Hold a lock the listing needs, so its statement waits until the timeout stops it.
    conn.exec("BEGIN; LOCK TABLE walkforward_runs IN ACCESS EXCLUSIVE MODE");
    auto r = database.ctl({"datasets", "--statement-timeout", "300"});
    conn.exec("ROLLBACK");
    CHECK(r.exitCode == 1);
    CHECK(r.err.find("canceling statement due to statement timeout") != std::string::npos);
    CHECK(r.err.find("statement_timeout") != std::string::npos);  // the diagnosis names the setting
}

TEST_CASE("Ctrl-C cancels the running statement on the server instead of leaving it behind") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec("BEGIN; LOCK TABLE indicator_datasets IN ACCESS EXCLUSIVE MODE");
    auto started = std::chrono::steady_clock::now();
    // The shell starts stage1ctl, lets its statement block on the lock, then sends SIGINT.
    auto r = testsupport::runProcess({"/bin/sh", "-c",
                                      "\"$0\" datasets --statement-timeout 60000 --dsn \"$1\" & pid=$!; "
                                      "sleep 1; kill -INT $pid; wait $pid",
                                      testsupport::requiredEnv("STAGE1CTL"), database.dsn()});
    auto took = std::chrono::steady_clock::now() - started;
    CHECK(r.exitCode == 1);
    CHECK(r.err.find("canceling statement due to user request") != std::string::npos);
    CHECK(took < std::chrono::seconds(10));
    CHECK(
        conn.query(
                "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'stage1ctl' AND datname = $1",
                {database.name()})
            .integer(0, 0) == 0);
    conn.exec("ROLLBACK");
}
