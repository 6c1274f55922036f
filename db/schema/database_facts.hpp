// What a restore must reproduce: exact row counts of every user table (the four Stage 1 tables, the
// migration ledger and any later ledger), and the constraints and indexes by name and definition.
// Backups record them from the dump's own snapshot and compare them with the restored copy.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace db {

struct DatabaseFacts {
    std::map<std::string, long long> rowCounts;  // "schema.table" -> count(*)
    std::set<std::string> constraints;           // "schema.table conname: definition"
    std::set<std::string> indexes;               // "schema.indexname: CREATE ... INDEX ..."
};

// Reads them in the caller's transaction (so inside an exported snapshot they describe exactly what
// pg_dump --snapshot saw). Every identifier is quoted on the server (format %I).
DatabaseFacts readDatabaseFacts(Connection& conn);

// Each difference as one line ("public.walkforward_runs: 120 rows expected, 119 restored"); empty when
// the restored copy matches.
std::vector<std::string> compareDatabaseFacts(const DatabaseFacts& expected, const DatabaseFacts& restored);

}  // namespace db
