#include "app/ops/backup_files.hpp"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <stdexcept>

namespace app {

namespace {

bool isDigits(std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

int number(std::string_view s) {
    int v = 0;
    for (char c : s) v = v * 10 + (c - '0');
    return v;
}

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
long long daysFromCivil(int y, int m, int d) {
    y -= m <= 2;
    const long long era = (y >= 0 ? y : y - 399) / 400;
    const int yoe = static_cast<int>(y - era * 400);
    const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

std::tm utcTm(std::time_t t) {
    std::tm tm{};
    gmtime_r(&t, &tm);
    return tm;
}

struct EvpDeleter {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

}  // namespace

std::optional<std::string> dumpDatabaseNameProblem(const std::string& database) {
    if (database.empty() || database.size() > 63)
        return "the database name must be 1 to 63 characters to name dump files";
    for (char c : database)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'))
            return "database '" + database +
                   "' has characters dump file names do not allow (only A-Z a-z 0-9 _ -)";
    return std::nullopt;
}

std::string dumpFileName(const std::string& database, std::time_t takenAtUtc) {
    std::tm tm = utcTm(takenAtUtc);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    return database + "-" + stamp + ".dump";
}

std::optional<std::time_t> parseDumpFileName(std::string_view name, const std::string& database) {
    // <database>-YYYYmmddTHHMMSSZ.dump, exactly.
    const std::string prefix = database + "-";
    const std::string_view suffix = ".dump";
    if (name.size() != prefix.size() + 16 + suffix.size()) return std::nullopt;
    if (name.substr(0, prefix.size()) != prefix || name.substr(name.size() - suffix.size()) != suffix)
        return std::nullopt;
    std::string_view stamp = name.substr(prefix.size(), 16);
    if (!isDigits(stamp.substr(0, 8)) || stamp[8] != 'T' || !isDigits(stamp.substr(9, 6)) || stamp[15] != 'Z')
        return std::nullopt;
    const int y = number(stamp.substr(0, 4)), mo = number(stamp.substr(4, 2)), d = number(stamp.substr(6, 2));
    const int h = number(stamp.substr(9, 2)), mi = number(stamp.substr(11, 2)),
              s = number(stamp.substr(13, 2));
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
    std::time_t t = static_cast<std::time_t>(daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s);
    // Reject dates like 20260231 that do not round-trip.
    if (dumpFileName(database, t) != name) return std::nullopt;
    return t;
}

std::string sha256SidecarText(const std::string& hex, const std::string& fileName) {
    return hex + "  " + fileName + "\n";
}

std::optional<Sha256Line> parseSha256Sidecar(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    if (text.size() < 67 || text.find('\n') != std::string_view::npos) return std::nullopt;
    std::string hex(text.substr(0, 64));
    for (char& c : hex) {
        if (!std::isxdigit(static_cast<unsigned char>(c))) return std::nullopt;
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
    std::string_view sep = text.substr(64, 2);
    if (sep != "  " && sep != " *") return std::nullopt;
    return Sha256Line{hex, std::string(text.substr(66))};
}

std::string sha256OfFile(const std::filesystem::path& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + path.string());
    std::unique_ptr<EVP_MD_CTX, EvpDeleter> ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1)
        throw std::runtime_error("cannot start SHA-256");
    std::vector<char> buffer(1 << 16);
    while (in) {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        if (in.gcount() > 0) EVP_DigestUpdate(ctx.get(), buffer.data(), static_cast<size_t>(in.gcount()));
    }
    if (in.bad()) throw std::runtime_error("error while reading " + path.string());
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int length = 0;
    EVP_DigestFinal_ex(ctx.get(), digest, &length);
    std::string hex;
    char byte[3];
    for (unsigned int i = 0; i < length; ++i) {
        std::snprintf(byte, sizeof byte, "%02x", digest[i]);
        hex += byte;
    }
    return hex;
}

IsoWeek isoWeekOf(std::time_t utc) {
    std::tm tm = utcTm(utc);
    // ISO 8601: weeks start on Monday; week 1 holds the year's first Thursday.
    const long long days = daysFromCivil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
    const int weekday = static_cast<int>(((days % 7) + 7 + 3) % 7);  // 0 = Monday (1970-01-01 was a Thursday)
    const long long thursday = days - weekday + 3;
    std::tm th = utcTm(static_cast<std::time_t>(thursday * 86400));
    const int isoYear = th.tm_year + 1900;
    const long long jan1 = daysFromCivil(isoYear, 1, 1);
    return IsoWeek{isoYear, static_cast<int>((thursday - jan1) / 7 + 1)};
}

std::string isoWeekLabel(const IsoWeek& w) {
    char out[16];
    std::snprintf(out, sizeof out, "%04d-W%02d", w.year, w.week);
    return out;
}

std::string utcDayLabel(std::time_t utc) {
    std::tm tm = utcTm(utc);
    char out[16];
    std::strftime(out, sizeof out, "%Y-%m-%d", &tm);
    return out;
}

RetentionPlan planRetention(std::vector<DumpOnDisk> dumps, int keepDaily, int keepWeekly) {
    std::sort(dumps.begin(), dumps.end(), [](const DumpOnDisk& a, const DumpOnDisk& b) {
        return a.takenAt != b.takenAt ? a.takenAt > b.takenAt : a.fileName > b.fileName;
    });
    RetentionPlan plan;
    auto newestVerified =
        std::find_if(dumps.begin(), dumps.end(), [](const DumpOnDisk& d) { return d.verified; });
    if (newestVerified == dumps.end()) {
        for (const auto& d : dumps)
            plan.keep.push_back({d.fileName, {"no verified dump yet: nothing is pruned"}});
        return plan;
    }
    std::set<std::string> days, weeks;
    for (auto it = dumps.begin(); it != dumps.end(); ++it) {
        KeptDump kept{it->fileName, {}};
        if (it < newestVerified) kept.reasons.push_back("newer than the newest verified dump");
        if (it == newestVerified) kept.reasons.push_back("newest verified");
        if (it >= newestVerified && it->verified) {
            const std::string day = utcDayLabel(it->takenAt);
            if (!days.count(day)) {
                days.insert(day);
                if (static_cast<int>(days.size()) <= keepDaily) kept.reasons.push_back("daily " + day);
            }
            const std::string week = isoWeekLabel(isoWeekOf(it->takenAt));
            if (!weeks.count(week)) {
                weeks.insert(week);
                if (static_cast<int>(weeks.size()) <= keepWeekly) kept.reasons.push_back("weekly " + week);
            }
        }
        if (kept.reasons.empty())
            plan.prune.push_back(it->fileName);
        else
            plan.keep.push_back(std::move(kept));
    }
    return plan;
}

}  // namespace app
