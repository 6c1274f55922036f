// stage1ctl replay-spool's engine against `psql -1 -f` on the same spool file, side by side in one run.
// Usage: stage1_bench_spool_replay --dsn "<conninfo of a role that may CREATE DATABASE>"
//            [--statements 100000] [--rounds 3] [--batch-size 1000] [--datasets 20] [--psql psql]
//            [--no-copy]   (the replay sends every INSERT as INSERT, as before it used COPY)
// Makes two fresh migrated databases with the same datasets, writes a spool of run INSERTs in the
// desktop's format ("-- note" + E'' literals), replays it into one and feeds it to psql in the
// other, then replays the same file again (everything is already applied). Each round uses fresh
// databases and alternates which side runs first; prints every round and the medians. Checks that
// both databases end with the same rows; drops the databases at the end.
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/cli/cli_args.hpp"
#include "app/connect/connection_settings.hpp"
#include "app/ops/spool.hpp"
#include "db/pg/pg.hpp"
#include "db/schema/migration_catalog.hpp"
#include "db/schema/migrator.hpp"
#include "db/spool/spool_replay.hpp"

extern char** environ;

namespace {

namespace fs = std::filesystem;

double secondsSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string uuid(int kind, long long n) {
    char text[64];
    std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012lld", kind, n);
    return text;
}

// libpq conninfo for psql: every value quoted.
std::string conninfo(const db::ConnectParams& params) {
    std::string out;
    for (const auto& [k, v] : params.entries()) {
        std::string quoted;
        for (char c : v) {
            if (c == '\'' || c == '\\') quoted += '\\';
            quoted += c;
        }
        out += k + "='" + quoted + "' ";
    }
    return out;
}

// What the desktop spools when it records a run offline: one INSERT per run, literals escaped.
std::string spoolText(long long statements, int datasets) {
    std::string out;
    out.reserve(static_cast<size_t>(statements) * 520);
    for (long long i = 0; i < statements; ++i) {
        std::string features = "[\"close_ret_" + std::to_string(i % 17) + "\", \"rsi_14\", \"vol_it's\"]";
        std::string hyper =
            "{\"lr\": 0.0" + std::to_string(1 + i % 9) + ", \"depth\": " + std::to_string(3 + i % 5) + "}";
        std::string walk = "{\"train_days\": 180, \"test_days\": 30, \"step\": " + std::to_string(i) + "}";
        out += "-- stage1-debugger 2026-11-26T12:00:00Z: run " + std::to_string(i) + " queued offline\n";
        out +=
            "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, "
            "feature_columns, "
            "hyperparameters, walk_config, serialized_config) VALUES (" +
            app::sqlLiteral(uuid(0xaaaa, i)) + "::uuid, " + app::sqlLiteral(uuid(0xd5, i % datasets)) +
            "::uuid, " + app::sqlLiteral("close_ret\\h4_" + std::to_string(i)) + ", " +
            app::sqlLiteral(features) + "::jsonb, " + app::sqlLiteral(hyper) + "::jsonb, " +
            app::sqlLiteral(walk) + "::jsonb, " + app::sqlLiteral(features + "\n" + hyper + "\n" + walk) +
            ");\n";
    }
    return out;
}

void prepareDatabase(db::Connection& admin, const db::ConnectParams& base, const std::string& name,
                     int datasets) {
    admin.exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    admin.exec("CREATE DATABASE " + name);
    db::ConnectParams params = base;
    params.set("dbname", name);
    db::Connection conn = db::Connection::open(params);
    db::migrate(conn, db::embeddedMigrations(), db::MigrateOptions{});
    for (int d = 0; d < datasets; ++d)
        conn.query(
            "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) "
            "VALUES ($1, 'BTC', '4h', 'bench', $2)",
            {uuid(0xd5, d), "bench_ds_" + std::to_string(d)});
    conn.exec("VACUUM ANALYZE");
}

int runPsql(const std::string& psql, const std::string& target, const fs::path& file) {
    std::vector<std::string> argv = {psql, "-X",   "-q", "-1",         "-v", "ON_ERROR_STOP=1",
                                     "-d", target, "-f", file.string()};
    std::vector<char*> raw;
    for (auto& a : argv) raw.push_back(a.data());
    raw.push_back(nullptr);
    pid_t pid = 0;
    if (posix_spawnp(&pid, psql.c_str(), nullptr, nullptr, raw.data(), environ) != 0) return -1;
    int status = 0;
    waitpid(pid, &status, 0);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

void writeText(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

struct Round {
    double psqlSeconds = 0, replaySeconds = 0, rerunSeconds = 0;
    bool ok = false;
};

// One side-by-side measurement on two fresh databases; `psqlFirst` alternates the order between
// rounds so neither side always runs on a warmer (or busier) machine.
Round measureRound(db::Connection& admin, const db::ConnectParams& base, const Round& settings,
                   bool psqlFirst, const std::string& text, const fs::path& dir,
                   const app::ParsedArgs& args) {
    const std::string suffix = std::to_string(getpid());
    db::ConnectParams psqlParams = base, replayParams = base;
    psqlParams.set("dbname", "bench_psql_" + suffix);
    replayParams.set("dbname", "bench_replay_" + suffix);
    const int datasets = static_cast<int>(args.integer("datasets", 20, 1, 100000));
    prepareDatabase(admin, base, *psqlParams.find("dbname"), datasets);
    prepareDatabase(admin, base, *replayParams.find("dbname"), datasets);
    const fs::path spool = dir / "pending_postgres_inserts.sql", psqlFile = dir / "psql_copy.sql";
    writeText(spool, text);
    writeText(psqlFile, text);

    Round round = settings;
    int psqlExit = -1;
    db::SpoolReplayReport first, again;
    db::SpoolReplayOptions options;
    options.batchStatements = static_cast<size_t>(args.integer("batch-size", 1000, 1, 100000));
    options.copy = !args.has("no-copy");
    auto runPsqlSide = [&] {
        auto started = std::chrono::steady_clock::now();
        psqlExit = runPsql(args.value("psql").value_or("psql"), conninfo(psqlParams), psqlFile);
        round.psqlSeconds = secondsSince(started);
    };
    db::Connection conn = db::Connection::open(replayParams);
    auto runReplaySide = [&] {
        auto started = std::chrono::steady_clock::now();
        first = db::replaySpool(conn, spool, options);
        round.replaySeconds = secondsSince(started);
    };
    if (psqlFirst) runPsqlSide();
    runReplaySide();
    if (!psqlFirst) runPsqlSide();

    writeText(spool, text);  // the same file again, as a re-mirrored spool would be
    auto started = std::chrono::steady_clock::now();
    again = db::replaySpool(conn, spool, options);
    round.rerunSeconds = secondsSince(started);

    // Every column the spool wrote, as the server stored it (COPY and INSERT must agree).
    const std::string rows =
        "SELECT count(*), md5(string_agg(concat_ws('|', run_id, dataset_id, prediction_measurement, "
        "feature_columns, hyperparameters, walk_config, serialized_config), ',' ORDER BY run_id)) "
        "FROM walkforward_runs";
    db::Result a = conn.query(rows);
    db::Result b = db::Connection::open(psqlParams).query(rows);
    const long long statements = args.integer("statements", 100000, 1, 10000000);
    round.ok = psqlExit == 0 && first.applied == statements && again.applied == 0 &&
               again.alreadyApplied == statements && a.text(0, 0) == b.text(0, 0) &&
               a.text(0, 1) == b.text(0, 1);
    std::printf("%-8s %12.2f %14.2f %16.2f %10.2fx   %s%s\n", psqlFirst ? "psql 1st" : "replay 1st",
                round.psqlSeconds, round.replaySeconds, round.rerunSeconds,
                round.psqlSeconds / round.replaySeconds, round.ok ? "same rows" : "ROWS DIFFER",
                psqlExit == 0 ? "" : " (psql failed)");
    conn = db::Connection::open(base);  // leave the database before dropping it
    admin.exec("DROP DATABASE IF EXISTS " + *replayParams.find("dbname") + " WITH (FORCE)");
    admin.exec("DROP DATABASE IF EXISTS " + *psqlParams.find("dbname") + " WITH (FORCE)");
    return round;
}

double median(std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

}  // namespace

int main(int argc, char** argv) {
    try {
        auto args =
            app::parseOptions(std::vector<std::string>(argv + 1, argv + argc), {{"dsn", true, ""},
                                                                                {"statements", true, ""},
                                                                                {"batch-size", true, ""},
                                                                                {"psql", true, ""},
                                                                                {"datasets", true, ""},
                                                                                {"rounds", true, ""},
                                                                                {"no-copy", false, ""}});
        const long long statements = args.integer("statements", 100000, 1, 10000000);
        const int datasets = static_cast<int>(args.integer("datasets", 20, 1, 100000));
        const int rounds = static_cast<int>(args.integer("rounds", 3, 1, 100));
        app::ConnectionSettings flags;
        if (auto dsn = args.value("dsn")) flags = app::settingsFromDsn(*dsn);
        const db::ConnectParams base =
            app::resolveConnection(flags, {}, app::processEnvironment(), "stage1-bench").connectParams();
        db::Connection admin = db::Connection::open(base);

        const fs::path dir = fs::temp_directory_path() / ("stage1-spool-bench-" + std::to_string(getpid()));
        fs::create_directories(dir);
        const std::string text = spoolText(statements, datasets);
        std::printf(
            "spool: %lld statements (run INSERTs as the desktop writes them), %.1f MB, %d datasets; "
            "%d rounds\n\n",
            statements, text.size() / 1e6, datasets, rounds);
        std::printf("%-8s %12s %14s %16s %11s\n", "order", "psql -1 -f", "replay-spool", "replay again",
                    "psql/replay");
        std::vector<double> psqlTimes, replayTimes, rerunTimes, ratios;
        bool ok = true;
        for (int r = 0; r < rounds; ++r) {
            Round round = measureRound(admin, base, Round{}, r % 2 == 0, text, dir, args);
            psqlTimes.push_back(round.psqlSeconds);
            replayTimes.push_back(round.replaySeconds);
            rerunTimes.push_back(round.rerunSeconds);
            ratios.push_back(round.psqlSeconds / round.replaySeconds);
            ok = ok && round.ok;
        }
        fs::remove_all(dir);
        const double ratio = median(ratios);
        std::printf("%-8s %12.2f %14.2f %16.2f %10.2fx\n\n", "median", median(psqlTimes), median(replayTimes),
                    median(rerunTimes), ratio);
        std::printf("replay-spool: %.0f statements/s, psql -1 -f: %.0f statements/s\n",
                    statements / median(replayTimes), statements / median(psqlTimes));
        std::printf("psql / replay-spool (median of the rounds): %.2fx (target >= 1.5x): %s\n", ratio,
                    ratio >= 1.5 ? "met" : "MISSED");
        std::printf("every round: same rows in both databases, second replay applied nothing: %s\n",
                    ok ? "yes" : "NO");
        return ok ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "stage1_bench_spool_replay: %s\n", e.what());
        return 2;
    }
}
