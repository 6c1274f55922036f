// db::splitSqlStatements: psql's statement boundaries on the spool file, without a server.
#include <doctest/doctest.h>

#include "app/ops/spool.hpp"
#include "db/spool/sql_splitter.hpp"

namespace {

std::vector<std::string> texts(const db::SqlSplit& split) {
    std::vector<std::string> out;
    for (const auto& s : split.statements) out.push_back(s.text);
    return out;
}

std::vector<int> lines(const db::SqlSplit& split) {
    std::vector<int> out;
    for (const auto& s : split.statements) out.push_back(s.line);
    return out;
}

}  // namespace

TEST_CASE("splitter: plain statements, their lines and the notes before them") {
    auto split = db::splitSqlStatements(
        "-- first note\nINSERT INTO t VALUES (1);\n\n-- second\n-- note\n"
        "INSERT INTO t\n  VALUES (2);\nSELECT 3; SELECT 4;\n");
    CHECK(texts(split) == std::vector<std::string>{"INSERT INTO t VALUES (1);",
                                                   "INSERT INTO t\n  VALUES (2);", "SELECT 3;", "SELECT 4;"});
    CHECK(lines(split) == std::vector<int>{2, 6, 8, 8});
    CHECK(split.statements[0].leading == "-- first note");
    CHECK(split.statements[1].leading == "-- second\n-- note");
    CHECK(split.statements[2].leading.empty());
    CHECK_FALSE(split.tail);
}

TEST_CASE("splitter: semicolons inside standard strings with doubled quotes") {
    auto split = db::splitSqlStatements("INSERT INTO t VALUES ('a;b', 'it''s; fine', '');\nSELECT ';';");
    CHECK(texts(split) ==
          std::vector<std::string>{"INSERT INTO t VALUES ('a;b', 'it''s; fine', '');", "SELECT ';';"});
    // standard_conforming_strings: a backslash is an ordinary character in '...'.
    auto backslash = db::splitSqlStatements("SELECT 'a\\'; SELECT 2;");
    CHECK(texts(backslash) == std::vector<std::string>{"SELECT 'a\\';", "SELECT 2;"});
}

TEST_CASE("splitter: E strings with backslash escapes") {
    auto split = db::splitSqlStatements(
        "SELECT E'it\\'s; still';\nSELECT e'a\\\\';\nSELECT E'x''y;z';\nSELECT E'\\\\\\';';\n");
    CHECK(texts(split) == std::vector<std::string>{"SELECT E'it\\'s; still';", "SELECT e'a\\\\';",
                                                   "SELECT E'x''y;z';", "SELECT E'\\\\\\';';"});
    // Only a lone E starts an escape string: nameE'...' is an identifier followed by a plain string.
    auto identifier = db::splitSqlStatements("SELECT nameE'a\\'; SELECT 2;");
    CHECK(texts(identifier) == std::vector<std::string>{"SELECT nameE'a\\';", "SELECT 2;"});
    // U&'', B'', X'' keep plain quoting.
    auto prefixed = db::splitSqlStatements("SELECT U&'d\\0061t;a', B'1;0', X'1F';");
    CHECK(prefixed.statements.size() == 1);
}

TEST_CASE("splitter: the desktop's own literals split back into the statements it wrote") {
    std::string tricky = "x'); DROP TABLE t; --\\'\\\\ \"q\" $$ /* ;";
    std::string statement = "INSERT INTO t (a, b) VALUES (" + app::sqlLiteral(tricky) + ", " +
                            app::sqlLiteral("line1\nline2;") + ");";
    std::string script =
        "-- stage1-debugger 2026-11-26T12:00:00Z: note\n" + statement + "\n-- n2\n" + statement + "\n";
    auto split = db::splitSqlStatements(script);
    REQUIRE(split.statements.size() == 2);
    CHECK(split.statements[0].text == statement);
    CHECK(split.statements[1].text == statement);
    CHECK(split.statements[1].line == 5);
    CHECK_FALSE(split.tail);
}

TEST_CASE("splitter: dollar quoting with and without tags") {
    auto split = db::splitSqlStatements(
        "DO $$ BEGIN PERFORM 1; END $$;\n"
        "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$;\n"
        "SELECT $a$ $$ ; $b$ $a$;\n"
        "SELECT $1, $2 FROM t;\n"
        "SELECT 'x' || $q_1$;\n;$q_1$;");
    CHECK(texts(split) ==
          std::vector<std::string>{"DO $$ BEGIN PERFORM 1; END $$;",
                                   "CREATE FUNCTION f() RETURNS int LANGUAGE sql AS $fn$ SELECT 1; $fn$;",
                                   "SELECT $a$ $$ ; $b$ $a$;", "SELECT $1, $2 FROM t;",
                                   "SELECT 'x' || $q_1$;\n;$q_1$;"});
    CHECK(lines(split) == std::vector<int>{1, 2, 3, 4, 5});
    // A $ inside an identifier is part of it, not a quote.
    auto ident = db::splitSqlStatements("SELECT a$b$ FROM t; SELECT 2;");
    CHECK(texts(ident) == std::vector<std::string>{"SELECT a$b$ FROM t;", "SELECT 2;"});
}

TEST_CASE("splitter: double-quoted identifiers with doubled quotes") {
    auto split = db::splitSqlStatements("SELECT 1 AS \"a;\"\"b\"; SELECT \"it's\" FROM \"t\";");
    CHECK(texts(split) ==
          std::vector<std::string>{"SELECT 1 AS \"a;\"\"b\";", "SELECT \"it's\" FROM \"t\";"});
}

TEST_CASE("splitter: line and nested block comments hide semicolons and quotes") {
    auto split = db::splitSqlStatements(
        "-- a note; with 'quote\nSELECT 1 -- trailing; 'x\n;\n"
        "/* outer /* inner; */ still comment; ' */ SELECT 2;\n"
        "SELECT /* ; */ 3;");
    CHECK(texts(split) ==
          std::vector<std::string>{"SELECT 1 -- trailing; 'x\n;", "SELECT 2;", "SELECT /* ; */ 3;"});
    CHECK(split.statements[0].leading == "-- a note; with 'quote");
    CHECK(split.statements[1].leading == "/* outer /* inner; */ still comment; ' */");
    CHECK(lines(split) == std::vector<int>{2, 4, 5});
    // "--" inside a string is not a comment.
    auto dashes = db::splitSqlStatements("SELECT '--;'; SELECT 2;");
    CHECK(texts(dashes) == std::vector<std::string>{"SELECT '--;';", "SELECT 2;"});
}

TEST_CASE("splitter: semicolons inside parentheses do not end a statement, as in psql") {
    auto split = db::splitSqlStatements("SELECT (1;2); SELECT 3;");
    CHECK(texts(split) == std::vector<std::string>{"SELECT (1;2);", "SELECT 3;"});
}

TEST_CASE("splitter: CRLF line ends") {
    auto split =
        db::splitSqlStatements("-- note\r\nINSERT INTO t VALUES ('a;\r\nb');\r\n-- n\r\nSELECT 2\r\n;\r\n");
    CHECK(texts(split) == std::vector<std::string>{"INSERT INTO t VALUES ('a;\r\nb');", "SELECT 2\r\n;"});
    CHECK(lines(split) == std::vector<int>{2, 5});
    CHECK(split.statements[0].leading == "-- note");
    CHECK(db::statementKeyText(split.statements[1].text) == "SELECT 2");
    CHECK_FALSE(split.tail);
}

TEST_CASE("splitter: a statement cut off before its semicolon is an incomplete tail") {
    auto split = db::splitSqlStatements("SELECT 1;\n-- note\nINSERT INTO t VALUES (2)\n");
    CHECK(texts(split) == std::vector<std::string>{"SELECT 1;"});
    REQUIRE(split.tail);
    CHECK(split.tail->text == "-- note\nINSERT INTO t VALUES (2)\n");
    CHECK(split.tail->line == 2);
    CHECK(split.tail->reason == "no terminating semicolon");
    auto parens = db::splitSqlStatements("INSERT INTO t VALUES (1;");
    REQUIRE(parens.tail);
    CHECK(parens.tail->reason == "no terminating semicolon (unbalanced parentheses)");
}

TEST_CASE("splitter: text cut inside a literal, identifier, dollar quote or comment is an incomplete tail") {
    struct Case {
        const char* script;
        const char* reason;
    };
    for (const Case& c : {Case{"SELECT 1;\nINSERT INTO t VALUES ('abc;", "unterminated quoted string"},
                          Case{"SELECT 1;\nINSERT INTO t VALUES (E'abc\\';", "unterminated quoted string"},
                          Case{"SELECT 1;\nINSERT INTO t VALUES (E'abc\\", "unterminated quoted string"},
                          Case{"SELECT 1;\nSELECT \"col;", "unterminated quoted identifier"},
                          Case{"SELECT 1;\nDO $x$ BEGIN; $x;", "unterminated dollar-quoted string"},
                          Case{"SELECT 1;\nSELECT 2 /* a /* b */ ;", "unterminated /* comment"},
                          Case{"SELECT 1;\n/* note cut off", "unterminated /* comment"}}) {
        CAPTURE(c.script);
        auto split = db::splitSqlStatements(c.script);
        CHECK(texts(split) == std::vector<std::string>{"SELECT 1;"});
        REQUIRE(split.tail);
        CHECK(split.tail->reason == c.reason);
        CHECK(split.tail->line == 2);
        CHECK(std::string(c.script).substr(10) == split.tail->text);
    }
}

TEST_CASE("splitter: trailing whitespace and complete comments are not a tail, empty statements vanish") {
    auto split = db::splitSqlStatements(";;\n SELECT 1;  ;\n-- only a comment\n/* and another */\n\n");
    CHECK(texts(split) == std::vector<std::string>{"SELECT 1;"});
    CHECK(lines(split) == std::vector<int>{2});
    CHECK_FALSE(split.tail);
    CHECK(db::splitSqlStatements("").statements.empty());
    CHECK_FALSE(db::splitSqlStatements("").tail);
    CHECK_FALSE(db::splitSqlStatements("SELECT 1; -- end without newline").tail);
}

TEST_CASE("splitter: the ledger key drops the semicolon and trailing whitespace only") {
    CHECK(db::statementKeyText("SELECT 1;") == "SELECT 1");
    CHECK(db::statementKeyText("SELECT 1 \t\r\n;") == "SELECT 1");
    CHECK(db::statementKeyText("SELECT 'a  ';") == "SELECT 'a  '");
    CHECK(db::statementKeyText("SELECT  1 -- c\n;") == "SELECT  1 -- c");
    CHECK(db::statementKeyText("SELECT 1") == "SELECT 1");
}

TEST_CASE("splitter: UTF-8 text and identifiers pass through unchanged") {
    auto split = db::splitSqlStatements("INSERT INTO t VALUES ('Zürich; ünïcode', \"größe\");\nSELECT ä;");
    CHECK(texts(split) ==
          std::vector<std::string>{"INSERT INTO t VALUES ('Zürich; ünïcode', \"größe\");", "SELECT ä;"});
}
