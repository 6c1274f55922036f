// Realistic demo and benchmark data, streamed with COPY (a million runs in well under a minute).
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "db/pg/pg.hpp"

namespace db {

struct DemoSeedOptions {
    int datasets = 4;
    int runsPerDataset = 25;
    int simsPerRun = 3;
    int foldsPerRun = 4;
    int nullConfigPercent = 10;  // rows left with serialized_config NULL, as before the backfill
    std::uint64_t seed = 1;
    std::function<void(const std::string&)> progress;
};

struct DemoSeedCounts {
    long long datasets = 0;
    long long runs = 0;
    long long folds = 0;
    long long simulations = 0;
};

// Inserts in one transaction; existing rows are left alone and dataset slugs never collide
// with them.
DemoSeedCounts seedDemoData(Connection& conn, const DemoSeedOptions& options);

// jsonb's own text form for the documents the seed writes: keys ordered by length then bytes,
// ", " and ": " separators. The seed writes serialized_config exactly as migration 0003's legacy
// backfill would have, so seeded data looks like migrated production data.
std::string legacyConfigText(const std::string& featureColumns, const std::string& hyperparameters,
                             const std::string& walkConfig, const std::string& parameters);

}  // namespace db
