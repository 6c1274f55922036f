// libFuzzer target: the VALUES rows replay-spool may send as COPY (the spool grammar's parse,
// db::appendCopyLines, db::decodeStringConstant) and the COPY target key (db::insertTargetKey).
// An input that is not an INSERT is tried as the VALUES rows of one (the corpus holds such rows).
// Invariants beyond "no crash":
// - a refused row set leaves the output untouched;
// - an accepted one is one line per row, one field per column, no raw line break inside a line,
//   and only the escapes COPY's text format defines;
// - reading each field back as COPY does gives the decoded string constant, "\N" a NULL, and a
//   number its own digits;
// - the target key starts with the table; the values' text lies inside the statement.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/spool/copy_rows.hpp"
#include "db/spool/spool_grammar.hpp"
#include "tests/fuzz/fuzz_check.hpp"

namespace {

// One field of COPY's text format read back; nullopt for \N. Fails on an escape COPY does not define.
std::optional<std::string> unescapeField(std::string_view field) {
    if (field == "\\N") return std::nullopt;
    std::string out;
    for (size_t i = 0; i < field.size(); ++i) {
        if (field[i] != '\\') {
            out += field[i];
            continue;
        }
        FUZZ_CHECK(i + 1 < field.size());
        const char e = field[++i];
        FUZZ_CHECK(e == '\\' || e == 'n' || e == 'r' || e == 't');
        out += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : '\\';
    }
    return out;
}

std::vector<std::string_view> split(std::string_view s, char by) {
    std::vector<std::string_view> out;
    size_t from = 0;
    for (size_t at; (at = s.find(by, from)) != std::string_view::npos; from = at + 1)
        out.push_back(s.substr(from, at - from));
    out.push_back(s.substr(from));
    return out;
}

bool inside(std::string_view part, std::string_view whole) {
    return part.data() >= whole.data() && part.data() + part.size() <= whole.data() + whole.size();
}

void checkRows(const std::vector<std::vector<db::SpoolValue>>& rows,
               const std::vector<db::TypeOid>& columns) {
    static const db::CastTypes casts = {
        {"text", 25}, {"int4", 23}, {"float8", 701}, {"uuid", 2950}, {"char", std::nullopt}};
    std::string out = "prefix";
    if (!db::appendCopyLines(rows, columns, casts, out)) {
        FUZZ_CHECK(out == "prefix");
        return;
    }
    FUZZ_CHECK(out.rfind("prefix", 0) == 0);
    std::string_view lines(out);
    lines.remove_prefix(6);
    FUZZ_CHECK(lines.size() >= rows.size() && lines.back() == '\n');
    lines.remove_suffix(1);
    const auto each = split(lines, '\n');
    FUZZ_CHECK(each.size() == rows.size());
    for (size_t r = 0; r < rows.size(); ++r) {
        FUZZ_CHECK(each[r].find('\r') == std::string_view::npos);
        const auto fields = split(each[r], '\t');
        FUZZ_CHECK(fields.size() == columns.size() && rows[r].size() == columns.size());
        for (size_t k = 0; k < fields.size(); ++k) {
            const db::SpoolValue& c = rows[r][k];
            const auto value = unescapeField(fields[k]);
            switch (c.kind) {
                case db::SpoolValue::Kind::Null:
                    FUZZ_CHECK(!value);
                    break;
                case db::SpoolValue::Kind::String:
                case db::SpoolValue::Kind::EscapeString:
                    FUZZ_CHECK(value && value == db::decodeStringConstant(c));
                    break;
                case db::SpoolValue::Kind::Number:
                    FUZZ_CHECK(value && *value == (c.negative ? "-" : "") + std::string(c.text));
                    break;
                default:
                    FUZZ_CHECK(value && (*value == "t" || *value == "f"));
            }
        }
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::string statement(input);
    db::SpoolVerdict verdict = db::judgeSpoolStatement(statement);
    if (!verdict.accepted()) {
        statement = "INSERT INTO walkforward_runs VALUES " + statement;
        verdict = db::judgeSpoolStatement(statement);
    }
    if (!verdict.accepted()) return 0;
    const db::SpoolInsert& insert = *verdict.insert;
    FUZZ_CHECK(db::insertTargetKey(insert).rfind(insert.table, 0) == 0);
    const auto* rows = &insert.rows;
    FUZZ_CHECK(!rows->empty());
    for (const auto& row : *rows)
        for (const auto& c : row) {
            FUZZ_CHECK(inside(c.text, statement));
            if (c.kind == db::SpoolValue::Kind::String || c.kind == db::SpoolValue::Kind::EscapeString)
                db::decodeStringConstant(c);
        }
    // The first row's width, as text columns and as a mix of the kinds the rules tell apart.
    const size_t width = rows->front().size();
    static const db::TypeOid kinds[] = {23, 1700, 701, 16, 25, 2950, 20};
    std::vector<db::TypeOid> text(width, 25), mixed;
    for (size_t k = 0; k < width; ++k) mixed.push_back(kinds[(k + size) % 7]);
    checkRows(*rows, text);
    checkRows(*rows, mixed);
    return 0;
}
