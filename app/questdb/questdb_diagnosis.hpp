// A failed QuestDB request in words: the kind comes from the one diagnosis table
// (app/connect/diagnosis.hpp), but the title and fixes name QuestDB, its host:port (8812 unless
// configured otherwise) and the settings to check: a PostgreSQL fix (pg_hba.conf, sslmode, the
// server's TLS) would send the analyst to the wrong server.
#pragma once

#include "app/connect/diagnosis.hpp"
#include "app/connect/questdb_connection.hpp"

namespace app {

Diagnosis diagnoseQuestDb(const db::DbError& error, const ResolvedQuestDb& questdb);

}  // namespace app
