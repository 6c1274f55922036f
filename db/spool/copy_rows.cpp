#include "db/spool/copy_rows.hpp"

#include <algorithm>

namespace db {

namespace {

enum class CopyColumnKind { Integer, Numeric, Float, Boolean, Other };

CopyColumnKind copyColumnKind(TypeOid type) {
    switch (type) {
        case 20:  // int8
        case 21:  // int2
        case 23:  // int4
            return CopyColumnKind::Integer;
        case 1700:
            return CopyColumnKind::Numeric;
        case 700:  // float4
        case 701:  // float8
            return CopyColumnKind::Float;
        case 16:
            return CopyColumnKind::Boolean;
        default:
            return CopyColumnKind::Other;
    }
}

bool isDigit(char c) {
    return c >= '0' && c <= '9';
}

// digits[.digits*][e digits]; what else the lexer calls a number (1e, 1.2.3, 0x1F) goes by INSERT.
bool isPlainNumber(std::string_view s, bool integerOnly) {
    size_t i = 0;
    auto digits = [&] {
        const size_t from = i;
        while (i < s.size() && isDigit(s[i])) ++i;
        return i > from;
    };
    if (!digits()) return false;
    if (integerOnly) return i == s.size();
    if (i < s.size() && s[i] == '.') {
        ++i;
        digits();
    }
    if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
        ++i;
        if (!digits()) return false;
    }
    return i == s.size();
}

bool mantissaIsZero(std::string_view s) {
    for (char c : s) {
        if (c == 'e' || c == 'E') break;
        if (isDigit(c) && c != '0') return false;
    }
    return true;
}

// The number as the column's input function should see it, when that gives the INSERT's value.
std::optional<std::string> numberField(const SpoolValue& c, CopyColumnKind kind) {
    switch (kind) {
        case CopyColumnKind::Integer:
            if (!isPlainNumber(c.text, true)) return std::nullopt;
            break;
        case CopyColumnKind::Numeric:
            if (!isPlainNumber(c.text, false)) return std::nullopt;
            break;
        case CopyColumnKind::Float:  // the INSERT folds -0 to an integer or numeric 0 first
            if (!isPlainNumber(c.text, false) || (c.negative && mantissaIsZero(c.text))) return std::nullopt;
            break;
        default:
            return std::nullopt;
    }
    return (c.negative ? "-" : "") + std::string(c.text);
}

}  // namespace

void appendCopyEscaped(std::string_view value, std::string& out) {
    for (char c : value) {
        switch (c) {
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                out += c;
        }
    }
}

namespace {

// One field, escaped for the text format, or nullopt.
bool appendField(const SpoolValue& c, TypeOid column, const CastTypes& casts, std::string& out) {
    if (!c.castType.empty()) {
        auto cast = casts.find(c.castType);
        if (cast == casts.end() || cast->second != column) return false;
    }
    const CopyColumnKind kind = copyColumnKind(column);
    switch (c.kind) {
        case SpoolValue::Kind::Null:
            out += "\\N";
            return true;
        case SpoolValue::Kind::True:
        case SpoolValue::Kind::False:
            if (kind != CopyColumnKind::Boolean) return false;
            out += c.kind == SpoolValue::Kind::True ? 't' : 'f';
            return true;
        case SpoolValue::Kind::Number: {
            auto field = numberField(c, kind);
            if (!field) return false;
            out += *field;
            return true;
        }
        case SpoolValue::Kind::String:
        case SpoolValue::Kind::EscapeString: {
            auto value = decodeStringConstant(c);
            if (!value) return false;
            appendCopyEscaped(*value, out);
            return true;
        }
        case SpoolValue::Kind::Default:
        case SpoolValue::Kind::Clock:
            return false;
    }
    return false;
}

}  // namespace

std::optional<std::string> decodeStringConstant(const SpoolValue& constant) {
    const bool escapes = constant.kind == SpoolValue::Kind::EscapeString;
    if (!escapes && constant.kind != SpoolValue::Kind::String) return std::nullopt;
    std::string_view s = constant.text;
    if (escapes) s.remove_prefix(1);  // the E
    if (s.size() < 2 || s.front() != '\'' || s.back() != '\'') return std::nullopt;
    s = s.substr(1, s.size() - 2);
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size(); ++i) {
        const char c = s[i];
        if (c == '\'') {  // the lexer only lets a doubled quote through
            out += '\'';
            ++i;
        } else if (c == '\\' && escapes && i + 1 < s.size()) {
            const char e = s[++i];
            switch (e) {
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'x':
                case 'u':
                case 'U':
                    return std::nullopt;
                default:
                    if (e >= '0' && e <= '7') return std::nullopt;
                    out += e;  // \\, \' and any other character stand for themselves
            }
        } else {
            out += c;
        }
    }
    return out;
}

bool appendCopyLines(const std::vector<std::vector<SpoolValue>>& rows, const std::vector<TypeOid>& columns,
                     const CastTypes& casts, std::string& out) {
    const size_t before = out.size();
    for (const auto& row : rows) {
        bool ok = row.size() == columns.size();
        for (size_t k = 0; ok && k < row.size(); ++k) {
            if (k > 0) out += '\t';
            ok = appendField(row[k], columns[k], casts, out);
        }
        if (!ok) {
            out.resize(before);
            return false;
        }
        out += '\n';
    }
    return true;
}

const CopyTarget* CopyTargets::find(const SpoolInsert& insert) const {
    auto target = targets.find(insertTargetKey(insert));
    return target != targets.end() && target->second ? &*target->second : nullptr;
}

std::string insertTargetKey(const SpoolInsert& insert) {
    std::string key = insert.table;
    for (const auto& column : insert.columns) (key += '\0') += column;  // the one byte no name holds
    return key;
}

}  // namespace db
