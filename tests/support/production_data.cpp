#include "tests/support/production_data.hpp"

#include <doctest/doctest.h>

namespace testsupport {

namespace {

using namespace production;

std::string quoted(const std::string& uuid) {
    return "'" + uuid + "'";
}

// Before 0002: the 1.3 tables had no serialized_config. Three registered datasets (one never used),
// runs in the statuses of the time with their folds, simulations with and without parameters.
void writeLegacyRows(db::Connection& conn) {
    conn.exec(R"sql(
        INSERT INTO public.indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count,
                                               first_bar_ts, last_bar_ts, created_at) VALUES
          ()sql" +
              quoted(kBtc) + R"sql(, 'BTC', '4h', 'binance', 'btc_2024_4h', 2196,
           '2024-01-01', '2024-12-31 20:00', now() - interval '420 days'),
          ()sql" +
              quoted(kEth) + R"sql(, 'ETH', '1h', 'binance', 'eth_2024_1h', 8784,
           '2024-01-01', '2024-12-31 23:00', now() - interval '410 days'),
          ()sql" +
              quoted(kSol) + R"sql(, 'SOL', '1d', 'binance', 'sol_2023_1d', 365,
           '2023-01-01', '2023-12-31', now() - interval '500 days');
        INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns,
                                             hyperparameters, walk_config, status, created_at) VALUES
          ()sql" +
              quoted(kLegacyRun) + ", " + quoted(kBtc) + R"sql(, 'btc_ret_fwd_1_lgbm',
           '["rsi_14", "atr_14", "macd_12_26_9"]', '{"model": "lgbm", "num_leaves": 31}',
           '{"folds": 4, "test_bars": 250, "train_bars": 1000}', 'completed', now() - interval '300 days'),
          ('1e6a0000-0000-4000-8000-000000000002', )sql" +
              quoted(kBtc) + R"sql(, 'btc_ret_fwd_6_ridge',
           '["rsi_28", "bb_width_20"]', '{"alpha": 0.5, "model": "ridge"}',
           '{"folds": 4, "test_bars": 250, "train_bars": 1000}', 'completed', now() - interval '290 days'),
          ('1e6a0000-0000-4000-8000-000000000003', )sql" +
              quoted(kBtc) + R"sql(, 'btc_vol_fwd_12_mlp',
           '["realized_vol_24"]', '{"model": "mlp"}', '{"folds": 4}', 'failed', now() - interval '280 days');
        INSERT INTO public.walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end, metrics)
          SELECT r, i, '2024-01-01'::timestamptz + i * interval '40 days', '2024-05-01'::timestamptz + i * interval '40 days',
                 '2024-05-01'::timestamptz + i * interval '40 days', '2024-06-10'::timestamptz + i * interval '40 days',
                 jsonb_build_object('ic', 0.02 + i * 0.01)
          FROM unnest(ARRAY[)sql" +
              quoted(kLegacyRun) + R"sql(, '1e6a0000-0000-4000-8000-000000000002']::uuid[]) r,
               generate_series(0, 3) i;
        INSERT INTO public.simulation_runs (simulation_id, run_id, questdb_namespace, parameters, status, created_at) VALUES
          ('5e6a0000-0000-4000-8000-000000000001', )sql" +
              quoted(kLegacyRun) + R"sql(, 'btc_ret_fwd_1_lgbm_sim_fee5',
           '{"fee_bps": 5}', 'completed', now() - interval '299 days'),
          ('5e6a0000-0000-4000-8000-000000000002', )sql" +
              quoted(kLegacyRun) + R"sql(, 'btc_ret_fwd_1_lgbm_sim_base',
           '{}', 'failed', now() - interval '299 days'),
          ('5e6a0000-0000-4000-8000-000000000003', '1e6a0000-0000-4000-8000-000000000002', 'btc_ret_fwd_6_ridge_sim_fee10',
           '{"fee_bps": 10}', 'completed', now() - interval '289 days');
    )sql");
}

// One run as the desktop writes it: as stage1_app, with its config text, status left at its default.
std::string desktopRun(const std::string& id, const std::string& dataset, const std::string& measurement) {
    return "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, "
           "feature_columns, "
           "hyperparameters, walk_config, serialized_config) VALUES ('" +
           id + "', " + dataset + ", '" + measurement +
           "', '[\"rsi_14\"]', '{\"model\": \"lgbm\"}', '{\"folds\": 4}', 'features: rsi_14\nmodel: lgbm\n"
           "walk: folds=4 (" +
           measurement + ")');\n";
}

std::string folds(const std::string& runId, int count) {
    return "INSERT INTO public.walkforward_folds (run_id, fold_index, train_start, train_end, test_start, "
           "test_end, metrics) SELECT '" +
           runId +
           "', i, now() - interval '200 days', now() - interval '100 days', now() - interval '100 days', "
           "now() - interval '50 days', '{\"ic\": 0.03}' FROM generate_series(0, " +
           std::to_string(count - 1) + ") i;\n";
}

std::string simulation(const std::string& id, const std::string& runId, const std::string& ns) {
    return "INSERT INTO public.simulation_runs (simulation_id, run_id, questdb_namespace, parameters, "
           "serialized_config) VALUES ('" +
           id + "', '" + runId + "', '" + ns + "', '{\"fee_bps\": 5}', 'sim " + ns + "');\n";
}

std::string placeholderId(const std::string& slug) {
    return "(SELECT dataset_id FROM public.indicator_datasets WHERE questdb_tag = '" + slug + "')";
}

// Since the upgrade: placeholders the desktops needed, runs in every status (with folds when they
// completed, some or none otherwise), simulations in every status, and the pipeline's status updates.
void writeRecentRows(const TestDatabase& database, db::Connection& conn) {
    // The operator's path for a placeholder (fn_upsert_placeholder_dataset through stage1ctl)...
    auto backfill = database.ctl({"backfill-dataset", "--slug", kYoungPlaceholderWithRuns});
    INFO(backfill.out << backfill.err);
    REQUIRE(backfill.exitCode == 0);

    const std::string eth = quoted(kEth);
    std::string desktop = "SET ROLE stage1_app;\n";
    // ...and the desktop's (the same function, as stage1_app).
    for (const char* slug : {kYoungPlaceholder, kAlmostStalePlaceholder, kRegisteredPlaceholder})
        desktop += "SELECT * FROM public.fn_upsert_placeholder_dataset('" + std::string(slug) + "');\n";
    desktop +=
        desktopRun(kCompletedRun, eth, "eth_ret_fwd_1_lgbm") + folds(kCompletedRun, 4) +
        simulation("5e3c0000-0000-4000-8000-000000000001", kCompletedRun, "eth_ret_fwd_1_lgbm_sim_done") +
        simulation("5e3c0000-0000-4000-8000-000000000002", kCompletedRun, "eth_ret_fwd_1_lgbm_sim_running") +
        simulation("5e3c0000-0000-4000-8000-000000000003", kCompletedRun, "eth_ret_fwd_1_lgbm_sim_queued") +
        simulation("5e3c0000-0000-4000-8000-000000000004", kCompletedRun, "eth_ret_fwd_1_lgbm_sim_failed");
    desktop += desktopRun("4e3c0000-0000-4000-8000-000000000007", quoted(kBtc), "btc_dir_fwd_6_catboost") +
               folds("4e3c0000-0000-4000-8000-000000000007", 4);  // completed, no simulation yet
    desktop += desktopRun(kPendingRun, eth, kPendingMeasurement);
    desktop += desktopRun(kRunningRun, eth, kRunningMeasurement);
    desktop += desktopRun(kRunningPartialRun, eth, "eth_vol_fwd_12_ridge") + folds(kRunningPartialRun, 2);
    desktop += desktopRun(kFailedRun, eth, kFailedMeasurement);
    desktop += desktopRun(kFailedRunWithFold, eth, "eth_dir_fwd_6_mlp") + folds(kFailedRunWithFold, 1);
    // On placeholders: a completed run with a simulation and a queued one on the young one, a
    // completed one on the placeholder registered since.
    desktop += desktopRun("4e3c0000-0000-4000-8000-000000000008", placeholderId(kYoungPlaceholderWithRuns),
                          "ada_ret_fwd_6_xgb") +
               folds("4e3c0000-0000-4000-8000-000000000008", 4) +
               simulation("5e3c0000-0000-4000-8000-000000000005", "4e3c0000-0000-4000-8000-000000000008",
                          "ada_ret_fwd_6_xgb_sim_fee5");
    desktop += desktopRun("4e3c0000-0000-4000-8000-000000000009", placeholderId(kYoungPlaceholderWithRuns),
                          "ada_ret_fwd_1_lgbm_queued");
    desktop += desktopRun("4e3c0000-0000-4000-8000-00000000000a", placeholderId(kRegisteredPlaceholder),
                          "avax_ret_fwd_1_lgbm") +
               folds("4e3c0000-0000-4000-8000-00000000000a", 4);
    desktop += "RESET ROLE;\n";
    conn.exec(desktop);

    // The training pipeline (the owner) moves runs and simulations through their statuses; the
    // operator registers a placeholder's real dataset; time passes.
    conn.exec(R"sql(
        UPDATE public.walkforward_runs SET status = 'completed'
         WHERE run_id IN ()sql" +
              quoted(kCompletedRun) + R"sql(, '4e3c0000-0000-4000-8000-000000000007',
                          '4e3c0000-0000-4000-8000-000000000008', '4e3c0000-0000-4000-8000-00000000000a');
        UPDATE public.walkforward_runs SET status = 'running'
         WHERE run_id IN ()sql" +
              quoted(kRunningRun) + ", " + quoted(kRunningPartialRun) + R"sql();
        UPDATE public.walkforward_runs SET status = 'failed'
         WHERE run_id IN ()sql" +
              quoted(kFailedRun) + ", " + quoted(kFailedRunWithFold) + R"sql();
        UPDATE public.walkforward_runs SET created_at = now() - interval '20 days'
         WHERE run_id IN ()sql" +
              quoted(kCompletedRun) + R"sql(, '4e3c0000-0000-4000-8000-000000000007',
                          '4e3c0000-0000-4000-8000-00000000000a');
        UPDATE public.simulation_runs SET status = CASE questdb_namespace
                WHEN 'eth_ret_fwd_1_lgbm_sim_done' THEN 'completed'
                WHEN 'eth_ret_fwd_1_lgbm_sim_running' THEN 'running'
                WHEN 'eth_ret_fwd_1_lgbm_sim_failed' THEN 'failed'
                WHEN 'ada_ret_fwd_6_xgb_sim_fee5' THEN 'completed'
                ELSE status END;
        UPDATE public.indicator_datasets
           SET created_at = now() - interval '6 days', first_bar_ts = now() - interval '6 days',
               last_bar_ts = now() - interval '6 days'
         WHERE questdb_tag = ')sql" +
              std::string(kAlmostStalePlaceholder) + R"sql(';
        UPDATE public.indicator_datasets
           SET created_at = now() - interval '40 days', granularity = '1d', row_count = 730,
               first_bar_ts = '2024-01-01', last_bar_ts = '2025-12-31'
         WHERE questdb_tag = ')sql" +
              std::string(kRegisteredPlaceholder) + R"sql(';
    )sql");
}

}  // namespace

void buildHealthyProductionDatabase(const TestDatabase& database) {
    auto base = database.psqlFile(sourcePath("tests/fixtures/stage13_base.sql"));
    INFO(base.out << base.err);
    REQUIRE(base.exitCode == 0);
    db::Connection conn = database.connect();
    writeLegacyRows(conn);
    auto migrated = database.ctl({"migrate"});  // adopts the 1.3 tables; 0003 fills the legacy rows
    INFO(migrated.out << migrated.err);
    REQUIRE(migrated.exitCode == 0);
    writeRecentRows(database, conn);
}

void buildHealthyQuestDbStandIn(const TestDatabase& production, const TestDatabase& questdb) {
    db::Connection pg = production.connect();
    // Datasets: row_count rows (placeholders: the rows the desktop found, not recorded yet); the
    // tables of completed runs and simulations, and of running ones that have started writing.
    db::Result names = pg.query(
        "SELECT questdb_tag, CASE WHEN row_count = 0 THEN 100 ELSE row_count END FROM "
        "public.indicator_datasets "
        "UNION ALL SELECT prediction_measurement, 10 FROM public.walkforward_runs r "
        "  WHERE status = 'completed' OR (status = 'running' AND EXISTS "
        "        (SELECT 1 FROM public.walkforward_folds f WHERE f.run_id = r.run_id)) "
        "UNION ALL SELECT questdb_namespace, 10 FROM public.simulation_runs WHERE status IN ('completed', "
        "'running')");
    std::string sql = R"sql(
        CREATE FUNCTION tables() RETURNS TABLE (id int, table_name text) LANGUAGE sql STABLE AS $$
            SELECT row_number() OVER ()::int, c.relname::text FROM pg_catalog.pg_class c
            WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r' $$;
    )sql";
    for (int i = 0; i < names.rows(); ++i) {
        const std::string table = "\"" + std::string(names.text(i, 0)) + "\"";  // our own [a-z0-9_] names
        sql += "CREATE TABLE " + table + " (ts timestamptz, value double precision);\n";
        sql += "INSERT INTO " + table + " SELECT now(), i FROM generate_series(1, " +
               std::string(names.text(i, 1)) + ") i;\n";
    }
    questdb.connect().exec(sql);
}

}  // namespace testsupport
