// libFuzzer target: the spool statement splitter (db::splitSqlStatements) with the spool grammar's
// INSERT pieces (head, rowsText) and statementKeyText on every statement it finds.
// Invariants beyond "no crash":
// - each statement is the input's own bytes, found in order at its reported line; what lies between
//   two statements holds no statement (only blanks, ';' and comments) and contains its `leading`;
// - what follows the last statement splits to no statement and to the same tail, a suffix of the input;
// - a statement split on its own, and all of them concatenated, split back to the same statements;
// - a statement's ledger key is the statement without its ';' and the blanks before it;
// - an accepted INSERT rebuilt from its head and rows, alone or with its rows twice (as the replay
//   merges them), is accepted with the same pieces.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "db/spool/spool_grammar.hpp"
#include "db/spool/sql_splitter.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

bool isSpace(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

int newlines(std::string_view s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
}

bool holdsNoStatement(std::string_view text) {
    db::SqlSplit split = db::splitSqlStatements(text);
    return split.statements.empty() && !split.tail;
}

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void checkInsert(std::string_view text) {
    db::SpoolVerdict verdict = db::judgeSpoolStatement(text);
    if (!verdict.accepted()) return;
    const db::SpoolInsert& parts = *verdict.insert;
    FUZZ_CHECK(inside(parts.head, text) && inside(parts.rowsText, text));
    FUZZ_CHECK(parts.rowsText.data() >= parts.head.data() + parts.head.size());
    FUZZ_CHECK(!parts.rowsText.empty() && parts.rowsText.front() == '(' && parts.rowsText.back() == ')');
    std::string head(parts.head), rows(parts.rowsText);
    std::string rebuilt = head + " " + rows + ";";
    auto again = db::judgeSpoolStatement(rebuilt);
    FUZZ_CHECK(again.accepted() && again.insert->head == head && again.insert->rowsText == rows &&
               again.insert->rows.size() == parts.rows.size());
    std::string merged = head + " " + rows + ", " + rows + ";";
    auto both = db::judgeSpoolStatement(merged);
    FUZZ_CHECK(both.accepted() && both.insert->head == head && both.insert->rowsText == rows + ", " + rows &&
               both.insert->rows.size() == 2 * parts.rows.size());
}

void checkStatement(const db::SqlStatement& st) {
    const std::string& text = st.text;
    FUZZ_CHECK(!text.empty() && text.back() == ';' && !isSpace(text.front()) && text.front() != ';');
    db::SqlSplit alone = db::splitSqlStatements(text);
    FUZZ_CHECK(alone.statements.size() == 1 && !alone.tail);
    FUZZ_CHECK(alone.statements[0].text == text && alone.statements[0].leading.empty() &&
               alone.statements[0].line == 1);

    std::string_view key = db::statementKeyText(text);
    FUZZ_CHECK(!key.empty() && key.data() == text.data() && key.size() < text.size());
    std::string_view rest = std::string_view(text).substr(key.size());
    FUZZ_CHECK(rest.back() == ';' && std::all_of(rest.begin(), rest.end() - 1, isSpace));
    checkInsert(text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    db::SqlSplit split = db::splitSqlStatements(input);

    size_t done = 0;  // end of the previous statement
    int doneLine = 1;
    std::string concatenated;
    for (const db::SqlStatement& st : split.statements) {
        checkStatement(st);
        // The occurrence at the reported line whose gap holds no statement; a copy of the text inside
        // a comment before it cannot pass both.
        bool found = false;
        for (size_t at = input.find(st.text, done); at != std::string_view::npos;
             at = input.find(st.text, at + 1)) {
            std::string_view gap = input.substr(done, at - done);
            int line = doneLine + newlines(gap);
            if (line > st.line) break;
            if (line == st.line && gap.find(st.leading) != std::string_view::npos && holdsNoStatement(gap)) {
                found = true;
                doneLine = line + newlines(st.text);
                done = at + st.text.size();
                break;
            }
        }
        FUZZ_CHECK(found);
        concatenated += st.text;
    }

    db::SqlSplit after = db::splitSqlStatements(input.substr(done));
    FUZZ_CHECK(after.statements.empty());
    FUZZ_CHECK(after.tail.has_value() == split.tail.has_value());
    if (split.tail) {
        const db::SqlIncompleteTail& tail = *split.tail;
        FUZZ_CHECK(after.tail->text == tail.text && after.tail->reason == tail.reason);
        FUZZ_CHECK(after.tail->line + doneLine - 1 == tail.line);
        FUZZ_CHECK(!tail.text.empty() && !isSpace(tail.text.front()) && !tail.reason.empty());
        FUZZ_CHECK(input.size() >= tail.text.size() &&
                   input.substr(input.size() - tail.text.size()) == tail.text);
    }

    db::SqlSplit joined = db::splitSqlStatements(concatenated);
    FUZZ_CHECK(joined.statements.size() == split.statements.size() && !joined.tail);
    for (size_t i = 0; i < joined.statements.size(); ++i)
        FUZZ_CHECK(joined.statements[i].text == split.statements[i].text);
    return 0;
}
