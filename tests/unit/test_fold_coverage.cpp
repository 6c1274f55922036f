// A run's QuestDB range against its folds' test windows, QuestDB's timestamp text, and the
// state-level function the timeline reads.
#include <doctest/doctest.h>

#include "app/workbench/run_views/questdb_controller.hpp"
#include "db/browse/questdb_table.hpp"

namespace {

constexpr double kDay = 86400;

db::FoldRow fold(int index, double startDay, double endDay) {
    db::FoldRow f;
    f.foldIndex = index;
    f.testStartEpoch = startDay * kDay;
    f.testEndEpoch = endDay * kDay;
    return f;
}

app::TimeRange days(double first, double last) {
    return {first * kDay, last * kDay};
}

}  // namespace

TEST_CASE("fold coverage: windows inside, on the edges, and sticking out either way") {
    const std::vector<db::FoldRow> folds = {
        fold(0, 10, 20),  // exactly the range: covered
        fold(1, 12, 18),  // inside
        fold(2, 8, 15),   // starts 2 d before the first row
        fold(3, 15, 21),  // ends 1 d after the last row
        fold(4, 9, 22),   // both
        fold(5, 1, 5),    // wholly before
        fold(6, 25, 30),  // wholly after
    };
    const app::FoldCoverage c = app::foldCoverage(days(10, 20), folds);
    CHECK(c.foldCount == 7);
    REQUIRE(c.uncovered.size() == 5);
    CHECK(c.uncovered[0].foldIndex == 2);
    CHECK(c.uncovered[0].how == app::UncoveredFold::How::StartsBeforeData);
    CHECK(app::describeUncovered(c.uncovered[0]) == "starts 2 d before the first row");
    CHECK(c.uncovered[1].how == app::UncoveredFold::How::EndsAfterData);
    CHECK(app::describeUncovered(c.uncovered[1]) == "ends 1 d after the last row");
    CHECK(c.uncovered[2].how == app::UncoveredFold::How::Both);
    CHECK(c.uncovered[2].missingBeforeSeconds == doctest::Approx(kDay));
    CHECK(c.uncovered[2].missingAfterSeconds == doctest::Approx(2 * kDay));
    CHECK(c.uncovered[3].how == app::UncoveredFold::How::Outside);
    CHECK(app::describeUncovered(c.uncovered[3]) == "the whole window is before the first row");
    CHECK(c.uncovered[4].how == app::UncoveredFold::How::Outside);
    CHECK(app::describeUncovered(c.uncovered[4]) == "the whole window is after the last row");
}

TEST_CASE("fold coverage: no timestamps, no folds, and a tolerance for an exclusive test_end") {
    const std::vector<db::FoldRow> folds = {fold(0, 10, 11), fold(1, 11, 12)};
    const app::FoldCoverage none = app::foldCoverage(std::nullopt, folds);
    REQUIRE(none.uncovered.size() == 2);
    CHECK(none.uncovered[1].how == app::UncoveredFold::How::NoData);

    CHECK(app::foldCoverage(days(0, 1), {}).allCovered());
    CHECK(app::foldCoverage(days(0, 1), {}).foldCount == 0);

    // The last row one 4 h bar before test_end: uncovered strictly, covered with one bar of slack.
    const app::TimeRange range{10 * kDay, 12 * kDay - 4 * 3600};
    CHECK(app::foldCoverage(range, folds).uncovered.size() == 1);
    CHECK(app::describeUncovered(app::foldCoverage(range, folds).uncovered[0]) ==
          "ends 4 h after the last row");
    CHECK(app::foldCoverage(range, folds, 4 * 3600).allCovered());
    CHECK(app::describeSpan(90061) == "1 d 1 h");
    CHECK(app::describeSpan(59) == "59 s");
}

TEST_CASE("QuestDB timestamps: QuestDB's and PostgreSQL's text, offsets, fractions, and junk refused") {
    auto t = db::parseQuestDbTimestamp("2024-01-01 00:00:00.000000");
    REQUIRE(t);
    CHECK(t->epoch == doctest::Approx(1704067200.0));
    CHECK(t->iso == "2024-01-01T00:00:00.000000Z");

    auto frac = db::parseQuestDbTimestamp("2024-02-29T23:59:59.5Z");  // a leap day
    REQUIRE(frac);
    CHECK(frac->epoch == doctest::Approx(1709251199.5));
    CHECK(frac->iso == "2024-02-29T23:59:59.500000Z");

    auto nanos = db::parseQuestDbTimestamp("2024-03-01T00:00:00.123456789Z");
    REQUIRE(nanos);
    CHECK(nanos->iso == "2024-03-01T00:00:00.123456Z");

    auto offset = db::parseQuestDbTimestamp("2024-01-01 02:00:00+02");  // timestamptz in a +02 session
    REQUIRE(offset);
    CHECK(offset->epoch == doctest::Approx(1704067200.0));
    CHECK(offset->iso == "2024-01-01T00:00:00.000000Z");
    auto west = db::parseQuestDbTimestamp("2023-12-31 19:30:00-04:30");
    REQUIRE(west);
    CHECK(west->iso == "2024-01-01T00:00:00.000000Z");

    auto old = db::parseQuestDbTimestamp("1969-12-31 23:59:59");
    REQUIRE(old);
    CHECK(old->epoch == doctest::Approx(-1.0));
    CHECK(old->iso == "1969-12-31T23:59:59.000000Z");

    CHECK_FALSE(db::parseQuestDbTimestamp(""));
    CHECK_FALSE(db::parseQuestDbTimestamp("2024-13-01 00:00:00"));
    CHECK_FALSE(db::parseQuestDbTimestamp("2024-01-01"));
    CHECK_FALSE(db::parseQuestDbTimestamp("2024-01-01 00:00:00 junk"));
    CHECK_FALSE(db::parseQuestDbTimestamp("2024-01-01 00:00:00."));
}

TEST_CASE("uncoveredFolds: only for the selected run, with its QuestDB facts and its folds both loaded") {
    app::WorkbenchState state;
    state.selection.kind = app::Selection::Kind::Run;
    state.selection.datasetId = "d";
    state.selection.runId = "r";
    CHECK(app::uncoveredFolds(state).empty());  // nothing loaded

    state.questdb.of = state.selection;
    state.questdb.kind = "run";
    db::QuestDbTable table;
    table.exists = true;
    table.rowCount = 10;
    table.first = db::QuestDbInstant{"", 10 * kDay};
    table.last = db::QuestDbInstant{"", 20 * kDay};
    state.questdb.result = table;
    CHECK(app::uncoveredFolds(state).empty());  // folds not loaded yet

    state.folds.runId = "r";
    state.folds.run = db::RunFolds{};
    state.folds.run->runId = "r";
    state.folds.run->folds = {fold(0, 10, 15), fold(1, 15, 20), fold(2, 20, 25)};
    CHECK(app::uncoveredFolds(state) == std::vector<int>{2});
    REQUIRE(app::questDbFoldCoverage(state));
    CHECK(app::questDbFoldCoverage(state)->foldCount == 3);

    state.folds.runId = "another";  // another run's folds say nothing about this one
    CHECK(app::uncoveredFolds(state).empty());
    state.folds.runId = "r";
    state.questdb.of.runId = "another";  // QuestDB facts of another selection
    CHECK(app::uncoveredFolds(state).empty());
    state.questdb.of = state.selection;
    state.questdb.result->exists = false;  // no table: nothing to mark against (the section says missing)
    CHECK(app::uncoveredFolds(state).empty());
}
