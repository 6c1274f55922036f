#include "db/spool/spool_copy.hpp"

#include <libpq-fe.h>

#include <cctype>

#include "db/spool/spool_replay.hpp"

namespace db {

namespace {

// The target's schema-qualified name and one row per name of the column list, in its order; a
// name the table lacks gives a NULL type. Names go as the grammar read them and come back quoted
// by the server.
constexpr const char* kTargetLookup =
    "SELECT quote_ident(s.nspname) || '.' || quote_ident(c.relname), "
    "       c.relkind IN ('r', 'p') AND NOT c.relhasrules AND NOT c.relrowsecurity, "
    "       quote_ident(a.attname), a.atttypid, a.attidentity = 'a' OR a.attgenerated <> '' "
    "FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
    "CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS n(name, position) "
    "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "                        AND a.attname = n.name "
    "WHERE c.oid = to_regclass($1) ORDER BY n.position";
constexpr const char* kCastLookup = "SELECT to_regtype($1)::oid";

// A text[] literal: every element double-quoted, '"' and '\' backslash-escaped.
std::string textArray(const std::vector<std::string>& items) {
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

// A name as the grammar read it, quoted so that to_regclass reads it back the same.
std::string quotedName(std::string_view name) {
    std::string out = "\"";
    for (char c : name) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
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

CopyTargetLookup::CopyTargetLookup(Connection& conn, bool enabled) : conn_(conn), enabled_(enabled) {
    const char* scs = PQparameterStatus(conn.raw(), "standard_conforming_strings");
    if (!scs || std::string_view(scs) != "on") enabled_ = false;
}

void CopyTargetLookup::learn(const SpoolInsert& insert) {
    if (!enabled_) return;
    std::string key = insertTargetKey(insert);
    auto target = targets_.targets.find(key);
    if (target == targets_.targets.end())
        target = targets_.targets.emplace(std::move(key), lookUpTarget(insert)).first;
    if (!target->second) return;
    for (const auto& row : insert.rows)
        for (const SpoolValue& value : row)
            if (!value.castType.empty() && targets_.casts.find(value.castType) == targets_.casts.end())
                targets_.casts.emplace(value.castType, lookUpCast(value.castType));
}

std::optional<CopyTarget> CopyTargetLookup::lookUpTarget(const SpoolInsert& insert) {
    if (insert.columns.empty()) return std::nullopt;  // COPY has no defaults for the rest
    // The grammar lets only public's four tables through; written bare, they resolve there too (the
    // replay's search_path is pg_catalog, public).
    try {
        Result r =
            conn_.query(kTargetLookup, {"public." + quotedName(insert.table), textArray(insert.columns)});
        if (r.rows() != static_cast<int>(insert.columns.size())) return std::nullopt;
        CopyTarget target;
        std::string columns;
        for (int row = 0; row < r.rows(); ++row) {
            if (!r.boolean(row, 1) || r.isNull(row, 3) || r.boolean(row, 4)) return std::nullopt;
            (columns += row == 0 ? "" : ", ") += r.text(row, 2);
            target.columns.push_back(static_cast<TypeOid>(std::stoul(std::string(r.text(row, 3)))));
        }
        target.command = "COPY " + std::string(r.text(0, 0)) + " (" + columns + ") FROM STDIN";
        return target;
    } catch (const Error& e) {  // the INSERT will say what is wrong
        rethrowIfConnectionLost(e);
        return std::nullopt;
    }
}

std::optional<TypeOid> CopyTargetLookup::lookUpCast(std::string_view castType) {
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
