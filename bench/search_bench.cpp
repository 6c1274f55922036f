// The run query language (stage1ctl search, the window's search bar) on a big database, against the
// baseline it is judged by: a first page of the tree (fn_list_runs), side by side in one run.
// Usage: stage1_bench_search --dsn "<conninfo>" [--repeat 25]
// It marks one run with a rare model and a rare feature and gives it a unique measurement piece, so the
// cases are: a substring that matches nothing, one that matches one run, and
// `hp.model = '<rare>' and features has '<rare>'`. Target: each ≤ 10× the first page.
// Not a test: timings depend on the machine; the ratios are the point.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <variant>
#include <vector>

#include "app/cli/cli_args.hpp"
#include "app/connect/connection_settings.hpp"
#include "bench/bench_timing.hpp"
#include "db/pg/pg.hpp"
#include "db/search/run_search.hpp"

namespace {

using bench::measure;
using bench::Timing;

db::search::CompiledQuery compile(const std::string& query) {
    auto compiled = db::search::compileRunQuery(query, db::search::kSearchFirstQueryParam);
    if (auto* error = std::get_if<db::search::QueryError>(&compiled)) throw std::runtime_error(error->text());
    return std::get<db::search::CompiledQuery>(compiled);
}

}  // namespace

int main(int argc, char** argv) {
    try {
        auto args = app::parseOptions(std::vector<std::string>(argv + 1, argv + argc),
                                      {{"dsn", true, ""}, {"repeat", true, ""}});
        const int repeat = static_cast<int>(args.integer("repeat", 25, 3, 10000));
        app::ConnectionSettings flags;
        if (auto dsn = args.value("dsn")) flags = app::settingsFromDsn(*dsn);
        db::Connection conn = db::Connection::open(
            app::resolveConnection(flags, {}, app::processEnvironment(), "stage1-bench").connectParams());
        const auto biggest = bench::datasetWithMostRuns(conn);
        if (!biggest) return 1;
        const std::string dataset = biggest->id;
        const long long total = conn.query("SELECT count(*) FROM walkforward_runs").integer(0, 0);
        // One run in the middle of the order becomes findable; the rest of the data is untouched.
        conn.query(
            "UPDATE walkforward_runs SET hyperparameters = hyperparameters || '{\"model\": "
            "\"bench_rare_model\"}', "
            "feature_columns = feature_columns || '[\"bench_rare_feature\"]', "
            "prediction_measurement = prediction_measurement || '_benchneedle' "
            "WHERE run_id = (SELECT run_id FROM walkforward_runs ORDER BY created_at, run_id OFFSET $1 LIMIT "
            "1) "
            "AND prediction_measurement NOT LIKE '%_benchneedle'",
            {std::to_string(total / 2)});
        conn.exec("ANALYZE walkforward_runs");
        std::printf("%lld runs; page size 50; %d timed repetitions each\n\n", total, repeat);

        const Timing firstPage =
            measure(repeat, [&] { conn.query("SELECT * FROM fn_list_runs($1, 50)", {dataset}); });
        std::printf("%-58s %10s %10s %8s %6s\n", "case", "median", "p95", "ratio", "rows");
        std::printf("%-58s %8.3f ms %8.3f ms %8s %6s\n", "baseline: first page of the tree (fn_list_runs)",
                    firstPage.medianMs, firstPage.p95Ms, "1.0x", "50");
        double worst = 0;
        const std::vector<std::string> queries = {
            "measurement ~ 'zzz_matches_nothing'", "measurement ~ '_benchneedle'",
            "hp.model = 'bench_rare_model' and features has 'bench_rare_feature'"};
        for (const std::string& query : queries) {
            const db::search::CompiledQuery compiled = compile(query);
            size_t rows = 0;
            const Timing t = measure(
                repeat, [&] { rows = db::search::searchRuns(conn, compiled, 50, std::nullopt).rows.size(); });
            const double ratio = t.medianMs / firstPage.medianMs;
            worst = std::max(worst, ratio);
            std::printf("%-58s %8.3f ms %8.3f ms %7.1fx %6zu\n", query.c_str(), t.medianMs, t.p95Ms, ratio,
                        rows);
        }
        std::printf("\nworst search / first page: %.1fx (target <= 10x): %s\n", worst,
                    worst <= 10.0 ? "met" : "NOT met");
        return worst <= 10.0 ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "stage1_bench_search: %s\n", e.what());
        return 1;
    }
}
