#include "db/schema/demo_seed.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
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
};

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
                std::string granularity = pick(rng, kGranularities);
                std::string year = std::to_string(2022 + static_cast<int>(rng() % 5));
                std::string slug = symbol + "_" + year + "_" + granularity;
                for (int n = 2; slugs.count(slug); ++n)
                    slug = symbol + "_" + year + "_" + granularity + "_" + std::to_string(n);
                slugs.insert(slug);
                long long created = baseEpoch - 86400LL * (options.datasets - d);
                long long firstBar = created - 86400LL * 365;
                DatasetRow row{uuidV4(rng), slug, created};
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
        };
        std::vector<RunRef> runRefs;
        const bool keepRefs = options.simsPerRun > 0 || options.foldsPerRun > 0;
        for (const auto& dataset : datasets) {
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
                std::string walk = JsonbObject()
                                       .raw("folds", std::to_string(std::max(1, options.foldsPerRun)))
                                       .raw("step_bars", std::to_string(250 * (1 + rng() % 4)))
                                       .raw("test_bars", std::to_string(250 * (1 + rng() % 4)))
                                       .raw("purge_bars", std::to_string(rng() % 24))
                                       .raw("train_bars", std::to_string(1000 * (1 + rng() % 5)))
                                       .raw("embargo_bars", std::to_string(rng() % 12))
                                       .str("scheme", rng() % 2 ? "expanding" : "rolling")
                                       .text();
                std::optional<std::string> config;
                if (!leaveNull()) config = legacyConfigText(features, hyper, walk, "");
                std::string id = uuidV4(rng);
                appendCopyRow(runs.buffer(), {id, dataset.id, measurement, features, hyper, walk,
                                              std::string(pick(rng, kRunStatuses)), isoUtc(created), config});
                runs.maybeFlush();
                if (keepRefs) runRefs.push_back({id, created, features, hyper, walk});
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
                long long start = run.createdAt - 86400LL * 300;
                for (int f = 0; f < options.foldsPerRun; ++f) {
                    long long trainStart = start + 86400LL * 30 * f;
                    long long trainEnd = trainStart + 86400LL * 120;
                    long long testEnd = trainEnd + 86400LL * 30;
                    std::string metrics = JsonbObject()
                                              .raw("ic", fixed(((rng() % 2000) / 10000.0) - 0.05, 4))
                                              .raw("sharpe", fixed(((rng() % 400) / 100.0) - 1.0, 2))
                                              .raw("hit_rate", fixed(0.45 + (rng() % 150) / 1000.0, 3))
                                              .text();
                    appendCopyRow(folds.buffer(),
                                  {run.id, std::to_string(f), isoUtc(trainStart), isoUtc(trainEnd),
                                   isoUtc(trainEnd), isoUtc(testEnd), metrics});
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
