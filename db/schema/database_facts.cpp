#include "db/schema/database_facts.hpp"

namespace db {

namespace {

// User schemas only: the catalogs, TOAST and temporary schemas are the server's business.
const char* const kUserSchemas =
    "n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_toast%' "
    "AND n.nspname NOT LIKE 'pg\\_temp\\_%'";

}  // namespace

DatabaseFacts readDatabaseFacts(Connection& conn) {
    DatabaseFacts facts;
    // count(*) per table in one round trip: query_to_xml runs a query built with format('%I') on
    // the server, so no name is ever spliced on this side.
    Result counts =
        conn.query(std::string("SELECT n.nspname || '.' || c.relname,"
                               "       (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n "
                               "FROM %I.%I', n.nspname, c.relname), false, true, '')))[1]::text::bigint "
                               "FROM pg_catalog.pg_class c "
                               "JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
                               "WHERE c.relkind IN ('r', 'p') AND ") +
                   kUserSchemas + " ORDER BY 1");
    for (int i = 0; i < counts.rows(); ++i)
        facts.rowCounts[std::string(counts.text(i, 0))] = counts.integer(i, 1);

    Result constraints =
        conn.query(std::string("SELECT n.nspname || '.' || cl.relname || ' ' || k.conname || ': ' || "
                               "       pg_catalog.pg_get_constraintdef(k.oid) "
                               "FROM pg_catalog.pg_constraint k "
                               "JOIN pg_catalog.pg_class cl ON cl.oid = k.conrelid "
                               "JOIN pg_catalog.pg_namespace n ON n.oid = cl.relnamespace WHERE ") +
                   kUserSchemas);
    for (int i = 0; i < constraints.rows(); ++i)
        facts.constraints.insert(std::string(constraints.text(i, 0)));

    Result indexes =
        conn.query(std::string("SELECT n.nspname || '.' || i.indexname || ': ' || i.indexdef "
                               "FROM pg_catalog.pg_indexes i "
                               "JOIN pg_catalog.pg_namespace n ON n.nspname = i.schemaname WHERE ") +
                   kUserSchemas);
    for (int i = 0; i < indexes.rows(); ++i) facts.indexes.insert(std::string(indexes.text(i, 0)));
    return facts;
}

std::vector<std::string> compareDatabaseFacts(const DatabaseFacts& expected, const DatabaseFacts& restored) {
    std::vector<std::string> out;
    for (const auto& [table, rows] : expected.rowCounts) {
        auto it = restored.rowCounts.find(table);
        if (it == restored.rowCounts.end())
            out.push_back(table + ": table missing from the restored copy");
        else if (it->second != rows)
            out.push_back(table + ": " + std::to_string(rows) + " rows expected, " +
                          std::to_string(it->second) + " restored");
    }
    for (const auto& [table, rows] : restored.rowCounts)
        if (!expected.rowCounts.count(table))
            out.push_back(table + ": restored (" + std::to_string(rows) + " rows) but not expected");
    auto compareSets = [&](const std::set<std::string>& want, const std::set<std::string>& got,
                           const char* what) {
        for (const auto& item : want)
            if (!got.count(item)) out.push_back(std::string(what) + " missing: " + item);
        for (const auto& item : got)
            if (!want.count(item)) out.push_back(std::string(what) + " not expected: " + item);
    };
    compareSets(expected.constraints, restored.constraints, "constraint");
    compareSets(expected.indexes, restored.indexes, "index");
    return out;
}

}  // namespace db
