// Which QuestDB to ask, decided in one place for the window, `stage1ctl validate` and the tests.
// QuestDB is reached over its PostgreSQL wire protocol. Sources, highest first:
//   1. an explicit setting: validate's --questdb conninfo, or the window's connection form,
//   2. STAGE1_QUESTDB_HOST / _PORT / _USER / _PASSWORD / _DBNAME, then STAGE1_QUESTDB_DSN,
//   3. the profile's "questdb" object ({"host", "port", "user", "dbname"}; never a password),
//   4. QuestDB's own defaults: port 8812, user admin, database qdb, sslmode=disable (QuestDB's PG
//      wire has no TLS: there is no certificate to check, so nothing sensitive should cross an
//      untrusted network to it; use a tunnel or a private network).
// QuestDB counts as configured when a host is known from 1-3 (or a conninfo was given explicitly).
#pragma once

#include <optional>
#include <string>

#include "app/connect/connection_settings.hpp"
#include "db/pg/pg.hpp"

namespace app {

constexpr const char* kQuestDbDefaultPort = "8812";
constexpr const char* kQuestDbDefaultUser = "admin";
constexpr const char* kQuestDbDefaultDbname = "qdb";
constexpr int kQuestDbConnectTimeoutS = 5;

struct ResolvedQuestDb {
    bool configured = false;
    QuestDbSettings settings;  // defaults filled

    // libpq keywords: the fields, the DSN's other keywords, connect_timeout, application_name.
    db::ConnectParams connectParams(const std::string& applicationName) const;
    std::string describe() const;  // "admin@host:8812/qdb"; never a password
    std::string hostPort() const;  // "host:8812"
};

// A libpq conninfo or URI; throws std::invalid_argument (passwords masked) when it does not parse.
QuestDbSettings questDbSettingsFromDsn(const std::string& dsn, const std::string& what);
// STAGE1_QUESTDB_DSN under the STAGE1_QUESTDB_* fields; throws std::invalid_argument.
QuestDbSettings questDbSettingsFromEnvironment(const EnvLookup& env);
// explicitSettings: the flag or the form (`explicitGiven`: validate's --questdb was used, which
// configures QuestDB even without a host: libpq's default then).
ResolvedQuestDb resolveQuestDb(const QuestDbSettings& explicitSettings, const QuestDbSettings& profile,
                               const EnvLookup& env, bool explicitGiven = false);

}  // namespace app
