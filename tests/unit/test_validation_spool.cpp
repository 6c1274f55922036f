// db/validation's pure parts: reading the spool's INSERTs and the QuestDB table-name rule.
#include <doctest/doctest.h>

#include "app/ops/placeholder_dataset.hpp"
#include "app/ops/spool.hpp"
#include "db/checks/validation.hpp"

TEST_CASE("the spool scan reads the desktop's placeholder INSERT exactly as app/spool writes it") {
    auto preview = app::previewPlaceholder("btc_2025_4h", "", "");
    REQUIRE(preview.preview);
    std::string spool = "-- queued by the desktop\n" +
                        app::placeholderInsertStatement(*preview.preview, "2026-11-26T12:00:00Z") + "\n";
    db::SpoolScan scan = db::scanSpool(spool);
    CHECK(scan.statements == 1);
    CHECK(scan.problems.empty());
    REQUIRE(scan.datasets.size() == 1);
    CHECK(scan.datasets[0].slug == "btc_2025_4h");
    CHECK(scan.datasets[0].datasetId == "44744a70-d595-8a7e-90ab-1d7c7795b1f2");
    CHECK(scan.datasets[0].line == 2);
}

TEST_CASE("runs and simulations in the spool: literals, casts and escapes read, and what replay refuses is listed") {
    const std::string spool = R"sql(-- a run against a literal dataset id
INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns,
    hyperparameters, walk_config, serialized_config)
VALUES (E'AAAAAAAA-1111-4111-8111-111111111111'::uuid, '22222222-2222-4222-8222-222222222222'::uuid,
        E'm_it''s', E'["a;b"]'::jsonb, '{}', '{"x": ";"}', E'line1\nline2 \' ; -- not a comment');
/* a run naming its dataset by a subquery: replay-spool refuses that */
insert into walkforward_runs (run_id, dataset_id, prediction_measurement) values
  ('33333333-3333-4333-8333-333333333333',
   (SELECT dataset_id FROM public.indicator_datasets WHERE questdb_tag = E'eth_2024_1h'), 'm2');
INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, parameters)
VALUES ('55555555-5555-4555-8555-555555555555', '33333333-3333-4333-8333-333333333333', 'ns1', '{}')
ON CONFLICT DO NOTHING;
UPDATE walkforward_runs SET status = 'x';
INSERT INTO other_schema.walkforward_runs (run_id) VALUES ('ignored');
INSERT INTO walkforward_folds (run_id, fold_index) VALUES ('33333333-3333-4333-8333-333333333333', 0);
)sql";
    db::SpoolScan scan = db::scanSpool(spool);
    CHECK(scan.statements == 6);
    CHECK(scan.refused == 3);
    REQUIRE(scan.problems.size() == 3);
    CHECK(scan.problems[0].rfind("line 7: refused, replay-spool quarantines it without sending it: a subquery", 0) ==
          0);
    CHECK(scan.problems[1].rfind("line 13: refused", 0) == 0);
    CHECK(scan.problems[1].find("UPDATE statements are never replayed") != std::string::npos);
    CHECK(scan.problems[2].find("other_schema.walkforward_runs: only the four Stage 1 tables") != std::string::npos);
    REQUIRE(scan.runs.size() == 1);
    CHECK(scan.runs[0].runId == "aaaaaaaa-1111-4111-8111-111111111111");
    CHECK(scan.runs[0].datasetId == "22222222-2222-4222-8222-222222222222");
    CHECK(scan.runs[0].measurement == "m_it's");
    CHECK(scan.runs[0].line == 2);
    REQUIRE(scan.simulations.size() == 1);
    CHECK(scan.simulations[0].runId == "33333333-3333-4333-8333-333333333333");
    CHECK(scan.simulations[0].namespaceName == "ns1");
}

TEST_CASE("unreadable INSERTs into our tables are problems with their line") {
    const std::string spool =
        "INSERT INTO walkforward_runs (run_id, dataset_id) VALUES ('r1');\n"
        "INSERT INTO simulation_runs (simulation_id, questdb_namespace) VALUES ('s1', 'n');\n"
        "INSERT INTO walkforward_runs (run_id, dataset_id) VALUES ('r2', NULL);\n"
        "INSERT INTO indicator_datasets (dataset_id, questdb_tag) VALUES ('x', 'a'), ('y', 'b');\n"
        "INSERT INTO walkforward_runs (run_id, dataset_id) VALUES ('r3', 'unterminated";
    db::SpoolScan scan = db::scanSpool(spool);
    CHECK(scan.datasets.size() == 2);
    REQUIRE(scan.problems.size() == 4);
    CHECK(scan.problems[0] ==
          "line 1: refused, replay-spool quarantines it without sending it: 2 column(s) named but a row holds 1 "
          "value(s)");
    CHECK(scan.problems[1] == "line 2: INSERT INTO simulation_runs: run_id is missing or not a literal");
    CHECK(scan.problems[2] == "line 3: INSERT INTO walkforward_runs: dataset_id is missing or not a literal");
    CHECK(scan.problems[3].rfind("line 5: incomplete last statement", 0) == 0);
}

TEST_CASE("QuestDB table names are checked before they are quoted") {
    for (const char* ok : {"btc_2025_4h", "BTC-2025", "a", "sim_8a6f5686_1"})
        CHECK_MESSAGE(!db::questDbTableNameProblem(ok), ok);
    for (const char* bad : {"", "-x", "a b", "x\"; DROP TABLE t; --", "a.b", "tab\tle", "é"})
        CHECK_MESSAGE(db::questDbTableNameProblem(bad), bad);
    CHECK(db::questDbTableNameProblem(std::string(128, 'a')));
    CHECK(db::quoteQuestDbTable("btc_2025_4h") == "\"btc_2025_4h\"");
    CHECK(db::textArrayLiteral({"a", "b\"c", "d\\e", ""}) == R"({"a","b\"c","d\\e",""})");
    CHECK(db::textArrayLiteral({}) == "{}");
}
