// The selection's QuestDB side against a PostgreSQL STAND-IN for QuestDB (QuestDB itself is not
// obtainable here): a database with a tables() function returning table_name and
// "designatedTimestamp", as QuestDB's does, and plain tables with a timestamp column.
#include <doctest/doctest.h>

#include <thread>

#include "app/questdb/fold_coverage.hpp"
#include "app/workbench/run_views/questdb_controller.hpp"
#include "db/browse/questdb_table.hpp"
#include "tests/support/blackhole_listener.hpp"
#include "tests/support/loopback.hpp"
#include "tests/support/workbench_harness.hpp"

using namespace std::chrono_literals;
using testsupport::TestDatabase;

namespace {

const char* const kBtc = "11111111-1111-4111-8111-111111111111";
const char* const kEth = "22222222-2222-4222-8222-222222222222";
const char* const kRun = "aaaaaaaa-0000-4000-8000-000000000001";
const char* const kSim = "bbbbbbbb-0000-4000-8000-000000000001";

// btc_2025_4h: 3 rows over 2024-01-01 .. 2024-01-03 (row_count 3: matches); eth_2024_1h: 5 rows
// (row_count 7: a mismatch); btc_pred_1: the run's predictions 2024-01-02 .. 2024-01-20; btc_sim_1:
// 2 rows and no designated timestamp.
void makeStandIn(db::Connection& q) {
    q.exec(R"sql(
        CREATE TABLE qdb_meta (table_name text, designated text);
        CREATE FUNCTION tables() RETURNS TABLE (id int, table_name text, "designatedTimestamp" text)
          LANGUAGE sql STABLE AS $$ SELECT row_number() OVER ()::int, table_name, designated FROM qdb_meta $$;
        CREATE TABLE "BTC_2025_4h" (ts timestamp, close double precision);
        INSERT INTO "BTC_2025_4h" SELECT '2024-01-01'::timestamp + (i || ' days')::interval, i FROM generate_series(0, 2) i;
        CREATE TABLE eth_2024_1h (ts timestamp, close double precision);
        INSERT INTO eth_2024_1h SELECT '2024-02-01'::timestamp + (i || ' hours')::interval, i FROM generate_series(1, 5) i;
        CREATE TABLE btc_pred_1 (timestamp timestamp, prediction double precision);
        INSERT INTO btc_pred_1 SELECT '2024-01-02'::timestamp + (i || ' days')::interval, i FROM generate_series(0, 18) i;
        CREATE TABLE btc_sim_1 (pnl double precision);
        INSERT INTO btc_sim_1 VALUES (1), (2);
        INSERT INTO qdb_meta VALUES ('BTC_2025_4h', 'ts'), ('eth_2024_1h', 'ts'), ('btc_pred_1', 'timestamp'),
                                    ('btc_sim_1', NULL);
    )sql");
}

void seedMetadata(db::Connection& conn) {
    conn.exec(R"sql(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count) VALUES
          ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'binance', 'btc_2025_4h', 3),
          ('22222222-2222-4222-8222-222222222222', 'ETH', '1h', 'binance', 'eth_2024_1h', 7);
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters,
                                      walk_config, status, serialized_config) VALUES
          ('aaaaaaaa-0000-4000-8000-000000000001', '11111111-1111-4111-8111-111111111111', 'btc_pred_1', '[]', '{}',
           '{}', 'completed', 'c1');
        INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end) VALUES
          ('aaaaaaaa-0000-4000-8000-000000000001', 0, '2023-12-01 00:00+00', '2024-01-01 00:00+00', '2024-01-02 00:00+00', '2024-01-10 00:00+00'),
          ('aaaaaaaa-0000-4000-8000-000000000001', 1, '2023-12-10 00:00+00', '2024-01-10 00:00+00', '2024-01-10 00:00+00', '2024-01-20 04:00+00'),
          ('aaaaaaaa-0000-4000-8000-000000000001', 2, '2023-12-20 00:00+00', '2024-01-20 00:00+00', '2024-01-20 00:00+00', '2024-01-30 00:00+00');
        INSERT INTO simulation_runs (simulation_id, run_id, questdb_namespace, serialized_config) VALUES
          ('bbbbbbbb-0000-4000-8000-000000000001', 'aaaaaaaa-0000-4000-8000-000000000001', 'btc_sim_1', 's1');
    )sql");
}

void pointQuestDbAt(app::Workbench& wb, const std::string& host, const std::string& port,
                    const std::string& dbname) {
    testsupport::editForm(wb, [&](app::ConnectionForm& f) { f.questdb = {host, port, "postgres", dbname}; });
}

struct Fixture {
    TestDatabase pg;
    TestDatabase questdb;  // NOT QuestDB: a PostgreSQL database that answers the same SQL
    testsupport::WorkbenchHarness h;

    Fixture() {
        pg.migrate();
        auto conn = pg.connect();
        seedMetadata(conn);
        auto q = questdb.connect();
        makeStandIn(q);
        h.connectTo(pg);
    }
    const app::QuestDbSideState& side() const { return h.wb.state().questdb; }
    void selectDataset(const std::string& id) {
        const int row = h.rowOf(app::RowKind::Dataset, [&](const app::VisibleRow& r) {
            return h.wb.state().hierarchy.datasets.items[static_cast<size_t>(r.dataset)].row.datasetId == id;
        });
        REQUIRE(row >= 0);
        h.wb.hierarchy().select(h.wb.hierarchy().visibleRows()[static_cast<size_t>(row)]);
    }
    // Expands the dataset (and the run) and selects the row of `kind`.
    void selectBelowBtc(app::RowKind kind) {
        const int d = h.rowOf(app::RowKind::Dataset, [&](const app::VisibleRow& r) {
            return h.wb.state().hierarchy.datasets.items[static_cast<size_t>(r.dataset)].row.datasetId ==
                   kBtc;
        });
        REQUIRE(d >= 0);
        h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[static_cast<size_t>(d)]);
        REQUIRE(h.until([&] { return !h.wb.busy(); }));
        int r = h.rowOf(app::RowKind::Run, [](const app::VisibleRow&) { return true; });
        REQUIRE(r >= 0);
        if (kind == app::RowKind::Simulation) {
            h.wb.hierarchy().toggle(h.wb.hierarchy().visibleRows()[static_cast<size_t>(r)]);
            REQUIRE(h.until([&] { return !h.wb.busy(); }));
            r = h.rowOf(app::RowKind::Simulation, [](const app::VisibleRow&) { return true; });
            REQUIRE(r >= 0);
        }
        h.wb.hierarchy().select(h.wb.hierarchy().visibleRows()[static_cast<size_t>(r)]);
    }
    bool settled() {
        return h.until([&] { return !side().request.running() && !h.wb.busy(); });
    }
    int questDbRequestsListed() const {
        int n = 0;
        for (const auto& r : h.wb.activeRequests()) n += r.label.rfind("QuestDB: ", 0) == 0;
        return n;
    }
};

}  // namespace

TEST_CASE("readQuestDbTable: rows and designated-timestamp range, a missing table, no timestamp, bad names") {
    TestDatabase questdb;  // the stand-in
    auto q = questdb.connect();
    makeStandIn(q);

    // Listed as BTC_2025_4h: QuestDB matches names case-insensitively, so the slug finds it.
    db::QuestDbTable btc = db::readQuestDbTable(q, "btc_2025_4h");
    CHECK(btc.exists);
    CHECK(btc.listedName == "BTC_2025_4h");
    CHECK(btc.timestampColumn == "ts");
    CHECK(btc.rowCount == 3);
    REQUIRE(btc.first);
    REQUIRE(btc.last);
    CHECK(btc.first->iso == "2024-01-01T00:00:00.000000Z");
    CHECK(btc.last->iso == "2024-01-03T00:00:00.000000Z");
    CHECK(btc.first->epoch == doctest::Approx(1704067200.0));
    CHECK(btc.last->epoch - btc.first->epoch == doctest::Approx(2 * 86400.0));

    db::QuestDbTable missing = db::readQuestDbTable(q, "btc_pred_2");
    CHECK_FALSE(missing.exists);
    CHECK(missing.rowCount == 0);

    db::QuestDbTable sim = db::readQuestDbTable(q, "btc_sim_1");
    CHECK(sim.exists);
    CHECK(sim.rowCount == 2);
    CHECK_FALSE(sim.first);
    CHECK(sim.note.find("no designated timestamp") != std::string::npos);

    // A hostile name is refused before anything is sent; the table is still there afterwards.
    try {
        db::readQuestDbTable(q, "x\"; DROP TABLE eth_2024_1h; --");
        FAIL("a hostile name was queried");
    } catch (const db::Error& e) {
        CHECK(e.info().sqlstate == "22023");
    }
    // A designated timestamp whose name is not safe to quote: counted, not ranged.
    q.exec("UPDATE qdb_meta SET designated = 'ts\"x' WHERE table_name = 'eth_2024_1h'");
    db::QuestDbTable eth = db::readQuestDbTable(q, "eth_2024_1h");
    CHECK(eth.rowCount == 5);
    CHECK_FALSE(eth.first);
    CHECK(eth.note.find("was not queried") != std::string::npos);
}

TEST_CASE("questdb side: a dataset's rows against row_count, matching and not") {
    Fixture f;
    pointQuestDbAt(f.h.wb, testsupport::cluster().socketDir, testsupport::cluster().port, f.questdb.name());
    f.selectDataset(kBtc);
    CHECK(f.side().configured);
    CHECK(f.side().table == "btc_2025_4h");
    REQUIRE(f.settled());
    REQUIRE(f.side().request.phase == app::RequestPhase::Done);
    REQUIRE(f.side().result);
    CHECK(f.side().result->exists);
    CHECK(f.side().result->rowCount == 3);
    CHECK(f.side().expectedRows == 3);
    CHECK_FALSE(f.side().rowCountMismatch());

    f.selectDataset(kEth);
    REQUIRE(f.settled());
    REQUIRE(f.side().result);
    CHECK(f.side().result->rowCount == 5);
    CHECK(f.side().expectedRows == 7);
    CHECK(f.side().rowCountMismatch());
    CHECK(f.side().result->first->iso == "2024-02-01T01:00:00.000000Z");
    // The PostgreSQL connection is untouched by the second session's work.
    CHECK(f.h.phase() == app::ConnectionPhase::Connected);
}

TEST_CASE("questdb side: a simulation without a designated timestamp, and a run whose range misses a fold") {
    Fixture f;
    pointQuestDbAt(f.h.wb, testsupport::cluster().socketDir, testsupport::cluster().port, f.questdb.name());
    f.selectBelowBtc(app::RowKind::Simulation);
    REQUIRE(f.settled());
    CHECK(f.side().kind == "simulation");
    REQUIRE(f.side().result);
    CHECK(f.side().result->exists);
    CHECK(f.side().result->rowCount == 2);
    CHECK(f.side().result->timestampColumn.empty());

    f.h.wb.hierarchy().select(f.h.wb.hierarchy().visibleRows()[static_cast<size_t>(
        f.h.rowOf(app::RowKind::Run, [](const app::VisibleRow&) { return true; }))]);
    REQUIRE(f.settled());
    CHECK(f.side().kind == "run");
    REQUIRE(f.side().result);
    REQUIRE(f.side().result->last);
    CHECK(f.side().result->last->iso == "2024-01-20T00:00:00.000000Z");
    // Selecting the run loads its folds too (the Folds feature); coverage joins the two. Fold 1's
    // test_end is one 4h bar after the last row (an exclusive bound): covered by the dataset's
    // granularity. Fold 2 ends 10 days after it.
    REQUIRE(f.h.until([&] { return f.h.wb.state().folds.run.has_value() && !f.h.wb.busy(); }));
    const std::optional<app::FoldCoverage> coverage = app::questDbFoldCoverage(f.h.wb.state());
    REQUIRE(coverage);
    CHECK(coverage->foldCount == 3);
    REQUIRE(coverage->uncovered.size() == 1);
    CHECK(coverage->uncovered[0].foldIndex == 2);
    CHECK(app::describeUncovered(coverage->uncovered[0]) == "ends 10 d after the last row");
    CHECK(app::uncoveredFolds(f.h.wb.state()) == std::vector<int>{2});

    // Another selection: the coverage is of nothing until both sides are of the new one.
    f.selectDataset(kEth);
    CHECK_FALSE(app::questDbFoldCoverage(f.h.wb.state()));
    CHECK(app::uncoveredFolds(f.h.wb.state()).empty());
}

TEST_CASE(
    "questdb side: not configured asks nothing, unreachable is a QuestDB diagnosis, not a lost connection") {
    Fixture f;
    f.selectDataset(kBtc);
    f.h.mailbox.drain();
    CHECK_FALSE(f.side().configured);
    CHECK(f.side().request.phase == app::RequestPhase::Idle);
    CHECK(f.questDbRequestsListed() == 0);

    const std::string closed = testsupport::closedLoopbackPort();
    pointQuestDbAt(f.h.wb, "127.0.0.1", closed, "qdb");
    f.h.wb.questdb().load();
    CHECK(f.side().configured);
    CHECK(f.side().target == "postgres@127.0.0.1:" + closed + "/qdb");
    REQUIRE(f.settled());
    REQUIRE(f.side().request.phase == app::RequestPhase::Failed);
    REQUIRE(f.side().request.failure);
    const app::Diagnosis& d = *f.side().request.failure;
    CHECK(d.kind == app::DiagnosisKind::ConnectionRefused);
    CHECK(d.title == "QuestDB at 127.0.0.1:" + closed + " is not reachable");
    REQUIRE_FALSE(d.fixes.empty());
    CHECK(d.fixes[0].text.find("STAGE1_QUESTDB_HOST=127.0.0.1") != std::string::npos);
    CHECK(f.h.phase() == app::ConnectionPhase::Connected);  // PostgreSQL is fine
    CHECK(f.h.wb.state().connection.reconnectAttempts == 0);
}

TEST_CASE(
    "questdb side: a QuestDB that never answers is cancelled from the status bar's list, and a new selection "
    "cancels the old") {
    Fixture f;
    testsupport::BlackholeListener silent;
    pointQuestDbAt(f.h.wb, "127.0.0.1", silent.port(), "qdb");
    f.selectDataset(kBtc);
    REQUIRE(f.h.until([&] { return silent.accepted() >= 1; }, 3s));
    f.h.mailbox.drain();
    REQUIRE(f.side().request.running());
    REQUIRE(f.questDbRequestsListed() == 1);
    CHECK(f.h.wb.busy());

    // Another selection: the first request is cancelled, the second runs; one entry listed.
    f.selectDataset(kEth);
    REQUIRE(f.h.until([&] { return silent.accepted() >= 2; }, 3s));
    REQUIRE(f.h.until([&] { return f.questDbRequestsListed() == 1; }, 2s));
    CHECK(f.side().table == "eth_2024_1h");
    REQUIRE(f.side().request.running());

    // Cancel as the status bar does: by the listed id.
    db::RequestId id = 0;
    for (const auto& r : f.h.wb.activeRequests())
        if (r.label == "QuestDB: eth_2024_1h") id = r.id;
    REQUIRE(id != 0);
    CHECK(id == f.side().request.id);
    const auto started = std::chrono::steady_clock::now();
    f.h.wb.cancel(id);
    REQUIRE(f.h.until([&] { return !f.side().request.running(); }, 3s));
    CHECK(std::chrono::steady_clock::now() - started < 2s);  // well before connect_timeout (5 s)
    CHECK(f.side().request.phase == app::RequestPhase::Cancelled);
    CHECK_FALSE(f.side().request.failure);
    CHECK(f.questDbRequestsListed() == 0);
    CHECK(f.h.phase() == app::ConnectionPhase::Connected);
}

TEST_CASE("questdb side: a statement blocked in QuestDB is cancelled with PQcancel") {
    Fixture f;
    pointQuestDbAt(f.h.wb, testsupport::cluster().socketDir, testsupport::cluster().port, f.questdb.name());
    auto blocker = f.questdb.connect();
    blocker.exec("BEGIN; LOCK TABLE eth_2024_1h IN ACCESS EXCLUSIVE MODE");
    f.selectDataset(kEth);
    std::this_thread::sleep_for(500ms);
    f.h.mailbox.drain();
    REQUIRE(f.side().request.running());
    const auto started = std::chrono::steady_clock::now();
    f.h.wb.questdb().cancel();
    REQUIRE(f.h.until([&] { return !f.side().request.running(); }, 3s));
    CHECK(std::chrono::steady_clock::now() - started < 1s);
    CHECK(f.side().request.phase == app::RequestPhase::Cancelled);
    blocker.exec("ROLLBACK");
    // Asked again, the same session answers.
    f.h.wb.questdb().load();
    REQUIRE(f.settled());
    REQUIRE(f.side().result);
    CHECK(f.side().result->rowCount == 5);
}
