// db::search::compileRunQuery against PostgreSQL: each compiled condition, run with its parameters over a
// few hand-made runs, selects exactly the runs written beside it; the fields' sqlText give the values;
// and all of it runs as stage1_app (no privilege beyond what the app has).
#include <doctest/doctest.h>

#include <set>

#include "db/search/run_query.hpp"
#include "tests/support/test_database.hpp"

using db::search::CompiledQuery;
using testsupport::TestDatabase;

namespace {

// Four runs, named by the last digit of their id. R2's lr is a string where the others have numbers,
// R3's depth too; R4 has no folds and no simulations.
const char* kSeed = R"sql(
INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) VALUES
  ('aaaaaaaa-0000-4000-8000-000000000001', 'BTC', '4h', 'test', 'btc_2025_4h'),
  ('aaaaaaaa-0000-4000-8000-000000000002', 'ETH', '1h', 'test', 'eth_2024_1h');
INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                              walk_config, status, created_at) VALUES
  ('00000000-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', 'close_pred',
   '["rsi_14", "macd_12_26_9"]',
   '{"model": "xgb", "lr": 0.01, "depth": 6, "optimizer": {"name": "adam", "lr": 0.001}, "layers": [64, 32],
     "max-depth": 3, "a.b": {"c": 1}, "dropout": null, "say \"hi\"": "yes"}',
   '{"folds": 5, "expanding": true}', 'completed', '2025-05-01 00:00:00+00'),
  ('00000000-0000-4000-8000-000000000002', 'aaaaaaaa-0000-4000-8000-000000000001', 'Close_Target',
   '["rsi_28", "atr_14"]',
   '{"model": "lgbm", "lr": "auto", "depth": 8.0, "optimizer": {"name": "sgd", "lr": 0.1}, "layers": [128]}',
   '{"folds": 3, "expanding": false}', 'failed', '2025-06-15 10:00:00+00'),
  ('00000000-0000-4000-8000-000000000003', 'aaaaaaaa-0000-4000-8000-000000000002', 'vol_50%_pred',
   '["rsi_14"]',
   '{"model": "XGB_v2", "lr": 0.1, "depth": "deep", "tags": ["fast", "a''b"], "layers": 64}',
   '{"folds": 5}', 'completed', '2025-07-01 00:00:00+00'),
  ('00000000-0000-4000-8000-000000000004', 'aaaaaaaa-0000-4000-8000-000000000002', 'm4',
   '[]', '{"lr": 1e-3, "depth": 6}', '{}', 'pending', '2024-12-31 23:00:00+00');
INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end, metrics) VALUES
  ('00000000-0000-4000-8000-000000000001', 0, now(), now(), now(), now(), '{"sharpe": 1.0, "hit": 0.5}'),
  ('00000000-0000-4000-8000-000000000001', 1, now(), now(), now(), now(), '{"sharpe": 2.0, "hit": 0.7}'),
  ('00000000-0000-4000-8000-000000000002', 0, now(), now(), now(), now(), '{"sharpe": "n/a"}'),
  ('00000000-0000-4000-8000-000000000002', 1, now(), now(), now(), now(), '{"sharpe": 0.5}'),
  ('00000000-0000-4000-8000-000000000003', 0, now(), now(), now(), now(), '{}'),
  ('00000000-0000-4000-8000-000000000003', 1, now(), now(), now(), now(), '{"sharpe": 3}');
INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, parameters, status) VALUES
  ('bbbbbbbb-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000001', 'n1',
   '{"slippage": 0.5, "fee": {"bps": 2}}', 'completed'),
  ('bbbbbbbb-0000-4000-8000-000000000002', '00000000-0000-4000-8000-000000000001', 'n2',
   '{"slippage": 1}', 'completed'),
  ('bbbbbbbb-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000002', 'n1',
   '{"slippage": "high"}', 'completed'),
  ('bbbbbbbb-0000-4000-8000-000000000004', '00000000-0000-4000-8000-000000000003', 'n1',
   '{"tags": ["x"], "fee": {"bps": 5}}', 'completed');
)sql";

CompiledQuery compiled(const std::string& query, int firstParam = 1) {
    auto result = db::search::compileRunQuery(query, firstParam);
    if (auto* error = std::get_if<db::search::QueryError>(&result)) FAIL("refused: " << error->text());
    return std::get<CompiledQuery>(result);
}

db::Params paramsOf(const CompiledQuery& q, db::Params leading = {}) {
    leading.insert(leading.end(), q.params.begin(), q.params.end());
    return leading;
}

// "R1 R3": the runs the query selects, by the last digit of their ids.
std::string runsMatching(db::Connection& conn, const std::string& query) {
    CompiledQuery q = compiled(query);
    db::Result rows = conn.query(
        "SELECT right(r.run_id::text, 1) FROM walkforward_runs r JOIN indicator_datasets d USING "
        "(dataset_id) "
        "WHERE " +
            q.condition + " ORDER BY 1",
        paramsOf(q));
    std::string out;
    for (int i = 0; i < rows.rows(); ++i) out += (i ? " R" : "R") + std::string(rows.text(i, 0));
    return out;
}

struct Expectation {
    const char* query;
    const char* runs;
};

const Expectation kExpectations[] = {
    // hp.: containment equality, numbers as numbers, strings exact, nested paths and quoted keys.
    {"hp.model = 'xgb'", "R1"},
    {"hp.lr = 0.01", "R1"},
    {"hp.lr = 0.001", "R4"},  // 1e-3 is the same number
    {"hp.depth = 8", "R2"},   // 8.0 too
    {"hp.depth = 6", "R1 R4"},
    {"hp.optimizer.lr = 0.1", "R2"},
    {"hp.optimizer.name = 'adam'", "R1"},
    {"hp.\"max-depth\" = 3", "R1"},
    {"hp.\"a.b\".c = 1", "R1"},
    {"hp.\"say \"\"hi\"\"\" = 'yes'", "R1"},
    {"hp.dropout = null", "R1"},
    {"hp.lr = 'auto'", "R2"},
    {"hp.layers = 64", "R3"},  // an array holding 64 is not 64
    {"hp.missing = 1", ""},
    // != : present, of the literal's type, and different.
    {"hp.lr != 0.01", "R3 R4"},
    {"hp.lr != 'x'", "R2"},
    {"hp.model != 'xgb'", "R2 R3"},
    {"hp.dropout != null", ""},
    {"hp.model != null", "R1 R2 R3"},
    // ordering: only JSON numbers for a number, only JSON strings for a string; never a cast error.
    {"hp.lr < 0.05", "R1 R4"},
    {"hp.lr >= 0.01", "R1 R3"},
    {"hp.depth > 5", "R1 R2 R4"},
    {"hp.depth <= 6", "R1 R4"},
    {"hp.depth > 'a'", "R3"},
    {"hp.model < 'xgb'", "R2 R3"},  // byte order: 'X' < 'l' < 'x'
    // ~ : case-insensitive substring of a string value; wildcards are literal.
    {"hp.model ~ 'XG'", "R1 R3"},
    {"hp.model ~ 'b_v'", "R3"},
    {"hp.model ~ '%'", ""},
    {"hp.lr ~ '0'", ""},  // numbers are not strings
    // has: array containment.
    {"hp.layers has 64", "R1"},
    {"hp.tags has 'a''b'", "R3"},
    {"hp.tags has 'fa'", ""},
    // exists and in.
    {"hp.dropout exists", "R1"},
    {"hp.optimizer.lr exists", "R1 R2"},
    {"hp.model in ('xgb', 'lgbm')", "R1 R2"},
    {"hp.depth in (8, 'deep')", "R2 R3"},
    // walk.
    {"walk.folds = 5", "R1 R3"},
    {"walk.expanding = false", "R2"},
    {"walk.expanding exists", "R1 R2"},
    {"walk.folds < 5", "R2"},
    // sim.: any of the run's simulations.
    {"sim.slippage = 1", "R1"},
    {"sim.slippage > 0.7", "R1"},
    {"sim.slippage < 0.7", "R1"},
    {"sim.slippage ~ 'HI'", "R2"},
    {"sim.slippage != 1", "R1"},
    {"sim.fee.bps >= 2", "R1 R3"},
    {"sim.tags has 'x'", "R3"},
    {"sim.slippage exists", "R1 R2"},
    {"sim.slippage in ('high', 0.5)", "R1 R2"},
    {"not sim.slippage exists", "R3 R4"},
    // fold.: the mean over folds where the metric is a number.
    {"fold.sharpe = 1.5", "R1"},
    {"fold.sharpe > 1", "R1 R3"},
    {"fold.sharpe <= 0.5", "R2"},
    {"fold.sharpe != 3", "R1 R2"},
    {"fold.sharpe in (0.5, 3)", "R2 R3"},
    {"fold.sharpe exists", "R1 R2 R3"},
    {"fold.hit = 0.6", "R1"},
    {"not fold.sharpe > 1", "R2 R4"},
    // features.
    {"features has 'rsi_14'", "R1 R3"},
    {"features has 'rsi'", ""},
    // text columns.
    {"status = 'completed'", "R1 R3"},
    {"status != 'completed'", "R2 R4"},
    {"status in ('failed', 'pending')", "R2 R4"},
    {"status < 'f'", "R1 R3"},
    {"dataset = 'btc_2025_4h'", "R1 R2"},
    {"dataset ~ 'ETH_'", "R3 R4"},
    {"symbol = 'ETH'", "R3 R4"},
    {"symbol ~ 't'", "R1 R2 R3 R4"},
    {"measurement ~ 'close'", "R1 R2"},
    {"measurement ~ '50%'", "R3"},
    {"measurement ~ '_'", "R1 R2 R3"},
    {"measurement >= 'm'", "R3 R4"},
    // created.
    {"created > '2025-06-01'", "R2 R3"},
    {"created < '2025-01-01T00:00:00Z'", "R4"},
    {"created = '2025-06-15T12:00:00+02:00'", "R2"},
    {"created >= '2025-05-01 00:00Z' and created <= '2025-06-15T10:00Z'", "R1 R2"},
    {"created != '2025-05-01T00:00:00Z'", "R2 R3 R4"},
    // logic.
    {"status = 'completed' and hp.lr < 0.05 or symbol = 'ETH' and not fold.sharpe exists", "R1 R4"},
    {"status = 'completed' and (hp.lr < 0.05 or symbol = 'ETH')", "R1 R3"},
    {"not (hp.model = 'xgb' or hp.model = 'lgbm')", "R3 R4"},
    {"not not hp.model ~ 'x'", "R1 R3"},
};

}  // namespace

TEST_CASE("run query: each compiled condition selects the expected runs, also as stage1_app") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(kSeed);
    // A session setting must not change any answer: byte-order comparisons, zones in the literals.
    conn.exec("SET TimeZone = 'America/New_York'");
    for (const Expectation& e : kExpectations) {
        CAPTURE(std::string(e.query));
        CHECK(runsMatching(conn, e.query) == std::string(e.runs));
    }
    conn.exec("BEGIN; SET LOCAL ROLE stage1_app");
    for (const Expectation& e : kExpectations) {
        CAPTURE(std::string(e.query));
        CHECK(runsMatching(conn, e.query) == std::string(e.runs));
    }
    CHECK(conn.query("SELECT current_user").text(0, 0) == "stage1_app");
    conn.exec("ROLLBACK");
}

TEST_CASE("run query: the fields' sqlText give each run's values, with the caller's parameters first") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(kSeed);
    CompiledQuery q = compiled(
        "hp.optimizer.lr exists or hp.model = 'xgb' or sim.slippage exists or fold.sharpe > 0 or features "
        "has 'x' "
        "or status = 'x' or dataset = 'x' or symbol = 'x' or measurement = 'x' or walk.folds in (5) or "
        "created > '2000-01-01T00:00Z'",
        2);
    std::string columns;
    for (const auto& field : q.fields) columns += ", " + field.sqlText;
    conn.exec("SET TimeZone = 'UTC'");
    conn.exec("BEGIN; SET LOCAL ROLE stage1_app");
    db::Result rows = conn.query("SELECT right(r.run_id::text, 1)" + columns +
                                     " FROM walkforward_runs r JOIN indicator_datasets d USING (dataset_id) "
                                     "WHERE r.run_id <> $1::uuid AND " +
                                     q.condition + " ORDER BY 1",
                                 paramsOf(q, {std::string("00000000-0000-4000-8000-000000000004")}));
    conn.exec("ROLLBACK");
    std::vector<std::string> names;
    for (const auto& field : q.fields) names.push_back(field.name);
    CHECK(names == std::vector<std::string>{"hp.optimizer.lr", "hp.model", "sim.slippage", "fold.sharpe",
                                            "features", "status", "dataset", "symbol", "measurement",
                                            "walk.folds", "created"});
    REQUIRE(rows.rows() == 3);
    auto row = [&](int i) {
        std::vector<std::string> out;
        for (int c = 0; c < rows.columns(); ++c)
            out.push_back(rows.isNull(i, c) ? "NULL" : std::string(rows.text(i, c)));
        return out;
    };
    CHECK(row(0) == std::vector<std::string>{"1", "0.001", "xgb", "0.5, 1", "1.5",
                                             "[\"rsi_14\", \"macd_12_26_9\"]", "completed", "btc_2025_4h",
                                             "BTC", "close_pred", "5", "2025-05-01 00:00:00+00"});
    CHECK(row(1) == std::vector<std::string>{"2", "0.1", "lgbm", "high", "0.5", "[\"rsi_28\", \"atr_14\"]",
                                             "failed", "btc_2025_4h", "BTC", "Close_Target", "3",
                                             "2025-06-15 10:00:00+00"});
    CHECK(row(2) == std::vector<std::string>{"3", "NULL", "XGB_v2", "NULL", "3", "[\"rsi_14\"]", "completed",
                                             "eth_2024_1h", "ETH", "vol_50%_pred", "5",
                                             "2025-07-01 00:00:00+00"});
}

TEST_CASE("run query: the condition alone binds all its parameters, and hostile keys and values are data") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(kSeed);
    // Containment-only queries still use every parameter (the field's key path among them).
    for (const char* query : {"hp.model = 'xgb'", "sim.tags has 'x'", "walk.folds in (5, 3)",
                              "hp.\"'); DROP TABLE walkforward_runs; --\" = '$1'",
                              "hp.\"\\\\\" ~ '\\' or sim.\"$$\" < 'x' or fold.\"}{,\" > 1e-1000",
                              "hp.x = 1e1000 or hp.x < -1e1000 or hp.\"日本\" = 'ü'"}) {
        CAPTURE(query);
        CompiledQuery q = compiled(query);
        CHECK_NOTHROW(
            conn.query("SELECT count(*) FROM walkforward_runs r JOIN indicator_datasets d "
                       "USING (dataset_id) WHERE " +
                           q.condition,
                       paramsOf(q)));
    }
    CHECK(conn.query("SELECT count(*) FROM walkforward_runs").integer(0, 0) == 4);
}
