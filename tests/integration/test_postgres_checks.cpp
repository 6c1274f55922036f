// db/checks/postgres_checks.sql as operators run it: psql -X -f, exit status tells.
#include <doctest/doctest.h>

#include "tests/support/test_database.hpp"

using testsupport::TestDatabase;

namespace {
std::string checks() {
    return testsupport::sourcePath("db/checks/postgres_checks.sql");
}
}  // namespace

TEST_CASE("postgres_checks.sql passes on a freshly migrated and seeded database") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(
        "INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag) "
        "VALUES (gen_random_uuid(), 'BTC', '4h', 'x', 'btc_2025_4h')");
    auto run = database.psqlFile(checks());
    INFO(run.out << run.err);
    CHECK(run.exitCode == 0);
    CHECK(run.out.find("FAIL") == std::string::npos);
}

TEST_CASE("postgres_checks.sql fails on a NULL serialized_config and on missing migrations") {
    TestDatabase database;
    database.migrate();
    auto conn = database.connect();
    conn.exec(R"sql(
        INSERT INTO indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag)
        VALUES ('11111111-1111-4111-8111-111111111111', 'BTC', '4h', 'x', 'btc_2025_4h');
        INSERT INTO walkforward_runs (run_id, dataset_id, prediction_measurement, feature_columns, hyperparameters, walk_config)
        VALUES (gen_random_uuid(), '11111111-1111-4111-8111-111111111111', 'm', '[]', '{}', '{}'))sql");
    auto nullConfig = database.psqlFile(checks());
    INFO(nullConfig.out << nullConfig.err);
    CHECK(nullConfig.exitCode != 0);
    CHECK(nullConfig.out.find("FAIL") != std::string::npos);

    TestDatabase empty;
    auto unmigrated = empty.psqlFile(checks());
    INFO(unmigrated.out << unmigrated.err);
    CHECK(unmigrated.exitCode != 0);
    CHECK(unmigrated.out.find("FAIL") != std::string::npos);
}
