// db/copy_rows over the spool grammar's parse: which spooled rows may go as COPY, and their lines.
#include <doctest/doctest.h>

#include <deque>

#include "db/spool/copy_rows.hpp"
#include "db/spool/spool_grammar.hpp"

namespace {

using Kind = db::SpoolValue::Kind;
constexpr db::TypeOid kBool = 16, kInt8 = 20, kInt4 = 23, kText = 25, kFloat8 = 701, kNumeric = 1700,
                      kUuid = 2950, kJsonb = 3802;

// The grammar's reading of an INSERT with these VALUES rows, or nullopt when it refuses them.
std::optional<db::SpoolInsert> parsed(std::string_view rows) {
    static std::deque<std::string> statements;  // the values' text points into them
    statements.push_back("INSERT INTO walkforward_runs VALUES " + std::string(rows) + ";");
    db::SpoolVerdict verdict = db::judgeSpoolStatement(statements.back());
    return verdict.insert;
}

std::vector<std::vector<db::SpoolValue>> rowsOf(std::string_view rows) {
    auto insert = parsed(rows);
    INFO(rows);
    REQUIRE(insert.has_value());
    return insert->rows;
}

// The COPY text of one row, or "REFUSED".
std::string line(std::string_view row, const std::vector<db::TypeOid>& columns,
                 const db::CastTypes& casts = {}) {
    std::string out = "kept";
    if (!db::appendCopyLines(rowsOf(row), columns, casts, out)) return out == "kept" ? "REFUSED" : "CHANGED";
    return out.substr(4);
}

std::optional<std::string> decoded(std::string_view token) {
    const std::string row = "(" + std::string(token) + ")";  // the constants point into it
    auto rows = rowsOf(row);
    return db::decodeStringConstant(rows.at(0).at(0));
}

}  // namespace

TEST_CASE("copy target key: the table and the column names as PostgreSQL reads them") {
    auto key = [](const std::string& statement) {
        db::SpoolVerdict verdict = db::judgeSpoolStatement(statement);
        INFO(statement);
        REQUIRE(verdict.accepted());
        return db::insertTargetKey(*verdict.insert);
    };
    const std::string odd =
        key("INSERT INTO public.\"walkforward_runs\" (a, \"B c\", d$1, \"x\ny\") VALUES (1, 2, 3, 4);");
    CHECK(odd == std::string("walkforward_runs\0a\0B c\0d$1\0x\ny", 30));
    CHECK(key("insert into walkforward_runs values (1);") == "walkforward_runs");
    CHECK(key("INSERT INTO walkforward_runs (A, \"b\") VALUES (1, 2);") ==
          key("insert into public.walkforward_runs (\"a\", B) VALUES (3, 4);"));
    CHECK(key("INSERT INTO walkforward_runs (\"A\") VALUES (1);") !=
          key("INSERT INTO walkforward_runs (a) VALUES (1);"));
    CHECK(key("INSERT INTO walkforward_runs (\"a,b\") VALUES (1);") !=
          key("INSERT INTO walkforward_runs (a, b) VALUES (1, 2);"));
    for (const char* refused :
         {"INSERT INTO walkforward_runs (a) SELECT 1;", "INSERT INTO walkforward_runs (a VALUES (1);",
          "UPDATE walkforward_runs SET a = 1;"})
        CHECK_FALSE(db::judgeSpoolStatement(refused).accepted());
}

TEST_CASE("insert rows: constants, their kinds and casts") {
    auto rows = rowsOf(
        "('a''b', E'c\\\\d', -12.5, 7, NULL, true, FALSE, 'x'::uuid, "
        "'2026-01-01'::timestamp  with time zone), (1, 2)");
    REQUIRE(rows.size() == 2);
    const auto& r = rows[0];
    REQUIRE(r.size() == 9);
    CHECK(r[0].kind == Kind::String);
    CHECK(r[0].text == "'a''b'");
    CHECK(r[1].kind == Kind::EscapeString);
    CHECK(r[2].kind == Kind::Number);
    CHECK(r[2].negative);
    CHECK(r[2].text == "12.5");
    CHECK_FALSE(r[3].negative);
    CHECK(r[4].kind == Kind::Null);
    CHECK(r[5].kind == Kind::True);
    CHECK(r[6].kind == Kind::False);
    CHECK(r[7].castType == "uuid");
    CHECK(r[8].castType == "timestamp with time zone");  // as the grammar spells it
    CHECK(rows[1].size() == 2);
}

TEST_CASE("insert rows: anything but one constant and one cast never goes as COPY") {
    for (const char* rows : {"(1 + 2)", "(now())", "(DEFAULT)", "('a' 'b')", "(U&'d\\0061t')", "(B'101')",
                             "($$x$$)", "('x'::varchar(3))", "('{1}'::int[])", "('1'::text::int)", "(-'1')",
                             "((1))", "(1,)", "(1) (2)", "(1), 2", "($1)", "('a' COLLATE \"C\")"}) {
        CAPTURE(rows);
        auto insert = parsed(rows);  // the grammar refuses it, or its rows make no COPY line
        std::string out;
        CHECK((!insert || !db::appendCopyLines(insert->rows, {kText}, {}, out)));
    }
    // The grammar reads through comments, so a comment changes nothing.
    CHECK(rowsOf("(1 /* c */)").at(0).at(0).text == "1");
}

TEST_CASE("string constants decode as PostgreSQL reads them") {
    CHECK(decoded("'it''s'") == "it's");
    CHECK(decoded("'a\\nb'") == "a\\nb");  // no escapes in standard strings
    CHECK(decoded("E'a\\nb\\tc\\rd\\be\\ff'") == "a\nb\tc\rd\be\ff");
    CHECK(decoded("E'back\\\\slash \\' and '' quote \\q'") == "back\\slash ' and ' quote q");
    CHECK(decoded("e'\xC3\xA9t\xC3\xA9'") == "\xC3\xA9t\xC3\xA9");
    for (const char* refused : {"E'\\101'", "E'\\x41'", "E'\\u0041'", "E'\\U00000041'", "E'\\0'"}) {
        CAPTURE(refused);
        CHECK_FALSE(decoded(refused).has_value());
    }
}

TEST_CASE("copy lines: values escaped for the text format, NULL as \\N") {
    CHECK(line("('tab\there', E'line\\nbreak', E'back\\\\slash', E'cr\\r', NULL, '')",
               {kText, kText, kText, kText, kText, kText}) ==
          "tab\\there\tline\\nbreak\tback\\\\slash\tcr\\r\t\\N\t\n");
    CHECK(line("('\\.')", {kText}) == "\\\\.\n");  // never the end-of-data marker
    CHECK(line("('1', '2'), ('3', NULL)", {kText, kInt4}) == "1\t2\n3\t\\N\n");
    CHECK(line("('{\"a\": 1}', 'x')", {kJsonb, kText}) == "{\"a\": 1}\tx\n");
}

TEST_CASE("copy lines: numbers only where the column's input gives the INSERT's value") {
    CHECK(line("(42, -7, 12345678901)", {kInt4, kInt4, kInt8}) == "42\t-7\t12345678901\n");
    CHECK(line("(1.50, -2e3, 7)", {kNumeric, kNumeric, kNumeric}) == "1.50\t-2e3\t7\n");
    CHECK(line("(0.1, -0.5, 3)", {kFloat8, kFloat8, kFloat8}) == "0.1\t-0.5\t3\n");
    CHECK(line("(1.5)", {kInt4}) == "REFUSED");   // INSERT rounds to 2, COPY refuses
    CHECK(line("(1e3)", {kInt8}) == "REFUSED");   // a numeric constant
    CHECK(line("(1e3)", {kText}) == "REFUSED");   // INSERT stores '1000'
    CHECK(line("(7)", {kUuid}) == "REFUSED");     // INSERT fails, so must COPY's caller
    CHECK(line("(-0)", {kFloat8}) == "REFUSED");  // INSERT 0, COPY -0
    CHECK(line("(-0.0)", {kFloat8}) == "REFUSED");
    CHECK(line("(-0)", {kInt4}) == "-0\n");
    CHECK(line("(true, false)", {kBool, kBool}) == "t\tf\n");
    CHECK(line("(true)", {kText}) == "REFUSED");  // INSERT stores 'true'
}

TEST_CASE("copy lines: a cast must name the column's own type, known and without a modifier") {
    const db::CastTypes casts = {{"uuid", kUuid}, {"jsonb", kJsonb}, {"text", kText}, {"char", std::nullopt}};
    CHECK(line("('00000000-0000-4000-8000-000000000001'::uuid, '[]'::jsonb)", {kUuid, kJsonb}, casts) ==
          "00000000-0000-4000-8000-000000000001\t[]\n");
    CHECK(line("('x'::text)", {kJsonb}, casts) == "REFUSED");  // INSERT would fail: text into jsonb
    CHECK(line("(NULL::text)", {kUuid}, casts) == "REFUSED");
    CHECK(line("(1::text)", {kText}, casts) == "REFUSED");  // a number into text, even cast
    // The grammar refuses these casts before COPY is asked; the rule holds on its own all the same.
    CHECK_FALSE(parsed("('abc'::char)"));
    CHECK_FALSE(parsed("('x'::mystery)"));
    for (const char* type : {"char", "mystery"}) {  // char(1) cuts to 'a'; an unknown type
        CAPTURE(type);
        db::SpoolValue value{Kind::String, false, "'abc'", type};
        std::string out;
        CHECK_FALSE(db::appendCopyLines({{value}}, {kText}, casts, out));
    }
}

TEST_CASE("copy lines: a row of another width or any refused value leaves the output as it was") {
    CHECK(line("(1, 2)", {kInt4}) == "REFUSED");
    CHECK(line("(1)", {kInt4, kInt4}) == "REFUSED");
    CHECK(line("(1, 2), (3, 1.5)", {kInt4, kInt4}) == "REFUSED");
}
