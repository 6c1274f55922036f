// Generated at build time (db/schema/embed_migrations.cmake) from db/migrations/*.sql.
#pragma once

#include <string_view>
#include <vector>

namespace db::embedded {

struct MigrationFile {
    std::string_view fileName;
    std::string_view sql;
};

const std::vector<MigrationFile>& migrationFiles();

}  // namespace db::embedded
