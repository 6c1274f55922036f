// stage1ctl compare and folds against the real cluster: the documented --json shapes and values,
// --all against only the differences, unknown and malformed ids (exit 2 naming each), too few and
// too many ids, fold findings as data (exit 0), a run without folds; and demo-seed's folds, which
// honour every run's walk config but for the three deliberate problem runs.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <map>
#include <set>

#include "app/runconfig/fold_findings.hpp"
#include "db/browse/run_facts.hpp"
#include "tests/support/process.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;
using testsupport::TestDatabase;

namespace {

// Hand-made runs on one 4h dataset (purge_bars 8 there asks for a 32 h gap):
//   kRunA  2 folds 2 days apart from their train ends, sharpe 1 and 2 (mean 1.5), NULL serialized_config
//   kRunB  3 folds, the first two test windows overlapping
//   kRunGap 2 folds whose tests start the instant their train windows end
//   kPending no folds
const std::string kRunA = "aaaaaaaa-0000-4000-8000-000000000001";
const std::string kRunB = "bbbbbbbb-0000-4000-8000-000000000002";
const std::string kRunGap = "cccccccc-0000-4000-8000-000000000003";
const std::string kPending = "dddddddd-0000-4000-8000-000000000004";
const std::string kNoSuchRun = "eeeeeeee-0000-4000-8000-000000000005";

void insertHandMadeRuns(const TestDatabase& database) {
    database.connect().exec(R"SQL(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag)
        VALUES ('0dada000-0000-4000-8000-000000000001', 'BTC', '4h', 'binance_ohlcv', 'cmp_2025_4h');
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns,
                                      hyperparameters, walk_config, status, created_at, serialized_config)
        VALUES
        ('aaaaaaaa-0000-4000-8000-000000000001', '0dada000-0000-4000-8000-000000000001', 'cmp__a',
         '["rsi_14", "atr_14", "macd"]', '{"model": "lgbm", "lr": 0.1, "max-depth": 5, "tree": {"leaves": 31}}',
         '{"folds": 2, "purge_bars": 8, "scheme": "rolling"}', 'completed', '2026-01-02 00:00:00+00', NULL),
        ('bbbbbbbb-0000-4000-8000-000000000002', '0dada000-0000-4000-8000-000000000001', 'cmp__b',
         '["atr_14", "rsi_14", "obv"]', '{"model": "xgb", "lr": 0.1, "tree": {"leaves": 63}}',
         '{"folds": 3, "purge_bars": 8, "scheme": "rolling"}', 'completed', '2026-01-03 00:00:00+00', 'cfg b'),
        ('cccccccc-0000-4000-8000-000000000003', '0dada000-0000-4000-8000-000000000001', 'cmp__gap',
         '["rsi_14"]', '{"model": "lgbm"}', '{"folds": 2, "purge_bars": 8}', 'completed',
         '2026-01-04 00:00:00+00', NULL),
        ('dddddddd-0000-4000-8000-000000000004', '0dada000-0000-4000-8000-000000000001', 'cmp__pending',
         '[]', '{}', '{"folds": 4, "purge_bars": 8}', 'pending', '2026-01-05 00:00:00+00', NULL);
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end, metrics)
        VALUES
        ('aaaaaaaa-0000-4000-8000-000000000001', 0, '2025-01-01Z', '2025-03-01Z', '2025-03-03Z', '2025-04-01Z',
         '{"sharpe": 1, "ic": "n/a"}'),
        ('aaaaaaaa-0000-4000-8000-000000000001', 1, '2025-02-01Z', '2025-04-01Z', '2025-04-03Z', '2025-05-01Z',
         '{"sharpe": 2.0, "ic": 0.03}'),
        ('bbbbbbbb-0000-4000-8000-000000000002', 0, '2025-01-01Z', '2025-03-01Z', '2025-03-03Z', '2025-04-10Z',
         '{"sharpe": 0.5}'),
        ('bbbbbbbb-0000-4000-8000-000000000002', 1, '2025-02-01Z', '2025-03-30Z', '2025-04-01Z', '2025-05-01Z',
         '{"sharpe": 0.5}'),
        ('bbbbbbbb-0000-4000-8000-000000000002', 2, '2025-03-01Z', '2025-05-01Z', '2025-05-03Z', '2025-06-01Z',
         '{"sharpe": 0.5}'),
        ('cccccccc-0000-4000-8000-000000000003', 0, '2025-01-01Z', '2025-03-01Z', '2025-03-01Z', '2025-04-01Z',
         '{}'),
        ('cccccccc-0000-4000-8000-000000000003', 1, '2025-02-01Z', '2025-04-01Z', '2025-04-01Z', '2025-05-01Z',
         '{}');
    )SQL");
}

// A database with demo-seed's data (legacy NULL configs included) and the hand-made runs.
void seed(const TestDatabase& database) {
    database.migrate();
    auto seeded = database.ctl({"demo-seed", "--datasets", "2", "--runs-per-dataset", "5", "--sims-per-run",
                                "1", "--null-config-percent", "50"});
    REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
    insertHandMadeRuns(database);
}

json ctlJson(const TestDatabase& database, std::vector<std::string> args) {
    args.push_back("--json");
    auto r = database.ctl(args);
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    json j;
    REQUIRE_NOTHROW(j = json::parse(r.out));
    return j;
}

const json& rowOf(const json& comparison, const std::string& key) {
    for (const json& row : comparison["rows"])
        if (row["key"] == key) return row;
    static const json none;
    FAIL_CHECK("no row " << key);
    return none;
}

bool hasRow(const json& comparison, const std::string& key) {
    return std::any_of(comparison["rows"].begin(), comparison["rows"].end(),
                       [&](const json& row) { return row["key"] == key; });
}

}  // namespace

TEST_CASE("compare --json: runs in order, differing rows with typed values, features common and only") {
    TestDatabase database;
    seed(database);
    json j = ctlJson(database, {"compare", kRunB, kRunA});
    CHECK(j.size() == 3);
    CHECK(j["runs"] == json::array({kRunB, kRunA}));
    for (const json& row : j["rows"]) {
        CHECK(row.size() == 3);
        CHECK(row["differs"] == true);  // without --all, only differences
        CHECK(row["values"].size() == 2);
    }
    CHECK(rowOf(j, "measurement")["values"] == json::array({"cmp__b", "cmp__a"}));
    CHECK(rowOf(j, "folds")["values"] == json::array({3, 2}));
    CHECK(rowOf(j, "fold.sharpe")["values"] == json::array({0.5, 1.5}));
    // ic is a number in one of A's folds only: its mean is that number; B has no ic at all.
    CHECK(rowOf(j, "fold.ic")["values"] == json::array({nullptr, 0.03}));
    CHECK(rowOf(j, "hp.model")["values"] == json::array({"xgb", "lgbm"}));
    CHECK(rowOf(j, "hp.\"max-depth\"")["values"] == json::array({nullptr, 5}));
    CHECK(rowOf(j, "hp.tree.leaves")["values"] == json::array({63, 31}));
    CHECK(rowOf(j, "walk.folds")["values"] == json::array({3, 2}));
    for (const char* same : {"dataset", "status", "features", "hp.lr", "walk.purge_bars", "walk.scheme"})
        CHECK_MESSAGE(!hasRow(j, same), same);
    CHECK(j["features"] ==
          json{{"common", {"atr_14", "rsi_14"}}, {"only", {{kRunB, {"obv"}}, {kRunA, {"macd"}}}}});

    json all = ctlJson(database, {"compare", kRunB, kRunA, "--all"});
    CHECK(all["rows"].size() > j["rows"].size());
    CHECK(rowOf(all, "hp.lr") == json{{"key", "hp.lr"}, {"values", {0.1, 0.1}}, {"differs", false}});
    CHECK(rowOf(all, "dataset")["values"] == json::array({"cmp_2025_4h", "cmp_2025_4h"}));
    CHECK(rowOf(all, "simulations")["values"] == json::array({0, 0}));
    CHECK(rowOf(all, "created")["values"] ==
          json::array({"2026-01-03T00:00:00.000000Z", "2026-01-02T00:00:00.000000Z"}));
    size_t differing = 0;
    for (const json& row : all["rows"]) differing += row["differs"].get<bool>();
    CHECK(differing == j["rows"].size());
}

TEST_CASE("compare: text is an aligned table of differences, the hidden count, then the feature sets") {
    TestDatabase database;
    seed(database);
    auto r = database.ctl({"compare", kRunA, kRunB, kPending});
    INFO(r.err);
    REQUIRE(r.exitCode == 0);
    CHECK(r.out.rfind("key  ", 0) == 0);
    CHECK(r.out.find("aaaaaaaa") < r.out.find("bbbbbbbb"));
    CHECK(r.out.find("bbbbbbbb") < r.out.find("dddddddd"));
    CHECK(r.out.find(" equal rows hidden; --all shows them)\n") != std::string::npos);
    CHECK(r.out.find("\nfeatures in every run (0): ") != std::string::npos);
    CHECK(r.out.find("\nonly in aaaaaaaa (1): macd\n") != std::string::npos);
    CHECK(r.out.find("\nonly in bbbbbbbb (1): obv\n") != std::string::npos);
    // Every table line starts its second column at the same place.
    std::istringstream lines(r.out);
    std::string line, first;
    std::getline(lines, first);
    const size_t column = first.find("aaaaaaaa");
    for (int i = 0; i < 5 && std::getline(lines, line);) {
        if (line.rfind("hp.", 0) != 0 && line.rfind("status", 0) != 0) continue;
        ++i;
        INFO(line);
        CHECK(line.find_first_not_of(' ', line.find(' ')) == column);
    }
    CHECK(r.out.find("\nstatus ") != std::string::npos);  // completed, completed, pending
    auto all = database.ctl({"compare", kRunA, kRunB, kPending, "--all"});
    CHECK(all.out.find("hidden") == std::string::npos);
    CHECK(all.out.find("\ndataset ") != std::string::npos);
}

TEST_CASE("compare: unknown and malformed ids exit 2 naming each, and so do fewer than 2 or more than 12") {
    TestDatabase database;
    seed(database);
    auto unknown = database.ctl({"compare", kRunA, kNoSuchRun, "ffffffff-0000-4000-8000-000000000006"});
    CHECK(unknown.exitCode == 2);
    CHECK(unknown.out.empty());
    CHECK(unknown.err.find(kNoSuchRun) != std::string::npos);
    CHECK(unknown.err.find("ffffffff-0000-4000-8000-000000000006") != std::string::npos);
    CHECK(unknown.err.find(kRunA) == std::string::npos);

    auto malformed = database.ctl({"compare", kRunA, "not-a-run", "12345"});
    CHECK(malformed.exitCode == 2);
    CHECK(malformed.out.empty());
    CHECK(malformed.err.find("'not-a-run'") != std::string::npos);
    CHECK(malformed.err.find("'12345'") != std::string::npos);

    auto unknownJson = database.ctl({"compare", kRunA, kNoSuchRun, "--json"});
    CHECK(unknownJson.exitCode == 2);
    json failure = json::parse(unknownJson.out);
    CHECK(failure["ok"] == false);
    CHECK(failure["error"]["kind"] == "not_found");
    CHECK(failure["error"]["message"].get<std::string>().find(kNoSuchRun) != std::string::npos);

    auto one = database.ctl({"compare", kRunA});
    CHECK(one.exitCode == 2);
    CHECK(one.out.empty());
    CHECK(one.err.find("2 to 12 run ids, got 1") != std::string::npos);
    CHECK(database.ctl({"compare"}).exitCode == 2);
    std::vector<std::string> thirteen = {"compare"};
    for (int i = 0; i < 13; ++i) thirteen.push_back(i % 2 ? kRunA : kRunB);
    auto many = database.ctl(thirteen);
    CHECK(many.exitCode == 2);
    CHECK(many.err.find("got 13") != std::string::npos);
    auto twice = database.ctl({"compare", kRunA, kRunA});
    CHECK(twice.exitCode == 2);
    CHECK(twice.err.find("2 different runs") != std::string::npos);
    auto badFlag = database.ctl({"compare", kRunA, kRunB, "--everything"});
    CHECK(badFlag.exitCode == 2);
    CHECK(badFlag.err.find("--everything") != std::string::npos);
}

TEST_CASE("folds --json: the folds as stored and the findings, exit 0 either way") {
    TestDatabase database;
    seed(database);
    json b = ctlJson(database, {"folds", "--run", kRunB});
    CHECK(b.size() == 3);
    CHECK(b["run_id"] == kRunB);
    REQUIRE(b["folds"].size() == 3);
    CHECK(b["folds"][0] == json{{"fold_index", 0},
                                {"train_start", "2025-01-01T00:00:00.000000Z"},
                                {"train_end", "2025-03-01T00:00:00.000000Z"},
                                {"test_start", "2025-03-03T00:00:00.000000Z"},
                                {"test_end", "2025-04-10T00:00:00.000000Z"},
                                {"metrics", {{"sharpe", 0.5}}}});
    REQUIRE(b["findings"].size() == 1);
    CHECK(b["findings"][0]["kind"] == "test_overlap");
    CHECK(b["findings"][0]["folds"] == json::array({0, 1}));
    CHECK(b["findings"][0]["message"].get<std::string>().find("overlap by 9 d") != std::string::npos);

    json gap = ctlJson(database, {"folds", "--run", kRunGap});
    REQUIRE(gap["findings"].size() == 1);
    CHECK(gap["findings"][0]["kind"] == "purge_gap_short");
    CHECK(gap["findings"][0]["folds"] == json::array({0, 1}));
    CHECK(gap["findings"][0]["message"].get<std::string>().find(
              "purge_bars 8 at 4h asks for at least 32 h") != std::string::npos);

    json a = ctlJson(database, {"folds", "--run", kRunA});
    CHECK(a["findings"] == json::array());
    CHECK(a["folds"][0]["metrics"] == json{{"sharpe", 1}, {"ic", "n/a"}});

    json pending = ctlJson(database, {"folds", "--run", kPending});
    CHECK(pending == json{{"run_id", kPending}, {"folds", json::array()}, {"findings", json::array()}});
}

TEST_CASE("folds: text lists folds with metric columns and the findings, and unknown runs exit 2") {
    TestDatabase database;
    seed(database);
    auto b = database.ctl({"folds", "--run", kRunB});
    INFO(b.err);
    CHECK(b.exitCode == 0);
    CHECK(b.out.find("fold  train_start") != std::string::npos);
    CHECK(b.out.find("sharpe") != std::string::npos);
    CHECK(b.out.find("1 finding:\n") != std::string::npos);
    CHECK(b.out.find("test_overlap  0,1    folds 0 and 1: ") != std::string::npos);
    auto a = database.ctl({"folds", "--run", kRunA});
    CHECK(a.exitCode == 0);
    CHECK(a.out.find("\nno findings\n") != std::string::npos);

    auto unknown = database.ctl({"folds", "--run", kNoSuchRun});
    CHECK(unknown.exitCode == 2);
    CHECK(unknown.out.empty());
    CHECK(unknown.err.find(kNoSuchRun) != std::string::npos);
    auto malformed = database.ctl({"folds", "--run", "nope"});
    CHECK(malformed.exitCode == 2);
    CHECK(malformed.err.find("'nope'") != std::string::npos);
    CHECK(database.ctl({"folds"}).exitCode == 2);
}

TEST_CASE(
    "loadRunFacts: one query for all, duplicates once, unknown and malformed ids reported, >12 refused") {
    TestDatabase database;
    seed(database);
    auto conn = database.connect();
    std::string upperA = kRunA;
    std::transform(upperA.begin(), upperA.end(), upperA.begin(), ::toupper);
    auto result = db::loadRunFacts(conn, {kRunB, "junk", upperA, kRunB, kNoSuchRun, kPending});
    REQUIRE(result.runs.size() == 3);
    CHECK(result.runs[0].runId == kRunB);
    CHECK(result.runs[1].runId == kRunA);
    CHECK(result.runs[2].runId == kPending);
    CHECK(result.unknown == std::vector<std::string>{"junk", kNoSuchRun});
    CHECK(result.runs[1].metricMeans == std::map<std::string, double>{{"ic", 0.03}, {"sharpe", 1.5}});
    CHECK(result.runs[1].granularity == "4h");
    CHECK(result.runs[1].foldCount == 2);
    CHECK(result.runs[2].metricMeans.empty());

    std::vector<std::string> thirteen;
    for (int i = 0; i < 13; ++i) {
        char id[40];
        std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", i);
        thirteen.push_back(id);
    }
    try {
        db::loadRunFacts(conn, thirteen);
        FAIL("13 distinct ids were accepted");
    } catch (const db::Error& e) {
        CHECK(e.info().sqlstate == "22023");
        CHECK(e.info().message.find("nothing sent") != std::string::npos);
    }
}

TEST_CASE("demo-seed: folds honour the walk config, and only the three deliberate runs have findings") {
    TestDatabase database;
    database.migrate();
    auto seeded = database.ctl({"demo-seed", "--datasets", "4", "--runs-per-dataset", "8", "--sims-per-run",
                                "0", "--folds-per-run", "4"});
    REQUIRE_MESSAGE(seeded.exitCode == 0, seeded.err);
    auto conn = database.connect();
    // Folds stay inside their dataset's bars.
    CHECK(conn.query("SELECT count(*) FROM walkforward_folds f JOIN walkforward_runs r USING (run_id) "
                     "JOIN indicator_datasets d USING (dataset_id) "
                     "WHERE f.train_start < d.first_bar_ts OR f.test_end > d.last_bar_ts")
              .integer(0, 0) == 0);
    db::Result runs = conn.query(
        "SELECT r.run_id, r.prediction_measurement, d.created_at = min(d.created_at) OVER () AS "
        "first_dataset "
        "FROM walkforward_runs r JOIN indicator_datasets d USING (dataset_id)");
    REQUIRE(runs.rows() == 32);
    std::map<std::string, std::vector<std::string>> flagged;  // measurement suffix -> kinds
    for (int i = 0; i < runs.rows(); ++i) {
        const std::string measurement(runs.text(i, 1));
        auto folds = db::loadRunFolds(conn, std::string(runs.text(i, 0)));
        REQUIRE(folds);
        REQUIRE(folds->folds.size() == 4);
        std::vector<std::string> kinds;
        for (const auto& finding : app::findFoldProblems(*folds)) kinds.push_back(finding.kind);
        const std::string suffix = measurement.substr(measurement.size() - 8);
        if (runs.boolean(i, 2) && (suffix == "wf000000" || suffix == "wf000001" || suffix == "wf000002")) {
            flagged[suffix] = kinds;
            continue;
        }
        INFO(measurement << " " << folds->walkConfig);
        CHECK(kinds.empty());
        // The gap is exactly what the config asks for, and the scheme shows in the train starts.
        const auto required = app::requiredPurgeSeconds(folds->walkConfig, folds->granularity);
        REQUIRE(required);
        const bool expanding = json::parse(folds->walkConfig)["scheme"] == "expanding";
        for (const auto& f : folds->folds) {
            CHECK(f.testStartEpoch - f.trainEndEpoch == *required);
            CHECK((f.trainStartEpoch == folds->folds[0].trainStartEpoch) == (expanding || f.foldIndex == 0));
        }
    }
    CHECK(flagged["wf000000"] == std::vector<std::string>{"test_overlap", "test_overlap", "test_overlap"});
    CHECK(flagged["wf000001"] == std::vector<std::string>{"purge_gap_short"});
    // Every fold's test starts before its train ends (and, being before, is not also a short gap).
    CHECK(flagged["wf000002"] == std::vector<std::string>(4, "test_before_train_end"));
}
