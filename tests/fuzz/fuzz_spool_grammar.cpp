// libFuzzer target: the spool grammar (db::judgeSpoolStatement), which decides what replay-spool may
// send at all, over the lexer it shares with the splitter.
// Invariants beyond "no crash":
// - a verdict is accepted with no reason, or refused with one;
// - an accepted statement is one statement to the splitter too (no hidden second one);
// - an accepted statement holds no token a desktop never writes: no dollar, bit, national or Unicode
//   string, no parameter, no malformed number, no operator but a sign, no ';' before its end;
// - nothing in it is called but the clocks: every name followed by '(' is a Stage 1 table, VALUES,
//   CONFLICT or one of now(), transaction_timestamp(), statement_timestamp(), clock_timestamp();
// - its values decode or are not strings; the same tokens with the comments and spacing changed
//   are accepted the same way.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "db/spool/spool_grammar.hpp"
#include "db/spool/sql_lexer.hpp"
#include "db/spool/sql_splitter.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

using K = db::SqlTokenKind;

bool callableName(const db::SqlToken& token) {
    auto name = db::sqlIdentifier(token);
    if (!name) return false;
    if (std::find(db::kSpoolTables.begin(), db::kSpoolTables.end(), *name) != db::kSpoolTables.end())
        return true;
    if (token.kind != K::Word) return false;
    for (const char* word :
         {"values", "conflict", "now", "transaction_timestamp", "statement_timestamp", "clock_timestamp"})
        if (*name == word) return true;
    return false;
}

void checkAccepted(std::string_view text, const db::SpoolInsert& insert) {
    FUZZ_CHECK(std::find(db::kSpoolTables.begin(), db::kSpoolTables.end(), insert.table) !=
               db::kSpoolTables.end());
    FUZZ_CHECK(!insert.rows.empty());

    std::string terminated(text);
    db::SqlLex lex = db::lexSql(text);
    FUZZ_CHECK(!lex.unterminated);
    if (lex.tokens.empty() || lex.tokens.back().text != ";") terminated += "\n;";
    db::SqlSplit split = db::splitSqlStatements(terminated);
    FUZZ_CHECK(split.statements.size() == 1 && !split.tail);

    const auto& t = lex.tokens;
    std::string respaced;
    for (size_t i = 0; i < t.size(); ++i) {
        const db::SqlToken& token = t[i];
        FUZZ_CHECK(token.kind != K::DollarString && token.kind != K::PrefixedString &&
                   token.kind != K::Parameter && token.kind != K::BadNumber &&
                   token.kind != K::UnicodeIdentifier);
        if (token.kind == K::Operator) FUZZ_CHECK(token.text == "-" || token.text == "+");
        if (token.kind == K::Punct && token.text == ";") FUZZ_CHECK(i + 1 == t.size());
        if (i + 1 < t.size() && t[i + 1].kind == K::Punct && t[i + 1].text == "(" &&
            (token.kind == K::Word || token.kind == K::QuotedIdentifier))
            FUZZ_CHECK(callableName(token));
        respaced += (i ? " /* */\n " : "") + std::string(token.text);
    }
    for (const auto& row : insert.rows) {
        if (!insert.columns.empty()) FUZZ_CHECK(row.size() == insert.columns.size());
        for (const auto& v : row)
            if (v.kind == db::SpoolValue::Kind::Number) FUZZ_CHECK(db::spoolValueText(v).has_value());
    }

    db::SpoolVerdict again = db::judgeSpoolStatement(respaced);
    FUZZ_CHECK(again.accepted());
    FUZZ_CHECK(again.insert->table == insert.table && again.insert->columns == insert.columns &&
               again.insert->rows.size() == insert.rows.size() &&
               again.insert->onConflictDoNothing == insert.onConflictDoNothing);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    db::SpoolVerdict verdict = db::judgeSpoolStatement(text);
    FUZZ_CHECK(verdict.accepted() == verdict.refusal.empty());
    if (verdict.accepted()) checkAccepted(text, *verdict.insert);
    // Every statement of a whole file, as replay-spool and validate --spool judge them.
    for (const auto& st : db::splitSqlStatements(text).statements) {
        db::SpoolVerdict v = db::judgeSpoolStatement(st.text);
        FUZZ_CHECK(v.accepted() == v.refusal.empty());
        if (v.accepted()) checkAccepted(st.text, *v.insert);
    }
    return 0;
}
