#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include "db/schema/migration_catalog.hpp"

TEST_CASE("migration file names follow NNNN_name.sql") {
    auto ok = db::parseMigrationFileName("0002_serialized_config_columns.sql");
    REQUIRE(ok);
    CHECK(ok->version == 2);
    CHECK(ok->name == "serialized_config_columns");
    CHECK_FALSE(db::parseMigrationFileName("2_x.sql"));
    CHECK_FALSE(db::parseMigrationFileName("0002-x.sql"));
    CHECK_FALSE(db::parseMigrationFileName("0002_X.sql"));
    CHECK_FALSE(db::parseMigrationFileName("0002_.sql"));
    CHECK_FALSE(db::parseMigrationFileName("0000_zero.sql"));
    CHECK_FALSE(db::parseMigrationFileName("0002_x.sql.bak"));
    CHECK(db::Migration{7, "abc", "", ""}.fileName() == "0007_abc.sql");
}

TEST_CASE("sha256 matches the published test vectors") {
    CHECK(db::sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    CHECK(db::sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST_CASE("the catalog is ordered and refuses repeated versions and bad names") {
    auto catalog = db::buildCatalog({{"0002_b.sql", "select 2"}, {"0001_a.sql", "select 1"}});
    REQUIRE(catalog.size() == 2);
    CHECK(catalog[0].version == 1);
    CHECK(catalog[1].sha256 == db::sha256Hex("select 2"));
    CHECK_THROWS_WITH_AS(db::buildCatalog({{"0001_a.sql", ""}, {"0001_b.sql", ""}}),
                         doctest::Contains("two migration files share version 1"), std::runtime_error);
    CHECK_THROWS_WITH_AS(db::buildCatalog({{"one.sql", ""}}), doctest::Contains("is not named NNNN_name.sql"),
                         std::runtime_error);
}

TEST_CASE("the embedded migrations are the files of db/migrations, byte for byte") {
    auto embedded = db::embeddedMigrations();
    auto onDisk =
        db::loadMigrationsFromDirectory(std::filesystem::path(STAGE1_SOURCE_DIR_FOR_UNIT) / "db/migrations");
    REQUIRE(embedded.size() == onDisk.size());
    REQUIRE(embedded.size() >= 9);
    for (size_t i = 0; i < embedded.size(); ++i) {
        CHECK(embedded[i].version == static_cast<int>(i + 1));
        CHECK(embedded[i].fileName() == onDisk[i].fileName());
        CHECK(embedded[i].sha256 == onDisk[i].sha256);
        CHECK(embedded[i].sql == onDisk[i].sql);
    }
}
