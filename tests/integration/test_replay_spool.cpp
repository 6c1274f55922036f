// stage1ctl replay-spool against real PostgreSQL: every path a spooled statement can take ends with it
// applied exactly once, back in the spool, or in the quarantine file; never lost.
#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>
#include <nlohmann/json.hpp>

#include <chrono>
#include <future>
#include <thread>

#include "app/cli/cli_args.hpp"
#include "app/ops/spool.hpp"
#include "db/spool/spool_replay.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using testsupport::TestDatabase;
namespace fs = std::filesystem;

namespace {

const std::string kDataset = "11111111-1111-4111-8111-111111111111";
const std::string kMissingDataset = "22222222-2222-4222-8222-222222222222";

struct Spool {
    testsupport::ScratchDir dir;
    fs::path path() const { return dir.path() / "pending_postgres_inserts.sql"; }
    fs::path quarantine() const { return path().string() + ".quarantine.sql"; }
    std::string text() const { return fs::exists(path()) ? testsupport::readFile(path()) : ""; }
    std::vector<fs::path> archived() const {
        std::vector<fs::path> out;
        if (fs::exists(dir.path() / "archive"))
            for (const auto& e : fs::directory_iterator(dir.path() / "archive")) out.push_back(e.path());
        std::sort(out.begin(), out.end());
        return out;
    }
};

struct Replay {
    int exitCode;
    nlohmann::json report;
    std::string err;
};

Replay replay(const TestDatabase& database, const Spool& spool, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"replay-spool", spool.path().string(), "--json"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = database.ctl(args);
    nlohmann::json report = r.out.empty() ? nlohmann::json() : nlohmann::json::parse(r.out);
    return {r.exitCode, report, r.err};
}

// A migrated database with one dataset, and walkforward_folds without its keys, read through the
// view replay_probe(n, note): a probe (a fold the grammar accepts) applied twice would show.
void prepare(const TestDatabase& database) {
    database.migrate();
    auto conn = database.connect();
    conn.exec(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) VALUES ('" +
        kDataset +
        "', 'BTC', '4h', 'test', 'btc_test'); "
        "ALTER TABLE walkforward_folds DROP CONSTRAINT walkforward_folds_pkey, "
        "DROP CONSTRAINT walkforward_folds_run_id_fkey; "
        "CREATE VIEW replay_probe AS SELECT fold_index AS n, metrics->>'note' AS note FROM walkforward_folds");
}

// One probe: a fold numbered n (SQL text, e.g. "7" or "NULL") whose metrics hold the note.
std::string probeInsert(const std::string& n, const std::string& note) {
    return "INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end, "
           "metrics) VALUES ('99999999-9999-4999-8999-999999999999', " +
           n + ", '2025-01-01', '2025-01-02', '2025-01-02', '2025-01-03', " +
           app::sqlLiteral(nlohmann::json{{"note", note}}.dump()) + ");";
}

long long count(const TestDatabase& database, const std::string& sql) {
    return database.connect().query(sql).integer(0, 0);
}

std::string runInsert(const std::string& runId, const std::string& datasetId,
                      const std::string& measurement) {
    return "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, "
           "feature_columns, "
           "hyperparameters, walk_config) VALUES ('" +
           runId + "', '" + datasetId + "', " + measurement + ", '[]', '{}', '{}');";
}

std::string runId(int n) {
    char id[40];
    std::snprintf(id, sizeof id, "00000000-0000-4000-8000-%012d", n);
    return id;
}

// n probe INSERTs in the desktop's format, numbered from `first`.
std::string probeSpool(int first, int n) {
    std::string out;
    for (int i = first; i < first + n; ++i)
        out += "-- stage1-debugger 2026-11-26T12:00:00Z: probe " + std::to_string(i) +
               "\n" + probeInsert(std::to_string(i), "it's; #" + std::to_string(i)) + "\n";
    return out;
}

int lineOf(const std::string& script, const std::string& needle) {
    size_t at = script.find(needle);
    REQUIRE(at != std::string::npos);
    return 1 + static_cast<int>(std::count(script.begin(), script.begin() + static_cast<long>(at), '\n'));
}

}  // namespace

TEST_CASE(
    "replay-spool: every quoting form, a syntax error, an FK violation, a duplicate, CRLF and a cut-off "
    "tail") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    const std::string bad = "INSERT INTO public.walkforward_runs VALUSE ('x;y');";
    const std::string deferred = runInsert(runId(90), kMissingDataset, "'needs its dataset'");
    const std::string tail = "-- cut off\nINSERT INTO replay_probe VALUES (1, 'unterminated; ";
    std::string script =
        "-- plain quotes, a doubled quote and a semicolon\n" + runInsert(runId(1), kDataset, "'a;b ''c'''") +
        "\n-- E'' with backslash escapes\n" + runInsert(runId(2), kDataset, "E'it\\'s; a\\\\b'") +
        "\n-- dollar quotes\n" + runInsert(runId(3), kDataset, "$$semi;colon 'q'$$") + "\n" +
        runInsert(runId(4), kDataset, "$tag$x;$$;y$tag$") +
        "\n-- a quoted identifier and comments\n"
        "INSERT INTO public.walkforward_runs (run_id, dataset_id, \"prediction_measurement\", "
        "feature_columns, "
        "hyperparameters, walk_config) /* a ; /* nested ; */ comment */ VALUES ('" +
        runId(5) + "', '" + kDataset + "', 'five', -- a trailing ; comment\n'[]', '{}', '{}');\n" +
        "-- a syntax error in the middle\n" + bad + "\n" +
        runInsert(runId(6), kDataset, "'after the error'") + "\n-- a run whose dataset is missing\n" +
        deferred + "\n-- run 1 again, other text\n" + runInsert(runId(1), kDataset, "'other'") +
        "\r\n-- CRLF line ends\r\n" + runInsert(runId(7), kDataset, "'crlf\r\nvalue'") + "\r\n" + tail;
    testsupport::writeFile(spool.path(), script);

    Replay r = replay(database, spool);
    INFO(r.err);
    CHECK(r.exitCode == 1);  // something was quarantined
    CHECK(r.report["applied"] == 5);
    CHECK(r.report["already_applied"] == 1);
    CHECK(r.report["deferred"]["count"] == 1);
    REQUIRE(r.report["deferred"]["missing"].size() == 1);
    CHECK(r.report["deferred"]["missing"][0]["id"] == kMissingDataset);
    CHECK(r.report["deferred"]["missing"][0]["table"] == "indicator_datasets");
    CHECK(r.report["deferred"]["missing"][0]["suggestion"].get<std::string>().find(
              "stage1ctl backfill-dataset --slug <dataset slug> --uuid " + kMissingDataset) == 0);
    CHECK(r.report["quarantined"] == 3);  // the syntax error and the two dollar-quoted values
    CHECK(r.report["incomplete"] == 1);
    CHECK(r.report["files"][0]["incomplete_tail"]["line"] == lineOf(script, "-- cut off"));

    auto conn = database.connect();
    auto measurement = [&](int n) {
        return std::string(
            conn.query("SELECT prediction_measurement FROM walkforward_runs WHERE run_id = $1", {runId(n)})
                .text(0, 0));
    };
    CHECK(measurement(1) == "a;b 'c'");
    CHECK(measurement(2) == "it's; a\\b");
    CHECK(measurement(5) == "five");
    CHECK(measurement(6) == "after the error");
    CHECK(measurement(7) == "crlf\r\nvalue");
    CHECK(count(database, "SELECT count(*) FROM walkforward_runs") == 5);
    CHECK(count(database, "SELECT count(*) FROM stage1_spool_ledger") == 6);
    CHECK(count(database, "SELECT count(*) FROM stage1_spool_ledger WHERE outcome = 'already_present'") == 1);

    // The bad statement, verbatim, with its line and the reason above it; dollar quotes are not
    // something a desktop writes, so they are refused unsent too.
    std::string quarantined = testsupport::readFile(spool.quarantine());
    CHECK(quarantined.find("-- a syntax error in the middle\n" + bad + "\n") != std::string::npos);
    CHECK(quarantined.find("line " + std::to_string(lineOf(script, bad)) + "\n") != std::string::npos);
    CHECK(quarantined.find("never sent to the server: expected a column list or VALUES after INSERT INTO walkforward_runs, found 'VALUSE'") != std::string::npos);
    CHECK(quarantined.find("dollar-quoted string") != std::string::npos);
    CHECK(quarantined.find("$tag$x;$$;y$tag$") != std::string::npos);
    // What must be retried is back in the spool, in order; the processed file is archived whole.
    CHECK(spool.text() == "-- a run whose dataset is missing\n" + deferred + "\n" + tail);
    REQUIRE(spool.archived().size() == 1);
    CHECK(testsupport::readFile(spool.archived()[0]) == script);
}

TEST_CASE("replay-spool: failures between pipelined and merged batches keep file order and lose nothing") {
    // Probes with syntax errors, NULLs, repeats, 23505 duplicates and datasets whose runs follow at once:
    // a run applied before its dataset would be deferred, a statement applied twice would show.
    std::string script;
    long long probes = 0, datasets = 0, bad = 0, repeats = 0, duplicates = 0;
    auto dataset = [](int i) { return "33333333-3333-4333-8333-" + std::string(runId(i)).substr(24); };
    for (int i = 1; i <= 300; ++i) {
        if (i % 29 == 0) {
            script += "INSERT INTO replay_probe VALUSE (" + std::to_string(i) + ");\n";
            ++bad;
        } else if (i % 31 == 0) {
            script += probeSpool(1, 1);  // the very first statement again
            ++repeats;
        } else if (i % 37 == 0) {
            script +=
                "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) "
                "VALUES ('" +
                dataset(i) + "', 'D', '1h', 'test', 'ds_" + std::to_string(i) + "');\n" +
                runInsert(runId(i), dataset(i), "'depends on the line above'") + "\n";
            ++datasets;
        } else if (i % 43 == 0) {  // mergeable with the probes around it, fails only when run (23502)
            script += probeInsert("NULL", "no number") + "\n";
            ++bad;
        } else if (i % 41 == 0) {
            script += runInsert(runId(37), dataset(37), "'the run of line 37 again'") + "\n";
            ++duplicates;
        } else {
            script += probeSpool(i, 1);
            ++probes;
        }
    }
    for (const char* batchSize : {"3", "1000"}) {
        CAPTURE(batchSize);
        TestDatabase database;
        prepare(database);
        Spool spool;
        testsupport::writeFile(spool.path(), script);
        Replay r = replay(database, spool, {"--batch-size", batchSize});
        INFO(r.err);
        INFO(r.report.dump());
        CHECK(r.exitCode == 1);
        CHECK(r.report["applied"] == probes + 2 * datasets);
        CHECK(r.report["already_applied"] == repeats + duplicates);
        CHECK(r.report["quarantined"] == bad);
        CHECK(r.report["deferred"]["count"] == 0);
        CHECK(count(database, "SELECT count(*) FROM replay_probe") == probes);
        CHECK(count(database, "SELECT count(DISTINCT n) FROM replay_probe") == probes);
        CHECK(count(database, "SELECT count(*) FROM walkforward_runs") == datasets);
        CHECK(count(database, "SELECT count(*) FROM stage1_spool_ledger") == probes + 2 * datasets + 1);
        CHECK(spool.text().empty());
    }
}

TEST_CASE("replay-spool: replaying the same file again applies nothing") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    const std::string script = probeSpool(1, 50) + runInsert(runId(1), kDataset, "'one'") + "\n" +
                               runInsert(runId(1), kDataset, "'one, later'") + "\n";
    testsupport::writeFile(spool.path(), script);
    Replay first = replay(database, spool);
    INFO(first.err);
    CHECK(first.exitCode == 0);
    CHECK(first.report["applied"] == 51);
    CHECK(first.report["already_applied"] == 1);  // the second run 1: 23505, recorded in the ledger
    CHECK_FALSE(fs::exists(spool.path()));

    testsupport::writeFile(spool.path(), script);
    Replay second = replay(database, spool);
    CHECK(second.exitCode == 0);
    CHECK(second.report["applied"] == 0);
    CHECK(second.report["already_applied"] == 52);
    CHECK(count(database, "SELECT count(*) FROM replay_probe") == 50);
    CHECK(spool.archived().size() == 2);
    CHECK(spool.text().empty());
}

TEST_CASE("replay-spool: a deferred run is applied by the next run once its dataset is backfilled") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    const std::string waiting = runInsert(runId(1), kMissingDataset, "'waits'");
    testsupport::writeFile(spool.path(), "-- queued offline\n" + waiting + "\n");
    Replay first = replay(database, spool);
    CHECK(first.exitCode == 0);  // deferred is not a failure
    CHECK(first.report["deferred"]["count"] == 1);
    CHECK(spool.text() == "-- queued offline\n" + waiting + "\n");

    auto backfill = database.ctl({"backfill-dataset", "--slug", "missing_ds", "--uuid", kMissingDataset});
    INFO(backfill.err);
    REQUIRE(backfill.exitCode == 0);
    Replay second = replay(database, spool);
    CHECK(second.report["applied"] == 1);
    CHECK(second.report["deferred"]["count"] == 0);
    CHECK(count(database, "SELECT count(*) FROM walkforward_runs") == 1);
    CHECK_FALSE(fs::exists(spool.path()));
}

TEST_CASE("replay-spool: a second replay while one holds the lock fails clearly and touches nothing") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    testsupport::writeFile(spool.path(), probeSpool(1, 3));
    auto holder = database.connect();
    holder.exec("SET application_name = 'stage1ctl replay-spool'");
    REQUIRE(holder.query("SELECT pg_try_advisory_lock($1::bigint)", {std::to_string(db::kSpoolReplayLockKey)})
                .boolean(0, 0));
    const std::string pid(holder.query("SELECT pg_backend_pid()::text").text(0, 0));

    Replay busy = replay(database, spool);
    CHECK(busy.exitCode == 1);
    CHECK(busy.err.find("another replay-spool is already running (pid " + pid +
                        ", postgres@local, stage1ctl "
                        "replay-spool)") != std::string::npos);
    CHECK(busy.report["error"]["kind"] == "lock_busy");
    CHECK(spool.text() == probeSpool(1, 3));  // not renamed, not read
    CHECK(spool.archived().empty());

    // With --lock-wait it waits for the holder and then runs.
    auto release = std::async(std::launch::async, [&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(700));
        holder.query("SELECT pg_advisory_unlock($1::bigint)", {std::to_string(db::kSpoolReplayLockKey)});
    });
    Replay waited = replay(database, spool, {"--lock-wait", "20"});
    release.get();
    INFO(waited.err);
    CHECK(waited.exitCode == 0);
    CHECK(waited.err.find("waiting up to 20 s") != std::string::npos);
    CHECK(waited.report["applied"] == 3);
}

TEST_CASE(
    "replay-spool: a connection killed mid-replay loses nothing and the rerun applies each statement once") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    constexpr int kStatements = 20000;
    testsupport::writeFile(spool.path(), probeSpool(1, kStatements));

    auto running = std::async(std::launch::async, [&] {
        return replay(database, spool, {"--batch-size", "100"});
    });
    auto admin = database.connect();
    bool killed = false;
    while (running.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
        if (admin.query("SELECT count(*) FROM stage1_spool_ledger").integer(0, 0) == 0) continue;
        killed =
            admin
                .query(
                    "SELECT count(*) FROM (SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                    "WHERE application_name = 'stage1ctl replay-spool' AND datname = current_database()) t")
                .integer(0, 0) == 1;
        break;
    }
    Replay first = running.get();
    INFO(first.err);
    REQUIRE(killed);
    CHECK(first.exitCode == 3);
    CHECK_FALSE(first.report["stopped"].is_null());
    long long applied = first.report["applied"].get<long long>();
    long long notReached = first.report["not_reached"].get<long long>();
    CHECK(applied > 0);
    CHECK(notReached > 0);
    CHECK(applied + notReached == kStatements);
    CHECK(first.err.find("Nothing is lost") != std::string::npos);

    Replay rerun = replay(database, spool);
    INFO(rerun.err);
    CHECK(rerun.exitCode == 0);
    CHECK(count(database, "SELECT count(*) FROM replay_probe") == kStatements);
    CHECK(count(database, "SELECT count(DISTINCT n) FROM replay_probe") == kStatements);
    CHECK(count(database, "SELECT count(*) FROM stage1_spool_ledger") == kStatements);
    CHECK(spool.text().empty());
}

TEST_CASE("replay-spool: the desktop's own spool writer replays cleanly") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    std::vector<std::string> slugs = {"btc_2025_4h", "eth_2024_1h", "sol-x_1d"};
    for (const auto& slug : slugs) {
        auto preview = app::previewPlaceholder(slug, "", "");
        REQUIRE(preview.preview);
        app::appendToSpool(spool.path(),
                           app::placeholderInsertStatement(*preview.preview, "2026-11-26T12:00:00Z"),
                           "stage1-debugger: placeholder dataset " + slug + "\nwith a newline in the note");
    }
    app::appendToSpool(spool.path(),
                       runInsert(runId(1), "44744a70-d595-8a7e-90ab-1d7c7795b1f2",
                                 app::sqlLiteral("x'); DROP TABLE t; --\\")),
                       "a run with a hostile name");
    Replay r = replay(database, spool);
    INFO(r.err);
    CHECK(r.exitCode == 0);
    CHECK(r.report["applied"] == 4);
    CHECK(count(database, "SELECT count(*) FROM indicator_datasets WHERE source = 'laptop_imgui'") == 3);
    CHECK(count(database,
                "SELECT count(*) FROM walkforward_runs WHERE prediction_measurement = "
                "E'x''); DROP TABLE t; --\\\\'") == 1);
    CHECK(replay(database, spool).report["files"].empty());  // nothing left to do
}

TEST_CASE("replay-spool: entries the desktop appends during a replay are not lost") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    constexpr int kStatements = 10000;
    testsupport::writeFile(spool.path(), probeSpool(1, kStatements));
    // A desktop that opened the spool just before the rename and appends after the replay read it.
    int early = ::open(spool.path().c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
    REQUIRE(early >= 0);

    auto running = std::async(std::launch::async, [&] {
        return replay(database, spool, {"--batch-size", "100"});
    });
    auto admin = database.connect();
    while (admin.query("SELECT count(*) FROM stage1_spool_ledger").integer(0, 0) == 0 &&
           running.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
    }
    CHECK_FALSE(fs::exists(spool.path()));  // renamed away before the first commit
    REQUIRE(flock(early, LOCK_EX) == 0);
    const std::string late = probeSpool(-1, 1);
    REQUIRE(::write(early, late.data(), late.size()) == static_cast<ssize_t>(late.size()));
    flock(early, LOCK_UN);
    ::close(early);
    // Desktops that open the spool now get a fresh file.
    for (int i = 0; i < 20; ++i) {
        app::appendToSpool(spool.path(),
                           probeInsert(std::to_string(-100 - i), "new"),
                           "during the replay");
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Replay first = running.get();
    INFO(first.err);
    REQUIRE(first.exitCode == 0);
    CHECK(first.report["applied"] == kStatements);
    CHECK(first.report["files"][0]["late_bytes"] == static_cast<long long>(late.size()));
    CHECK(spool.text().find(late) != std::string::npos);

    Replay second = replay(database, spool);
    INFO(second.err);
    CHECK(second.exitCode == 0);
    CHECK(second.report["applied"] == 21);
    CHECK(count(database, "SELECT count(*) FROM replay_probe") == kStatements + 21);
    CHECK(count(database, "SELECT count(DISTINCT n) FROM replay_probe") == kStatements + 21);
}

TEST_CASE("replay-spool: a file a crashed run left behind is processed first, then archived") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    const fs::path leftover = spool.path().string() + ".replaying-20260101T000000Z";
    testsupport::writeFile(leftover, probeSpool(1, 5));
    testsupport::writeFile(spool.path(), probeSpool(3, 5));  // overlaps: 3..5 are in both
    Replay r = replay(database, spool);
    INFO(r.err);
    CHECK(r.exitCode == 0);
    REQUIRE(r.report["files"].size() == 2);
    CHECK(r.report["files"][0]["path"] == leftover.string());
    CHECK(r.report["files"][0]["applied"] == 5);
    CHECK(r.report["files"][1]["applied"] == 2);
    CHECK(r.report["files"][1]["already_applied"] == 3);
    CHECK(count(database, "SELECT count(*) FROM replay_probe") == 7);
    CHECK_FALSE(fs::exists(leftover));
    REQUIRE(spool.archived().size() == 2);
    CHECK(spool.archived()[0].filename() == "pending_postgres_inserts.sql.20260101T000000Z.sql");
}

TEST_CASE("replay-spool: a file that cannot be archived stays where the next run finishes it") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    const std::string waiting = runInsert(runId(1), kMissingDataset, "'waits for its dataset'");
    testsupport::writeFile(spool.path(), probeSpool(1, 5) + waiting + "\n");
    testsupport::writeFile(spool.dir.path() / "archive", "a file where the archive folder should be");

    Replay failed = replay(database, spool);
    CHECK(failed.exitCode == 1);
    CHECK(failed.report["error"]["kind"] == "io");
    CHECK(failed.err.find("cannot create") != std::string::npos);
    CHECK(count(database, "SELECT count(*) FROM replay_probe") == 5);  // applied, and in the ledger
    fs::path left;
    for (const auto& e : fs::directory_iterator(spool.dir.path()))
        if (e.path().filename().string().rfind("pending_postgres_inserts.sql.replaying-", 0) == 0)
            left = e.path();
    REQUIRE_FALSE(left.empty());
    CHECK(testsupport::readFile(left) == probeSpool(1, 5) + waiting + "\n");
    CHECK_FALSE(fs::exists(spool.path()));  // nothing was written back yet: the file still has it all

    fs::remove(spool.dir.path() / "archive");
    Replay again = replay(database, spool);
    INFO(again.err);
    CHECK(again.exitCode == 0);
    CHECK(again.report["already_applied"] == 5);
    CHECK(again.report["deferred"]["count"] == 1);
    CHECK(count(database, "SELECT count(*) FROM replay_probe") == 5);
    CHECK_FALSE(fs::exists(left));
    CHECK(spool.text() == waiting + "\n");
}

TEST_CASE("replay-spool: transaction control is quarantined, never run, and the rest still commits") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    testsupport::writeFile(spool.path(), "BEGIN;\n" + probeSpool(1, 2) + "COMMIT;\nrollback ;\n");
    Replay r = replay(database, spool);
    CHECK(r.exitCode == 1);
    CHECK(r.report["applied"] == 2);
    CHECK(r.report["quarantined"] == 3);
    std::string quarantined = testsupport::readFile(spool.quarantine());
    CHECK(quarantined.find("BEGIN statements are never replayed") != std::string::npos);
    CHECK(quarantined.find("COMMIT statements are never replayed") != std::string::npos);
    CHECK(quarantined.find("\nrollback ;\n") != std::string::npos);
}

TEST_CASE("replay-spool: a statement with a NUL byte is quarantined verbatim and the others commit") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    const std::string withNul = std::string("INSERT INTO replay_probe VALUES (99, 'a") + '\0' + "b');";
    testsupport::writeFile(spool.path(), probeSpool(1, 1) + withNul + "\n" + probeSpool(2, 1));
    Replay r = replay(database, spool);
    CHECK(r.exitCode == 1);
    CHECK(r.report["applied"] == 2);
    CHECK(r.report["quarantined"] == 1);
    CHECK(count(database, "SELECT count(*) FROM replay_probe") == 2);
    CHECK(count(database, "SELECT count(*) FROM replay_probe WHERE n = 99") == 0);
    const std::string quarantined = testsupport::readFile(spool.quarantine());
    CHECK(quarantined.find("NUL byte") != std::string::npos);
    CHECK(quarantined.find(withNul) != std::string::npos);  // the bytes as they were, NUL included
}

TEST_CASE("replay-spool: nothing to do, an unreachable server and usage errors") {
    TestDatabase database;
    prepare(database);
    Spool spool;
    Replay nothing = replay(database, spool);
    CHECK(nothing.exitCode == 0);
    CHECK(nothing.report["files"].empty());
    CHECK(database.ctl({"replay-spool", spool.path().string()}).out.find("nothing to replay") !=
          std::string::npos);

    testsupport::writeFile(spool.path(), probeSpool(1, 1));
    auto refused =
        testsupport::runProcess({testsupport::requiredEnv("STAGE1CTL"), "replay-spool", spool.path().string(),
                                 "--host", "127.0.0.1", "--port", testsupport::closedLoopbackPort()});
    CHECK(refused.exitCode == 3);
    CHECK(spool.text() == probeSpool(1, 1));

    auto missing = database.ctl({"replay-spool"});
    CHECK(missing.exitCode == 2);
    CHECK(missing.err.find("stage1ctl replay-spool <file>") != std::string::npos);
    CHECK(database.ctl({"replay-spool", "a.sql", "b.sql"}).exitCode == 2);
    CHECK(database.ctl({"replay-spool", "--file", "a.sql"}).err.find("unknown option --file") !=
          std::string::npos);
    auto help = database.ctl({"replay-spool", "--help"});
    CHECK(help.exitCode == 0);
    CHECK(help.out.find("<file>") != std::string::npos);
    CHECK(help.out.find("--lock-wait") != std::string::npos);
}

TEST_CASE("positional arguments: only where a spec declares them, in any position, and after --") {
    const std::vector<app::OptionSpec> specs = {{"file", false, "the file", true}, {"json", false, "json"}};
    auto parsed = app::parseOptions({"--json", "spool.sql"}, specs);
    CHECK(parsed.positional == std::vector<std::string>{"spool.sql"});
    CHECK(parsed.flags.count("json"));
    CHECK(app::parseOptions({"--", "--odd-name.sql"}, specs).positional ==
          std::vector<std::string>{"--odd-name.sql"});
    CHECK_THROWS_WITH_AS(app::parseOptions({"a.sql", "b.sql"}, specs),
                         doctest::Contains("expected only <file>"), app::UsageError);
    CHECK_THROWS_WITH_AS(app::parseOptions({"--file=a.sql"}, specs), "unknown option --file",
                         app::UsageError);
    CHECK_THROWS_WITH_AS(app::parseOptions({"stray"}, {{"json", false, "json"}}),
                         doctest::Contains("unexpected argument 'stray' (options start with --)"),
                         app::UsageError);
    CHECK(app::describeOptions(specs).find("  <file>") == 0);
}

TEST_CASE("spool errors are classified by SQLSTATE and a missing key is read from the DETAIL") {
    using C = db::SpoolErrorClass;
    auto cls = [](const char* state) { return db::classifySpoolError(db::DbError{state, "m", "", ""}); };
    CHECK(cls("23505") == C::AlreadyPresent);
    CHECK(cls("23503") == C::Deferred);
    CHECK(cls("40P01") == C::Deferred);
    CHECK(cls("42601") == C::Quarantined);
    CHECK(cls("22P02") == C::Quarantined);
    CHECK(cls("23502") == C::Quarantined);
    CHECK(cls("") == C::Stop);
    CHECK(cls("08006") == C::Stop);
    CHECK(cls("57P01") == C::Stop);
    auto missing = db::parseMissingReference(
        "Key (dataset_id)=(22222222-2222-4222-8222-222222222222) is not present in table "
        "\"indicator_datasets\".");
    REQUIRE(missing);
    CHECK(missing->columns == "dataset_id");
    CHECK(missing->key == kMissingDataset);
    CHECK(missing->table == "indicator_datasets");
    auto pair = db::parseMissingReference("Key (a, b)=(1, (2)) is not present in table \"t\".");
    REQUIRE(pair);
    CHECK(pair->columns == "a, b");
    CHECK(pair->key == "1, (2)");
    CHECK_FALSE(db::parseMissingReference("something else"));
}
