#include "db/spool/spool_copy.hpp"

#include <libpq-fe.h>

#include <cctype>

#include "db/spool/spool_replay.hpp"

namespace db {

namespace {

// The target's schema-qualified name and one row per name of the column list, in its order; a
// name the table lacks gives a NULL type. Names come back quoted by the server.
constexpr const char* kTargetLookup =
    "SELECT quote_ident(s.nspname) || '.' || quote_ident(c.relname), "
    "       c.relkind IN ('r', 'p') AND NOT c.relhasrules AND NOT c.relrowsecurity, "
    "       quote_ident(a.attname), a.atttypid, a.attidentity = 'a' OR a.attgenerated <> '' "
    "FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
    "CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS n(name, position) "
    "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "                        AND a.attname = (parse_ident(n.name))[1] "
    "WHERE c.oid = to_regclass($1) ORDER BY n.position";
constexpr const char* kCastLookup = "SELECT to_regtype($1)::oid";

// A text[] literal: every element double-quoted, '"' and '\' backslash-escaped.
std::string textArray(const std::vector<std::string_view>& items) {
    std::string out = "{";
    for (std::string_view item : items) {
        if (out.size() > 1) out += ',';
        out += '"';
        for (char c : item) {
            if (c == '"' || c == '\\') out += '\\';
            out += c;
        }
        out += '"';
    }
    return out + "}";
}

// Type names that carry a modifier without parentheses: char and character are char(1), bit is
// bit(1), interval day keeps days only. to_regtype drops the modifier, so such casts go by INSERT.
bool impliesModifier(std::string_view castType) {
    static const char* const words[] = {"char",  "character", "nchar", "national", "bit",   "year",
                                        "month", "day",       "hour",  "minute",   "second"};
    for (size_t i = 0; i < castType.size();) {
        if (castType[i] == '"') {  // a quoted name is only ever that name
            i = castType.find('"', i + 1);
            if (i == std::string_view::npos) return true;
            ++i;
            continue;
        }
        size_t end = i;
        while (end < castType.size() && castType[end] != '"' && castType[end] != '.' &&
               !std::isspace(static_cast<unsigned char>(castType[end])))
            ++end;
        std::string word(castType.substr(i, end - i));
        for (char& c : word) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const char* w : words)
            if (word == w) return true;
        i = end == i ? i + 1 : end;
    }
    return false;
}

// A failed lookup only means "this one goes as INSERT", unless the connection is gone.
void rethrowIfConnectionLost(const Error& e) {
    if (classifySpoolError(e.info()) == SpoolErrorClass::Stop) throw e;
}

}  // namespace

SpoolCopyPlan::SpoolCopyPlan(Connection& conn, bool enabled) : conn_(conn), enabled_(enabled) {
    const char* scs = PQparameterStatus(conn.raw(), "standard_conforming_strings");
    if (!scs || std::string_view(scs) != "on") enabled_ = false;
}

void SpoolCopyPlan::learn(const InsertValuesParts& parts) {
    if (!enabled_) return;
    auto target = targets_.find(parts.head);
    if (target == targets_.end())
        target = targets_.emplace(std::string(parts.head), lookUpTarget(parts.head)).first;
    if (!target->second) return;
    auto rows = insertRowConstants(parts.rows);
    if (!rows) return;
    for (const auto& row : *rows)
        for (const SqlConstant& value : row)
            if (!value.castType.empty() && casts_.find(value.castType) == casts_.end())
                casts_.emplace(std::string(value.castType), lookUpCast(value.castType));
}

const std::string* SpoolCopyPlan::copyCommand(std::string_view head) const {
    auto target = targets_.find(head);
    return target != targets_.end() && target->second ? &target->second->command : nullptr;
}

bool SpoolCopyPlan::appendLines(const InsertValuesParts& parts, std::string& out) const {
    auto target = targets_.find(parts.head);
    if (target == targets_.end() || !target->second) return false;
    auto rows = insertRowConstants(parts.rows);
    return rows && appendCopyLines(*rows, target->second->columns, casts_, out);
}

std::optional<SpoolCopyPlan::Target> SpoolCopyPlan::lookUpTarget(std::string_view head) {
    auto named = insertTarget(head);
    if (!named || named->columns.empty()) return std::nullopt;  // COPY has no defaults for the rest
    try {
        Result r = conn_.query(kTargetLookup, {std::string(named->table), textArray(named->columns)});
        if (r.rows() != static_cast<int>(named->columns.size())) return std::nullopt;
        Target target;
        std::string columns;
        for (int row = 0; row < r.rows(); ++row) {
            if (!r.boolean(row, 1) || r.isNull(row, 3) || r.boolean(row, 4)) return std::nullopt;
            (columns += row == 0 ? "" : ", ") += r.text(row, 2);
            target.columns.push_back(static_cast<TypeOid>(std::stoul(std::string(r.text(row, 3)))));
        }
        target.command = "COPY " + std::string(r.text(0, 0)) + " (" + columns + ") FROM STDIN";
        return target;
    } catch (const Error& e) {  // e.g. a name parse_ident refuses: the INSERT will say what is wrong
        rethrowIfConnectionLost(e);
        return std::nullopt;
    }
}

std::optional<TypeOid> SpoolCopyPlan::lookUpCast(std::string_view castType) {
    if (impliesModifier(castType)) return std::nullopt;
    try {
        Result r = conn_.query(kCastLookup, {std::string(castType)});
        if (r.rows() != 1 || r.isNull(0, 0)) return std::nullopt;
        return static_cast<TypeOid>(std::stoul(std::string(r.text(0, 0))));
    } catch (const Error& e) {  // a name to_regtype cannot parse
        rethrowIfConnectionLost(e);
        return std::nullopt;
    }
}

}  // namespace db
