// Disaster recovery end to end (docs/RUNBOOK.md, "Restore, then replay the archives"): the nightly
// dump, replays after it, a restore into a fresh database, then the spool archives replayed as the
// runbook says. And the durability warnings of replay-spool and doctor (synchronous_commit = off).
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <thread>

#include "app/ops/pg_tools.hpp"
#include "app/ops/spool.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using nlohmann::json;
using testsupport::TestDatabase;
namespace fs = std::filesystem;

namespace {

const std::string kDataset = "d1d1d1d1-0000-4000-8000-000000000001";
const std::string kLateDataset = "d2d2d2d2-0000-4000-8000-000000000002";  // only in a later spool

std::string uuid(int kind, int n) {
    char id[40];
    std::snprintf(id, sizeof id, "%08x-0000-4000-8000-%012d", kind, n);
    return id;
}

// What a desktop spools for one run recorded offline: the run, its folds, its simulations, each with
// the time it was recorded (so a replay stores exactly what the desktop meant).
std::string runEntries(int n, const std::string& dataset, int folds, int simulations) {
    const std::string run = uuid(0xaaaa, n), at = "'2026-11-2" + std::to_string(n % 9) + "T12:00:00Z'";
    std::string out =
        "-- stage1-debugger 2026-11-26T12:00:00Z: run " + std::to_string(n) + " queued offline\n";
    out +=
        "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
        "hyperparameters, walk_config, status, serialized_config, created_at) VALUES ('" +
        run + "', '" + dataset + "', 'close_ret_h4_" + std::to_string(n) +
        "', '[\"rsi_14\", \"vol_it''s\"]'::jsonb, '{\"lr\": 0.0" + std::to_string(n) +
        "}'::jsonb, '{\"train_days\": 180}'::jsonb, 'completed', " +
        app::sqlLiteral("features\nhyper " + std::to_string(n)) + ", " + at + ");\n";
    for (int f = 0; f < folds; ++f)
        out +=
            "INSERT INTO public.walkforward_folds (run_id, fold_index, train_start, train_end, test_start, "
            "test_end, metrics) VALUES ('" +
            run + "', " + std::to_string(f) +
            ", '2025-01-01', '2025-02-01', '2025-02-01', '2025-03-01', '{\"sharpe\": 1." + std::to_string(f) +
            "}');\n";
    for (int s = 0; s < simulations; ++s)
        out +=
            "INSERT INTO public.simulation_runs (simulation_id, run_id, questdb_namespace, parameters, "
            "status, "
            "created_at) VALUES ('" +
            uuid(0x5555, n * 100 + s) + "', '" + run + "', 'sim_" + std::to_string(n) + "_" +
            std::to_string(s) + "', '{\"fee\": 0.001}', 'completed', " + at + ");\n";
    return out;
}

// Every row of the four tables, sorted: equal strings mean equal contents.
std::string contents(db::Connection& conn) {
    std::string out;
    for (const char* table :
         {"indicator_datasets", "walkforward_runs", "walkforward_folds", "simulation_runs"}) {
        db::Result r = conn.query(std::string("SELECT count(*), coalesce(string_agg(t::text, E'\\n' ORDER BY "
                                              "t::text), '') FROM public.") +
                                  table + " t");
        out +=
            std::string(table) + " (" + std::string(r.text(0, 0)) + ")\n" + std::string(r.text(0, 1)) + "\n";
    }
    return out;
}

json replay(const TestDatabase& database, const fs::path& spool) {
    auto r = database.ctl({"replay-spool", spool.string(), "--json"});
    INFO(r.out << r.err);
    REQUIRE(r.exitCode == 0);
    return json::parse(r.out);
}

// The archives of one spool in the order they were replayed: by the UTC time in their name, and
// for one second's names by the -N suffix unusedPath gives (none first) — what the runbook's
// `sed | sort | sed` does.
std::vector<fs::path> archivesInOrder(const fs::path& archiveDir, const std::string& spoolName) {
    std::vector<std::string> stems;
    for (const auto& e : fs::directory_iterator(archiveDir)) {
        const std::string name = e.path().filename().string();
        if (name.rfind(spoolName + ".", 0) == 0 && name.size() > 4 && name.substr(name.size() - 4) == ".sql")
            stems.push_back(e.path().string().substr(0, e.path().string().size() - 4));
    }
    std::sort(stems.begin(), stems.end());
    std::vector<fs::path> out;
    for (const auto& s : stems) out.push_back(s + ".sql");
    return out;
}

int restoredConnMajor(const TestDatabase& database) {
    return database.connect().serverMajor();
}

// Archive names carry the UTC second of their replay; the test's nights must not share one.
void nextSecond() {
    const std::time_t start = std::time(nullptr);
    while (std::time(nullptr) == start) std::this_thread::sleep_for(std::chrono::milliseconds(50));
}

// pg_dump or pg_restore as backup finds them for this server.
fs::path pgProgram(const std::string& name, int serverMajor) {
    return app::findPgProgram(
        name, std::nullopt, [](const char* variable) -> const char* { return std::getenv(variable); },
        serverMajor);
}

void appendFile(const fs::path& path, const std::string& text) {
    std::ofstream(path, std::ios::binary | std::ios::app) << text;
}

// Debian 12 has only 15's pg_dump, which refuses a newer server (test_backup.cpp says the same).
bool localPgDumpServes(db::Connection conn) {
    const int client = app::pgProgramMajor(pgProgram("pg_dump", conn.serverMajor())).value_or(0);
    if (client >= conn.serverMajor()) return true;
    MESSAGE("pg_dump " << client << " cannot dump PostgreSQL " << conn.serverVersion()
                       << ": this test needs the client programs of that major");
    return false;
}

}  // namespace

TEST_CASE(
    "restore the nightly dump, then replay the archives from the ledger's newest on: every row is back") {
    TestDatabase live;
    live.migrate();
    if (!localPgDumpServes(live.connect())) return;
    live.connect().exec(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, "
        "created_at) VALUES ('" +
        kDataset + "', 'BTC', '4h', 'binance', 'btc_2025_4h', '2026-01-01T00:00:00Z')");
    testsupport::ScratchDir desktop, backups, recovery;
    const fs::path spool = desktop.path() / "pending_postgres_inserts.sql";

    // Night 1, before the dump: two runs, and one of a dataset the server does not have yet (deferred).
    testsupport::writeFile(spool, runEntries(1, kDataset, 4, 3) + runEntries(2, kDataset, 4, 0) +
                                      runEntries(9, kLateDataset, 1, 1));
    json night1 = replay(live, spool);
    CHECK(night1["applied"] == 13);
    CHECK(night1["deferred"]["count"] == 3);

    auto backup = live.ctl({"backup", "--dir", backups.path().string(), "--json"});
    INFO(backup.out << backup.err);
    REQUIRE(backup.exitCode == 0);
    const fs::path dump = json::parse(backup.out)["dump"].get<std::string>();

    // Night 2: the desktop's new runs, the placeholder of the missing dataset (after the deferred run,
    // so that run waits one more night) and a statement the mirror sent again.
    nextSecond();
    appendFile(
        spool,
        runEntries(3, kDataset, 4, 3) +
            "INSERT INTO public.indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, "
            "row_count, created_at) VALUES ('" +
            kLateDataset + "', 'ETH', '1h', 'laptop_imgui', 'eth_2025_1h', 0, '2026-11-27T08:00:00Z');\n" +
            runEntries(2, kDataset, 1, 0));
    json night2 = replay(live, spool);
    CHECK(night2["applied"] == 9);
    CHECK(night2["already_applied"] == 2);
    CHECK(night2["deferred"]["count"] == 3);

    // Night 3: the deferred run goes in, and one more.
    nextSecond();
    appendFile(spool, runEntries(4, kDataset, 2, 1));
    json night3 = replay(live, spool);
    CHECK(night3["applied"] == 7);
    CHECK(night3["deferred"]["count"] == 0);
    auto liveConn = live.connect();
    const std::string before = contents(liveConn);
    const long long ledgerRows = liveConn.query("SELECT count(*) FROM stage1_spool_ledger").integer(0, 0);

    // The disaster: the database is restored from the dump into a fresh one, as the runbook does it.
    TestDatabase restored;
    auto admin = db::Connection::open(testsupport::adminParams());
    admin.exec("DROP DATABASE " + restored.name());
    admin.exec("CREATE DATABASE " + restored.name() + " TEMPLATE template0");
    auto pgRestore = testsupport::runProcess({pgProgram("pg_restore", restoredConnMajor(live)).string(),
                                              "--exit-on-error", "-d", restored.dsn(), dump.string()});
    INFO(pgRestore.err);
    REQUIRE(pgRestore.exitCode == 0);
    auto restoredConn = restored.connect();
    CHECK(contents(restoredConn) != before);
    const long long restoredLedgerRows =
        restoredConn.query("SELECT count(*) FROM stage1_spool_ledger").integer(0, 0);
    CHECK(restoredLedgerRows == 13);

    // Which archives: the one the restored ledger names last, and every newer one, oldest first.
    const std::string newestInLedger(
        restoredConn
            .query("SELECT source_file FROM stage1_spool_ledger ORDER BY applied_at DESC, source_file DESC "
                   "LIMIT 1")
            .text(0, 0));
    const std::vector<fs::path> archives =
        archivesInOrder(desktop.path() / "archive", spool.filename().string());
    REQUIRE(archives.size() == 3);
    CHECK(archives[0].string() == night1["files"][0]["archived_to"]);
    CHECK(archives[1].string() == night2["files"][0]["archived_to"]);
    CHECK(archives[2].string() == night3["files"][0]["archived_to"]);
    auto first = std::find(archives.begin(), archives.end(), fs::path(newestInLedger));
    REQUIRE(first == archives.begin());  // night 1's archive: the dump holds what it applied

    // Each archive copied over the recovery spool, then replayed: the originals are never touched.
    const fs::path recoverySpool = recovery.path() / "pending_postgres_inserts.sql";
    std::vector<json> reports;
    for (auto a = first; a != archives.end(); ++a) {
        fs::copy_file(*a, recoverySpool, fs::copy_options::overwrite_existing);
        reports.push_back(replay(restored, recoverySpool));
    }
    REQUIRE(reports.size() == 3);
    // Night 1's statements are all in the restored ledger; the deferred ones still wait, as they did.
    CHECK(reports[0]["applied"] == 0);
    CHECK(reports[0]["already_applied"] == night1["applied"]);
    CHECK(reports[0]["deferred"]["count"] == night1["deferred"]["count"]);
    // The nights after the dump apply exactly what they applied the first time.
    for (size_t i = 1; i < 3; ++i) {
        const json& original = i == 1 ? night2 : night3;
        INFO("archive " << i);
        CHECK(reports[i]["applied"] == original["applied"]);
        CHECK(reports[i]["already_applied"] == original["already_applied"]);
        CHECK(reports[i]["deferred"]["count"] == original["deferred"]["count"]);
        CHECK(reports[i]["quarantined"] == 0);
    }
    CHECK(contents(restoredConn) == before);
    CHECK(restoredConn.query("SELECT count(*) FROM stage1_spool_ledger").integer(0, 0) == ledgerRows);
    CHECK(fs::exists(archives[0]));  // still where they were, unchanged
    CHECK(archivesInOrder(desktop.path() / "archive", spool.filename().string()) == archives);

    // Replaying the same archives again applies nothing.
    fs::copy_file(archives[2], recoverySpool, fs::copy_options::overwrite_existing);
    json again = replay(restored, recoverySpool);
    CHECK(again["applied"] == 0);
    CHECK(again["already_applied"] == night3["applied"]);
}

TEST_CASE(
    "synchronous_commit = off: replay-spool warns and commits its own batches synchronously, doctor warns") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) VALUES ('" +
        kDataset + "', 'BTC', '4h', 'binance', 'btc_2025_4h')");
    // What synchronous_commit each replayed run's transaction had, recorded by a trigger.
    conn.exec(R"sql(
        CREATE TABLE commit_probe (run_id uuid, synchronous_commit text);
        CREATE FUNCTION record_commit_mode() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER
          SET search_path = pg_catalog, public AS $$
          BEGIN
            INSERT INTO public.commit_probe VALUES (NEW.run_id, current_setting('synchronous_commit'));
            RETURN NEW;
          END $$;
        CREATE TRIGGER record_commit_mode AFTER INSERT ON walkforward_runs
          FOR EACH ROW EXECUTE FUNCTION record_commit_mode();
    )sql");
    testsupport::ScratchDir desktop;
    const fs::path spool = desktop.path() / "pending_postgres_inserts.sql";
    auto doctorJson = [&] {
        auto r = database.ctl({"doctor", "--json"});
        INFO(r.out << r.err);
        REQUIRE(r.exitCode == 0);
        return std::make_pair(json::parse(r.out), r.err);
    };

    SUBCASE("off for the database: warned, and the replay's own transactions ran with it on") {
        conn.exec("ALTER DATABASE " + database.name() + " SET synchronous_commit = off");
        testsupport::writeFile(spool, runEntries(1, kDataset, 1, 1) + runEntries(2, kDataset, 0, 0));
        auto r = database.ctl({"replay-spool", spool.string(), "--json"});
        INFO(r.out << r.err);
        REQUIRE(r.exitCode == 0);
        json report = json::parse(r.out);
        CHECK(report["applied"] == 4);
        CHECK(report["synchronous_commit"] == json{{"server", "off"}, {"replay", "on"}});
        REQUIRE(report["warnings"].size() == 1);
        CHECK(report["warnings"][0].get<std::string>().find("synchronous_commit = off") != std::string::npos);
        CHECK(r.err.find("warning: the server commits asynchronously (synchronous_commit = off") !=
              std::string::npos);
        CHECK(database.connect()
                  .query("SELECT string_agg(DISTINCT synchronous_commit, ',') FROM commit_probe")
                  .text(0, 0) == "on");
        CHECK(database.connect().query("SELECT count(*) FROM commit_probe").integer(0, 0) == 2);

        auto [doctor, err] = doctorJson();
        CHECK(doctor["ok"] == true);
        const json& step = doctor["steps"].back();
        CHECK(step["name"] == "durability");
        CHECK(step["ok"] == true);
        CHECK(step["warning"] == true);
        REQUIRE(doctor["warnings"].size() == 1);
        CHECK(doctor["warnings"][0].get<std::string>().find("durability: WARNING") == 0);
        CHECK(err.find("warning: durability") != std::string::npos);
        auto text = database.ctl({"doctor"});
        CHECK(text.exitCode == 0);
        CHECK(text.out.find("WARN  durability") != std::string::npos);
    }
    SUBCASE("on, local and remote_write lose nothing acknowledged: no warning, nothing changed") {
        for (const char* mode : {"on", "local", "remote_write"}) {
            INFO(mode);
            conn.exec("ALTER DATABASE " + database.name() + " SET synchronous_commit = " + mode);
            testsupport::writeFile(spool, runEntries(std::string(mode).size(), kDataset, 0, 0));
            auto r = database.ctl({"replay-spool", spool.string(), "--json"});
            INFO(r.out << r.err);
            REQUIRE(r.exitCode == 0);
            json report = json::parse(r.out);
            CHECK(report["warnings"].empty());
            CHECK(report["synchronous_commit"] == json{{"server", mode}, {"replay", mode}});
            CHECK(r.err.find("warning") == std::string::npos);
            auto [doctor, err] = doctorJson();
            CHECK(doctor["warnings"].empty());
            CHECK(doctor["steps"].back()["warning"] == false);
            CHECK(doctor["steps"].back()["detail"].get<std::string>().find(
                      std::string("synchronous_commit = ") + mode) == 0);
        }
        CHECK(database.connect()
                  .query("SELECT string_agg(synchronous_commit, ',' ORDER BY run_id) FROM "
                         "commit_probe")
                  .text(0, 0) == "on,local,remote_write");
    }
}
