// Which rows of a COPY batch may load ahead of their place in the spool file (db/spool/copy_order.hpp):
// the key comparison and the layout of the commands, without a server.
#include <doctest/doctest.h>

#include "db/spool/copy_order.hpp"
#include "db/spool/copy_rows.hpp"
#include "db/spool/spool_grammar.hpp"

namespace {

db::SpoolValue value(db::SpoolValue::Kind kind, std::string_view text, bool negative = false) {
    db::SpoolValue v;
    v.kind = kind;
    v.text = text;
    v.negative = negative;
    return v;
}

db::KeyValue key(const db::SpoolValue& v, db::KeyForm form) {
    return db::keyValue(v, form);
}

std::string known(const db::SpoolValue& v, db::KeyForm form) {
    const db::KeyValue k = key(v, form);
    REQUIRE(k.kind == db::KeyValue::Kind::Known);
    return k.text;
}

using Kind = db::SpoolValue::Kind;

// Three tables as the migrations make them: runs refer to datasets, folds and simulations to runs.
constexpr db::TypeOid kDatasets = 1, kRuns = 2, kFolds = 3, kSims = 4;
constexpr db::TypeOid kRunsToDatasets = 11, kFoldsToRuns = 12, kSimsToRuns = 13;

struct Table {
    db::CopyTarget target;
    Table(db::TypeOid relation, bool reorderable = true) { target.table = {relation, reorderable, {}}; }
    db::CopyRowKeys keys(std::vector<db::LinkKey> refersTo, std::vector<db::LinkKey> referable = {}) const {
        return db::CopyRowKeys{std::move(refersTo), std::move(referable)};
    }
};

db::LinkKey k(db::TypeOid constraint, const char* text) {
    return db::LinkKey{constraint, std::string(text)};
}

}  // namespace

TEST_CASE("copy order: uuid keys are equal in every spelling uuid_in accepts") {
    const std::string plain =
        known(value(Kind::String, "'0000aaaa-0000-4000-8000-000000000005'"), db::KeyForm::Uuid);
    CHECK(plain == "0000aaaa000040008000000000000005");
    CHECK(known(value(Kind::String, "'{0000AAAA-0000-4000-8000-000000000005}'"), db::KeyForm::Uuid) == plain);
    CHECK(known(value(Kind::String, "'0000aaaa000040008000000000000005'"), db::KeyForm::Uuid) == plain);
    CHECK(key(value(Kind::String, "'not-a-uuid'"), db::KeyForm::Uuid).kind == db::KeyValue::Kind::Unknown);
    CHECK(key(value(Kind::Null, "NULL"), db::KeyForm::Uuid).kind == db::KeyValue::Kind::Null);
    CHECK(key(value(Kind::Number, "5"), db::KeyForm::Uuid).kind == db::KeyValue::Kind::Unknown);
}

TEST_CASE("copy order: integer keys compare by value, text keys byte for byte, others never") {
    const std::string seven = known(value(Kind::Number, "7"), db::KeyForm::Integer);
    CHECK(known(value(Kind::Number, "007"), db::KeyForm::Integer) == seven);
    CHECK(known(value(Kind::String, "' +7 '"), db::KeyForm::Integer) == seven);
    CHECK(known(value(Kind::Number, "7", true), db::KeyForm::Integer) == "-7");
    CHECK(known(value(Kind::Number, "0", true), db::KeyForm::Integer) == "0");
    CHECK(key(value(Kind::Number, "1e3"), db::KeyForm::Integer).kind == db::KeyValue::Kind::Unknown);
    CHECK(key(value(Kind::String, "'0x1F'"), db::KeyForm::Integer).kind == db::KeyValue::Kind::Unknown);
    CHECK(known(value(Kind::String, "'it''s'"), db::KeyForm::Text) == "it's");
    CHECK(key(value(Kind::String, "'x'"), db::KeyForm::Other).kind == db::KeyValue::Kind::Unknown);
}

TEST_CASE("copy order: the keys of a statement's rows follow the constraint's columns") {
    db::ForeignKeyLinks links;
    links[kFoldsToRuns] = db::ForeignKeyLink{kFolds, kRuns, {1}, {1}, {db::KeyForm::Uuid}};
    const db::SpoolVerdict fold = db::judgeSpoolStatement(
        "INSERT INTO walkforward_folds (fold_index, run_id) VALUES (0, "
        "'0000AAAA-0000-4000-8000-000000000001'), "
        "(1, NULL), (2, '0000aaaa-0000-4000-8000-000000000002')");
    REQUIRE(fold.accepted());
    // The column list has fold_index (attnum 2) first, run_id (attnum 1) second.
    const db::CopyRowKeys keys = db::copyRowKeys(fold.insert->rows, kFolds, {2, 1}, links);
    REQUIRE(keys.refersTo.size() == 2);  // the NULL refers to nothing
    CHECK(keys.refersTo[0].key == std::string("\0"
                                              "0000aaaa000040008000000000000001",
                                              33));
    CHECK(keys.referable.empty());
    // A key column the list lacks takes its default: unknown.
    const db::CopyRowKeys missing = db::copyRowKeys(fold.insert->rows, kFolds, {2, 5}, links);
    REQUIRE(missing.refersTo.size() == 3);
    CHECK_FALSE(missing.refersTo[0].key.has_value());
}

TEST_CASE("copy order: runs, folds, simulations, runs... become one command per table, parents first") {
    Table runs(kRuns), folds(kFolds), sims(kSims);
    db::CopyBatchLayout layout;
    for (const char* run : {"r1", "r2", "r3"}) {
        CHECK(layout
                  .place(&runs.target, runs.target.table,
                         runs.keys({k(kRunsToDatasets, "d1")}, {k(kFoldsToRuns, run), k(kSimsToRuns, run)}))
                  .command == 0);
        CHECK(layout.place(&folds.target, folds.target.table, folds.keys({k(kFoldsToRuns, run)})).command ==
              1);
        CHECK(layout.place(&folds.target, folds.target.table, folds.keys({k(kFoldsToRuns, run)})).command ==
              1);
        CHECK(layout.place(&sims.target, sims.target.table, sims.keys({k(kSimsToRuns, run)})).command == 2);
    }
}

TEST_CASE(
    "copy order: a row another row before it refers to, or that refers to one after it, keeps its place") {
    Table runs(kRuns), folds(kFolds), datasets(kDatasets);
    db::CopyBatchLayout layout;
    layout.place(&runs.target, runs.target.table,
                 runs.keys({k(kRunsToDatasets, "d1")}, {k(kFoldsToRuns, "r1")}));
    layout.place(&folds.target, folds.target.table, folds.keys({k(kFoldsToRuns, "r9")}));  // r9: later
    // r9 may not load before the fold that refers to it: a new command after it.
    auto r9 = layout.place(&runs.target, runs.target.table,
                           runs.keys({k(kRunsToDatasets, "d1")}, {k(kFoldsToRuns, "r9")}));
    CHECK(r9.created);
    CHECK(r9.command == 2);
    // A fold of r9 goes after r9, so in a new folds command too.
    auto fold = layout.place(&folds.target, folds.target.table, folds.keys({k(kFoldsToRuns, "r9")}));
    CHECK(fold.created);
    CHECK(fold.command == 3);
    // A dataset spooled now: no command of its own yet, so it goes last; a run naming it may not
    // move ahead of it either.
    CHECK(layout.place(&datasets.target, datasets.target.table, datasets.keys({}, {k(kRunsToDatasets, "d2")}))
              .command == 4);
    auto late = layout.place(&runs.target, runs.target.table, runs.keys({k(kRunsToDatasets, "d2")}, {}));
    CHECK(late.created);
    CHECK(late.command == 5);
    // An unknown key matches every key: it keeps its place as well.
    db::CopyBatchLayout unsure;
    unsure.place(&runs.target, runs.target.table, runs.keys({}, {k(kFoldsToRuns, "r1")}));
    unsure.place(&folds.target, folds.target.table, folds.keys({db::LinkKey{kFoldsToRuns, std::nullopt}}));
    CHECK(unsure.place(&runs.target, runs.target.table, runs.keys({}, {k(kFoldsToRuns, "r2")})).created);
}

TEST_CASE("copy order: triggers, shared sequences and the same table keep file order") {
    SUBCASE("a table with a trigger of its own") {
        Table runs(kRuns), folds(kFolds, false);
        db::CopyBatchLayout layout;
        layout.place(&runs.target, runs.target.table, runs.keys({}, {k(kFoldsToRuns, "r1")}));
        layout.place(&folds.target, folds.target.table, folds.keys({k(kFoldsToRuns, "r1")}));
        CHECK(layout.place(&runs.target, runs.target.table, runs.keys({}, {k(kFoldsToRuns, "r2")})).created);
    }
    SUBCASE("defaults drawing from one sequence") {
        Table runs(kRuns), sims(kSims);
        runs.target.table.sequences = {99};
        sims.target.table.sequences = {98, 99};
        db::CopyBatchLayout layout;
        layout.place(&runs.target, runs.target.table, runs.keys({}));
        layout.place(&sims.target, sims.target.table, sims.keys({}));
        CHECK(layout.place(&runs.target, runs.target.table, runs.keys({})).created);
    }
    SUBCASE("two column lists of one table") {
        Table narrow(kRuns), wide(kRuns);
        db::CopyBatchLayout layout;
        layout.place(&narrow.target, narrow.target.table, narrow.keys({}));
        layout.place(&wide.target, wide.target.table, wide.keys({}));
        CHECK(layout.place(&narrow.target, narrow.target.table, narrow.keys({})).created);
    }
    SUBCASE("a row referring to a later row of its own table") {
        constexpr db::TypeOid kParentRun = 14;
        Table runs(kRuns);
        db::CopyBatchLayout layout;
        layout.place(&runs.target, runs.target.table,
                     runs.keys({k(kParentRun, "r2")}, {k(kParentRun, "r1")}));
        // In one COPY, r1's reference would be checked after r2 is there; as INSERTs it was not.
        CHECK(layout.place(&runs.target, runs.target.table, runs.keys({}, {k(kParentRun, "r2")})).created);
        CHECK_FALSE(
            layout.place(&runs.target, runs.target.table, runs.keys({}, {k(kParentRun, "r3")})).created);
    }
}
