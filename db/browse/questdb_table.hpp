// One QuestDB table as the window's QuestDB section shows it: does it exist, how many rows, and the
// first and last value of its designated timestamp. QuestDB is reached over its PostgreSQL wire
// protocol with only SQL its documentation gives: `SELECT table_name, "designatedTimestamp" FROM
// tables()` and `SELECT count(*), min(<ts>), max(<ts>) FROM "<table>"`. Names are identifiers (they
// cannot be bound): each is checked by questDbTableNameProblem and quoted, as validate does. The
// tests run this against a PostgreSQL stand-in, not against QuestDB itself.
#pragma once

#include <atomic>
#include <optional>
#include <string>
#include <string_view>

#include "db/pg/pg.hpp"

namespace db {

struct QuestDbInstant {
    std::string iso;   // UTC ISO 8601 as the server gave the digits: "2024-01-01T00:00:00.000000Z"
    double epoch = 0;  // seconds since 1970-01-01 UTC (fractional)
};

struct QuestDbTable {
    std::string name;  // as asked
    bool exists = false;
    std::string listedName;       // the spelling tables() lists (QuestDB matches names case-insensitively)
    std::string timestampColumn;  // the designated timestamp; "" = none
    long long rowCount = 0;
    std::optional<QuestDbInstant> first, last;  // unset: no designated timestamp, or no rows
    std::string note;  // why first/last are missing when the table has rows ("" otherwise)
};

// Throws Error (SQLSTATE 22023, nothing sent) when `name` fails questDbTableNameProblem; Error from
// the server otherwise. Stops before the second statement once *cancelled turns true.
QuestDbTable readQuestDbTable(Connection& questdb, const std::string& name,
                              const std::atomic<bool>* cancelled = nullptr);

// A timestamp as QuestDB (or PostgreSQL) prints it: "YYYY-MM-DD[ T]HH:MM:SS[.fraction][Z|±HH[:MM]]";
// no zone means UTC (QuestDB's timestamps are UTC). nullopt when it does not read as one.
std::optional<QuestDbInstant> parseQuestDbTimestamp(std::string_view text);

}  // namespace db
