// replay-spool loads constant INSERTs with COPY: the rows must come out exactly as the INSERTs would
// have stored them, and whatever COPY would store differently (or not run at all: rules, identity
// columns) must still go as INSERT. Each spool is replayed twice, into two databases, with COPY and
// without, and the tables compared.
#include <doctest/doctest.h>

#include <map>

#include "db/spool/spool_replay.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"

using testsupport::TestDatabase;

namespace {

// The spool grammar replays only the four Stage 1 tables, so this throwaway database gives their
// names to probe tables: walkforward_folds holds a column of every kind COPY treats apart (`path`
// records how each row arrived: its default is the top-level command that inserted it),
// simulation_runs has a rule, walkforward_runs an identity column. The replay's role gets INSERT on
// them as 0012 grants it on the real ones.
constexpr const char* kSchema =
    "DROP TABLE walkforward_folds, simulation_runs; DROP TABLE walkforward_runs;"
    "CREATE TABLE walkforward_folds (id int PRIMARY KEY, t text, i8 bigint, n numeric(8,2), f float8, "
    "  b boolean, j jsonb, u uuid, ts timestamptz, vc varchar(5), c3 char(3), iv interval, arr int[], "
    "  path text NOT NULL DEFAULT current_query());"
    "CREATE TABLE simulation_runs (id int, v text); CREATE TABLE ruled_log (id int);"
    "CREATE RULE log_it AS ON INSERT TO simulation_runs DO ALSO INSERT INTO ruled_log VALUES (NEW.id);"
    "CREATE TABLE walkforward_runs (id int GENERATED ALWAYS AS IDENTITY, v text);"
    "GRANT INSERT ON walkforward_folds, simulation_runs, walkforward_runs TO stage1_spool_writer;"
    "SET TIME ZONE 'UTC'";

const std::string kHead =
    "INSERT INTO public.walkforward_folds (id, t, i8, n, f, b, j, u, ts, vc, c3, iv, arr) VALUES ";

std::string probe(int id, const std::string& values) {
    return "-- note " + std::to_string(id) + "\n" + kHead + "(" + std::to_string(id) + ", " + values + ");\n";
}

// id -> how the row arrived
const std::map<int, std::string> kCopied = {
    {1,
     "E'tab\\there\\nnew line, back\\\\slash, ''quoted'', \\\\. alone', NULL, NULL, NULL, NULL, NULL, "
     "NULL, NULL, NULL, NULL, NULL, NULL"},
    {2, "'plain \\n stays', -12345678901, 1.255, -0.5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"},
    {3,
     "'', 0, -3, 7, true, '{\"a\": [1, 2], \"b\": \"it''s\"}'::jsonb, "
     "'00000000-0000-4000-8000-000000000003'::uuid, '2026-11-26 12:00:00+01'::timestamptz, NULL, NULL, NULL, "
     "NULL"},
    {4,
     "'Z\xC3\xBCrich \xE2\x82\xAC', NULL, 2e2, 1e3, FALSE, '[]', NULL, NULL, 'abc  ', 'ab', "
     "'1 day 02:00', '{1,2,3}'"},
    {5, "'x'::text, NULL, NULL, 1e3, true::boolean, NULL, NULL, NULL, NULL, NULL, NULL, NULL"},
    {6, "NULL, 9223372036854775807, -999999.99, 0.1, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"},
};
// Values COPY would store differently (or refuse): these go as INSERT whatever the setting.
const std::map<int, std::string> kInserted = {
    {7, "NULL, 1.5, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"},           // rounded to 2
    {8, "1e3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"},           // '1000'
    {9, "NULL, NULL, NULL, -0, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"},            // 0, not -0
    {12, "E'\\x41\\101', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"},  // 'AA'
    {13, "'x'::varchar, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"},   // another type
    {14, "NULL, NULL, NULL, NULL, NULL, NULL, NULL, '2026-11-26'::date, NULL, NULL, NULL, NULL"},
};

// Casts the spool grammar refuses (a type a Stage 1 column does not have): quarantined unsent, in
// both modes.
const std::map<int, std::string> kRefused = {
    {10, "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 'abc'::char, NULL, NULL"},
    {11, "NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, '1 day 02:00'::interval day, NULL"},
};

std::string spoolText() {
    std::string text;
    for (const auto& [id, values] : kCopied) text += probe(id, values);
    for (const auto& [id, values] : kInserted) text += probe(id, values);
    for (const auto& [id, values] : kRefused) text += probe(id, values);
    // A run of COPY rows with a bad uuid in it: that one is quarantined, the others applied.
    text += probe(20, "'before', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL");
    text += probe(21, "NULL, NULL, NULL, NULL, NULL, NULL, 'not-a-uuid', NULL, NULL, NULL, NULL, NULL");
    text += probe(22, "'after', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL");
    text += probe(23, "'later', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL");
    text += probe(24, "'later', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL");
    text += "INSERT INTO simulation_runs (id, v) VALUES (1, 'a');\nINSERT INTO simulation_runs (id, v) VALUES "
            "(2, 'b');\n";
    text += "INSERT INTO walkforward_runs (id, v) VALUES (5, 'COPY would take it, INSERT does not');\n";
    return text;
}

struct Replayed {
    db::SpoolReplayReport report;
    std::vector<std::vector<std::string>> rows;  // the probe table as text, by id
    std::map<int, std::string> paths;            // id -> "COPY" or "INSERT"
    long long ruledLog = 0, ident = 0;
};

Replayed replayInto(const TestDatabase& database, bool copy) {
    database.migrate();
    db::Connection conn = database.connect();
    conn.exec(kSchema);
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    testsupport::writeFile(spool, spoolText());
    db::SpoolReplayOptions options;
    options.copy = copy;
    options.batchStatements = 2;  // so that a failed COPY batch is followed by more COPY batches
    Replayed out;
    out.report = db::replaySpool(conn, spool, options);
    db::Result r = conn.query(
        "SELECT id, t, i8, n, f::text, b, j, u, ts, vc, c3, iv, arr, split_part(path, ' ', 1) "
        "FROM walkforward_folds ORDER BY id");
    for (int row = 0; row < r.rows(); ++row) {
        std::vector<std::string> values;
        for (int col = 0; col < 13; ++col) values.push_back(r.optionalText(row, col).value_or("<NULL>"));
        out.rows.push_back(values);
        out.paths[std::stoi(values[0])] = std::string(r.text(row, 13));
    }
    out.ruledLog = conn.query("SELECT count(*) FROM ruled_log").integer(0, 0);
    out.ident = conn.query("SELECT count(*) FROM walkforward_runs").integer(0, 0);
    return out;
}

}  // namespace

TEST_CASE("replay-spool: rows loaded with COPY are exactly what the INSERTs store") {
    TestDatabase withCopy, withoutCopy;
    Replayed copied = replayInto(withCopy, true);
    Replayed inserted = replayInto(withoutCopy, false);

    for (const Replayed* r : {&copied, &inserted}) {
        CHECK(r->report.quarantined == 4);  // the bad uuid, the identity column, the two refused casts
        CHECK(r->report.applied == static_cast<long long>(kCopied.size() + kInserted.size()) + 4 + 2);
        CHECK(r->ruledLog == 2);  // the rule fired: those rows went as INSERT
        CHECK(r->ident == 0);
    }
    REQUIRE(copied.rows.size() == inserted.rows.size());
    for (size_t i = 0; i < copied.rows.size(); ++i) {
        CAPTURE(copied.rows[i][0]);
        CHECK(copied.rows[i] == inserted.rows[i]);
    }
    // The values the comments above promise (the INSERT's, in both databases).
    auto value = [&](int id, int column) {
        for (const auto& row : copied.rows)
            if (row[0] == std::to_string(id)) return row[column];
        return std::string("<no row>");
    };
    CHECK(value(1, 1) == "tab\there\nnew line, back\\slash, 'quoted', \\. alone");
    CHECK(value(2, 3) == "1.26");
    CHECK(value(4, 10) == "ab ");
    CHECK(value(7, 2) == "2");
    CHECK(value(8, 1) == "1000");
    CHECK(value(9, 4) == "0");
    CHECK(value(10, 0) == "<no row>");
    CHECK(value(11, 0) == "<no row>");
    CHECK(value(12, 1) == "AA");
    CHECK(value(14, 8) == "2026-11-26 00:00:00+00");
    CHECK(value(21, 0) == "<no row>");

    for (const auto& [id, values] : kCopied) CHECK(copied.paths[id] == "COPY");
    for (const auto& [id, values] : kInserted) CHECK(copied.paths[id] == "INSERT");
    CHECK(copied.paths[20] == "INSERT");  // its COPY failed on 21: the batch went again as INSERT
    for (int id : {22, 23, 24}) CHECK(copied.paths[id] == "COPY");  // and the next batches as COPY
    for (const auto& [id, path] : inserted.paths) CHECK(path == "INSERT");
}

TEST_CASE("replay-spool --no-copy: every statement goes as INSERT") {
    TestDatabase database;
    database.migrate();
    database.connect().exec(kSchema);
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    for (const char* flag : {"--no-copy", ""}) {
        CAPTURE(flag);
        const int id = *flag ? 1 : 2;
        testsupport::writeFile(
            spool, probe(id, "'x', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL"));
        std::vector<std::string> args = {"replay-spool", spool.string()};
        if (*flag) args.push_back(flag);
        auto r = database.ctl(args);
        INFO(r.err);
        CHECK(r.exitCode == 0);
        auto path = database.connect().query("SELECT split_part(path, ' ', 1) FROM walkforward_folds WHERE id = $1",
                                             {std::to_string(id)});
        REQUIRE(path.rows() == 1);
        CHECK(path.text(0, 0) == (*flag ? "INSERT" : "COPY"));
    }
}

TEST_CASE("replay-spool: a spooled SET search_path is refused and every row lands in the public table it names") {
    TestDatabase database;
    database.migrate();
    // A shadowing table the database's own search_path would find first: the replay sets its own.
    database.connect().exec(
        "CREATE SCHEMA other; CREATE TABLE other.walkforward_folds (LIKE public.walkforward_folds);"
        "GRANT USAGE ON SCHEMA other TO stage1_spool_writer; GRANT INSERT ON other.walkforward_folds TO "
        "stage1_spool_writer;"
        "ALTER TABLE public.walkforward_folds DROP CONSTRAINT walkforward_folds_run_id_fkey;"
        "ALTER DATABASE " + database.name() + " SET search_path = other, public");
    const std::string fold = "INSERT INTO walkforward_folds (run_id, fold_index, train_start, train_end, test_start, "
                             "test_end) VALUES ('99999999-9999-4999-8999-999999999999', ";
    const std::string tail = ", '2025-01-01', '2025-01-02', '2025-01-02', '2025-01-03');\n";
    testsupport::ScratchDir dir;
    const auto spool = dir.path() / "pending_postgres_inserts.sql";
    testsupport::writeFile(spool, fold + "1" + tail + "SET search_path = other, public;\n" + fold + "2" + tail +
                                      "INSERT INTO other.walkforward_folds (run_id) VALUES (NULL);\n");
    auto r = database.ctl({"replay-spool", spool.string(), "--json"});
    INFO(r.err);
    CHECK(r.exitCode == 1);  // the SET and the other schema were quarantined
    auto conn = database.connect();
    CHECK(conn.query("SELECT string_agg(fold_index::text, ',' ORDER BY fold_index) FROM public.walkforward_folds")
              .text(0, 0) == "1,2");
    CHECK(conn.query("SELECT count(*) FROM other.walkforward_folds").integer(0, 0) == 0);
}
