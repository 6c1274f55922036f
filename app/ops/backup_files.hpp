// The files stage1ctl backup owns in a backup folder, and which of them retention keeps. Pure logic
// (no database, no processes) so it is unit-tested on its own.
//   <db>-YYYYmmddTHHMMSSZ.dump              pg_dump -Fc, UTC time the dump started
//   <db>-YYYYmmddTHHMMSSZ.dump.sha256       "<64 hex>  <dump file name>\n" (sha256sum -c reads it)
//   <db>-YYYYmmddTHHMMSSZ.dump.source.json  row counts, constraints, indexes of the dump's snapshot
//   <db>-YYYYmmddTHHMMSSZ.dump.verified     written only after a restore check passed (JSON)
// Nothing else in the folder is ever touched: every name is matched against the strict pattern.
#pragma once

#include <ctime>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace app {

inline constexpr const char* kSha256Suffix = ".sha256";
inline constexpr const char* kSourceFactsSuffix = ".source.json";
inline constexpr const char* kVerifiedSuffix = ".verified";

// nullopt when the database name can name dump files: 1-63 of [A-Za-z0-9_-].
std::optional<std::string> dumpDatabaseNameProblem(const std::string& database);
// "stage1_trading-20261126T120000Z.dump"
std::string dumpFileName(const std::string& database, std::time_t takenAtUtc);
// The time in a dump file name of `database`; nullopt for any other name (sidecars included).
std::optional<std::time_t> parseDumpFileName(std::string_view fileName, const std::string& database);

// sha256sum's format, text-mode separator: "<hex>  <name>\n".
std::string sha256SidecarText(const std::string& hex, const std::string& fileName);
struct Sha256Line {
    std::string hex, fileName;
};
// Accepts sha256sum's text ("  ") and binary (" *") separators; nullopt when malformed.
std::optional<Sha256Line> parseSha256Sidecar(std::string_view text);
// Lower-case hex SHA-256 of a file's bytes, streamed; throws std::runtime_error when unreadable.
std::string sha256OfFile(const std::filesystem::path& path);

struct IsoWeek {
    int year = 0, week = 0;
    bool operator==(const IsoWeek& o) const { return year == o.year && week == o.week; }
};
IsoWeek isoWeekOf(std::time_t utc);
std::string isoWeekLabel(const IsoWeek& w);  // "2026-W48"
std::string utcDayLabel(std::time_t utc);    // "2026-11-26"

struct DumpOnDisk {
    std::string fileName;
    std::time_t takenAt = 0;
    bool verified = false;
};
struct KeptDump {
    std::string fileName;
    std::vector<std::string> reasons;  // "newest verified", "daily 2026-11-26", "weekly 2026-W48", ...
};
struct RetentionPlan {
    std::vector<KeptDump> keep;      // newest first
    std::vector<std::string> prune;  // newest first
};

// Among VERIFIED dumps: the newest of each UTC day for the newest `keepDaily` days that have one,
// and the newest of each ISO week for the newest `keepWeekly` weeks; the newest verified dump always.
// Unverified dumps older than the newest verified one are pruned; dumps newer than it (another run
// still verifying) are kept. With no verified dump at all, nothing is pruned.
RetentionPlan planRetention(std::vector<DumpOnDisk> dumps, int keepDaily, int keepWeekly);

}  // namespace app
