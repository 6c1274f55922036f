// The spool file on disk during `stage1ctl replay-spool` (db/spool/spool_replay.hpp): the rename that
// hands the desktop a fresh file, leftovers of a crashed run, flock'd appends (the desktop's writer,
// app::appendToSpool, takes the same lock) and the archive. Failures throw SpoolReplayError (Io).
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace db {

// An open file, closed with the object.
class SpoolFile {
  public:
    SpoolFile(const std::filesystem::path& path, int flags);
    ~SpoolFile();
    SpoolFile(const SpoolFile&) = delete;
    SpoolFile& operator=(const SpoolFile&) = delete;

    void lock();  // exclusive flock, waiting for a writer that holds it
    void unlock();
    std::string readFrom(off_t offset);       // to the end of the file
    void appendAll(const std::string& text);  // then fsync

  private:
    std::filesystem::path path_;
    int fd_;
};

// Appends under an exclusive flock (creating the file, mode 0600), then fsyncs; nothing for "".
void appendLocked(const std::filesystem::path& path, const std::string& text);

// rename(2), then fsync of the folder(s), so the new name survives a crash.
void renameDurably(const std::filesystem::path& from, const std::filesystem::path& to);

std::string utcTime(const char* strftimeFormat);

// <spool>.replaying-* files a crashed run left behind, oldest first (the names end in a UTC time).
std::vector<std::filesystem::path> leftoverReplayingFiles(const std::filesystem::path& spool);

// Renames <spool> to <spool>.replaying-<UTC time>; nothing when it is missing or empty.
std::optional<std::filesystem::path> takeSpoolForReplay(const std::filesystem::path& spool);

// <spool dir>/archive/<spool name>.<UTC time of the .replaying- name>.sql, not yet taken.
std::filesystem::path archivePathFor(const std::filesystem::path& spool,
                                     const std::filesystem::path& replaying);

}  // namespace db
