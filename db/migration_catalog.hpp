// The migrations this binary knows: embedded at build time, or read from a folder (for tests and
// for operators checking a change before it is built in).
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace db {

struct Migration {
    int version = 0;
    std::string name;    // "serialized_config_columns"
    std::string sql;     // the file's exact bytes
    std::string sha256;  // lowercase hex of sql

    std::string fileName() const;  // "0002_serialized_config_columns.sql"
};

struct MigrationFileName {
    int version;
    std::string name;
};

// "0002_serialized_config_columns.sql" -> {2, "serialized_config_columns"}; nullopt when the name
// does not follow NNNN_name.sql (four digits, lowercase name of [a-z0-9_]).
std::optional<MigrationFileName> parseMigrationFileName(std::string_view fileName);

std::string sha256Hex(std::string_view bytes);

// Sorted by version; throws std::runtime_error on a bad file name or a repeated version.
std::vector<Migration> embeddedMigrations();
std::vector<Migration> loadMigrationsFromDirectory(const std::filesystem::path& directory);

// Shared by both sources: validates names, checksums and orders.
struct MigrationSource {
    std::string fileName;
    std::string sql;
};
std::vector<Migration> buildCatalog(const std::vector<MigrationSource>& sources);

}  // namespace db
