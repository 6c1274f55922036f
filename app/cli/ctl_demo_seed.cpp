// stage1ctl demo-seed: realistic data for demos and benchmarks.
#include <nlohmann/json.hpp>

#include <chrono>

#include "app/cli/ctl_commands.hpp"
#include "db/schema/demo_seed.hpp"

namespace app {

namespace {

int runDemoSeed(const ParsedArgs& args, CtlIo& io) {
    db::DemoSeedOptions options;
    options.datasets = static_cast<int>(args.integer("datasets", options.datasets, 0, 100000));
    options.runsPerDataset =
        static_cast<int>(args.integer("runs-per-dataset", options.runsPerDataset, 0, 10000000));
    options.simsPerRun = static_cast<int>(args.integer("sims-per-run", options.simsPerRun, 0, 1000));
    options.foldsPerRun = static_cast<int>(args.integer("folds-per-run", options.foldsPerRun, 0, 1000));
    options.nullConfigPercent =
        static_cast<int>(args.integer("null-config-percent", options.nullConfigPercent, 0, 100));
    options.seed = static_cast<std::uint64_t>(args.integer("seed", 1, 0, (1LL << 62)));
    options.progress = [&](const std::string& line) { io.err << line << "\n"; };

    auto conn = connectForCommand(args, io, StatementTimeout::None);
    if (!conn) return kExitConnection;
    auto started = std::chrono::steady_clock::now();
    db::DemoSeedCounts counts = db::seedDemoData(*conn, options);
    long long ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count();

    if (jsonOutput(args)) {
        io.out << nlohmann::json{{"ok", true},
                                 {"datasets", counts.datasets},
                                 {"runs", counts.runs},
                                 {"folds", counts.folds},
                                 {"simulations", counts.simulations},
                                 {"duration_ms", ms}}
                      .dump(2)
               << "\n";
    } else {
        io.out << "seeded " << counts.datasets << " datasets, " << counts.runs << " runs, " << counts.folds
               << " folds, " << counts.simulations << " simulations in " << ms << " ms\n";
    }
    return kExitOk;
}

}  // namespace

CtlCommand demoSeedCommand() {
    return {"demo-seed",
            "fill the (migrated) database with realistic demo data, streamed with COPY",
            {{"datasets", true, "datasets to create (default 4)"},
             {"runs-per-dataset", true, "walk-forward runs per dataset (default 25)"},
             {"sims-per-run", true, "simulations per run (default 3)"},
             {"folds-per-run", true, "folds per run (default 4)"},
             {"null-config-percent", true, "share of rows left with serialized_config NULL (default 10)"},
             {"seed", true, "random seed; the same seed gives the same data (default 1)"}},
            runDemoSeed};
}

}  // namespace app
