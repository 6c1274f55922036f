// db::search::compileRunQuery without a server: the grammar, the SQL forms, the parameters and every
// refusal with its column. tests/integration/test_run_query_sql.cpp runs the same forms on PostgreSQL.
#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "db/search/run_query.hpp"
#include "db/search/run_query_sql.hpp"

using db::search::CompiledQuery;
using db::search::compileRunQuery;
using db::search::QueryError;

namespace {

using Params = std::vector<std::optional<std::string>>;

CompiledQuery compiled(std::string_view query, int firstParam = 1) {
    auto result = compileRunQuery(query, firstParam);
    if (auto* error = std::get_if<QueryError>(&result)) FAIL_CHECK("refused: " << error->text());
    REQUIRE(std::holds_alternative<CompiledQuery>(result));
    return std::get<CompiledQuery>(result);
}

std::string refusal(std::string_view query) {
    auto result = compileRunQuery(query);
    if (auto* error = std::get_if<QueryError>(&result)) return error->text();
    return "accepted: " + std::get<CompiledQuery>(result).condition;
}

Params params(std::initializer_list<const char*> values) {
    Params out;
    for (const char* v : values) out.emplace_back(v);
    return out;
}

// The placeholders a condition uses, each once.
std::set<int> placeholders(const std::string& sql) {
    std::set<int> out;
    static const std::regex kPlaceholder(R"(\$([0-9]+))");
    for (auto it = std::sregex_iterator(sql.begin(), sql.end(), kPlaceholder); it != std::sregex_iterator();
         ++it)
        out.insert(std::stoi((*it)[1]));
    return out;
}

}  // namespace

TEST_CASE("run query: hp. equality is containment with the nested object built client-side") {
    CompiledQuery q = compiled("hp.model = 'xgb'");
    CHECK(q.condition == "($1::text[] IS NOT NULL AND (r.hyperparameters @> $2::jsonb))");
    CHECK(q.params == params({"{\"model\"}", "{\"model\":\"xgb\"}"}));
    REQUIRE(q.fields.size() == 1);
    CHECK(q.fields[0].name == "hp.model");
    CHECK(q.fields[0].sqlText == "r.hyperparameters #>> $1::text[]");

    CHECK(compiled("hp.optimizer.lr = 0.001").params ==
          params({"{\"optimizer\",\"lr\"}", "{\"optimizer\":{\"lr\":0.001}}"}));
    CHECK(compiled("walk.expanding = true").params == params({"{\"expanding\"}", "{\"expanding\":true}"}));
    CHECK(compiled("walk.expanding = false").params[1] == "{\"expanding\":false}");
    CHECK(compiled("hp.seed = null").params[1] == "{\"seed\":null}");
    CHECK(compiled("hp.x = -1.5e-3").params[1] == "{\"x\":-1.5e-3}");
    CHECK(compiled("walk.folds = 5").condition ==
          "($1::text[] IS NOT NULL AND (r.walk_config @> $2::jsonb))");
}

TEST_CASE("run query: quoted keys, nested paths and case rules") {
    CHECK(compiled("hp.\"max-depth\" = 3").params == params({"{\"max-depth\"}", "{\"max-depth\":3}"}));
    CHECK(compiled("hp.\"a.b\".c = 1").params == params({"{\"a.b\",\"c\"}", "{\"a.b\":{\"c\":1}}"}));
    CHECK(compiled("hp.\"say \"\"hi\"\"\" exists").params == params({"{\"say \\\"hi\\\"\"}"}));
    CHECK(compiled("hp.\"back\\slash\" exists").params == params({"{\"back\\\\slash\"}"}));
    CHECK(compiled("hp.\"\" exists").params == params({"{\"\"}"}));
    // Field names and keywords are case-insensitive; keys are not.
    CompiledQuery q = compiled("HP.LR = 1 AnD Hp.lr < 2 OR STATUS = 'x'");
    CHECK(q.params == params({"{\"LR\"}", "{\"LR\":1}", "{\"lr\"}", "2", "x"}));
    REQUIRE(q.fields.size() == 3);
    CHECK(q.fields[0].name == "HP.LR");
    CHECK(q.fields[1].name == "Hp.lr");
    CHECK(q.fields[2].name == "STATUS");
    CHECK(compiled("hp . a . \"b\" exists").fields[0].name == "hp . a . \"b\"");
}

TEST_CASE("run query: every operator on the JSON fields") {
    CHECK(
        compiled("hp.lr != 0.1").condition ==
        "((CASE WHEN jsonb_typeof(r.hyperparameters #> $1::text[]) = 'number' THEN NOT (r.hyperparameters @> "
        "$2::jsonb) ELSE false END))");
    CHECK(compiled("hp.model != 'x'").condition.find("= 'string' THEN NOT") != std::string::npos);
    CHECK(compiled("hp.flag != true").condition.find("= 'boolean' THEN NOT") != std::string::npos);
    CHECK(compiled("hp.seed != null").condition ==
          "((COALESCE(jsonb_typeof(r.hyperparameters #> $1::text[]) <> 'null', false)))");
    CHECK(compiled("hp.lr < 0.1").condition ==
          "((CASE WHEN jsonb_typeof(r.hyperparameters #> $1::text[]) = 'number' THEN (r.hyperparameters #> "
          "$1::text[])::numeric < $2::numeric ELSE false END))");
    CHECK(compiled("hp.lr <= 1").condition.find("::numeric <= $2::numeric") != std::string::npos);
    CHECK(compiled("hp.lr > 1").condition.find("::numeric > $2::numeric") != std::string::npos);
    CHECK(compiled("hp.lr >= 1").condition.find("::numeric >= $2::numeric") != std::string::npos);
    CHECK(compiled("hp.model >= 'm'").condition ==
          "((CASE WHEN jsonb_typeof(r.hyperparameters #> $1::text[]) = 'string' THEN (r.hyperparameters #>> "
          "$1::text[]) COLLATE \"C\" >= $2::text ELSE false END))");
    CompiledQuery like = compiled("hp.model ~ 'X_B%'");
    CHECK(like.condition ==
          "((CASE WHEN jsonb_typeof(r.hyperparameters #> $1::text[]) = 'string' THEN (r.hyperparameters #>> "
          "$1::text[]) ILIKE $2::text ELSE false END))");
    CHECK(like.params[1] == "%X\\_B\\%%");
    CompiledQuery has = compiled("hp.layers has 64");
    CHECK(has.condition == "($1::text[] IS NOT NULL AND (r.hyperparameters @> $2::jsonb))");
    CHECK(has.params[1] == "{\"layers\":[64]}");
    CHECK(compiled("hp.dropout exists").condition == "(((r.hyperparameters #> $1::text[]) IS NOT NULL))");
    CompiledQuery in = compiled("hp.model in ('xgb', 'lgbm', 3)");
    CHECK(in.condition ==
          "($1::text[] IS NOT NULL AND ((r.hyperparameters @> $2::jsonb OR r.hyperparameters @> $3::jsonb OR "
          "r.hyperparameters @> $4::jsonb)))");
    CHECK(in.params ==
          params({"{\"model\"}", "{\"model\":\"xgb\"}", "{\"model\":\"lgbm\"}", "{\"model\":3}"}));
}

TEST_CASE("run query: sim. is EXISTS over the run's simulations, fold. the mean of a numeric metric") {
    CompiledQuery sim = compiled("sim.slippage = 0.5");
    CHECK(
        sim.condition ==
        "($1::text[] IS NOT NULL AND (EXISTS (SELECT 1 FROM simulation_runs s WHERE s.run_id = r.run_id AND "
        "s.parameters @> $2::jsonb)))");
    CHECK(
        sim.fields[0].sqlText ==
        "(SELECT string_agg(DISTINCT s.parameters #>> $1::text[], ', ' ORDER BY s.parameters #>> $1::text[]) "
        "FROM simulation_runs s WHERE s.run_id = r.run_id)");
    // The in list is grouped inside the EXISTS (AND binds tighter than OR).
    CHECK(compiled("sim.a in (1, 2)")
              .condition.find("s.run_id = r.run_id AND (s.parameters @> $2::jsonb OR "
                              "s.parameters @> $3::jsonb))") != std::string::npos);
    CHECK(compiled("sim.fee < 1")
              .condition.find("s.run_id = r.run_id AND CASE WHEN jsonb_typeof(s.parameters") !=
          std::string::npos);

    const std::string mean =
        "(SELECT avg(CASE WHEN jsonb_typeof(f.metrics #> $1::text[]) = 'number' THEN (f.metrics #> "
        "$1::text[])::numeric END) FROM walkforward_folds f WHERE f.run_id = r.run_id)";
    CHECK(compiled("fold.sharpe > 1.5").condition == "((COALESCE(" + mean + " > $2::numeric, false)))");
    CHECK(compiled("fold.sharpe exists").condition == "((" + mean + " IS NOT NULL))");
    CHECK(compiled("fold.sharpe in (1, 2)").condition ==
          "((COALESCE(" + mean + " IN ($2::numeric, $3::numeric), false)))");
    CHECK(compiled("fold.sharpe = 1").fields[0].sqlText.find("trim_scale(avg(") != std::string::npos);
}

TEST_CASE("run query: features, the text columns and created") {
    CompiledQuery features = compiled("features has 'rsi_14'");
    CHECK(features.condition == "((r.feature_columns @> $1::jsonb))");
    CHECK(features.params == params({"[\"rsi_14\"]"}));
    CHECK(features.fields[0].sqlText == "r.feature_columns::text");

    CHECK(compiled("status = 'completed'").condition == "((r.status = $1::text))");
    CHECK(compiled("status != 'failed'").condition == "((r.status <> $1::text))");
    CHECK(compiled("status < 'm'").condition == "((r.status COLLATE \"C\" < $1::text))");
    CHECK(compiled("dataset ~ 'btc'").condition == "((d.questdb_tag ILIKE $1::text))");
    CHECK(compiled("dataset ~ 'btc'").params == params({"%btc%"}));
    CHECK(compiled("symbol in ('BTC', 'ETH')").condition == "((d.symbol IN ($1::text, $2::text)))");
    CHECK(compiled("measurement ~ 'close'").condition == "((r.prediction_measurement ILIKE $1::text))");
    CHECK(compiled("created > '2025-06-01'").condition == "((r.created_at > $1::timestamptz))");
    CHECK(compiled("created <= '2025-06-01T12:30:00.123456+02:00'").params ==
          params({"2025-06-01T12:30:00.123456+02:00"}));
    for (const char* ok : {"2024-02-29", "2025-06-01 12:00", "2025-06-01T12:00:59Z", "2025-06-01T12:00-0530",
                           "2025-06-01 00:00:00+14"}) {
        CAPTURE(ok);
        CHECK(compiled(std::string("created = '") + ok + "'").params == params({ok}));
    }
    CHECK(compiled("created != '2025-01-01'").condition == "((r.created_at <> $1::timestamptz))");
}

TEST_CASE("run query: precedence is not > and > or, parentheses group") {
    CHECK(compiled("status = 'a' or status = 'b' and status = 'c'").condition ==
          "(((r.status = $1::text) OR ((r.status = $2::text) AND (r.status = $3::text))))");
    CHECK(compiled("(status = 'a' or status = 'b') and status = 'c'").condition ==
          "((((r.status = $1::text) OR (r.status = $2::text)) AND (r.status = $3::text)))");
    CHECK(compiled("not status = 'a' and status = 'b'").condition ==
          "(((NOT (r.status = $1::text)) AND (r.status = $2::text)))");
    CHECK(compiled("NOT not status = 'a'").condition == "((NOT (NOT (r.status = $1::text))))");
    CHECK(compiled("status = 'a' or status = 'b' or status = 'c'").condition ==
          "(((r.status = $1::text) OR (r.status = $2::text) OR (r.status = $3::text)))");
}

TEST_CASE("run query: placeholders start at firstParam and each field is named once") {
    CompiledQuery q = compiled("hp.lr < 1 and fold.sharpe > 0 and hp.lr > 0 and status = 'x'", 3);
    CHECK(placeholders(q.condition) == std::set<int>{3, 4, 5, 6, 7, 8});
    CHECK(q.params.size() == 6);
    REQUIRE(q.fields.size() == 3);
    CHECK(q.fields[0].name == "hp.lr");
    CHECK(q.fields[0].sqlText == "r.hyperparameters #>> $3::text[]");
    CHECK(q.fields[1].name == "fold.sharpe");
    CHECK(q.fields[2].sqlText == "r.status");
    // Every parameter a field's sqlText uses is used by the condition too.
    for (const char* query : {"hp.a = 1", "sim.a has 1 or walk.b in (1, 2)", "fold.m = 1"}) {
        CompiledQuery c = compiled(query, 2);
        std::set<int> used = placeholders(c.condition);
        CHECK(used.size() == c.params.size());
        for (const auto& field : c.fields)
            for (int n : placeholders(field.sqlText)) CHECK(used.count(n) == 1);
    }
}

TEST_CASE("run query: refusals say where and what was expected") {
    const std::pair<const char*, const char*> cases[] = {
        {"", "column 1: empty query"},
        {"   ", "column 1: empty query"},
        {"hp.learning = ", "column 15: expected a value after '='"},
        {"hp.learning = and", "column 15: expected a value after '='"},
        {"hpx = 1",
         "column 1: unknown field 'hpx' (fields: hp.<key>, walk.<key>, sim.<key>, fold.<metric>, features, "
         "status, "
         "dataset, symbol, measurement, created)"},
        {"hp.lr = 'abc", "column 9: unterminated string"},
        {"hp.\"abc = 1", "column 4: unterminated quoted key"},
        {"(status = 'a' or hp.x = 1", "column 26: expected ')'"},
        {"status = 'a')", "column 13: unexpected ')'"},
        {"status = 'a' status = 'b'", "column 14: expected 'and', 'or' or the end of the query"},
        {"status = 'a' and", "column 17: expected a field"},
        {"and status = 'a'", "column 1: expected a field, found 'and'"},
        {"()", "column 2: expected a field"},
        {"hp = 1", "column 4: expected '.' and a key after 'hp'"},
        {"hp.", "column 4: expected a key after '.'"},
        {"hp.1 = 1", "column 4: expected a key after '.'"},
        {"status.x = 'a'", "column 7: 'status' has no keys"},
        {"status 'a'", "column 8: expected an operator after 'status' (= != < <= > >= ~ has exists in)"},
        {"hp.x has", "column 9: expected a value after 'has'"},
        {"hp.x in 1", "column 9: expected '(' after 'in'"},
        {"hp.x in ()", "column 10: expected a value after '('"},
        {"hp.x in (1 2)", "column 12: expected ',' or ')'"},
        {"hp.x in (1,)", "column 12: expected a value after ','"},
        {"hp.x = 01", "column 8: malformed number '01'"},
        {"hp.x = 1.", "column 8: malformed number '1.'"},
        {"hp.x = 1abc", "column 8: malformed number '1abc'"},
        {"hp.x = 1e1001", "column 8: number out of range (exponent beyond ±1000)"},
        {"hp.x = -", "column 8: unexpected character '-'"},
        {"hp.x = #", "column 8: unexpected character '#'"},
        {"hp.é = 1", "column 4: unexpected character U+00E9"},
        {"status = 'é' and #", "column 18: unexpected character '#'"},
        {"hp.x ~ 5", "column 8: '~' needs a 'string'"},
        {"hp.x < true", "column 8: ordering needs a number or a 'string'"},
        {"hp.x < null", "column 8: ordering needs a number or a 'string'"},
        {"features > 3", "column 10: '>' does not apply to features (it takes: has)"},
        {"features = 'a'", "column 10: '=' does not apply to features (it takes: has)"},
        {"features has 3", "column 14: expected a feature name in quotes, e.g. features has 'rsi_14'"},
        {"created ~ 'x'", "column 9: '~' does not apply to created (it takes: = != < <= > >=)"},
        {"created in ('2025-01-01')", "column 9: 'in' does not apply to created (it takes: = != < <= > >=)"},
        {"created > 5", "column 11: expected a date or time like '2025-06-01' or '2025-06-01T12:00:00Z'"},
        {"created > '2025-13-01'",
         "column 11: expected a date or time like '2025-06-01' or '2025-06-01T12:00:00Z'"},
        {"status > 5", "column 10: status is text: expected a 'quoted string'"},
        {"status = null", "column 10: status is text: expected a 'quoted string'"},
        {"status exists", "column 8: 'exists' does not apply to status (it takes: = != < <= > >= ~ in)"},
        {"symbol has 'x'", "column 8: 'has' does not apply to symbol (it takes: = != < <= > >= ~ in)"},
        {"fold.sharpe ~ 'x'",
         "column 13: '~' does not apply to fold.sharpe (it takes: = != < <= > >= in exists)"},
        {"fold.sharpe > 'x'", "column 15: fold.sharpe is a number (the mean over folds): expected a number"},
        {"not", "column 4: expected a field"},
        {"hp.x = 'a\xff'", "column 10: invalid UTF-8"},
    };
    for (const auto& [query, expected] : cases) {
        CAPTURE(std::string(query));
        CHECK(refusal(query) == std::string(expected));
    }
    CHECK(refusal(std::string_view("hp.x = '\0'", 10)) == "column 9: NUL character is not allowed");
}

TEST_CASE("run query: bad dates") {
    for (const char* bad :
         {"2025-02-29", "2025-6-01", "2025-06-01T", "2025-06-01T24:00", "2025-06-01T12:60",
          "2025-06-01 12:00:60", "2025-06-01 12:00:00.", "2025-06-01 12:00:00.1234567", "2025-06-01Z",
          "2025-06-01 12:00+15", "2025-06-01 12:00+01:", "2025-06-01 12:00+0", "0000-01-01",
          "2025-06-01 12:00 UTC", "now", "infinity", "2025-06-01x"}) {
        CAPTURE(bad);
        CHECK(refusal(std::string("created = '") + bad + "'") ==
              "column 11: expected a date or time like '2025-06-01' or '2025-06-01T12:00:00Z'");
    }
}

TEST_CASE("run query: columns count code points, not bytes") {
    CHECK(refusal("status = 'ééé' and x = 1") ==
          "column 20: unknown field 'x' (fields: hp.<key>, walk.<key>, sim.<key>, fold.<metric>, features, "
          "status, "
          "dataset, symbol, measurement, created)");
    CHECK(refusal("hp.\"日本\" = ") == "column 11: expected a value after '='");
}

TEST_CASE("run query: limits on length, nesting and comparisons") {
    std::string longest = "status = '" + std::string(db::search::kMaxQueryBytes - 11, 'x') + "'";
    CHECK(longest.size() == db::search::kMaxQueryBytes);
    CHECK(compiled(longest).params.size() == 1);
    CHECK(refusal(longest + " ") == "column 4097: query longer than 4096 bytes");
    CHECK(refusal(std::string(100000, '(')) == "column 4097: query longer than 4096 bytes");

    auto nested = [](int depth) {
        return std::string(depth, '(') + "status = 'a'" + std::string(depth, ')');
    };
    CHECK(compiled(nested(32)).params.size() == 1);
    CHECK(refusal(nested(33)) == "column 33: nesting deeper than 32 levels");
    std::string nots;
    for (int i = 0; i < 33; ++i) nots += "not ";
    CHECK(refusal(nots + "status = 'a'") == "column 129: nesting deeper than 32 levels");
    CHECK(refusal(std::string(2000, '(')) == "column 33: nesting deeper than 32 levels");

    std::string many = "status = 'a'";
    for (int i = 1; i < 64; ++i) many += " or status = 'a'";
    CHECK(compiled(many).params.size() == 64);
    CHECK(refusal(many + " or status = 'a'") ==
          "column " + std::to_string(many.size() + 5) + ": more than 64 comparisons");
    std::string list = "symbol in ('a'";
    for (int i = 1; i < 64; ++i) list += ",'a'";
    CHECK(compiled(list + ")").params.size() == 64);
    CHECK(refusal(list + ",'a')") ==
          "column " + std::to_string(list.size() + 2) + ": more than 64 comparisons");
}

TEST_CASE("run query: hostile values and keys reach only the parameters") {
    const std::vector<std::string> hostile = {"'); DROP TABLE walkforward_runs; --",
                                              "$1",
                                              "$$; DROP TABLE x; $$",
                                              "\\",
                                              "\\'",
                                              "a\"b",
                                              "%_%",
                                              "/* */ OR 1=1 --",
                                              "日本語 ü",
                                              "line\nbreak",
                                              "tab\there",
                                              "{\"a\":1}",
                                              "}{,\"",
                                              "::text[]",
                                              "E'\\x27"};
    // {K} a quoted key, {V} a string literal's content.
    const char* const shapes[] = {"hp.\"{K}\" = '{V}'",
                                  "sim.\"{K}\" ~ '{V}'",
                                  "walk.\"{K}\".x in ('{V}', 1)",
                                  "fold.\"{K}\" > 1",
                                  "hp.\"{K}\" < '{V}'",
                                  "sim.\"{K}\" has '{V}' or hp.\"{K}\" != '{V}'",
                                  "status = '{V}' or dataset ~ '{V}'",
                                  "features has '{V}'"};
    auto fill = [](std::string shape, const std::string& raw) {
        std::string asString, asKey;
        for (char c : raw) asString += c == '\'' ? std::string("''") : std::string(1, c);
        for (char c : raw) asKey += c == '"' ? std::string("\"\"") : std::string(1, c);
        for (size_t at; (at = shape.find("{K}")) != std::string::npos;) shape.replace(at, 3, asKey);
        for (size_t at; (at = shape.find("{V}")) != std::string::npos;) shape.replace(at, 3, asString);
        return shape;
    };
    for (const char* shape : shapes) {
        CompiledQuery benign = compiled(fill(shape, "k"));
        for (const std::string& raw : hostile) {
            std::string query = fill(shape, raw);
            CAPTURE(query);
            CompiledQuery q = compiled(query);
            // The SQL text does not depend on the values and keys at all: only the parameters do.
            CHECK(q.condition == benign.condition);
            CHECK(q.params.size() == benign.params.size());
            CHECK(q.params != benign.params);
            CHECK(placeholders(q.condition).size() == q.params.size());
            for (size_t i = 0; i < q.fields.size(); ++i)
                CHECK(q.fields[i].sqlText == benign.fields[i].sqlText);
        }
        // And the benign condition holds no quote but the fixed type names and collation.
        std::string stripped = std::regex_replace(
            benign.condition, std::regex("'(number|string|boolean|null)'|COLLATE \"C\""), "");
        CHECK(stripped.find('\'') == std::string::npos);
        CHECK(stripped.find('"') == std::string::npos);
    }
}

TEST_CASE("run query: the parameter encodings") {
    CHECK(db::search::textArrayLiteral({"a", "b\"c", "d\\e", "", "{,}", "NULL"}) ==
          "{\"a\",\"b\\\"c\",\"d\\\\e\",\"\",\"{,}\",\"NULL\"}");
    CHECK(db::search::jsonString("q\"b\\\n\x01é") == "\"q\\\"b\\\\\\u000a\\u0001é\"");
    CHECK(db::search::containsPattern("50%_a\\b") == "%50\\%\\_a\\\\b%");
}
