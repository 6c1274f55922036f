// What every benchmark times with: median and p95 of `repeat` runs after one warm-up.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace bench {

struct Timing {
    double medianMs;
    double p95Ms;
};

template <typename Fn>
Timing measure(int repeat, Fn&& fn) {
    std::vector<double> samples;
    fn();  // warm-up: plan caches and buffers
    for (int i = 0; i < repeat; ++i) {
        auto start = std::chrono::steady_clock::now();
        fn();
        samples.push_back(
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count());
    }
    std::sort(samples.begin(), samples.end());
    return {samples[samples.size() / 2], samples[std::min(samples.size() - 1, samples.size() * 95 / 100)]};
}

// The dataset with the most runs, which the benchmarks time, and its run count; nullopt (with a
// hint on stderr) when nothing was seeded.
struct BenchDataset {
    std::string id;
    long long runs = 0;
};
inline std::optional<BenchDataset> datasetWithMostRuns(db::Connection& conn) {
    db::Result biggest = conn.query(
        "SELECT dataset_id, count(*) FROM walkforward_runs GROUP BY dataset_id ORDER BY count(*) DESC LIMIT "
        "1");
    if (biggest.rows() == 0) {
        std::fprintf(stderr,
                     "no runs: seed first (stage1ctl demo-seed --datasets 1 --runs-per-dataset 1000000)\n");
        return std::nullopt;
    }
    return BenchDataset{std::string(biggest.text(0, 0)), biggest.integer(0, 1)};
}

}  // namespace bench
