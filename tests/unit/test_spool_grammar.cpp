// The spool grammar (what replay-spool sends at all) and the one lexer under it and the splitter.
#include <doctest/doctest.h>

#include "app/ops/placeholder_dataset.hpp"
#include "app/ops/spool.hpp"
#include "db/spool/spool_grammar.hpp"
#include "db/spool/spool_plan.hpp"
#include "db/spool/sql_lexer.hpp"
#include "db/spool/sql_splitter.hpp"

namespace {

std::string refusal(const std::string& statement) {
    db::SpoolVerdict v = db::judgeSpoolStatement(statement);
    INFO(statement);
    CHECK_FALSE(v.accepted());
    return v.refusal;
}

db::SpoolInsert accepted(const std::string& statement) {
    db::SpoolVerdict v = db::judgeSpoolStatement(statement);
    INFO(statement);
    INFO(v.refusal);
    REQUIRE(v.accepted());
    return *v.insert;
}

bool says(const std::string& text, const std::string& part) {
    INFO(text);
    return text.find(part) != std::string::npos;
}

const std::string kRun =
    "INSERT INTO public.walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, "
    "hyperparameters, walk_config, status, serialized_config) VALUES "
    "(E'11111111-1111-4111-8111-111111111111'::uuid, E'22222222-2222-4222-8222-222222222222'::uuid, "
    "E'btc_ret_fwd_6', E'[\"rsi_14\"]'::jsonb, E'{\"lr\": 0.05}'::jsonb, E'{\"folds\": 4}'::jsonb, "
    "E'running', E'features: rsi_14\\nlr: 0.05');";

}  // namespace

TEST_CASE("the window's own placeholder INSERT is accepted as written") {
    auto preview = app::previewPlaceholder("btc_2025_4h", "", "");
    REQUIRE(preview.preview);
    const std::string statement = app::placeholderInsertStatement(*preview.preview, "2026-11-26T12:00:00Z");
    db::SpoolInsert insert = accepted(statement);
    CHECK(insert.table == "indicator_datasets");
    REQUIRE(insert.rows.size() == 1);
    CHECK(insert.columns.size() == insert.rows[0].size());
    CHECK(insert.rows[0][0].castType == "uuid");
    CHECK(insert.rows[0][6].castType == "timestamptz");
    CHECK(db::spoolValueText(insert.rows[0][4]) == "btc_2025_4h");
}

TEST_CASE("desktop INSERTs of runs, folds and simulations are accepted in the forms desktops write") {
    db::SpoolInsert run = accepted(kRun);
    CHECK(run.table == "walkforward_runs");
    CHECK(run.columns[7] == "serialized_config");
    CHECK(db::spoolValueText(run.rows[0][7]) == "features: rsi_14\nlr: 0.05");

    db::SpoolInsert folds = accepted(
        "insert into walkforward_folds (run_id, fold_index, train_start, train_end, test_start, test_end, "
        "metrics) values ('11111111-1111-4111-8111-111111111111', 0, '2025-01-01', '2025-03-01', "
        "'2025-03-01', '2025-04-01', '{\"sharpe\": -0.4}'), ('11111111-1111-4111-8111-111111111111', 1, "
        "'2025-02-01'::timestamp with time zone, '2025-04-01', '2025-04-01', '2025-05-01', '{}') "
        "ON CONFLICT (run_id, fold_index) DO NOTHING;");
    CHECK(folds.rows.size() == 2);
    CHECK(folds.onConflictDoNothing);
    CHECK(folds.rows[1][2].castType == "timestamp with time zone");

    db::SpoolInsert sim = accepted(
        "INSERT INTO \"simulation_runs\" (\"simulation_id\", run_id, questdb_namespace, parameters, status, "
        "created_at) VALUES (E'33333333-3333-4333-8333-333333333333', "
        "E'11111111-1111-4111-8111-111111111111', "
        "E'sim_a', E'{}'::jsonb, E'pending', now()) ON CONFLICT DO NOTHING;");
    CHECK(sim.columns[0] == "simulation_id");
    CHECK(sim.rows[0][5].kind == db::SpoolValue::Kind::Clock);

    accepted(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, row_count, "
        "first_bar_ts, created_at) VALUES ('44444444-4444-4444-8444-444444444444', 'ETH', '1h', 'x', "
        "'eth_2024_1h', -0, NULL, CURRENT_TIMESTAMP) ON CONFLICT ON CONSTRAINT indicator_datasets_pkey "
        "DO NOTHING");
    accepted(
        "INSERT INTO walkforward_folds VALUES ('a', +1, DEFAULT, TRUE, FALSE, 1.5e-3, pg_catalog.now());");
    // Comments inside the statement are comments for the server too.
    accepted(
        "INSERT /* a note; with a semicolon */ INTO simulation_runs (simulation_id) -- why\n VALUES ('x');");
}

TEST_CASE("every other statement is refused with the reason, before anything reaches a server") {
    CHECK(says(refusal("CREATE TABLE public.evil_marker(x int);"), "CREATE statements are never replayed"));
    CHECK(says(refusal("ALTER ROLE stage1_app SUPERUSER;"), "ALTER statements are never replayed"));
    CHECK(says(refusal("DELETE FROM walkforward_folds;"), "DELETE statements are never replayed"));
    CHECK(says(refusal("UPDATE walkforward_runs SET status = 'tampered';"), "UPDATE statements"));
    CHECK(says(refusal("SELECT 1;"), "SELECT statements"));
    CHECK(says(refusal("GRANT ALL ON walkforward_runs TO PUBLIC;"), "GRANT statements"));
    CHECK(says(refusal("SET ROLE postgres;"), "SET statements"));
    CHECK(says(refusal("RESET ROLE;"), "RESET statements"));
    CHECK(says(refusal("DO $$ BEGIN PERFORM 1; END $$;"), "DO statements"));
    CHECK(says(refusal("CALL something();"), "CALL statements"));
    CHECK(says(refusal("COPY walkforward_runs FROM '/etc/passwd';"), "COPY statements"));
    CHECK(says(refusal("BEGIN;"), "BEGIN statements"));
    CHECK(says(refusal("COMMIT;"), "COMMIT statements"));
    CHECK(says(refusal("TRUNCATE simulation_runs;"), "TRUNCATE statements"));
    CHECK(says(refusal("WITH x AS (DELETE FROM walkforward_runs RETURNING *) INSERT INTO walkforward_runs "
                       "SELECT * FROM x;"),
               "WITH query"));
    CHECK(says(refusal("(SELECT 1);"), "'(' is never replayed"));
}

TEST_CASE("INSERTs into anything but the four tables, or in any other shape, are refused") {
    CHECK(says(refusal("INSERT INTO stage1_spool_ledger VALUES ('x', 1, 'f', now(), 'applied');"),
               "INSERT INTO stage1_spool_ledger: only"));
    CHECK(says(refusal("INSERT INTO public.stage1_schema_migrations VALUES (99, 'x', 'y', now(), 'z', 1);"),
               "stage1_schema_migrations"));
    CHECK(says(refusal("INSERT INTO other.walkforward_runs (run_id) VALUES ('x');"), "schema public"));
    CHECK(says(refusal("INSERT INTO pg_catalog.pg_authid VALUES ('x');"), "schema public"));
    CHECK(says(refusal("INSERT INTO \"Walkforward_Runs\" (run_id) VALUES ('x');"), "Walkforward_Runs"));
    CHECK(says(refusal("INSERT INTO walkforward_runs SELECT * FROM walkforward_runs;"), "INSERT ... SELECT"));
    CHECK(says(refusal("INSERT INTO walkforward_runs (run_id) SELECT 'x';"), "INSERT ... SELECT"));
    CHECK(says(refusal("INSERT INTO walkforward_runs DEFAULT VALUES;"), "DEFAULT VALUES"));
    CHECK(says(refusal("INSERT INTO walkforward_runs AS r (run_id) VALUES ('x');"), "alias"));
    CHECK(says(refusal("INSERT INTO walkforward_runs (run_id) OVERRIDING SYSTEM VALUE VALUES ('x');"),
               "OVERRIDING"));
    CHECK(says(refusal("INSERT INTO walkforward_runs (run_id) VALUES ('x') RETURNING *;"), "RETURNING"));
    CHECK(says(refusal("INSERT INTO walkforward_runs (run_id) VALUES ('x') ON CONFLICT (run_id) DO UPDATE "
                       "SET status = 'x';"),
               "DO UPDATE"));
    CHECK(says(refusal("INSERT INTO walkforward_runs (run_id, status) VALUES ('x');"),
               "2 column(s) named but a row holds 1"));
    CHECK(says(refusal("INSERT INTO walkforward_runs (run_id) VALUES ('x'); DELETE FROM walkforward_runs;"),
               "a second statement"));
}

TEST_CASE("VALUES hold constants only: calls, subqueries, expressions and odd literals are refused") {
    const std::string head = "INSERT INTO simulation_runs (simulation_id, questdb_namespace) VALUES ('x', ";
    CHECK(says(refusal(head + "pg_read_file('/etc/passwd'));"), "function call (pg_read_file(...))"));
    CHECK(says(refusal(head + "pg_catalog.pg_read_file('/etc/passwd'));"), "pg_catalog.pg_read_file"));
    CHECK(says(refusal(head + "dblink('host=203.0.113.7', 'DROP TABLE x'));"), "dblink"));
    CHECK(says(refusal(head + "public.fn_upsert_placeholder_dataset('s', NULL, NULL)::text);"),
               "public.fn_upsert_placeholder_dataset"));
    CHECK(says(refusal(head + "\"lo_import\"('/etc/passwd'));"), "lo_import"));
    CHECK(says(refusal(head + "(SELECT rolpassword FROM pg_authid LIMIT 1));"), "subquery"));
    CHECK(says(refusal(head + "'a' || current_user);"), "expression in VALUES (at '||')"));
    CHECK(says(refusal(head + "current_user);"), "'current_user' in VALUES is not a constant"));
    CHECK(says(refusal(head + "$$x$$);"), "dollar-quoted"));
    CHECK(says(refusal(head + "$body$ ; DROP TABLE walkforward_runs; $body$);"), "dollar-quoted"));
    CHECK(says(refusal(head + "U&'\\0041');"), "U&''"));
    CHECK(says(refusal(head + "X'1F');"), "X''"));
    CHECK(says(refusal(head + "$1);"), "parameter"));
    CHECK(says(refusal(head + "0x1F);"), "not a plain number"));
    CHECK(says(refusal(head + "'x'::regclass);"), "cast to 'regclass'"));
    CHECK(says(refusal(head + "'x'::evil_type);"), "cast to 'evil_type'"));
    CHECK(says(refusal(head + "'x'::varchar(3));"), "modifier"));
    CHECK(says(refusal(head + "'x'::text::text);"), "second cast"));
    CHECK(says(refusal(head + "CURRENT_TIMESTAMP(3));"), "function call"));
    CHECK(says(refusal(head + "now(1));"), "function call"));
    CHECK(says(refusal(head + "'x' COLLATE \"C\");"), "COLLATE"));
    CHECK(says(refusal(head + "ARRAY['x']);"), "ARRAY"));
    CHECK(says(refusal(head + "'x'\n'y');"), "expression in VALUES"));
    static const char withNul[] = "INSERT INTO simulation_runs (simulation_id) VALUES ('x\0y');";
    CHECK(says(refusal(std::string(withNul, sizeof withNul - 1)), "NUL byte"));
}

TEST_CASE("comments hide nothing: what the lexer skips, PostgreSQL skips too") {
    // Nested block comments: the statement after the comment's inner */ is still inside it.
    accepted(
        "INSERT INTO simulation_runs (simulation_id) VALUES ('x') /* outer /* inner */ ; DROP TABLE t; */;");
    // A line comment ends at the line end: what follows is read, and refused.
    CHECK(says(refusal("INSERT INTO simulation_runs (simulation_id) VALUES ('x') -- note\n; DROP TABLE t;"),
               "second statement"));
    // Through the splitter, a comment that hides a second statement stays one statement, and is accepted
    // only because the server reads the same comment.
    db::SqlSplit split = db::splitSqlStatements(
        "INSERT INTO simulation_runs (simulation_id) VALUES ('a') /* ; DROP TABLE t; /* */ ; */;\n"
        "DROP TABLE walkforward_runs;\n");
    REQUIRE(split.statements.size() == 2);
    CHECK(db::judgeSpoolStatement(split.statements[0].text).accepted());
    CHECK_FALSE(db::judgeSpoolStatement(split.statements[1].text).accepted());
}

TEST_CASE("the lexer reads strings, names and numbers as PostgreSQL does") {
    db::SqlLex lex = db::lexSql(
        "E'it\\'s\\n' 'a''b' \"Mixed\"\"Q\" Word 1.5e-3 .5 1abc $tag$ x;y $tag$ $1 :: - --c\n/* a /* b */ c "
        "*/ ;");
    REQUIRE_FALSE(lex.unterminated);
    REQUIRE(lex.tokens.size() == 12);
    using K = db::SqlTokenKind;
    CHECK(lex.tokens[0].kind == K::EscapeString);
    CHECK(db::sqlStringValue(lex.tokens[0]) == "it's\n");
    CHECK(db::sqlStringValue(lex.tokens[1]) == "a'b");
    CHECK(db::sqlIdentifier(lex.tokens[2]) == "Mixed\"Q");
    CHECK(db::sqlIdentifier(lex.tokens[3]) == "word");
    CHECK(lex.tokens[4].kind == K::Number);
    CHECK(lex.tokens[4].text == "1.5e-3");
    CHECK(lex.tokens[5].kind == K::Number);
    CHECK(lex.tokens[6].kind == K::BadNumber);
    CHECK(lex.tokens[7].kind == K::DollarString);
    CHECK(lex.tokens[8].kind == K::Parameter);
    CHECK(lex.tokens[9].text == "::");
    CHECK(lex.tokens[10].text == "-");
    CHECK(lex.tokens[11].text == ";");
    CHECK(lex.hadComments);

    CHECK(db::lexSql("'open").unterminated == "unterminated quoted string");
    CHECK(db::lexSql("/* /* */").unterminated == "unterminated /* comment");
    CHECK(db::lexSql("$a$ x $b$").unterminated == "unterminated dollar-quoted string");
}

TEST_CASE("E'' strings decode exactly, or not at all") {
    auto value = [](const std::string& literal) {
        db::SqlLex lex = db::lexSql(literal);
        REQUIRE(lex.tokens.size() == 1);
        return db::sqlStringValue(lex.tokens[0]);
    };
    CHECK(value("E'\\x41\\102\\u00e9\\U0001F600\\q'") == "AB\xc3\xa9\xf0\x9f\x98\x80q");
    CHECK(value("E'\\b\\f\\r\\t\\\\'") == "\b\f\r\t\\");
    CHECK(value("E'\\xZ'") == "xZ");
    CHECK(value("E'\\000'") == std::nullopt);  // NUL: PostgreSQL refuses it
    CHECK(value("E'\\u0000'") == std::nullopt);
    CHECK(value("E'\\uD800'") == std::nullopt);   // a lone surrogate
    CHECK(value("E'\\377'") == std::nullopt);     // not UTF-8 on its own
    CHECK(value("E'\\303\\251'") == "\xc3\xa9");  // two octal bytes that are UTF-8 together
    CHECK(value("'\\x41'") == "\\x41");           // standard conforming: no escapes
}

// The grammar is the one reader of an INSERT: the replay merges INSERTs from the pieces it reads.
TEST_CASE("an accepted INSERT's head and rows are its own bytes, comments and all") {
    // The pieces point into the statement: it must outlive them.
    const std::string full =
        "INSERT INTO public.walkforward_runs (a, \"B c\") VALUES (E'x;)', '('), ('$$)$$', -2.5e3::numeric), "
        "(NULL, '2026-11-26'::timestamp with time zone), ('{}'::jsonb, DEFAULT), (true, +1);";
    db::SpoolInsert insert = accepted(full);
    CHECK(insert.head == "INSERT INTO public.walkforward_runs (a, \"B c\") VALUES");
    CHECK(insert.rowsText ==
          "(E'x;)', '('), ('$$)$$', -2.5e3::numeric), (NULL, '2026-11-26'::timestamp with time zone), "
          "('{}'::jsonb, DEFAULT), (true, +1)");
    CHECK(db::isMergeable(insert));

    const std::string crlf = "insert into walkforward_runs values (1)\r\n;";
    db::SpoolInsert bare = accepted(crlf);
    CHECK(bare.head == "insert into walkforward_runs values");
    CHECK(bare.rowsText == "(1)");

    const std::string commented = "INSERT INTO walkforward_runs -- x\nVALUES (1) /* note */;";
    db::SpoolInsert noted = accepted(commented);
    CHECK(noted.head == "INSERT INTO walkforward_runs -- x\nVALUES");
    CHECK(noted.rowsText == "(1)");
    CHECK(db::isMergeable(noted));

    const std::string desktop = app::placeholderInsertStatement(
        *app::previewPlaceholder("btc_2025_4h", "", "").preview, "2026-11-26T12:00:00Z");
    db::SpoolInsert placeholder = accepted(desktop);
    CHECK(placeholder.head.find("INSERT INTO public.indicator_datasets (dataset_id,") == 0);
    CHECK(db::isMergeable(placeholder));
}

TEST_CASE("anything more than a plain INSERT of constants is refused or never merged") {
    for (const char* statement :
         {"INSERT INTO walkforward_runs VALUES (1) RETURNING a;",
          "INSERT INTO walkforward_runs VALUES (1) ON CONFLICT DO NOTHING;",
          "INSERT INTO walkforward_runs AS x VALUES (1);", "INSERT INTO walkforward_runs (a) SELECT 1;",
          "INSERT INTO walkforward_runs DEFAULT VALUES;",
          "INSERT INTO walkforward_runs (a) OVERRIDING SYSTEM VALUE VALUES (1);",
          "INSERT INTO walkforward_runs VALUES (1), ;", "INSERT INTO walkforward_runs VALUES (1;",
          "WITH x AS (SELECT 1) INSERT INTO walkforward_runs VALUES (1);",
          "UPDATE walkforward_runs SET a = 1;", "INSERT INTO walkforward_runs (a VALUES (1);",
          "INSERT INTO VALUES (1);", "INSERT INTO walkforward_runs VALUES (f(1));",
          "INSERT INTO walkforward_runs VALUES ((SELECT max(n) + 1 FROM t));",
          "INSERT INTO walkforward_runs VALUES ($1);", "INSERT INTO walkforward_runs VALUES (now());",
          "INSERT INTO walkforward_runs VALUES (statement_timestamp());",
          "INSERT INTO walkforward_runs VALUES (\"lower\"('X'));",
          "INSERT INTO walkforward_runs VALUES (uuid '00000000-0000-0000-0000-000000000000');"}) {
        CAPTURE(statement);
        db::SpoolVerdict verdict = db::judgeSpoolStatement(statement);
        CHECK((!verdict.accepted() || !db::isMergeable(*verdict.insert)));
    }
}
