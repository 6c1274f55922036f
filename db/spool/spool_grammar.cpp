#include "db/spool/spool_grammar.hpp"

#include <algorithm>

#include "db/spool/sql_lexer.hpp"

namespace db {

const std::vector<std::string_view> kSpoolTables = {"indicator_datasets", "walkforward_runs",
                                                    "walkforward_folds", "simulation_runs"};

// The types of the four tables' columns and their usual spellings; the server still checks that
// the cast fits the column. No user-defined type: its input function could be anything.
const std::vector<std::string_view> kSpoolCastTypes = {"uuid",
                                                       "text",
                                                       "varchar",
                                                       "character varying",
                                                       "jsonb",
                                                       "json",
                                                       "bigint",
                                                       "int8",
                                                       "integer",
                                                       "int",
                                                       "int4",
                                                       "smallint",
                                                       "int2",
                                                       "numeric",
                                                       "decimal",
                                                       "real",
                                                       "float4",
                                                       "float8",
                                                       "double precision",
                                                       "boolean",
                                                       "bool",
                                                       "date",
                                                       "timestamptz",
                                                       "timestamp with time zone",
                                                       "timestamp",
                                                       "timestamp without time zone"};

namespace {

using K = SqlTokenKind;

// A refusal: the reason, shown to the operator beside the statement.
struct Refused {
    std::string reason;
};

std::string shown(std::string_view text) {
    std::string out(text.substr(0, 40));
    for (char& c : out)
        if (c == '\n' || c == '\r' || c == '\t') c = ' ';
    return text.size() > 40 ? out + "..." : out;
}

std::string upper(std::string_view word) {
    std::string out(word);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

const char* kOnlyInserts =
    "only INSERT INTO indicator_datasets, walkforward_runs, walkforward_folds or simulation_runs is replayed";

class Reader {
  public:
    Reader(std::string_view text, const std::vector<SqlToken>& tokens) : text_(text), t_(tokens) {}

    SpoolInsert insert() {
        statementStart();
        SpoolInsert out;
        out.table = tableName();
        if (keywordAhead("AS"))
            refuse("an alias (AS ...) after the table name is not something a desktop writes");
        if (peek() && peek()->kind == K::Word && !keywordAhead("VALUES") && !keywordAhead("OVERRIDING") &&
            !keywordAhead("DEFAULT") && !keywordAhead("SELECT") && !keywordAhead("WITH") &&
            !keywordAhead("TABLE"))
            refuse("expected a column list or VALUES after INSERT INTO " + out.table + ", found " +
                   describeNext());
        if (punct("(")) out.columns = nameList("a column name", "the column list");
        if (keywordAhead("OVERRIDING")) refuse("OVERRIDING is not replayed");
        if (keywordAhead("DEFAULT"))
            refuse("DEFAULT VALUES is not replayed; name the columns and their values");
        if (keywordAhead("SELECT") || keywordAhead("WITH") || keywordAhead("TABLE") || punctAhead("("))
            refuse(
                "INSERT ... SELECT (a query as the source of rows) is not replayed; only VALUES of "
                "constants");
        if (!keyword("VALUES")) refuse("expected VALUES, found " + describeNext());
        out.head = spanOf(t_.front(), t_[i_ - 1]);
        const size_t firstRow = i_;
        do {
            out.rows.push_back(row(out.columns.size()));
        } while (punct(","));
        out.rowsText = spanOf(t_[firstRow], t_[i_ - 1]);
        out.onConflictDoNothing = onConflict();
        if (keywordAhead("RETURNING")) refuse("RETURNING is not replayed");
        if (punctAhead(";")) refuse("a second statement follows in the same text");
        if (peek()) refuse("unexpected " + describeNext() + " after the VALUES rows");
        return out;
    }

  private:
    const SqlToken* peek(size_t ahead = 0) const {
        return i_ + ahead < t_.size() ? &t_[i_ + ahead] : nullptr;
    }
    bool keywordAhead(std::string_view word, size_t ahead = 0) const {
        return peek(ahead) && isSqlKeyword(*peek(ahead), word);
    }
    bool punctAhead(std::string_view p, size_t ahead = 0) const {
        return peek(ahead) && peek(ahead)->kind == K::Punct && peek(ahead)->text == p;
    }
    bool keyword(std::string_view word) {
        if (!keywordAhead(word)) return false;
        ++i_;
        return true;
    }
    bool punct(std::string_view p) {
        if (!punctAhead(p)) return false;
        ++i_;
        return true;
    }
    // The text from the first token's first byte through the last token's last byte.
    std::string_view spanOf(const SqlToken& first, const SqlToken& last) const {
        return text_.substr(first.offset, last.offset + last.text.size() - first.offset);
    }
    [[noreturn]] void refuse(const std::string& reason) const { throw Refused{reason}; }
    std::string describeNext() const {
        return peek() ? "'" + shown(peek()->text) + "'" : std::string("the end of the statement");
    }

    void statementStart() {
        const SqlToken* first = peek();
        if (!first) refuse("an empty statement");
        if (isSqlKeyword(*first, "WITH"))
            refuse("a WITH query (CTE) is not replayed: its parts could write or read anything; " +
                   std::string(kOnlyInserts));
        if (!isSqlKeyword(*first, "INSERT")) {
            const std::string what = first->kind == K::Word ? upper(first->text) + " statements are"
                                                            : "'" + shown(first->text) + "' is";
            refuse(what + " never replayed: " + kOnlyInserts);
        }
        ++i_;
        if (!keyword("INTO")) refuse("expected INTO after INSERT, found " + describeNext());
    }

    std::string name(const char* what) {
        const SqlToken* token = peek();
        if (!token || (token->kind != K::Word && token->kind != K::QuotedIdentifier))
            refuse(std::string("expected ") + what + ", found " + describeNext());
        ++i_;
        return *sqlIdentifier(*token);
    }

    std::string tableName() {
        std::vector<std::string> parts{name("a table name")};
        while (punct(".")) parts.push_back(name("a table name"));
        std::string written;
        for (const auto& p : parts) written += (written.empty() ? "" : ".") + p;
        if (parts.size() > 2 || (parts.size() == 2 && parts[0] != "public"))
            refuse("INSERT INTO " + written + ": only the four Stage 1 tables in schema public are replayed");
        const std::string& table = parts.back();
        if (std::find(kSpoolTables.begin(), kSpoolTables.end(), table) == kSpoolTables.end())
            refuse("INSERT INTO " + written + ": " + kOnlyInserts);
        return table;
    }

    // After the '(': name [, name]... ')'; `item` names one of them, `what` the list.
    std::vector<std::string> nameList(const char* item, const char* what) {
        std::vector<std::string> names;
        do {
            names.push_back(name(item));
            if (punctAhead(".") || punctAhead("["))
                refuse(std::string("a field or subscript in ") + what + " is not replayed");
        } while (punct(","));
        if (!punct(")")) refuse(std::string("expected ',' or ')' in ") + what + ", found " + describeNext());
        return names;
    }

    std::vector<SpoolValue> row(size_t columns) {
        if (!punct("(")) refuse("expected '(' to open a VALUES row, found " + describeNext());
        std::vector<SpoolValue> values;
        do {
            values.push_back(value());
        } while (punct(","));
        if (!punct(")"))
            refuse("an expression in VALUES (at " + describeNext() + "): only constants are replayed");
        if (columns && values.size() != columns)
            refuse(std::to_string(columns) + " column(s) named but a row holds " +
                   std::to_string(values.size()) + " value(s)");
        return values;
    }

    SpoolValue value() {
        SpoolValue v;
        const SqlToken* token = peek();
        if (!token) refuse("the statement ends inside a VALUES row");
        if (token->kind == K::Operator && (token->text == "-" || token->text == "+") && peek(1) &&
            peek(1)->kind == K::Number) {
            v.negative = token->text == "-";
            ++i_;
            token = peek();
        }
        switch (token->kind) {
            case K::String:
                v.kind = SpoolValue::Kind::String;
                break;
            case K::EscapeString:
                v.kind = SpoolValue::Kind::EscapeString;
                break;
            case K::Number:
                v.kind = SpoolValue::Kind::Number;
                break;
            case K::BadNumber:
                refuse("'" + shown(token->text) +
                       "' is not a plain number (its meaning differs between PostgreSQL versions)");
            case K::DollarString:
                refuse("a dollar-quoted string ($$...$$) in VALUES is not something a desktop writes");
            case K::PrefixedString:
                refuse("a B'', X'', N'' or U&'' string in VALUES is not something a desktop writes");
            case K::Parameter:
                refuse("a parameter ($n) in VALUES cannot be replayed");
            case K::Punct:
                if (token->text == "(")
                    refuse("a subquery or parenthesised expression in VALUES is not replayed");
                refuse("expected a value, found " + describeNext());
            case K::Operator:
                refuse("an expression in VALUES (operator '" + shown(token->text) +
                       "'): only constants are replayed");
            case K::QuotedIdentifier:
            case K::UnicodeIdentifier:
                refuse("a column reference or function call (" + shown(token->text) +
                       ") in VALUES is not replayed");
            case K::Word:
                wordValue(v);
                return castAfter(v);
        }
        v.text = token->text;
        ++i_;
        return castAfter(v);
    }

    // NULL, TRUE, FALSE, DEFAULT, or a clock: anything else named here is a call or a reference.
    void wordValue(SpoolValue& v) {
        const SqlToken& token = *peek();
        v.text = token.text;
        static const std::vector<std::pair<std::string_view, SpoolValue::Kind>> constants = {
            {"NULL", SpoolValue::Kind::Null},
            {"TRUE", SpoolValue::Kind::True},
            {"FALSE", SpoolValue::Kind::False},
            {"DEFAULT", SpoolValue::Kind::Default}};
        for (const auto& [word, kind] : constants)
            if (isSqlKeyword(token, word)) {
                v.kind = kind;
                ++i_;
                return;
            }
        // SQL's clock keywords take no parentheses (a precision would be an expression).
        for (std::string_view clock : {"CURRENT_TIMESTAMP", "CURRENT_DATE", "LOCALTIMESTAMP"})
            if (isSqlKeyword(token, clock) && !punctAhead("(", 1)) {
                v.kind = SpoolValue::Kind::Clock;
                ++i_;
                return;
            }
        // now() and friends, optionally pg_catalog.: no arguments, nothing else callable.
        size_t nameAt = 0;
        if (isSqlKeyword(token, "PG_CATALOG") && punctAhead(".", 1)) nameAt = 2;
        const SqlToken* fn = peek(nameAt);
        if (fn && fn->kind == K::Word && punctAhead("(", nameAt + 1) && punctAhead(")", nameAt + 2))
            for (std::string_view clock :
                 {"NOW", "TRANSACTION_TIMESTAMP", "STATEMENT_TIMESTAMP", "CLOCK_TIMESTAMP"})
                if (isSqlKeyword(*fn, clock)) {
                    v.kind = SpoolValue::Kind::Clock;
                    v.text = fn->text;
                    i_ += nameAt + 3;
                    return;
                }
        std::string called(token.text);
        size_t next = 1;
        while (punctAhead(".", next) && peek(next + 1) &&
               (peek(next + 1)->kind == K::Word || peek(next + 1)->kind == K::QuotedIdentifier)) {
            called += "." + std::string(peek(next + 1)->text);
            next += 2;
        }
        if (punctAhead("(", next))
            refuse("a function call (" + shown(called) +
                   "(...)) in VALUES is not replayed: only now(), "
                   "CURRENT_TIMESTAMP and the other clocks are");
        if (isSqlKeyword(token, "SELECT")) refuse("a subquery in VALUES is not replayed");
        refuse("'" + shown(called) +
               "' in VALUES is not a constant: only literals, NULL, TRUE, FALSE, DEFAULT and "
               "the clocks are replayed");
    }

    SpoolValue castAfter(SpoolValue v) {
        if (!punct("::")) {
            if (keywordAhead("COLLATE")) refuse("COLLATE in VALUES is not replayed");
            return v;
        }
        std::vector<std::string> words;
        if (keywordAhead("PG_CATALOG") && punctAhead(".", 1)) i_ += 2;
        while (peek() && peek()->kind == K::Word && !keywordAhead("COLLATE") && !keywordAhead("ON") &&
               !keywordAhead("RETURNING"))
            words.push_back(*sqlIdentifier(*peek())), ++i_;
        std::string type;
        for (const auto& w : words) type += (type.empty() ? "" : " ") + w;
        if (type.empty()) refuse("expected a type name after ::, found " + describeNext());
        if (punctAhead("(") || punctAhead("[") || punctAhead("."))
            refuse("a cast to '" + type + "' with a modifier, array brackets or a schema is not replayed");
        if (std::find(kSpoolCastTypes.begin(), kSpoolCastTypes.end(), type) == kSpoolCastTypes.end())
            refuse("a cast to '" + shown(type) +
                   "' is not replayed: only the built-in types of the Stage 1 columns (uuid, "
                   "text, jsonb, timestamptz, integers, numeric, boolean, ...) are");
        if (punctAhead("::")) refuse("a second cast in VALUES is not replayed");
        v.castType = type;
        return v;
    }

    // ON CONFLICT [ (columns) | ON CONSTRAINT name ] DO NOTHING; true when present.
    bool onConflict() {
        if (!keyword("ON")) return false;
        if (!keyword("CONFLICT")) refuse("expected CONFLICT after ON, found " + describeNext());
        if (punct("(")) {
            nameList("a column name", "the ON CONFLICT target");
        } else if (keyword("ON")) {
            if (!keyword("CONSTRAINT")) refuse("expected CONSTRAINT, found " + describeNext());
            name("a constraint name");
        }
        if (keywordAhead("WHERE")) refuse("ON CONFLICT ... WHERE is not replayed");
        if (!keyword("DO")) refuse("expected DO NOTHING after ON CONFLICT, found " + describeNext());
        if (keywordAhead("UPDATE"))
            refuse("ON CONFLICT DO UPDATE is not replayed: only DO NOTHING (a spool never changes a row)");
        if (!keyword("NOTHING")) refuse("expected NOTHING after ON CONFLICT DO, found " + describeNext());
        return true;
    }

    std::string_view text_;
    const std::vector<SqlToken>& t_;
    size_t i_ = 0;
};

}  // namespace

SpoolVerdict judgeSpoolStatement(std::string_view statementText) {
    SpoolVerdict verdict;
    if (const size_t nul = statementText.find('\0'); nul != std::string_view::npos) {
        verdict.refusal = "the statement contains a NUL byte (0x00) at byte " + std::to_string(nul + 1) +
                          ", which PostgreSQL cannot take in statement text";
        return verdict;
    }
    SqlLex lex = lexSql(statementText);
    if (lex.unterminated) {
        verdict.refusal = "the statement is cut off: " + *lex.unterminated;
        return verdict;
    }
    std::vector<SqlToken>& tokens = lex.tokens;
    if (!tokens.empty() && tokens.back().kind == K::Punct && tokens.back().text == ";") tokens.pop_back();
    try {
        verdict.insert = Reader(statementText, tokens).insert();
    } catch (const Refused& r) {
        verdict.refusal = r.reason;
    }
    return verdict;
}

}  // namespace db

namespace db {

std::optional<std::string> spoolValueText(const SpoolValue& value) {
    switch (value.kind) {
        case SpoolValue::Kind::Number:
            return (value.negative ? "-" : "") + std::string(value.text);
        case SpoolValue::Kind::String:
        case SpoolValue::Kind::EscapeString: {
            const SqlLex lex = lexSql(value.text);
            if (lex.tokens.size() != 1) return std::nullopt;
            return sqlStringValue(lex.tokens[0]);
        }
        default:
            return std::nullopt;
    }
}

}  // namespace db
