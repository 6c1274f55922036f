#include "db/schema/migration_catalog.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include "db/schema/embedded_migrations.hpp"

namespace db {

std::string Migration::fileName() const {
    char prefix[16];
    std::snprintf(prefix, sizeof prefix, "%04d_", version);
    return prefix + name + ".sql";
}

std::optional<MigrationFileName> parseMigrationFileName(std::string_view fileName) {
    constexpr std::string_view suffix = ".sql";
    if (fileName.size() < 4 + 1 + 1 + suffix.size()) return std::nullopt;
    if (fileName.substr(fileName.size() - suffix.size()) != suffix) return std::nullopt;
    int version = 0;
    for (int i = 0; i < 4; ++i) {
        char c = fileName[static_cast<size_t>(i)];
        if (c < '0' || c > '9') return std::nullopt;
        version = version * 10 + (c - '0');
    }
    if (fileName[4] != '_' || version == 0) return std::nullopt;
    std::string_view name = fileName.substr(5, fileName.size() - 5 - suffix.size());
    if (name.empty()) return std::nullopt;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_')) return std::nullopt;
    return MigrationFileName{version, std::string(name)};
}

std::string sha256Hex(std::string_view bytes) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("sha256 failed (OpenSSL)");
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(length * 2);
    for (unsigned int i = 0; i < length; ++i) {
        out += hex[digest[i] >> 4];
        out += hex[digest[i] & 0xF];
    }
    return out;
}

const std::vector<ReplacedMigrationText>& replacedInPlace() {
    static const std::vector<ReplacedMigrationText> replaced = {
        {6, "03f78e3eb9c3cceb0e7bc480627b63d5f1658f744c7577f8a0f03a49c74fa414",
         "the view used WITH (security_invoker), which PostgreSQL 14 rejects; it now reads through a "
         "SECURITY INVOKER function on every major"},
    };
    return replaced;
}

const ReplacedMigrationText* findReplacedText(int version, std::string_view ledgerSha256) {
    for (const auto& r : replacedInPlace())
        if (r.version == version && r.earlierSha256 == ledgerSha256) return &r;
    return nullptr;
}

std::vector<Migration> buildCatalog(const std::vector<MigrationSource>& sources) {
    std::vector<Migration> catalog;
    std::set<int> seen;
    for (const auto& source : sources) {
        auto parsed = parseMigrationFileName(source.fileName);
        if (!parsed)
            throw std::runtime_error("migration file '" + source.fileName +
                                     "' is not named NNNN_name.sql (four digits, then [a-z0-9_])");
        if (!seen.insert(parsed->version).second)
            throw std::runtime_error("two migration files share version " + std::to_string(parsed->version) +
                                     " ('" + source.fileName + "')");
        catalog.push_back(Migration{parsed->version, parsed->name, source.sql, sha256Hex(source.sql)});
    }
    std::sort(catalog.begin(), catalog.end(),
              [](const Migration& a, const Migration& b) { return a.version < b.version; });
    return catalog;
}

std::vector<Migration> embeddedMigrations() {
    std::vector<MigrationSource> sources;
    for (const auto& file : embedded::migrationFiles())
        sources.push_back({std::string(file.fileName), std::string(file.sql)});
    return buildCatalog(sources);
}

std::vector<Migration> loadMigrationsFromDirectory(const std::filesystem::path& directory) {
    if (!std::filesystem::is_directory(directory))
        throw std::runtime_error("migrations folder '" + directory.string() + "' does not exist");
    std::vector<MigrationSource> sources;
    for (const auto& entry : std::filesystem::directory_iterator(directory)) {
        if (!entry.is_regular_file() || entry.path().extension() != ".sql") continue;
        std::ifstream in(entry.path(), std::ios::binary);
        std::ostringstream bytes;
        bytes << in.rdbuf();
        if (!in && !in.eof()) throw std::runtime_error("cannot read " + entry.path().string());
        sources.push_back({entry.path().filename().string(), bytes.str()});
    }
    return buildCatalog(sources);
}

}  // namespace db
