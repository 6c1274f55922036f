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
    "       quote_ident(a.attname), a.atttypid, a.attidentity = 'a' OR a.attgenerated <> '', "
    "       c.oid, a.attnum "
    "FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace "
    "CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS n(name, position) "
    "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "                        AND a.attname = n.name "
    "WHERE c.oid = to_regclass($1) ORDER BY n.position";
constexpr const char* kCastLookup = "SELECT to_regtype($1)::oid";
// Whether a table's rows may load ahead of another table's (db/spool/copy_order.hpp): an ordinary
// table without triggers of its own, whose defaults and CHECKs call no function but the server's own
// (those are pinned: pg_depend records no dependency on them); and the sequences its defaults use.
constexpr const char* kTableLookup =
    "SELECT c.relkind = 'r' "
    "   AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = c.oid AND NOT t.tgisinternal) "
    "   AND NOT EXISTS (SELECT 1 FROM pg_attrdef ad JOIN pg_depend d "
    "                   ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid "
    "                   WHERE ad.adrelid = c.oid AND d.refclassid = 'pg_proc'::regclass) "
    "   AND NOT EXISTS (SELECT 1 FROM pg_constraint k JOIN pg_depend d "
    "                   ON d.classid = 'pg_constraint'::regclass AND d.objid = k.oid "
    "                   WHERE k.conrelid = c.oid AND d.refclassid = 'pg_proc'::regclass), "
    "       ARRAY(SELECT DISTINCT d.refobjid FROM pg_attrdef ad JOIN pg_depend d "
    "             ON d.classid = 'pg_attrdef'::regclass AND d.objid = ad.oid "
    "             AND d.refclassid = 'pg_class'::regclass "
    "             JOIN pg_class q ON q.oid = d.refobjid AND q.relkind = 'S' "
    "             WHERE ad.adrelid = c.oid)::text "
    "FROM pg_class c WHERE c.oid = $1";
// Every foreign key from or to a table, with how each column pair's values compare: uuid, integers,
// text under a deterministic collation (equal values are equal bytes), or anything else.
constexpr const char* kForeignKeyLookup =
    "SELECT k.oid, k.conrelid, k.confrelid, k.conkey::text, k.confkey::text, "
    "       ARRAY(SELECT CASE "
    "           WHEN ca.atttypid = 'uuid'::regtype AND pa.atttypid = 'uuid'::regtype THEN 'uuid' "
    "           WHEN ca.atttypid IN (20, 21, 23) AND pa.atttypid IN (20, 21, 23) THEN 'integer' "
    "           WHEN ca.atttypid IN (25, 1043) AND pa.atttypid IN (25, 1043) "
    "            AND (SELECT bool_and(l.collisdeterministic) FROM pg_collation l "
    "                 WHERE l.oid IN (ca.attcollation, pa.attcollation)) THEN 'text' "
    "           ELSE 'other' END "
    "         FROM unnest(k.conkey, k.confkey) WITH ORDINALITY AS p(ck, pk, n) "
    "         JOIN pg_attribute ca ON ca.attrelid = k.conrelid AND ca.attnum = p.ck "
    "         JOIN pg_attribute pa ON pa.attrelid = k.confrelid AND pa.attnum = p.pk "
    "         ORDER BY p.n)::text "
    "FROM pg_constraint k WHERE k.contype = 'f' AND $1 IN (k.conrelid, k.confrelid)";

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

// "{1,2}" (a one-dimensional array of plain elements, as the server prints it) as its elements.
std::vector<std::string> arrayElements(std::string_view text) {
    std::vector<std::string> out;
    if (text.size() < 2) return out;
    text = text.substr(1, text.size() - 2);
    for (size_t from = 0; from <= text.size() && !text.empty();) {
        size_t comma = text.find(',', from);
        if (comma == std::string_view::npos) comma = text.size();
        out.emplace_back(text.substr(from, comma - from));
        from = comma + 1;
    }
    return out;
}

unsigned long asOid(std::string_view text) {
    return std::stoul(std::string(text));
}

KeyForm keyForm(std::string_view name) {
    if (name == "uuid") return KeyForm::Uuid;
    if (name == "integer") return KeyForm::Integer;
    if (name == "text") return KeyForm::Text;
    return KeyForm::Other;
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

bool CopyTargetLookup::knows(const SpoolInsert& insert) const {
    if (!enabled_) return true;
    auto target = targets_.targets.find(insertTargetKey(insert));
    if (target == targets_.targets.end()) return false;
    if (!target->second) return true;
    for (const auto& row : insert.rows)
        for (const SpoolValue& value : row)
            if (!value.castType.empty() && targets_.casts.find(value.castType) == targets_.casts.end())
                return false;
    return true;
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
            target.columns.push_back(static_cast<TypeOid>(asOid(r.text(row, 3))));
            target.attnums.push_back(std::stoi(std::string(r.text(row, 6))));
        }
        target.command = "COPY " + std::string(r.text(0, 0)) + " (" + columns + ") FROM STDIN";
        target.table = lookUpTable(static_cast<TypeOid>(asOid(r.text(0, 5))));
        return target;
    } catch (const Error& e) {  // the INSERT will say what is wrong
        rethrowIfConnectionLost(e);
        return std::nullopt;
    }
}

// Asked once per table; its foreign keys join targets_.links then. Unknown: the rows keep their place.
CopyTableTraits CopyTargetLookup::lookUpTable(TypeOid relation) {
    auto known = tables_.find(relation);
    if (known != tables_.end()) return known->second;
    CopyTableTraits table{relation, false, {}};
    try {
        const std::string oid = std::to_string(relation);
        Result r = conn_.query(kTableLookup, {oid});
        if (r.rows() == 1) {
            table.reorderable = r.boolean(0, 0);
            for (const std::string& sequence : arrayElements(r.text(0, 1)))
                table.sequences.push_back(static_cast<TypeOid>(asOid(sequence)));
        }
        Result keys = conn_.query(kForeignKeyLookup, {oid});
        for (int row = 0; row < keys.rows(); ++row) {
            ForeignKeyLink link;
            link.child = static_cast<TypeOid>(asOid(keys.text(row, 1)));
            link.parent = static_cast<TypeOid>(asOid(keys.text(row, 2)));
            for (const std::string& n : arrayElements(keys.text(row, 3)))
                link.childColumns.push_back(std::stoi(n));
            for (const std::string& n : arrayElements(keys.text(row, 4)))
                link.parentColumns.push_back(std::stoi(n));
            for (const std::string& form : arrayElements(keys.text(row, 5)))
                link.forms.push_back(keyForm(form));
            targets_.links.emplace(static_cast<TypeOid>(asOid(keys.text(row, 0))), std::move(link));
        }
    } catch (const Error& e) {  // not reorderable: the rows keep their place
        rethrowIfConnectionLost(e);
        table.reorderable = false;
    }
    tables_.emplace(relation, table);
    return table;
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
