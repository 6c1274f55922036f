#include "db/spool/spool_files.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>

#include "db/spool/spool_replay.hpp"

namespace db {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void ioFail(const std::string& what, const fs::path& path) {
    throw SpoolReplayError(SpoolReplayFailure::Io,
                           "cannot " + what + " " + path.string() + ": " + std::strerror(errno));
}

void syncDirectory(const fs::path& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return;
    ::fsync(fd);
    ::close(fd);
}

// prefix + suffix, or prefix-2 + suffix, ... whichever does not exist yet.
fs::path unusedPath(const std::string& prefix, const std::string& suffix) {
    fs::path candidate = prefix + suffix;
    for (int k = 2; fs::exists(candidate); ++k) candidate = prefix + "-" + std::to_string(k) + suffix;
    return candidate;
}

const char kReplayingMark[] = ".replaying-";

}  // namespace

SpoolFile::SpoolFile(const fs::path& path, int flags)
    : path_(path), fd_(::open(path.c_str(), flags | O_CLOEXEC, 0600)) {
    if (fd_ < 0) ioFail("open", path);
}

SpoolFile::~SpoolFile() {
    ::close(fd_);
}

void SpoolFile::lock() {
    while (flock(fd_, LOCK_EX) != 0)
        if (errno != EINTR) ioFail("lock", path_);
}

void SpoolFile::unlock() {
    flock(fd_, LOCK_UN);
}

// Read straight into a string of the file's size (a spool can be tens of MB: growing a string
// while reading copies it several times, and every fresh page costs a fault); a writer appending
// meanwhile only makes it grow.
std::string SpoolFile::readFrom(off_t offset) {
    struct stat st {};
    if (::fstat(fd_, &st) != 0) ioFail("stat", path_);
    std::string out;
    // One byte more than the file, so that the read which finds its end needs no larger string.
    out.resize(st.st_size > offset ? static_cast<size_t>(st.st_size - offset) + 1 : 1);
    size_t have = 0;
    while (true) {
        if (have == out.size()) out.resize(out.size() + (1 << 16));
        ssize_t n = ::pread(fd_, out.data() + have, out.size() - have, offset + static_cast<off_t>(have));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) ioFail("read", path_);
        if (n == 0) break;
        have += static_cast<size_t>(n);
    }
    out.resize(have);
    return out;
}

void SpoolFile::appendAll(const std::string& text) {
    size_t written = 0;
    while (written < text.size()) {
        ssize_t n = ::write(fd_, text.data() + written, text.size() - written);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) ioFail("write", path_);
        written += static_cast<size_t>(n);
    }
    if (::fsync(fd_) != 0) ioFail("fsync", path_);
}

void appendLocked(const fs::path& path, const std::string& text) {
    if (text.empty()) return;
    SpoolFile file(path, O_WRONLY | O_APPEND | O_CREAT);
    file.lock();
    file.appendAll(text);
}

void renameDurably(const fs::path& from, const fs::path& to) {
    if (::rename(from.c_str(), to.c_str()) != 0) ioFail("rename " + from.string() + " to", to);
    syncDirectory(from.parent_path());
    if (to.parent_path() != from.parent_path()) syncDirectory(to.parent_path());
}

std::string utcTime(const char* strftimeFormat) {
    std::time_t now = std::time(nullptr);
    std::tm utc{};
    gmtime_r(&now, &utc);
    char text[64];
    std::strftime(text, sizeof text, strftimeFormat, &utc);
    return text;
}

std::vector<fs::path> leftoverReplayingFiles(const fs::path& spool) {
    std::vector<fs::path> found;
    const std::string prefix = spool.filename().string() + kReplayingMark;
    std::error_code ec;  // a missing folder has no leftovers
    for (const auto& entry : fs::directory_iterator(spool.parent_path(), ec))
        if (entry.path().filename().string().rfind(prefix, 0) == 0 && entry.is_regular_file())
            found.push_back(entry.path());
    std::sort(found.begin(), found.end());
    return found;
}

std::optional<fs::path> takeSpoolForReplay(const fs::path& spool) {
    struct stat st {};
    if (::stat(spool.c_str(), &st) != 0) {
        if (errno == ENOENT) return std::nullopt;
        ioFail("stat", spool);
    }
    if (st.st_size == 0) return std::nullopt;
    fs::path target = unusedPath(spool.string() + kReplayingMark + utcTime("%Y%m%dT%H%M%SZ"), "");
    renameDurably(spool, target);
    return target;
}

fs::path archivePathFor(const fs::path& spool, const fs::path& replaying) {
    const std::string name = replaying.filename().string();
    const size_t mark = name.find(kReplayingMark);
    const std::string stamp =
        mark == std::string::npos ? utcTime("%Y%m%dT%H%M%SZ") : name.substr(mark + sizeof kReplayingMark - 1);
    return unusedPath((spool.parent_path() / "archive" / spool.filename()).string() + "." + stamp, ".sql");
}

}  // namespace db
