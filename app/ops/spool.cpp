#include "app/ops/spool.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <stdexcept>

namespace app {

std::filesystem::path defaultSpoolPath(const EnvLookup& env) {
    const char* explicitPath = env("STAGE1_SPOOL_PATH");
    if (explicitPath && *explicitPath) return explicitPath;
    const char* data = env("XDG_DATA_HOME");
    const char* home = env("HOME");
    std::filesystem::path base = data && *data   ? std::filesystem::path(data)
                                 : home && *home ? std::filesystem::path(home) / ".local" / "share"
                                                 : std::filesystem::path(".");
    return base / "stage1-debugger" / "pending_postgres_inserts.sql";
}

std::string sqlLiteral(std::string_view value) {
    std::string out = "E'";
    for (char c : value) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '\'')
            out += "''";
        else
            out += c;
    }
    return out + "'";
}

std::string placeholderInsertStatement(const PlaceholderPreview& p, const std::string& queuedAtUtc) {
    return "INSERT INTO public.indicator_datasets (dataset_id, symbol, granularity, source, questdb_tag, "
           "row_count, "
           "first_bar_ts, last_bar_ts) VALUES (" +
           sqlLiteral(p.datasetId) + "::uuid, " + sqlLiteral(p.symbol) + ", " + sqlLiteral(p.granularity) +
           ", " + sqlLiteral(p.source) + ", " + sqlLiteral(p.slug) + ", 0, " + sqlLiteral(queuedAtUtc) +
           "::timestamptz, " + sqlLiteral(queuedAtUtc) + "::timestamptz);";
}

std::string utcNowIso() {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[32];
    std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return text;
}

void appendToSpool(const std::filesystem::path& path, const std::string& statement, const std::string& note) {
    auto fail = [&](const char* what) {
        throw std::runtime_error("cannot " + std::string(what) + " the spool file " + path.string() + ": " +
                                 std::strerror(errno));
    };
    std::error_code ec;
    if (path.has_parent_path()) std::filesystem::create_directories(path.parent_path(), ec);
    int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0) fail("open");
    // Other windows (and the nightly rename) may touch it too: one statement at a time, whole.
    if (flock(fd, LOCK_EX) != 0) {
        ::close(fd);
        fail("lock");
    }
    std::string note1 = note;
    for (char& c : note1)
        if (c == '\n' || c == '\r') c = ' ';
    const std::string text = "-- " + note1 + "\n" + statement + "\n";
    size_t written = 0;
    while (written < text.size()) {
        ssize_t n = ::write(fd, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            ::close(fd);
            fail("write");
        }
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        ::close(fd);
        fail("fsync");
    }
    ::close(fd);
}

}  // namespace app
