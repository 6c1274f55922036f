// The replay's batch planner (db/spool/spool_plan.hpp), without a server: which statements go
// together, merged or as COPY, and what it plans after each kind of failure.
#include <doctest/doctest.h>

#include "db/spool/spool_grammar.hpp"
#include "db/spool/spool_plan.hpp"
#include "db/spool/sql_splitter.hpp"

namespace {

constexpr db::TypeOid kText = 25;

// The key of walkforward_folds (run_id, note), the target the tests give COPY.
std::string foldsKey() {
    return db::insertTargetKey(
        *db::judgeSpoolStatement("INSERT INTO walkforward_folds (run_id, note) VALUES (1, 2)").insert);
}

// A file's statements, judged and given to a planner as replay-spool does; COPY targets as if the
// server had answered for walkforward_folds (run_id, note).
struct PlannedFile {
    explicit PlannedFile(const std::string& script, db::SpoolBatchLimits limits = {}, bool copy = false)
        : statements(db::splitSqlStatements(script).statements),
          planner(statements, hashes(statements), limits, counts) {
        targets.targets.emplace(
            foldsKey(),
            db::CopyTarget{
                "COPY public.walkforward_folds (run_id, note) FROM STDIN", {kText, kText}, {1, 2}, {}});
        for (size_t i = 0; i < statements.size(); ++i) {
            db::SpoolVerdict verdict = db::judgeSpoolStatement(statements[i].text);
            if (verdict.accepted())
                planner.allow(i, db::insertForms(*verdict.insert, copy ? &targets : nullptr));
            else
                planner.refuse(i);
        }
    }

    static std::vector<std::string> hashes(const std::vector<db::SqlStatement>& statements) {
        std::vector<std::string> out;
        for (const auto& st : statements) out.push_back(std::string(db::statementKeyText(st.text)));
        return out;
    }

    db::SpoolFileReport counts;
    std::vector<db::SqlStatement> statements;
    db::CopyTargets targets;
    db::SpoolBatchPlanner planner;
};

db::PipelineBatch pipelineBatch(std::optional<db::SpoolBatch> batch) {
    REQUIRE(batch.has_value());
    REQUIRE(std::holds_alternative<db::PipelineBatch>(*batch));
    return std::get<db::PipelineBatch>(*batch);
}

db::CopyBatch copyBatch(std::optional<db::SpoolBatch> batch) {
    REQUIRE(batch.has_value());
    REQUIRE(std::holds_alternative<db::CopyBatch>(*batch));
    return std::get<db::CopyBatch>(*batch);
}

std::vector<std::string> sqlOf(const db::PipelineBatch& batch) {
    std::vector<std::string> out;
    for (const auto& command : batch.commands) out.push_back(command.sql);
    return out;
}

const std::string kFold1 = "INSERT INTO walkforward_folds (run_id, note) VALUES ('r1', 'a');\n";
const std::string kFold2 = "INSERT INTO walkforward_folds (run_id, note) VALUES ('r2', E'b\\'s');\n";
const std::string kFold3 = "INSERT INTO walkforward_folds (run_id, note) VALUES ('r3', 'c'), ('r4', NULL);\n";

db::DbError failure(const char* sqlstate) {
    return db::DbError{sqlstate, std::string("failed with ") + sqlstate, "", ""};
}

}  // namespace

TEST_CASE("plan: consecutive plain INSERTs with the same head merge, the others go as written") {
    PlannedFile file(
        kFold1 + kFold2 +
        "INSERT INTO walkforward_folds (run_id, note) VALUES ('r5', 'e') ON CONFLICT DO NOTHING;\n"
        "INSERT INTO walkforward_folds (run_id, note) VALUES ('r6', now());\n" +
        kFold3 + "insert into walkforward_folds (run_id, note) values ('r7', 'g');\n");
    db::PipelineBatch batch = pipelineBatch(file.planner.next({}));
    CHECK(batch.statements == std::vector<size_t>{0, 1, 2, 3, 4, 5});
    CHECK(sqlOf(batch) ==
          std::vector<std::string>{
              "INSERT INTO walkforward_folds (run_id, note) VALUES ('r1', 'a'), ('r2', E'b\\'s')",
              file.statements[2].text, file.statements[3].text, file.statements[4].text,
              file.statements[5].text});
    CHECK(batch.commands[0].from == 0);
    CHECK(batch.commands[0].to == 2);
    CHECK_FALSE(file.planner.next({&batch}).has_value());  // nothing left to send
    CHECK_FALSE(file.planner.settle(batch, db::BatchCommitted{}).has_value());
    CHECK(file.counts.applied == 6);
    CHECK(file.planner.allSettled());
    CHECK(file.planner.finish() == std::vector<bool>(6, false));
}

TEST_CASE("plan: the ledger's statements and the grammar's refusals are never planned") {
    PlannedFile file(kFold1 + "DELETE FROM walkforward_folds;\n" + kFold2 + kFold3);
    file.planner.foundInLedger(2);
    CHECK(file.planner.pending() == std::vector<size_t>{0, 3});
    db::PipelineBatch batch = pipelineBatch(file.planner.next({}));
    CHECK(batch.statements == std::vector<size_t>{0, 3});
    file.planner.settle(batch, db::BatchCommitted{});
    CHECK(file.counts.applied == 2);
    CHECK(file.counts.alreadyApplied == 1);
    CHECK(file.counts.quarantined == 1);
    CHECK(file.planner.finish() == std::vector<bool>(4, false));
}

TEST_CASE(
    "plan: a failed merged INSERT runs again one by one, the failing statement is settled, the size grows "
    "back") {
    PlannedFile file(kFold1 + kFold2 + kFold3 + kFold1);  // the last one repeats the first
    db::PipelineBatch merged = pipelineBatch(file.planner.next({}));
    CHECK(merged.commands.size() == 1);
    CHECK(merged.statements == std::vector<size_t>{0, 1, 2});  // the repeat waits for the first one
    CHECK_FALSE(file.planner.settle(merged, db::BatchCommandFailed{0, failure("23503")}).has_value());

    db::PipelineBatch alone = pipelineBatch(file.planner.next({}));
    CHECK(sqlOf(alone) == std::vector<std::string>{file.statements[0].text, file.statements[1].text,
                                                   file.statements[2].text});
    auto settled = file.planner.settle(alone, db::BatchCommandFailed{1, failure("23503")});
    REQUIRE(settled.has_value());
    CHECK(settled->statement == 1);
    CHECK(settled->settledAs == db::SpoolErrorClass::Deferred);
    CHECK(file.counts.deferred == 1);

    db::PipelineBatch before = pipelineBatch(file.planner.next({}));
    CHECK(before.statements == std::vector<size_t>{0});  // the statements before the failing one
    file.planner.settle(before, db::BatchCommitted{});
    db::PipelineBatch rest = pipelineBatch(file.planner.next({}));
    CHECK(rest.statements == std::vector<size_t>{2});  // the repeat of statement 0 is already applied
    file.planner.settle(rest, db::BatchCommitted{});
    CHECK(file.counts.applied == 2);
    CHECK(file.counts.alreadyApplied == 1);
    CHECK(file.planner.finish() == std::vector<bool>{false, true, false, false});
}

TEST_CASE("plan: 23505 statements' ledger rows ride with the next batch, a failed COMMIT goes one by one") {
    PlannedFile file(kFold1 + "DELETE FROM x;\n" + kFold2 + kFold3, db::SpoolBatchLimits{2, 1u << 20});
    db::PipelineBatch first = pipelineBatch(file.planner.next({}));
    CHECK(first.statements == std::vector<size_t>{0, 2});
    db::PipelineBatch second = pipelineBatch(file.planner.next({&first}));
    CHECK(second.statements == std::vector<size_t>{3});
    auto settled = file.planner.settle(first, db::BatchCommandFailed{0, failure("23505")});
    CHECK_FALSE(settled.has_value());  // merged: no statement is named yet
    file.planner.settle(second, db::BatchBehindFailure{});

    db::PipelineBatch alone = pipelineBatch(file.planner.next({}));
    settled = file.planner.settle(alone, db::BatchCommandFailed{0, failure("23505")});
    REQUIRE(settled.has_value());
    CHECK(settled->settledAs == db::SpoolErrorClass::AlreadyPresent);
    db::PipelineBatch next = pipelineBatch(file.planner.next({}));
    CHECK(next.alreadyPresent == std::vector<size_t>{0});
    CHECK(next.statements == std::vector<size_t>{2});
    file.planner.settle(next, db::BatchCommitFailed{failure("40001")});  // one statement: it is the culprit
    CHECK(file.counts.deferred == 1);
    db::PipelineBatch last = pipelineBatch(file.planner.next({}));
    CHECK(last.alreadyPresent == std::vector<size_t>{0});
    CHECK(last.statements == std::vector<size_t>{3});
    file.planner.settle(last, db::BatchCommitted{});
    CHECK(file.planner.allSettled());
    CHECK(file.counts.alreadyApplied == 1);
    CHECK(file.counts.applied == 1);
}

TEST_CASE("plan: COPY batches wait until nothing is in flight, a failed one goes again as INSERTs") {
    PlannedFile file(
        "INSERT INTO walkforward_folds (run_id, note) VALUES ('r0', now());\n" + kFold1 + kFold2 + kFold3, {},
        true);
    db::PipelineBatch insert = pipelineBatch(file.planner.next({}));
    CHECK(insert.statements == std::vector<size_t>{0});  // a clock: not COPY, and the run after it is
    CHECK_FALSE(file.planner.next({&insert}).has_value());
    file.planner.settle(insert, db::BatchCommitted{});

    db::CopyBatch copy = copyBatch(file.planner.next({}));
    CHECK(copy.statements == std::vector<size_t>{1, 2, 3});
    REQUIRE(copy.commands.size() == 1);
    CHECK(copy.commands[0].data == "r1\ta\nr2\tb's\nr3\tc\nr4\t\\N\n");
    file.planner.settle(copy, db::BatchCommandFailed{0, failure("22P02")});

    db::PipelineBatch again = pipelineBatch(file.planner.next({}));
    CHECK(again.statements == std::vector<size_t>{1, 2, 3});
    CHECK(again.commands.size() == 1);
    file.planner.settle(again, db::BatchCommitted{});
    CHECK(file.counts.applied == 4);
}

TEST_CASE("plan: a 23505 on the ledger rows asks for the ledger to be read again") {
    PlannedFile file(kFold1);
    db::PipelineBatch batch = pipelineBatch(file.planner.next({}));
    file.planner.settle(batch, db::BatchLedgerRowsTaken{});
    CHECK(file.planner.wantsLedgerRead());
    CHECK(file.planner.pending() == std::vector<size_t>{0});
    file.planner.foundInLedger(0);
    file.planner.ledgerRead();
    CHECK_FALSE(file.planner.wantsLedgerRead());
    CHECK_FALSE(file.planner.next({}).has_value());
    CHECK(file.counts.alreadyApplied == 1);
}

// The grammar is the only reader of an INSERT: the merged INSERT and the COPY rows are made of its
// pieces, so text the old separate reader could have cut elsewhere (a nested comment, an E'' string
// with an escaped quote and a ')' inside, a comment between rows) reads the same three ways.
TEST_CASE("plan: the grammar, the merged INSERT and the COPY rows agree on tricky VALUES") {
    const std::string first =
        "INSERT INTO walkforward_folds /* where /* nested */ ) */ (run_id, note) VALUES "
        "(E'it\\'s ); not -- the end', /* a ) /* b */ ( */ 'x'), -- a row follows\n ('r2', E'\\\\')\n;\n";
    const std::string second =
        "INSERT INTO walkforward_folds /* where /* nested */ ) */ (run_id, note) VALUES "
        "('$$', '/* */'::text);\n";
    PlannedFile file(first + second, {}, false);
    db::PipelineBatch batch = pipelineBatch(file.planner.next({}));
    REQUIRE(batch.commands.size() == 1);  // one head: merged
    const std::string& merged = batch.commands[0].sql;

    auto rowsOf = [](const std::string& text) {
        db::SpoolVerdict verdict = db::judgeSpoolStatement(text);
        INFO(text);
        INFO(verdict.refusal);
        REQUIRE(verdict.accepted());
        std::vector<std::vector<std::optional<std::string>>> rows;
        for (const auto& row : verdict.insert->rows) {
            rows.emplace_back();
            for (const auto& value : row) rows.back().push_back(db::spoolValueText(value));
        }
        return rows;
    };
    auto together = rowsOf(file.statements[0].text);
    for (auto& row : rowsOf(file.statements[1].text)) together.push_back(row);
    CHECK(rowsOf(merged) == together);
    CHECK(together == std::vector<std::vector<std::optional<std::string>>>{
                          {"it's ); not -- the end", "x"}, {"r2", "\\"}, {"$$", "/* */"}});

    db::CopyTargets targets;
    targets.targets.emplace(foldsKey(), db::CopyTarget{"COPY", {kText, kText}, {1, 2}, {}});
    targets.casts.emplace("text", kText);
    std::string lines;
    for (const auto& st : file.statements) {
        auto forms = db::insertForms(*db::judgeSpoolStatement(st.text).insert, &targets);
        REQUIRE(forms.copy.has_value());
        lines += forms.copy->lines;
    }
    auto mergedForms = db::insertForms(*db::judgeSpoolStatement(merged).insert, &targets);
    REQUIRE(mergedForms.copy.has_value());
    CHECK(mergedForms.copy->lines == lines);
    CHECK(lines == "it's ); not -- the end\tx\nr2\t\\\\\n$$\t/* */\n");
}
