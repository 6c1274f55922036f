// What every benchmark times with: median and p95 of `repeat` runs after one warm-up.
#pragma once

#include <algorithm>
#include <chrono>
#include <vector>

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

}  // namespace bench
