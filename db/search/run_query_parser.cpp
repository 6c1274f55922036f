#include "db/search/run_query_parser.hpp"

#include <optional>

#include "db/search/run_query_lexer.hpp"

namespace db::search {

namespace {

const char* const kFieldList =
    "hp.<key>, walk.<key>, sim.<key>, fold.<metric>, features, status, dataset, symbol, measurement, created";

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    return out;
}

bool isKeyword(const QueryToken& token, const char* keyword) {
    return token.kind == QueryTokenKind::Word && lower(token.text) == keyword;
}

std::optional<FieldKind> fieldNamed(const std::string& name) {
    static const std::pair<const char*, FieldKind> kFields[] = {{"hp", FieldKind::Hyper},
                                                                {"walk", FieldKind::Walk},
                                                                {"sim", FieldKind::Sim},
                                                                {"fold", FieldKind::Fold},
                                                                {"features", FieldKind::Features},
                                                                {"status", FieldKind::Status},
                                                                {"dataset", FieldKind::Dataset},
                                                                {"symbol", FieldKind::Symbol},
                                                                {"measurement", FieldKind::Measurement},
                                                                {"created", FieldKind::Created}};
    for (const auto& [n, kind] : kFields)
        if (name == n) return kind;
    return std::nullopt;
}

bool isTextColumn(FieldKind kind) {
    return kind == FieldKind::Status || kind == FieldKind::Dataset || kind == FieldKind::Symbol ||
           kind == FieldKind::Measurement;
}

bool isOrdering(CompareOp op) {
    return op == CompareOp::Lt || op == CompareOp::Le || op == CompareOp::Gt || op == CompareOp::Ge;
}

// Which operators a field takes, as the error message lists them.
const char* operatorsOf(FieldKind kind) {
    if (kind == FieldKind::Fold) return "= != < <= > >= in exists";
    if (kind == FieldKind::Features) return "has";
    if (kind == FieldKind::Created) return "= != < <= > >=";
    if (isTextColumn(kind)) return "= != < <= > >= ~ in";
    return "= != < <= > >= ~ has exists in";
}

bool takesOperator(FieldKind kind, CompareOp op) {
    switch (kind) {
        case FieldKind::Hyper:
        case FieldKind::Walk:
        case FieldKind::Sim:
            return true;
        case FieldKind::Fold:
            return op != CompareOp::Like && op != CompareOp::Has;
        case FieldKind::Features:
            return op == CompareOp::Has;
        case FieldKind::Created:
            return op == CompareOp::Eq || op == CompareOp::Ne || isOrdering(op);
        default:
            return op != CompareOp::Has && op != CompareOp::Exists;
    }
}

bool digitsAt(std::string_view s, size_t at, size_t count, int& value) {
    if (at + count > s.size()) return false;
    value = 0;
    for (size_t i = at; i < at + count; ++i) {
        if (s[i] < '0' || s[i] > '9') return false;
        value = value * 10 + (s[i] - '0');
    }
    return true;
}

// YYYY-MM-DD [('T'|' ')HH:MM[:SS[.fraction]]] [Z|±HH[:MM]|±HHMM], every field in range, so the server's
// timestamptz input never refuses what passed here (whatever its DateStyle).
bool isIsoDateTime(std::string_view s) {
    int year, month, day;
    if (!digitsAt(s, 0, 4, year) || s.size() < 10 || s[4] != '-' || !digitsAt(s, 5, 2, month) ||
        s[7] != '-' || !digitsAt(s, 8, 2, day))
        return false;
    static const int kDays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (year < 1 || month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (month == 2 && day == 29 && !leap) return false;
    size_t at = 10;
    if (at == s.size()) return true;
    int hour, minute, second;
    if ((s[at] != 'T' && s[at] != ' ') || !digitsAt(s, at + 1, 2, hour) || at + 3 >= s.size() ||
        s[at + 3] != ':' || !digitsAt(s, at + 4, 2, minute) || hour > 23 || minute > 59)
        return false;
    at += 6;
    if (at < s.size() && s[at] == ':') {
        if (!digitsAt(s, at + 1, 2, second) || second > 59) return false;
        at += 3;
        if (at < s.size() && s[at] == '.') {
            size_t digits = 0;
            while (at + 1 + digits < s.size() && s[at + 1 + digits] >= '0' && s[at + 1 + digits] <= '9')
                ++digits;
            if (digits == 0 || digits > 6) return false;
            at += 1 + digits;
        }
    }
    if (at == s.size()) return true;
    if (s[at] == 'Z' && at + 1 == s.size()) return true;
    if (s[at] != '+' && s[at] != '-') return false;
    int zoneHours, zoneMinutes = 0;
    if (!digitsAt(s, at + 1, 2, zoneHours) || zoneHours > 14) return false;
    at += 3;
    if (at == s.size()) return true;
    if (s[at] == ':') ++at;
    return digitsAt(s, at, 2, zoneMinutes) && zoneMinutes <= 59 && at + 2 == s.size();
}

// Thrown inside the parser only; parseRunQuery turns it into its result.
struct ParseFailure {
    QueryError error;
};

class Parser {
  public:
    explicit Parser(std::string_view query) : query_(query), lexer_(query) {}

    QueryNode parseQuery() {
        if (peek().kind == QueryTokenKind::End) fail(1, "empty query");
        QueryNode root = parseOr(0);
        const QueryToken& rest = peek();
        if (rest.kind == QueryTokenKind::RParen) fail(rest.column, "unexpected ')'");
        if (rest.kind != QueryTokenKind::End)
            fail(rest.column, "expected 'and', 'or' or the end of the query");
        return root;
    }

  private:
    [[noreturn]] static void fail(int column, std::string message) {
        throw ParseFailure{QueryError{column, std::move(message)}};
    }

    const QueryToken& peek() {
        if (!lookahead_) {
            auto next = lexer_.next();
            if (auto* error = std::get_if<QueryError>(&next)) throw ParseFailure{std::move(*error)};
            lookahead_ = std::move(std::get<QueryToken>(next));
        }
        return *lookahead_;
    }

    QueryToken take() {
        peek();
        QueryToken token = std::move(*lookahead_);
        lookahead_.reset();
        return token;
    }

    QueryNode parseOr(int depth) { return parseChain(depth, "or", QueryNode::Kind::Or); }
    QueryNode parseAnd(int depth) { return parseChain(depth, "and", QueryNode::Kind::And); }

    // operand { keyword operand }: `or` over `and` operands, `and` over `not` operands.
    QueryNode parseChain(int depth, const char* keyword, QueryNode::Kind kind) {
        auto operand = [&] { return kind == QueryNode::Kind::Or ? parseAnd(depth) : parseNot(depth); };
        QueryNode first = operand();
        if (!isKeyword(peek(), keyword)) return first;
        QueryNode chain;
        chain.kind = kind;
        chain.children.push_back(std::move(first));
        while (isKeyword(peek(), keyword)) {
            take();
            chain.children.push_back(operand());
        }
        return chain;
    }

    QueryNode parseNot(int depth) {
        const QueryToken& token = peek();
        bool isNot = isKeyword(token, "not");
        if (!isNot && token.kind != QueryTokenKind::LParen) return parseComparison();
        if (depth >= kMaxQueryDepth)
            fail(token.column, "nesting deeper than " + std::to_string(kMaxQueryDepth) + " levels");
        take();
        if (isNot) {
            QueryNode node;
            node.kind = QueryNode::Kind::Not;
            node.children.push_back(parseNot(depth + 1));
            return node;
        }
        QueryNode inner = parseOr(depth + 1);
        if (peek().kind != QueryTokenKind::RParen) fail(peek().column, "expected ')'");
        take();
        return inner;
    }

    void countComparison(int column) {
        if (++comparisons_ > kMaxQueryComparisons)
            fail(column, "more than " + std::to_string(kMaxQueryComparisons) + " comparisons");
    }

    QueryNode parseComparison() {
        QueryToken fieldToken = take();
        if (fieldToken.kind != QueryTokenKind::Word) fail(fieldToken.column, "expected a field");
        for (const char* keyword : {"and", "or", "not", "in", "has", "exists", "true", "false", "null"})
            if (isKeyword(fieldToken, keyword))
                fail(fieldToken.column, "expected a field, found '" + fieldToken.text + "'");
        std::optional<FieldKind> kind = fieldNamed(lower(fieldToken.text));
        if (!kind)
            fail(fieldToken.column, "unknown field '" + fieldToken.text + "' (fields: " + kFieldList + ")");
        countComparison(fieldToken.column);

        Comparison comparison;
        comparison.field.kind = *kind;
        size_t end = fieldToken.offset + fieldToken.length;
        if (hasPath(*kind)) {
            if (peek().kind != QueryTokenKind::Dot)
                fail(peek().column, "expected '.' and a key after '" + fieldToken.text + "'");
            while (peek().kind == QueryTokenKind::Dot) {
                take();
                QueryToken key = take();
                if (key.kind != QueryTokenKind::Word && key.kind != QueryTokenKind::QuotedKey)
                    fail(key.column, "expected a key after '.'");
                comparison.field.path.push_back(key.text);
                end = key.offset + key.length;
            }
        } else if (peek().kind == QueryTokenKind::Dot) {
            fail(peek().column, "'" + fieldToken.text + "' has no keys");
        }
        comparison.field.spelling = std::string(query_.substr(fieldToken.offset, end - fieldToken.offset));
        const std::string& spelling = comparison.field.spelling;

        QueryToken opToken = take();
        std::optional<CompareOp> op = operatorOf(opToken);
        if (!op)
            fail(opToken.column,
                 "expected an operator after '" + spelling + "' (= != < <= > >= ~ has exists in)");
        if (!takesOperator(*kind, *op))
            fail(opToken.column, "'" + lower(opToken.text) + "' does not apply to " + spelling +
                                     " (it takes: " + operatorsOf(*kind) + ")");
        comparison.op = *op;

        if (*op == CompareOp::In) {
            if (peek().kind != QueryTokenKind::LParen) fail(peek().column, "expected '(' after 'in'");
            take();
            comparison.values.push_back(parseValue(comparison, "expected a value after '('"));
            while (peek().kind == QueryTokenKind::Comma) {
                take();
                countComparison(peek().column);
                comparison.values.push_back(parseValue(comparison, "expected a value after ','"));
            }
            if (peek().kind != QueryTokenKind::RParen) fail(peek().column, "expected ',' or ')'");
            take();
        } else if (*op != CompareOp::Exists) {
            comparison.values.push_back(
                parseValue(comparison, "expected a value after '" + lower(opToken.text) + "'"));
        }
        QueryNode node;
        node.comparison = std::move(comparison);
        return node;
    }

    static std::optional<CompareOp> operatorOf(const QueryToken& token) {
        if (token.kind == QueryTokenKind::Operator) {
            static const std::pair<const char*, CompareOp> kOps[] = {
                {"=", CompareOp::Eq}, {"!=", CompareOp::Ne}, {"<", CompareOp::Lt},  {"<=", CompareOp::Le},
                {">", CompareOp::Gt}, {">=", CompareOp::Ge}, {"~", CompareOp::Like}};
            for (const auto& [text, op] : kOps)
                if (token.text == text) return op;
        }
        if (isKeyword(token, "has")) return CompareOp::Has;
        if (isKeyword(token, "exists")) return CompareOp::Exists;
        if (isKeyword(token, "in")) return CompareOp::In;
        return std::nullopt;
    }

    QueryValue parseValue(const Comparison& comparison, const std::string& expected) {
        QueryToken token = take();
        QueryValue value;
        if (token.kind == QueryTokenKind::String) {
            value.kind = QueryValue::Kind::String;
        } else if (token.kind == QueryTokenKind::Number) {
            value.kind = QueryValue::Kind::Number;
        } else if (isKeyword(token, "true")) {
            value.kind = QueryValue::Kind::True;
        } else if (isKeyword(token, "false")) {
            value.kind = QueryValue::Kind::False;
        } else if (isKeyword(token, "null")) {
            value.kind = QueryValue::Kind::Null;
        } else {
            fail(token.column, expected);
        }
        if (value.kind == QueryValue::Kind::String || value.kind == QueryValue::Kind::Number)
            value.text = std::move(token.text);
        if (auto problem = typeProblem(comparison, value)) fail(token.column, *problem);
        return value;
    }

    // The typing rules of run_query.hpp: what kind of value a field and operator take.
    static std::optional<std::string> typeProblem(const Comparison& comparison, const QueryValue& value) {
        FieldKind kind = comparison.field.kind;
        const std::string& name = comparison.field.spelling;
        bool isString = value.kind == QueryValue::Kind::String;
        bool isNumber = value.kind == QueryValue::Kind::Number;
        switch (kind) {
            case FieldKind::Fold:
                if (!isNumber) return name + " is a number (the mean over folds): expected a number";
                return std::nullopt;
            case FieldKind::Features:
                if (!isString) return "expected a feature name in quotes, e.g. features has 'rsi_14'";
                return std::nullopt;
            case FieldKind::Created:
                if (!isString || !isIsoDateTime(value.text))
                    return "expected a date or time like '2025-06-01' or '2025-06-01T12:00:00Z'";
                return std::nullopt;
            case FieldKind::Hyper:
            case FieldKind::Walk:
            case FieldKind::Sim:
                if (comparison.op == CompareOp::Like && !isString) return "'~' needs a 'string'";
                if (isOrdering(comparison.op) && !isString && !isNumber)
                    return "ordering needs a number or a 'string'";
                return std::nullopt;
            default:
                if (!isString) return name + " is text: expected a 'quoted string'";
                return std::nullopt;
        }
    }

    std::string_view query_;
    QueryLexer lexer_;
    std::optional<QueryToken> lookahead_;
    int comparisons_ = 0;
};

}  // namespace

std::variant<QueryNode, QueryError> parseRunQuery(std::string_view query) {
    try {
        return Parser(query).parseQuery();
    } catch (ParseFailure& failure) {
        return std::move(failure.error);
    }
}

}  // namespace db::search
