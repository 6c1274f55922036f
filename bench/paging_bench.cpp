// Keyset paging (fn_list_runs) against the equivalent OFFSET query, side by side in one run.
// Usage: stage1_bench_paging --dsn "<conninfo>" [--repeat 25] [--limit 50]
// Prints median and p95 per depth, the ratios the targets are stated in, and checks that both
// methods return the same rows. Not a test: timings depend on the machine; the ratios are the point.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "app/cli/cli_args.hpp"
#include "app/connect/connection_settings.hpp"
#include "bench/bench_timing.hpp"
#include "db/pg/pg.hpp"

namespace {

using bench::measure;
using bench::Timing;

std::vector<std::string> firstColumn(const db::Result& r) {
    std::vector<std::string> out;
    for (int i = 0; i < r.rows(); ++i) out.emplace_back(r.text(i, 0));
    return out;
}

// The same page with OFFSET; child counts computed only for the page rows, as fn_list_runs does.
const char* kOffsetPage = R"sql(
SELECT p.run_id, p.dataset_id, p.prediction_measurement, p.status, p.created_at,
       (SELECT count(*) FROM walkforward_folds f WHERE f.run_id = p.run_id) AS fold_count,
       (SELECT count(*) FROM simulation_runs s WHERE s.run_id = p.run_id) AS simulation_count,
       p.serialized_config IS NOT NULL AS has_serialized_config
FROM (SELECT * FROM walkforward_runs WHERE dataset_id = $1
      ORDER BY created_at DESC, run_id DESC OFFSET $2 LIMIT $3) p
ORDER BY p.created_at DESC, p.run_id DESC)sql";

}  // namespace

int main(int argc, char** argv) {
    try {
        auto args = app::parseOptions(std::vector<std::string>(argv + 1, argv + argc),
                                      {{"dsn", true, ""}, {"repeat", true, ""}, {"limit", true, ""}});
        int repeat = static_cast<int>(args.integer("repeat", 25, 3, 10000));
        int limit = static_cast<int>(args.integer("limit", 50, 1, 1000));
        app::ConnectionSettings flags;
        if (auto dsn = args.value("dsn")) flags = app::settingsFromDsn(*dsn);
        db::Connection conn = db::Connection::open(
            app::resolveConnection(flags, {}, app::processEnvironment(), "stage1-bench").connectParams());

        const auto biggest = bench::datasetWithMostRuns(conn);
        if (!biggest) return 1;
        std::string dataset = biggest->id;
        long long total = biggest->runs;
        std::printf("dataset %s: %lld runs; page size %d; %d timed repetitions each\n\n", dataset.c_str(),
                    total, limit, repeat);
        std::printf("%-10s %16s %16s %16s %16s %10s\n", "depth", "keyset median", "keyset p95",
                    "OFFSET median", "OFFSET p95", "OFFSET/keyset");

        double depth0Ms = 0, deepestKeysetMs = 0, deepestRatio = 0;
        bool sameRows = true;
        for (long long depth : {0LL, 10000LL, 500000LL}) {
            if (depth + limit > total) {
                std::printf("%-10lld (skipped: only %lld runs)\n", depth, total);
                continue;
            }
            db::Param cursorTs, cursorId;
            if (depth > 0) {  // the cursor a client holds after reading `depth` rows
                db::Result c = conn.query(
                    "SELECT created_at, run_id FROM walkforward_runs WHERE dataset_id = $1 "
                    "ORDER BY created_at DESC, run_id DESC OFFSET $2 LIMIT 1",
                    {dataset, std::to_string(depth - 1)});
                cursorTs = std::string(c.text(0, 0));
                cursorId = std::string(c.text(0, 1));
            }
            db::Params keysetParams = {dataset, std::to_string(limit), cursorTs, cursorId};
            db::Params offsetParams = {dataset, std::to_string(depth), std::to_string(limit)};
            const std::string keysetSql = "SELECT * FROM fn_list_runs($1, $2, $3, $4)";
            sameRows = sameRows && firstColumn(conn.query(keysetSql, keysetParams)) ==
                                       firstColumn(conn.query(kOffsetPage, offsetParams));
            Timing keyset = measure(repeat, [&] { conn.query(keysetSql, keysetParams); });
            Timing offset = measure(repeat, [&] { conn.query(kOffsetPage, offsetParams); });
            std::printf("%-10lld %13.3f ms %13.3f ms %13.3f ms %13.3f ms %9.1fx\n", depth, keyset.medianMs,
                        keyset.p95Ms, offset.medianMs, offset.p95Ms, offset.medianMs / keyset.medianMs);
            if (depth == 0) depth0Ms = keyset.medianMs;
            deepestKeysetMs = keyset.medianMs;
            deepestRatio = offset.medianMs / keyset.medianMs;
        }
        double deepOverShallow = deepestKeysetMs / depth0Ms;
        std::printf("\nsame rows from both methods at every depth: %s\n", sameRows ? "yes" : "NO");
        std::printf("deepest keyset page / depth-0 page: %.2fx (target <= 2x): %s\n", deepOverShallow,
                    deepOverShallow <= 2.0 ? "met" : "MISSED");
        std::printf("OFFSET / keyset at the deepest depth: %.1fx (target >= 100x at 500k): %s\n",
                    deepestRatio, deepestRatio >= 100.0 ? "met" : "MISSED");
        return sameRows ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "stage1_bench_paging: %s\n", e.what());
        return 2;
    }
}
