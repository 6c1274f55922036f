// stage1ctl validate and postgres_checks.sql on a healthy production-shaped database
// (tests/support/production_data.hpp): they must pass on it, list what is normal as information,
// and still fail on each real problem added to it. A nightly check that fails on healthy data
// teaches operators to ignore it (issue 18, section 1).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include "tests/support/production_data.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;
using testsupport::TestDatabase;
namespace production = testsupport::production;

namespace {

json checkNamed(const json& report, const std::string& name) {
    for (const auto& c : report.at("checks"))
        if (c.at("name") == name) return c;
    FAIL("no check named " << name << " in " << report.dump(2));
    return {};
}

bool anyContains(const json& list, const std::string& text) {
    for (const auto& row : list)
        if (row.get<std::string>().find(text) != std::string::npos) return true;
    return false;
}

std::string checksScript() {
    return testsupport::sourcePath("db/checks/postgres_checks.sql");
}

// The psql report line of one check.
std::string lineOf(const std::string& out, const std::string& check) {
    size_t at = out.find(check + " ");
    if (at == std::string::npos) return "";
    return out.substr(at, out.find('\n', at) - at);
}

// The line that starts a check in validate's text output ("ok    name ...", "FAIL  name ...").
std::string textLine(const std::string& out, const std::string& check) {
    for (const char* verdict : {"ok    ", "FAIL  "}) {
        size_t at = out.find(verdict + check + " ");
        if (at != std::string::npos) return out.substr(at, out.find('\n', at) - at);
    }
    return "";
}

json validateJson(const TestDatabase& database, const std::vector<std::string>& extra, int expectedExit) {
    std::vector<std::string> args = {"validate", "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto run = database.ctl(args);
    INFO(run.out << run.err);
    CHECK(run.exitCode == expectedExit);
    return json::parse(run.out);
}

}  // namespace

TEST_CASE("validate passes on a healthy production-shaped database and lists what is normal as information") {
    TestDatabase database;
    testsupport::buildHealthyProductionDatabase(database);
    auto conn = database.connect();
    // The legacy rows got their config from 0003, in the legacy form.
    CHECK(conn.query("SELECT serialized_config FROM walkforward_runs WHERE run_id = '" +
                     std::string(production::kLegacyRun) + "'")
              .text(0, 0) ==
          "[\"rsi_14\", \"atr_14\", \"macd_12_26_9\"]\n{\"model\": \"lgbm\", \"num_leaves\": 31}\n"
          "{\"folds\": 4, \"test_bars\": 250, \"train_bars\": 1000}");
    // It holds what the checks must tell apart: every status, and runs without folds that are not completed.
    CHECK(conn.query("SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM walkforward_runs")
              .text(0, 0) == "completed,failed,pending,running");
    CHECK(conn.query("SELECT string_agg(DISTINCT status, ',' ORDER BY status) FROM simulation_runs")
              .text(0, 0) == "completed,failed,pending,running");

    json report = validateJson(database, {}, 0);
    CHECK(report["ok"] == true);
    for (const auto& c : report["checks"]) {
        INFO(c.dump(2));
        CHECK(c["ok"] == true);
        CHECK(c["rows"].is_array());
        CHECK(c["info"].is_array());
        CHECK(c.contains("info_more"));
    }

    json noFolds = checkNamed(report, "runs_without_folds");
    CHECK(noFolds["rows"].empty());
    CHECK(noFolds["summary"] ==
          "no completed run without folds; 5 runs not completed without folds yet (2 failed, 2 pending, 1 "
          "running: "
          "normal, they have not completed)");
    CHECK(noFolds["info"].size() == 5);
    CHECK(anyContains(noFolds["info"], std::string(production::kPendingMeasurement) + "  status pending"));
    CHECK(anyContains(noFolds["info"], std::string(production::kRunningMeasurement) + "  status running"));
    CHECK(anyContains(noFolds["info"], std::string(production::kFailedMeasurement) + "  status failed"));
    CHECK(anyContains(noFolds["info"], "btc_vol_fwd_12_mlp  status failed"));          // a legacy failed run
    CHECK(anyContains(noFolds["info"], "ada_ret_fwd_1_lgbm_queued  status pending"));  // on a placeholder
    CHECK(noFolds["fix"] == "");

    json placeholders = checkNamed(report, "stale_placeholder_datasets");
    CHECK(placeholders["rows"].empty());
    CHECK(
        placeholders["summary"] ==
        "no placeholder dataset older than 7 days is still empty; 3 placeholder datasets younger than 7 days "
        "not registered yet (normal)");
    CHECK(anyContains(placeholders["info"], std::string(production::kYoungPlaceholderWithRuns) + " ("));
    CHECK(anyContains(placeholders["info"], std::string(production::kYoungPlaceholder) + " ("));
    CHECK(anyContains(placeholders["info"], std::string(production::kAlmostStalePlaceholder) + " ("));
    CHECK(!anyContains(placeholders["info"], production::kRegisteredPlaceholder));

    CHECK(checkNamed(report, "runs_without_serialized_config")["summary"] ==
          "every row has serialized_config");
    CHECK(checkNamed(report, "simulations_without_serialized_config")["summary"] ==
          "every row has serialized_config");
    CHECK(checkNamed(report, "runs_per_dataset")["rows"].dump().find("sol_2023_1d: 0 runs") !=
          std::string::npos);
    CHECK(checkNamed(report, "migrations_pending")["info"].empty());

    auto text = database.ctl({"validate"});
    INFO(text.out << text.err);
    CHECK(text.exitCode == 0);
    CHECK(text.out.find("FAIL") == std::string::npos);
    CHECK(text.out.find("validate: all 14 checks passed") != std::string::npos);
    CHECK(textLine(text.out, "runs_without_folds").find("no completed run without folds") !=
          std::string::npos);
    CHECK(text.out.find("        info: " + std::string(production::kPendingRun)) != std::string::npos);
    CHECK(text.out.find("        info: " + std::string(production::kYoungPlaceholder) + " (") !=
          std::string::npos);

    auto psql = database.psqlFile(checksScript());
    INFO(psql.out << psql.err);
    CHECK(psql.exitCode == 0);
    CHECK(psql.out.find("FAIL") == std::string::npos);
    CHECK(lineOf(psql.out, "runs without folds")
              .find("| ok   | 0 completed run(s) without folds; 5 not completed") != std::string::npos);
    CHECK(lineOf(psql.out, "stale placeholder datasets").find("| ok   | 0 placeholder") != std::string::npos);
    CHECK(lineOf(psql.out, "stale placeholder datasets").find("3 younger (information") != std::string::npos);
}

TEST_CASE(
    "validate --questdb passes on the healthy database: only completed runs and simulations need tables") {
    TestDatabase database;
    testsupport::buildHealthyProductionDatabase(database);
    TestDatabase questdb;  // NOT QuestDB: a PostgreSQL stand-in answering the same SQL
    testsupport::buildHealthyQuestDbStandIn(database, questdb);

    json report = validateJson(database, {"--questdb", questdb.dsn()}, 0);
    CHECK(report["ok"] == true);
    json runs = checkNamed(report, "questdb_run_tables");
    CHECK(runs["ok"] == true);
    CHECK(runs["rows"].empty());
    CHECK(anyContains(runs["info"], std::string(production::kPendingRun) + " (pending): no table " +
                                        production::kPendingMeasurement + " in QuestDB yet"));
    CHECK(anyContains(runs["info"], std::string(production::kFailedRun) + " (failed)"));
    CHECK(anyContains(runs["info"], std::string(production::kRunningRun) + " (running)"));
    json sims = checkNamed(report, "questdb_simulation_tables");
    CHECK(sims["ok"] == true);
    CHECK(anyContains(sims["info"], "(pending): no table eth_ret_fwd_1_lgbm_sim_queued"));
    CHECK(anyContains(sims["info"], "(failed): no table btc_ret_fwd_1_lgbm_sim_base"));
    json datasets = checkNamed(report, "questdb_dataset_tables");
    CHECK(datasets["ok"] == true);
    CHECK(anyContains(datasets["info"],
                      "placeholder, row_count not recorded yet (table doge_2026_15m exists)"));

    // questdb_checks.sql's list for psql users draws the same line.
    auto listed = database.psqlFile(testsupport::sourcePath("db/checks/questdb_checks.sql"), {"expected=1"});
    INFO(listed.out << listed.err);
    CHECK(listed.exitCode == 0);
    auto lineWith = [&](const std::string& text) { return lineOf(listed.out, text); };
    CHECK(lineWith(production::kPendingMeasurement).find("| pending   | f") != std::string::npos);
    CHECK(lineWith("eth_ret_fwd_1_lgbm ").find("| completed | t") != std::string::npos);

    SUBCASE("a completed run whose table is missing is a finding") {
        questdb.connect().exec("DROP TABLE eth_ret_fwd_1_lgbm");
        json broken = validateJson(database, {"--questdb", questdb.dsn()}, 1);
        json missing = checkNamed(broken, "questdb_run_tables");
        CHECK(missing["ok"] == false);
        CHECK(missing["rows"] == json::array({std::string("run ") + production::kCompletedRun +
                                              ": no table eth_ret_fwd_1_lgbm in QuestDB"}));
    }
    SUBCASE("a registered dataset whose row count differs is a finding") {
        questdb.connect().exec("DELETE FROM sol_2023_1d WHERE value > 300");
        json broken = validateJson(database, {"--questdb", questdb.dsn()}, 1);
        CHECK(checkNamed(broken, "questdb_dataset_tables")["rows"] ==
              json::array({std::string("dataset ") + production::kSol +
                           ": table sol_2023_1d has 300 rows, PostgreSQL records row_count 365"}));
    }
}

TEST_CASE("each real problem added to the healthy database still fails validate and postgres_checks.sql") {
    TestDatabase database;
    testsupport::buildHealthyProductionDatabase(database);
    auto conn = database.connect();
    std::string failingCheck, psqlCheck;
    std::vector<std::string> extra;

    SUBCASE("a completed run without folds") {
        conn.exec("UPDATE walkforward_runs SET status = 'completed' WHERE run_id = '" +
                  std::string(production::kRunningRun) + "'");
        failingCheck = "runs_without_folds";
        psqlCheck = "runs without folds";
        json report = validateJson(database, {}, 1);
        json noFolds = checkNamed(report, "runs_without_folds");
        CHECK(noFolds["rows"].size() == 1);
        CHECK(anyContains(noFolds["rows"], std::string(production::kRunningRun)));
        CHECK(noFolds["info"].size() == 4);  // the others stay information
        CHECK(
            noFolds["summary"] ==
            "1 completed run without folds; also 4 not completed (2 failed, 2 pending: normal, they have not "
            "completed)");
        CHECK(noFolds["fix"].get<std::string>().find("re-run it") != std::string::npos);
    }
    SUBCASE("a placeholder still empty after the grace period") {
        conn.exec(
            "UPDATE indicator_datasets SET created_at = now() - interval '8 days' WHERE questdb_tag = '" +
            std::string(production::kYoungPlaceholderWithRuns) + "'");
        failingCheck = "stale_placeholder_datasets";
        psqlCheck = "stale placeholder datasets";
        json stale = checkNamed(validateJson(database, {}, 1), failingCheck);
        CHECK(stale["rows"].size() == 1);
        CHECK(anyContains(stale["rows"], std::string(production::kYoungPlaceholderWithRuns) + " ("));
        CHECK(anyContains(stale["rows"], ", 2 runs"));
        CHECK(stale["info"].size() == 2);
    }
    SUBCASE("a placeholder older than a shorter --placeholder-days") {
        extra = {"--placeholder-days", "5"};
        failingCheck = "stale_placeholder_datasets";
        psqlCheck = "stale placeholder datasets";
        json stale = checkNamed(validateJson(database, extra, 1), failingCheck);
        CHECK(stale["rows"].size() == 1);
        CHECK(anyContains(stale["rows"], std::string(production::kAlmostStalePlaceholder) + " ("));
    }
    SUBCASE("a run written without its config by an old client") {
        conn.exec(
            "SET ROLE stage1_app; "
            "INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
            "hyperparameters, walk_config) VALUES ('4e3c0000-0000-4000-8000-0000000000ff', '" +
            std::string(production::kEth) + "', 'eth_old_client', '[]', '{}', '{}'); RESET ROLE");
        failingCheck = "runs_without_serialized_config";
        psqlCheck = "serialized_config NULLs";
        json nulls = checkNamed(validateJson(database, {}, 1), failingCheck);
        CHECK(nulls["rows"] ==
              json::array({"4e3c0000-0000-4000-8000-0000000000ff  eth_old_client  status pending"}));
    }
    SUBCASE("an orphaned fold in a database adopted without the foreign keys") {
        conn.exec(
            "ALTER TABLE walkforward_folds DROP CONSTRAINT walkforward_folds_run_id_fkey; "
            "INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, "
            "test_end) "
            "VALUES ('cccccccc-0000-4000-8000-000000000000', 0, now(), now(), now(), now())");
        failingCheck = "folds_missing_run";
        psqlCheck = "orphan rows";
        json orphans = checkNamed(validateJson(database, {}, 1), failingCheck);
        CHECK(anyContains(orphans["rows"], "cccccccc-0000-4000-8000-000000000000"));
    }

    REQUIRE(!failingCheck.empty());
    std::vector<std::string> args = {"validate"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto text = database.ctl(args);
    INFO(text.out << text.err);
    CHECK(text.exitCode == 1);
    CHECK(textLine(text.out, failingCheck).rfind("FAIL  ", 0) == 0);
    CHECK(text.out.find("validate: 1 of 14 checks failed") != std::string::npos);

    std::vector<std::string> variables;
    if (!extra.empty()) variables.push_back("placeholder_days=" + extra[1]);
    auto psql = database.psqlFile(checksScript(), variables);
    INFO(psql.out << psql.err);
    CHECK(psql.exitCode != 0);
    CHECK(lineOf(psql.out, psqlCheck).find("| FAIL |") != std::string::npos);
    CHECK(lineOf(psql.out, "overall").find("1 of 20 checks failed") != std::string::npos);
}
