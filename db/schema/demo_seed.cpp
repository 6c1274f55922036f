#include "db/schema/demo_seed.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iterator>
#include <random>
#include <set>
#include <utility>
#include <vector>

#include "db/pg/transaction.hpp"

namespace db {

namespace {

const char* const kSymbols[] = {"btc",  "eth",  "sol", "ada", "xrp", "doge",
                                "avax", "link", "dot", "ltc", "bnb", "atom"};
const char* const kGranularities[] = {"1m", "5m", "15m", "1h", "4h", "1d"};
const long long kBarSeconds[] = {60, 300, 900, 3600, 14400, 86400};  // one bar of each granularity
const char* const kTargets[] = {"ret_fwd_1",  "ret_fwd_6", "ret_fwd_24",
                                "vol_fwd_12", "dir_fwd_6", "drawdown_fwd_48"};
const char* const kModels[] = {"lgbm", "xgb", "ridge", "mlp", "catboost"};
const char* const kFeatures[] = {"rsi_14",       "rsi_28",       "macd_12_26_9",  "atr_14",
                                 "bb_width_20",  "ema_ratio_50", "ema_ratio_200", "obv_slope_20",
                                 "vwap_dev_24",  "roc_12",       "stoch_k_14",    "adx_14",
                                 "funding_rate", "oi_change_24", "volume_z_48",   "realized_vol_24"};
const char* const kRunStatuses[] = {"completed", "completed", "completed", "completed",
                                    "running",   "failed",    "pending"};
const char* const kSimStatuses[] = {"completed", "completed", "completed", "running", "failed", "pending"};

template <size_t N>
const char* pick(std::mt19937_64& rng, const char* const (&items)[N]) {
    return items[rng() % N];
}

std::string uuidV4(std::mt19937_64& rng) {
    std::uint64_t hi = rng(), lo = rng();
    hi = (hi & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;
    lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;
    char out[37];
    using ull = unsigned long long;
    std::snprintf(out, sizeof out, "%08llx-%04llx-%04llx-%04llx-%012llx", ull(hi >> 32),
                  ull((hi >> 16) & 0xFFFF), ull(hi & 0xFFFF), ull(lo >> 48), ull(lo & 0xFFFFFFFFFFFFULL));
    return out;
}

// A JSON object in jsonb's output order: shorter keys first, then bytewise.
class JsonbObject {
  public:
    JsonbObject& raw(std::string key, std::string jsonValue) {
        members_.emplace_back(std::move(key), std::move(jsonValue));
        return *this;
    }
    JsonbObject& str(std::string key, const std::string& value) {
        return raw(std::move(key), "\"" + value + "\"");
    }
    std::string text() {
        std::sort(members_.begin(), members_.end(), [](const auto& a, const auto& b) {
            return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
        });
        std::string out = "{";
        for (size_t i = 0; i < members_.size(); ++i) {
            if (i) out += ", ";
            out += "\"" + members_[i].first + "\": " + members_[i].second;
        }
        return out + "}";
    }

  private:
    std::vector<std::pair<std::string, std::string>> members_;
};

std::string featureList(std::mt19937_64& rng) {
    std::vector<const char*> pool(std::begin(kFeatures), std::end(kFeatures));
    std::shuffle(pool.begin(), pool.end(), rng);
    size_t count = 5 + rng() % 8;
    std::string out = "[";
    for (size_t i = 0; i < count; ++i) out += std::string(i ? ", \"" : "\"") + pool[i] + "\"";
    return out + "]";
}

std::string fixed(double value, int decimals) {
    char out[32];
    std::snprintf(out, sizeof out, "%.*f", decimals, value);
    return out;
}

// COPY text format: backslash, tab, newline and carriage return must be escaped.
void appendCopyField(std::string& line, const std::optional<std::string>& value, bool last) {
    if (!value) {
        line += "\\N";
    } else {
        for (char c : *value) {
            switch (c) {
                case '\\':
                    line += "\\\\";
                    break;
                case '\t':
                    line += "\\t";
                    break;
                case '\n':
                    line += "\\n";
                    break;
                case '\r':
                    line += "\\r";
                    break;
                default:
                    line += c;
            }
        }
    }
    line += last ? '\n' : '\t';
}

void appendCopyRow(std::string& buffer, std::initializer_list<std::optional<std::string>> fields) {
    size_t i = 0;
    for (const auto& f : fields) appendCopyField(buffer, f, ++i == fields.size());
}

// Streams rows into one COPY, flushing every megabyte.
class CopyStream {
  public:
    CopyStream(Connection& conn, const std::string& copySql) : conn_(conn) {
        conn_.copyBegin(copySql);
        buffer_.reserve(kFlushBytes + 4096);
    }
    std::string& buffer() { return buffer_; }
    void maybeFlush() {
        if (buffer_.size() >= kFlushBytes) flush();
    }
    long long finish() {
        flush();
        return conn_.copyEnd();
    }

  private:
    static constexpr size_t kFlushBytes = 1 << 20;
    void flush() {
        if (!buffer_.empty()) conn_.copyWrite(buffer_);
        buffer_.clear();
    }
    Connection& conn_;
    std::string buffer_;
};

// "2025-03-01 12:00:00+00" from seconds since the epoch (UTC).
std::string isoUtc(long long epochSeconds) {
    time_t t = static_cast<time_t>(epochSeconds);
    struct tm tm {};
    gmtime_r(&t, &tm);
    char out[40];
    strftime(out, sizeof out, "%Y-%m-%d %H:%M:%S+00", &tm);
    return out;
}

std::set<std::string> existingSlugs(Connection& conn) {
    std::set<std::string> slugs;
    Result r = conn.query("SELECT questdb_tag FROM public.indicator_datasets");
    for (int i = 0; i < r.rows(); ++i) slugs.emplace(r.text(i, 0));
    return slugs;
}

struct DatasetRow {
    std::string id;
    std::string slug;
    long long createdAt;
    long long barSeconds;
};

// The dataset's bars cover [created - 365 d, created - 1 h] (the seeded first_bar_ts/last_bar_ts).
constexpr long long kDatasetDays = 365;

// Deliberate fold problems, so ./dev demo shows the Folds flags: the first three runs (measurement
// suffixes wf000000..wf000002) of the first dataset each seeding creates. Every other run's folds
// honour its walk config and have no findings (tests/integration/test_compare_folds_cli.cpp).
enum class FoldFlaw { None, OverlappingTests, NoPurgeGap, TestBeforeTrainEnd };

FoldFlaw flawFor(int datasetIndex, int runIndex) {
    if (datasetIndex != 0) return FoldFlaw::None;
    switch (runIndex) {
        case 0:
            return FoldFlaw::OverlappingTests;
        case 1:
            return FoldFlaw::NoPurgeGap;
        case 2:
            return FoldFlaw::TestBeforeTrainEnd;
        default:
            return FoldFlaw::None;
    }
}

// What cutting a run's folds needs from its walk config, in bars.
struct WalkCut {
    long long trainBars, testBars, stepBars, purgeBars;
    bool expanding;
};

struct FoldWindow {
    long long trainStart, trainEnd, testStart, testEnd;
};

// Fold f of a walk-forward cut that starts at the dataset's first bar: train windows from
// train_bars (rolling: sliding by step_bars; expanding: train_start fixed, growing by step_bars),
// each test window purge_bars after its train window ends. Window lengths shrink below one bar
// when the folds would not fit in the dataset's year; the purge gap never does (it is what the
// Folds check compares against the config).
FoldWindow foldWindow(const WalkCut& cut, int folds, int f, long long firstBar, long long barSeconds,
                      FoldFlaw flaw) {
    const long long purge = flaw == FoldFlaw::NoPurgeGap ? 0 : cut.purgeBars * barSeconds;
    const long long available = 86400LL * kDatasetDays - 3600 - cut.purgeBars * barSeconds;
    const long long spanBars = cut.trainBars + (folds - 1) * cut.stepBars + cut.testBars;
    const long long unit = std::max(1LL, std::min(barSeconds, available / spanBars));
    const long long test = cut.testBars * unit;
    // Test windows half as far apart as they are long overlap their neighbours.
    const long long step = flaw == FoldFlaw::OverlappingTests ? test / 2 : cut.stepBars * unit;
    FoldWindow w{};
    w.trainStart = cut.expanding ? firstBar : firstBar + f * step;
    w.trainEnd =
        cut.expanding ? firstBar + cut.trainBars * unit + f * step : w.trainStart + cut.trainBars * unit;
    w.testStart = flaw == FoldFlaw::TestBeforeTrainEnd ? w.trainEnd - test / 2 : w.trainEnd + purge;
    w.testEnd = w.testStart + test;
    return w;
}

}  // namespace

std::string legacyConfigText(const std::string& featureColumns, const std::string& hyperparameters,
                             const std::string& walkConfig, const std::string& parameters) {
    std::string text = featureColumns + "\n" + hyperparameters + "\n" + walkConfig;
    if (!parameters.empty() && parameters != "{}") text += "\n" + parameters;
    return text;
}

DemoSeedCounts seedDemoData(Connection& conn, const DemoSeedOptions& options) {
    auto say = [&](const std::string& line) {
        if (options.progress) options.progress(line);
    };
    // Newest rows a little before "now" of a fixed day so runs are reproducible for a given seed.
    const long long baseEpoch = 1767225600;  // 2026-01-01T00:00:00Z
    DemoSeedCounts counts;

    Transaction transaction(conn);
    {
        std::set<std::string> slugs = existingSlugs(conn);
        // The same seed on the same database state gives the same rows; a second seeding of a
        // database draws new ids instead of colliding with the first.
        std::mt19937_64 rng(options.seed ^ (0x9E3779B97F4A7C15ULL * slugs.size()));
        auto leaveNull = [&] { return static_cast<int>(rng() % 100) < options.nullConfigPercent; };
        std::vector<DatasetRow> datasets;
        {
            CopyStream copy(
                conn,
                "COPY public.indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, "
                "row_count, first_bar_ts, last_bar_ts, created_at) FROM STDIN");
            for (int d = 0; d < options.datasets; ++d) {
                std::string symbol = pick(rng, kSymbols);
                const size_t g = rng() % std::size(kGranularities);
                std::string granularity = kGranularities[g];
                std::string year = std::to_string(2022 + static_cast<int>(rng() % 5));
                std::string slug = symbol + "_" + year + "_" + granularity;
                for (int n = 2; slugs.count(slug); ++n)
                    slug = symbol + "_" + year + "_" + granularity + "_" + std::to_string(n);
                slugs.insert(slug);
                long long created = baseEpoch - 86400LL * (options.datasets - d);
                long long firstBar = created - 86400LL * kDatasetDays;
                DatasetRow row{uuidV4(rng), slug, created, kBarSeconds[g]};
                std::string upper = symbol;
                std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
                appendCopyRow(copy.buffer(), {row.id, upper, granularity, std::string("binance_ohlcv"), slug,
                                              std::to_string(20000 + rng() % 500000), isoUtc(firstBar),
                                              isoUtc(created - 3600), isoUtc(created)});
                datasets.push_back(row);
            }
            counts.datasets = copy.finish();
        }
        say("datasets: " + std::to_string(counts.datasets));

        CopyStream runs(
            conn,
            "COPY public.walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
            "hyperparameters, walk_config, status, created_at, serialized_config) FROM STDIN");
        // Folds and simulations need the run rows to exist first (foreign keys), so they are
        // generated into memory-light second passes from the same per-run seeds.
        struct RunRef {
            std::string id;
            long long createdAt;
            std::string features, hyper, walk;
            long long firstBar, barSeconds;
            WalkCut cut;
            FoldFlaw flaw;
        };
        std::vector<RunRef> runRefs;
        const bool keepRefs = options.simsPerRun > 0 || options.foldsPerRun > 0;
        for (size_t d = 0; d < datasets.size(); ++d) {
            const DatasetRow& dataset = datasets[d];
            for (int r = 0; r < options.runsPerDataset; ++r) {
                // Three runs share each timestamp so paging is exercised on created_at ties.
                long long created = dataset.createdAt + 60 + (r / 3);
                std::string model = pick(rng, kModels);
                char suffix[16];
                std::snprintf(suffix, sizeof suffix, "%06d", r);
                std::string measurement =
                    dataset.slug + "__" + pick(rng, kTargets) + "__" + model + "__wf" + suffix;
                std::string features = featureList(rng);
                std::string hyper = JsonbObject()
                                        .str("model", model)
                                        .raw("seed", std::to_string(rng() % 1000))
                                        .raw("max_depth", std::to_string(3 + rng() % 8))
                                        .raw("num_leaves", std::to_string(15 + rng() % 112))
                                        .raw("n_estimators", std::to_string(100 * (1 + rng() % 10)))
                                        .raw("learning_rate", fixed(0.01 * (1 + rng() % 10), 2))
                                        .text();
                const FoldFlaw flaw = flawFor(static_cast<int>(d), r);
                WalkCut cut{};
                cut.stepBars = 250 * (1 + rng() % 4);
                cut.testBars = 250 * (1 + rng() % 4);
                // Steps at least as long as a test window, so test windows never overlap.
                cut.stepBars = std::max(cut.stepBars, cut.testBars);
                cut.purgeBars = static_cast<long long>(rng() % 24);
                // The run whose folds leave out the purge gap must ask for one.
                if (flaw == FoldFlaw::NoPurgeGap) cut.purgeBars = std::max(cut.purgeBars, 8LL);
                cut.trainBars = 1000 * (1 + rng() % 5);
                const std::string embargoBars = std::to_string(rng() % 12);
                cut.expanding = rng() % 2;
                std::string walk = JsonbObject()
                                       .raw("folds", std::to_string(std::max(1, options.foldsPerRun)))
                                       .raw("step_bars", std::to_string(cut.stepBars))
                                       .raw("test_bars", std::to_string(cut.testBars))
                                       .raw("purge_bars", std::to_string(cut.purgeBars))
                                       .raw("train_bars", std::to_string(cut.trainBars))
                                       .raw("embargo_bars", embargoBars)
                                       .str("scheme", cut.expanding ? "expanding" : "rolling")
                                       .text();
                std::optional<std::string> config;
                if (!leaveNull()) config = legacyConfigText(features, hyper, walk, "");
                std::string id = uuidV4(rng);
                appendCopyRow(runs.buffer(), {id, dataset.id, measurement, features, hyper, walk,
                                              std::string(pick(rng, kRunStatuses)), isoUtc(created), config});
                runs.maybeFlush();
                if (keepRefs)
                    runRefs.push_back({id, created, features, hyper, walk,
                                       dataset.createdAt - 86400LL * kDatasetDays, dataset.barSeconds, cut,
                                       flaw});
            }
        }
        counts.runs = runs.finish();
        say("walk-forward runs: " + std::to_string(counts.runs));

        if (options.foldsPerRun > 0) {
            CopyStream folds(
                conn,
                "COPY public.walkforward_folds (run_id, fold_index, train_start, train_end, test_start, "
                "test_end, metrics) FROM STDIN");
            for (const auto& run : runRefs) {
                for (int f = 0; f < options.foldsPerRun; ++f) {
                    const FoldWindow w =
                        foldWindow(run.cut, options.foldsPerRun, f, run.firstBar, run.barSeconds, run.flaw);
                    std::string metrics = JsonbObject()
                                              .raw("ic", fixed(((rng() % 2000) / 10000.0) - 0.05, 4))
                                              .raw("sharpe", fixed(((rng() % 400) / 100.0) - 1.0, 2))
                                              .raw("hit_rate", fixed(0.45 + (rng() % 150) / 1000.0, 3))
                                              .text();
                    appendCopyRow(folds.buffer(),
                                  {run.id, std::to_string(f), isoUtc(w.trainStart), isoUtc(w.trainEnd),
                                   isoUtc(w.testStart), isoUtc(w.testEnd), metrics});
                    folds.maybeFlush();
                }
            }
            counts.folds = folds.finish();
            say("folds: " + std::to_string(counts.folds));
        }

        if (options.simsPerRun > 0) {
            CopyStream sims(
                conn,
                "COPY public.simulation_runs (simulation_id, run_id, questdb_namespace, parameters, "
                "status, created_at, serialized_config) FROM STDIN");
            for (const auto& run : runRefs) {
                for (int s = 0; s < options.simsPerRun; ++s) {
                    std::string id = uuidV4(rng);
                    std::string parameters =
                        rng() % 4 == 0
                            ? "{}"
                            : JsonbObject()
                                  .raw("fee_bps", std::to_string(1 + rng() % 10))
                                  .raw("fraction", fixed(0.05 * (1 + rng() % 6), 2))
                                  .str("sizing", rng() % 2 ? "fixed_fraction" : "volatility_target")
                                  .raw("slippage_bps", std::to_string(rng() % 8))
                                  .text();
                    std::string ns = "sim_" + id.substr(0, 8) + "_" + std::to_string(s);
                    std::optional<std::string> config;
                    if (!leaveNull())
                        config = legacyConfigText(run.features, run.hyper, run.walk, parameters);
                    appendCopyRow(sims.buffer(),
                                  {id, run.id, ns, parameters, std::string(pick(rng, kSimStatuses)),
                                   isoUtc(run.createdAt + 600 + s), config});
                    sims.maybeFlush();
                }
            }
            counts.simulations = sims.finish();
            say("simulations: " + std::to_string(counts.simulations));
        }
        transaction.commit();
    }
    return counts;
}

}  // namespace db
