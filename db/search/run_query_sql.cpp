#include "db/search/run_query_sql.hpp"

#include <cstdio>

namespace db::search {

namespace {

std::string valueJson(const QueryValue& value) {
    switch (value.kind) {
        case QueryValue::Kind::String:
            return jsonString(value.text);
        case QueryValue::Kind::Number:
            return value.text;  // the lexer accepted only JSON's number grammar
        case QueryValue::Kind::True:
            return "true";
        case QueryValue::Kind::False:
            return "false";
        case QueryValue::Kind::Null:
            break;
    }
    return "null";
}

// jsonb_typeof's name for the type of a literal.
const char* jsonType(const QueryValue& value) {
    switch (value.kind) {
        case QueryValue::Kind::String:
            return "string";
        case QueryValue::Kind::Number:
            return "number";
        case QueryValue::Kind::True:
        case QueryValue::Kind::False:
            return "boolean";
        case QueryValue::Kind::Null:
            break;
    }
    return "null";
}

// {"a":{"b":leaf}} for the path a.b: what containment (@>) finds at that path.
std::string nestedDocument(const std::vector<std::string>& path, std::string leaf) {
    for (auto key = path.rbegin(); key != path.rend(); ++key)
        leaf = "{" + jsonString(*key) + ":" + leaf + "}";
    return leaf;
}

const char* sqlOperator(CompareOp op) {
    switch (op) {
        case CompareOp::Eq:
            return "=";
        case CompareOp::Ne:
            return "<>";
        case CompareOp::Lt:
            return "<";
        case CompareOp::Le:
            return "<=";
        case CompareOp::Gt:
            return ">";
        default:
            return ">=";
    }
}

const char* textColumn(FieldKind kind) {
    switch (kind) {
        case FieldKind::Status:
            return "r.status";
        case FieldKind::Dataset:
            return "d.questdb_tag";
        case FieldKind::Symbol:
            return "d.symbol";
        default:
            return "r.prediction_measurement";
    }
}

class SqlBuilder {
  public:
    explicit SqlBuilder(int firstParam) : firstParam_(firstParam) {}

    CompiledQuery build(const QueryNode& root) {
        std::string condition = node(root);
        // A field's sqlText reads its key path from a parameter; a condition made of containment tests
        // alone would leave that parameter unused, and the server cannot type an unused parameter.
        std::string prefix;
        for (const FieldSlot& slot : slots_)
            if (!slot.pathRef.empty() && !slot.pathUsed) prefix += slot.pathRef + " IS NOT NULL AND ";
        out_.condition = "(" + prefix + condition + ")";
        return std::move(out_);
    }

  private:
    struct FieldSlot {
        FieldKind kind;
        std::vector<std::string> path;
        std::string pathRef;  // "$N::text[]" for the path fields
        bool pathUsed = false;
    };

    std::string param(std::string value, const char* type) {
        out_.params.emplace_back(std::move(value));
        return "$" + std::to_string(firstParam_ + static_cast<int>(out_.params.size()) - 1) + "::" + type;
    }

    std::string node(const QueryNode& n) {
        switch (n.kind) {
            case QueryNode::Kind::And:
            case QueryNode::Kind::Or: {
                const char* glue = n.kind == QueryNode::Kind::And ? " AND " : " OR ";
                std::string out = "(";
                for (size_t i = 0; i < n.children.size(); ++i) out += (i ? glue : "") + node(n.children[i]);
                return out + ")";
            }
            case QueryNode::Kind::Not:
                return "(NOT " + node(n.children[0]) + ")";
            case QueryNode::Kind::Compare:
                break;
        }
        return "(" + comparison(n.comparison) + ")";
    }

    // The field's slot (its NamedField and key path parameter), made on its first appearance.
    FieldSlot& slotFor(const FieldRef& field) {
        for (FieldSlot& slot : slots_)
            if (slot.kind == field.kind && slot.path == field.path) return slot;
        FieldSlot slot;
        slot.kind = field.kind;
        slot.path = field.path;
        if (hasPath(field.kind)) {
            slot.pathRef = param(textArrayLiteral(field.path), "text[]");
        }
        out_.fields.push_back({field.spelling, fieldText(slot)});
        slots_.push_back(std::move(slot));
        return slots_.back();
    }

    static std::string fieldText(const FieldSlot& slot) {
        const std::string& p = slot.pathRef;
        switch (slot.kind) {
            case FieldKind::Hyper:
                return "r.hyperparameters #>> " + p;
            case FieldKind::Walk:
                return "r.walk_config #>> " + p;
            case FieldKind::Sim:
                return "(SELECT string_agg(DISTINCT s.parameters #>> " + p +
                       ", ', ' ORDER BY s.parameters #>> " + p +
                       ") FROM simulation_runs s WHERE s.run_id = r.run_id)";
            case FieldKind::Fold:
                return "(SELECT trim_scale(" + foldMeanAggregate(p) +
                       ")::text FROM walkforward_folds f WHERE f.run_id = r.run_id)";
            case FieldKind::Features:
                return "r.feature_columns::text";
            case FieldKind::Created:
                return "r.created_at::text";
            default:
                return textColumn(slot.kind);
        }
    }

    // Folds without the metric, or with a value that is not a number, are left out of the mean (a
    // CASE, not a WHERE: the cast must never see a non-number, and AND does not order evaluation).
    static std::string foldMeanAggregate(const std::string& path) {
        return "avg(CASE WHEN jsonb_typeof(f.metrics #> " + path + ") = 'number' THEN (f.metrics #> " + path +
               ")::numeric END)";
    }

    std::string comparison(const Comparison& c) {
        FieldSlot& slot = slotFor(c.field);
        switch (c.field.kind) {
            case FieldKind::Hyper:
                return jsonComparison("r.hyperparameters", c, slot);
            case FieldKind::Walk:
                return jsonComparison("r.walk_config", c, slot);
            case FieldKind::Sim:
                return "EXISTS (SELECT 1 FROM simulation_runs s WHERE s.run_id = r.run_id AND " +
                       jsonComparison("s.parameters", c, slot) + ")";
            case FieldKind::Fold:
                return foldComparison(c, slot);
            case FieldKind::Features:
                return "r.feature_columns @> " + param("[" + jsonString(c.values[0].text) + "]", "jsonb");
            case FieldKind::Created:
                return std::string("r.created_at ") + sqlOperator(c.op) + " " +
                       param(c.values[0].text, "timestamptz");
            default:
                return textComparison(textColumn(c.field.kind), c);
        }
    }

    std::string jsonComparison(const std::string& doc, const Comparison& c, FieldSlot& slot) {
        const std::vector<std::string>& path = c.field.path;
        auto contains = [&](const QueryValue& v) {
            return doc + " @> " + param(nestedDocument(path, valueJson(v)), "jsonb");
        };
        auto at = [&] {
            slot.pathUsed = true;
            return "(" + doc + " #> " + slot.pathRef + ")";
        };
        const QueryValue* value = c.values.empty() ? nullptr : &c.values[0];
        switch (c.op) {
            case CompareOp::Eq:
                return contains(*value);
            case CompareOp::In: {
                std::string out;
                for (size_t i = 0; i < c.values.size(); ++i) out += (i ? " OR " : "") + contains(c.values[i]);
                // Parenthesized: sim. puts it after an AND inside its EXISTS.
                return "(" + out + ")";
            }
            case CompareOp::Has:
                return doc + " @> " + param(nestedDocument(path, "[" + valueJson(*value) + "]"), "jsonb");
            case CompareOp::Exists:
                return at() + " IS NOT NULL";
            case CompareOp::Ne:
                if (value->kind == QueryValue::Kind::Null)
                    return "COALESCE(jsonb_typeof" + at() + " <> 'null', false)";
                return "CASE WHEN jsonb_typeof" + at() + " = '" + jsonType(*value) + "' THEN NOT (" +
                       contains(*value) + ") ELSE false END";
            case CompareOp::Like:
                return "CASE WHEN jsonb_typeof" + at() + " = 'string' THEN (" + doc + " #>> " + slot.pathRef +
                       ") ILIKE " + param(containsPattern(value->text), "text") + " ELSE false END";
            default:
                break;
        }
        // Ordering: only values of the literal's JSON type take part, so the cast cannot fail.
        if (value->kind == QueryValue::Kind::Number)
            return "CASE WHEN jsonb_typeof" + at() + " = 'number' THEN " + at() + "::numeric " +
                   sqlOperator(c.op) + " " + param(value->text, "numeric") + " ELSE false END";
        return "CASE WHEN jsonb_typeof" + at() + " = 'string' THEN (" + doc + " #>> " + slot.pathRef +
               ") COLLATE \"C\" " + sqlOperator(c.op) + " " + param(value->text, "text") + " ELSE false END";
    }

    std::string foldComparison(const Comparison& c, FieldSlot& slot) {
        slot.pathUsed = true;
        std::string mean = "(SELECT " + foldMeanAggregate(slot.pathRef) +
                           " FROM walkforward_folds f WHERE f.run_id = r.run_id)";
        if (c.op == CompareOp::Exists) return mean + " IS NOT NULL";
        if (c.op == CompareOp::In) {
            std::string list;
            for (size_t i = 0; i < c.values.size(); ++i)
                list += (i ? ", " : "") + param(c.values[i].text, "numeric");
            return "COALESCE(" + mean + " IN (" + list + "), false)";
        }
        return "COALESCE(" + mean + " " + sqlOperator(c.op) + " " + param(c.values[0].text, "numeric") +
               ", false)";
    }

    std::string textComparison(const std::string& column, const Comparison& c) {
        switch (c.op) {
            case CompareOp::Like:
                return column + " ILIKE " + param(containsPattern(c.values[0].text), "text");
            case CompareOp::In: {
                std::string list;
                for (size_t i = 0; i < c.values.size(); ++i)
                    list += (i ? ", " : "") + param(c.values[i].text, "text");
                return column + " IN (" + list + ")";
            }
            case CompareOp::Eq:
            case CompareOp::Ne:
                return column + " " + sqlOperator(c.op) + " " + param(c.values[0].text, "text");
            default:
                // Byte order, the same on every server whatever its collation.
                return column + " COLLATE \"C\" " + sqlOperator(c.op) + " " + param(c.values[0].text, "text");
        }
    }

    int firstParam_;
    CompiledQuery out_;
    std::vector<FieldSlot> slots_;
};

}  // namespace

std::string textArrayLiteral(const std::vector<std::string>& items) {
    std::string out = "{";
    for (size_t i = 0; i < items.size(); ++i) {
        out += i ? ",\"" : "\"";
        for (char c : items[i]) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

std::string jsonString(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        unsigned char u = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (u < 0x20) {
            char escaped[8];
            std::snprintf(escaped, sizeof escaped, "\\u%04x", u);
            out += escaped;
        } else {
            out += c;
        }
    }
    return out + "\"";
}

std::string containsPattern(std::string_view text) {
    std::string out = "%";
    for (char c : text) {
        if (c == '%' || c == '_' || c == '\\') out += '\\';
        out += c;
    }
    return out + "%";
}

CompiledQuery compileQueryTree(const QueryNode& root, int firstParam) {
    return SqlBuilder(firstParam).build(root);
}

}  // namespace db::search
