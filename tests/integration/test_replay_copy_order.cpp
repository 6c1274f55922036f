// replay-spool loads an interleaved spool (a run, its folds, its simulations, the next run...) with
// one COPY per table, parents first (db/spool/copy_order.hpp), and that reordering must never change
// a statement's outcome: each spool is replayed with COPY and with --no-copy (every statement an
// INSERT, in file order) into two databases, and the outcomes, the rows and what stays in the spool
// are compared.
#include <doctest/doctest.h>

#include <cstdio>
#include <map>
#include <set>

#include "db/spool/spool_replay.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using testsupport::TestDatabase;

namespace {

std::string uuid(int kind, int n) {
    char text[64];
    std::snprintf(text, sizeof text, "%08x-0000-4000-8000-%012d", kind, n);
    return text;
}

const std::string kDataset = uuid(0xd5, 1);

std::string datasetInsert(const std::string& id, const std::string& tag) {
    return "INSERT INTO public.indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) "
           "VALUES ('" +
           id + "'::uuid, 'BTC', '4h', 'spool', '" + tag + "');\n";
}

std::string runInsert(int n, const std::string& dataset = kDataset) {
    return "-- stage1-debugger: run " + std::to_string(n) +
           " queued offline\n"
           "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, "
           "feature_columns, "
           "hyperparameters, walk_config, serialized_config) VALUES ('" +
           uuid(0xaaaa, n) + "'::uuid, '" + dataset + "'::uuid, E'close_ret\\\\h4_" + std::to_string(n) +
           "', '[\"rsi_14\"]'::jsonb, '{\"lr\": 0.01}'::jsonb, '{\"purge_bars\": 8}'::jsonb, 'cfg " +
           std::to_string(n) + "');\n";
}

// `runId` as written: any of uuid's spellings.
std::string foldInsert(const std::string& runId, int fold) {
    return "INSERT INTO public.walkforward_folds (run_id, fold_index, train_start, train_end, test_start, "
           "test_end, metrics) VALUES ('" +
           runId + "'::uuid, " + std::to_string(fold) +
           ", '2025-01-01 00:00:00+00'::timestamptz, '2025-06-01 00:00:00+00'::timestamptz, "
           "'2025-06-02 08:00:00+00'::timestamptz, '2025-07-01 00:00:00+00'::timestamptz, "
           "'{\"sharpe\": 0.5}'::jsonb);\n";
}

std::string simulationInsert(int n, int k) {
    return "INSERT INTO public.simulation_runs (simulation_id, run_id, questdb_namespace, parameters, "
           "status) "
           "VALUES ('" +
           uuid(0x5100 + k, n) + "'::uuid, '" + uuid(0xaaaa, n) + "'::uuid, 'sim_" + std::to_string(n) + "_" +
           std::to_string(k) + "', '{\"fee_bps\": 2}'::jsonb, 'completed');\n";
}

std::string runWithChildren(int n) {
    return runInsert(n) + foldInsert(uuid(0xaaaa, n), 0) + foldInsert(uuid(0xaaaa, n), 1) +
           simulationInsert(n, 0);
}

std::string upperBraced(std::string id) {
    for (char& c : id) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return "{" + id + "}";
}

struct Replayed {
    db::SpoolReplayReport report;
    std::string left;                                       // what stays in the spool
    std::vector<std::string> runs, folds, sims;             // every column the spool wrote, as text
    std::map<std::string, std::set<std::string>> loadedBy;  // table -> the statements that wrote it
};

std::vector<std::string> rowsOf(db::Connection& conn, const std::string& sql) {
    std::vector<std::string> out;
    db::Result r = conn.query(sql);
    for (int row = 0; row < r.rows(); ++row) out.push_back(std::string(r.text(row, 0)));
    return out;
}

// `setUp` is SQL run after the migrations (a trigger, say).
Replayed replayInto(const TestDatabase& database, const std::string& spoolText, bool copy,
                    const std::string& setUp = "") {
    database.migrate();
    db::Connection conn = database.connect();
    conn.query(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) "
        "VALUES ($1, 'BTC', '4h', 'test', 'ds_existing')",
        {kDataset});
    // Which statement wrote each row: a statement's text and start time, the same for every row
    // one COPY (or one INSERT) writes. Defaults of the server's own functions keep a table
    // reorderable.
    for (const char* table : {"walkforward_runs", "walkforward_folds", "simulation_runs"})
        conn.exec(std::string("ALTER TABLE ") + table +
                  " ADD COLUMN loaded_by text DEFAULT split_part(current_query(), ' ', 1) || ' ' || "
                  "statement_timestamp()");
    if (!setUp.empty()) conn.exec(setUp);
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    testsupport::writeFile(spool, spoolText);
    db::SpoolReplayOptions options;
    options.copy = copy;
    Replayed out;
    out.report = db::replaySpool(conn, spool, options);
    out.left = testsupport::readFile(spool);
    out.runs =
        rowsOf(conn,
               "SELECT concat_ws('|', run_id, dataset_id, prediction_measurement, feature_columns, "
               "hyperparameters, walk_config, serialized_config) FROM walkforward_runs ORDER BY run_id");
    out.folds =
        rowsOf(conn,
               "SELECT concat_ws('|', run_id, fold_index, train_start, train_end, test_start, test_end, "
               "metrics) FROM walkforward_folds ORDER BY run_id, fold_index");
    out.sims = rowsOf(conn,
                      "SELECT concat_ws('|', simulation_id, run_id, questdb_namespace, parameters, status) "
                      "FROM simulation_runs ORDER BY simulation_id");
    for (const char* table : {"walkforward_runs", "walkforward_folds", "simulation_runs"})
        for (const std::string& by : rowsOf(conn, std::string("SELECT DISTINCT loaded_by FROM ") + table))
            out.loadedBy[table].insert(by);
    return out;
}

void checkSameOutcomes(const Replayed& copied, const Replayed& inserted) {
    CHECK(copied.report.applied == inserted.report.applied);
    CHECK(copied.report.deferred == inserted.report.deferred);
    CHECK(copied.report.quarantined == inserted.report.quarantined);
    CHECK(copied.left == inserted.left);
    CHECK(copied.runs == inserted.runs);
    CHECK(copied.folds == inserted.folds);
    CHECK(copied.sims == inserted.sims);
}

size_t statementsStartingWith(const std::set<std::string>& loadedBy, const std::string& command) {
    size_t n = 0;
    for (const std::string& by : loadedBy) n += by.rfind(command + " ", 0) == 0;
    return n;
}

}  // namespace

TEST_CASE("replay-spool: an interleaved spool loads as one COPY per table, with the INSERTs' rows") {
    std::string spool;
    for (int n = 1; n <= 40; ++n) spool += runWithChildren(n);
    TestDatabase withCopy, withoutCopy;
    const Replayed copied = replayInto(withCopy, spool, true);
    const Replayed inserted = replayInto(withoutCopy, spool, false);

    CHECK(copied.report.applied == 160);
    CHECK(copied.report.deferred == 0);
    checkSameOutcomes(copied, inserted);
    CHECK(copied.runs.size() == 40);
    CHECK(copied.folds.size() == 80);
    CHECK(copied.sims.size() == 40);
    // 160 statements, one batch: each table's rows by one COPY. In file order it would have been
    // 40 COPY commands per table.
    for (const char* table : {"walkforward_runs", "walkforward_folds", "simulation_runs"}) {
        CAPTURE(table);
        CHECK(copied.loadedBy.at(table).size() == 1);
        CHECK(statementsStartingWith(copied.loadedBy.at(table), "COPY") == 1);
        CHECK(statementsStartingWith(inserted.loadedBy.at(table), "INSERT") == 40);
    }
}

TEST_CASE("replay-spool: rows move ahead only where no outcome changes") {
    const std::string laterDataset = uuid(0xd5, 2);
    std::string spool;
    long long deferred = 0;
    bool allByCopy = false;
    SUBCASE("a fold spooled before its run") {
        // Spelled another way than its run's id. In file order its run is not there yet, so it is
        // deferred; loading run 5 with the runs before it would apply it.
        spool = runWithChildren(1) + foldInsert(upperBraced(uuid(0xaaaa, 5)), 7);
        for (int n = 2; n <= 6; ++n) spool += runWithChildren(n);
        deferred = 1;
    }
    SUBCASE("a run naming a dataset spooled just before it") {
        // Loaded with the runs before the dataset, it would fail, and the batch would go as INSERTs.
        spool = runWithChildren(1) + datasetInsert(laterDataset, "ds_later") + runInsert(7, laterDataset) +
                foldInsert(uuid(0xaaaa, 7), 0) + runWithChildren(2);
        allByCopy = true;
    }
    SUBCASE("a run naming a dataset spooled after it") {
        spool = runWithChildren(1) + runInsert(3, laterDataset) + foldInsert(uuid(0xaaaa, 3), 0) +
                simulationInsert(3, 0) + datasetInsert(laterDataset, "ds_later") + runWithChildren(4);
        deferred = 3;  // run 3, its fold and its simulation
    }
    TestDatabase withCopy, withoutCopy;
    const Replayed copied = replayInto(withCopy, spool, true);
    const Replayed inserted = replayInto(withoutCopy, spool, false);

    CHECK(inserted.report.deferred == deferred);
    checkSameOutcomes(copied, inserted);
    if (allByCopy)
        for (const auto& [table, loadedBy] : copied.loadedBy) {
            CAPTURE(table);
            CHECK(statementsStartingWith(loadedBy, "COPY") == loadedBy.size());
        }
}

TEST_CASE("replay-spool: a table with a trigger of its own keeps its rows in file order") {
    // The trigger records how many runs a fold saw when it was inserted: file order gives 1, 2, 3...
    // Loading all runs first would give every fold the same count.
    const std::string trigger =
        "CREATE FUNCTION runs_seen() RETURNS trigger LANGUAGE plpgsql SECURITY DEFINER "
        "SET search_path = pg_catalog, public AS $$ BEGIN "
        "NEW.metrics := jsonb_build_object('runs_seen', (SELECT count(*) FROM public.walkforward_runs)); "
        "RETURN NEW; END $$;"
        "CREATE TRIGGER runs_seen BEFORE INSERT ON walkforward_folds FOR EACH ROW EXECUTE FUNCTION "
        "runs_seen()";
    std::string spool;
    for (int n = 1; n <= 5; ++n) spool += runWithChildren(n);
    TestDatabase withCopy, withoutCopy;
    const Replayed copied = replayInto(withCopy, spool, true, trigger);
    const Replayed inserted = replayInto(withoutCopy, spool, false, trigger);

    CHECK(copied.report.applied == 20);
    checkSameOutcomes(copied, inserted);
    REQUIRE(copied.folds.size() == 10);
    CHECK(copied.folds.front().find("{\"runs_seen\": 1}") != std::string::npos);
    CHECK(copied.folds.back().find("{\"runs_seen\": 5}") != std::string::npos);
}
