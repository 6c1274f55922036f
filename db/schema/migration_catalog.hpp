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

// A migration whose released text was later replaced in place, because it could not run where it
// had to (0006 on PostgreSQL 14). The current file, re-applied over the earlier text, ends in the
// same schema as a fresh run, so migrate re-applies it instead of refusing the changed checksum.
// Only these exact earlier checksums are accepted; any other change is still a mismatch.
struct ReplacedMigrationText {
    int version;
    std::string_view earlierSha256;
    std::string_view why;
};
const std::vector<ReplacedMigrationText>& replacedInPlace();
const ReplacedMigrationText* findReplacedText(int version, std::string_view ledgerSha256);

}  // namespace db
