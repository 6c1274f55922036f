#include "app/ops/backup.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <thread>

#include "app/ops/pg_tools.hpp"
#include "app/ops/spool.hpp"
#include "db/pg/transaction.hpp"

namespace app {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

long long msSince(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start)
        .count();
}

void say(const BackupTarget& t, const std::string& line) {
    if (t.progress) t.progress(line);
}

std::string freeSpace(const fs::path& dir) {
    struct statvfs st {};
    if (statvfs(dir.c_str(), &st) != 0) return "";
    return " (" + std::to_string(static_cast<unsigned long long>(st.f_bavail) * st.f_frsize / 1024) +
           " KiB free in " + dir.string() + ")";
}

[[noreturn]] void failWrite(const fs::path& path, int error) {
    if (error == ENOSPC || error == EDQUOT)
        throw BackupError(BackupFailure::DiskFull, "cannot write " + path.string() + ": " +
                                                       std::strerror(error) + " - the disk" + " is full" +
                                                       freeSpace(path.parent_path()));
    throw BackupError(BackupFailure::FolderNotWritable,
                      "cannot write " + path.string() + ": " + std::strerror(error));
}

void fsyncPath(const fs::path& path, int flags) {
    int fd = ::open(path.c_str(), flags | O_CLOEXEC);
    if (fd < 0) failWrite(path, errno);
    if (::fsync(fd) != 0) {
        int e = errno;
        ::close(fd);
        failWrite(path, e);
    }
    ::close(fd);
}

// Whole or not at all: a hidden temporary file, fsynced, renamed over the target.
void writeFileDurably(const fs::path& path, const std::string& text) {
    const fs::path temp = path.parent_path() / ("." + path.filename().string() + ".tmp");
    int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
    if (fd < 0) failWrite(temp, errno);
    size_t done = 0;
    while (done < text.size()) {
        ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int e = n == 0 ? ENOSPC : errno;
            ::close(fd);
            ::unlink(temp.c_str());
            failWrite(path, e);
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0 || ::close(fd) != 0) {
        int e = errno;
        ::unlink(temp.c_str());
        failWrite(path, e);
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        int e = errno;
        ::unlink(temp.c_str());
        failWrite(path, e);
    }
}

std::string readText(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

json factsJson(const db::DatabaseFacts& f) {
    return {{"tables", f.rowCounts}, {"constraints", f.constraints}, {"indexes", f.indexes}};
}

db::DatabaseFacts factsFromJson(const json& j) {
    db::DatabaseFacts f;
    f.rowCounts = j.at("tables").get<std::map<std::string, long long>>();
    f.constraints = j.at("constraints").get<std::set<std::string>>();
    f.indexes = j.at("indexes").get<std::set<std::string>>();
    return f;
}

std::string lastLines(const std::string& text, int count) {
    size_t pos = text.size();
    while (pos > 0 && (text[pos - 1] == '\n')) --pos;
    std::string trimmed = text.substr(0, pos);
    for (int n = 0; n < count && pos != std::string::npos && pos > 0; ++n) pos = trimmed.rfind('\n', pos - 1);
    return pos == std::string::npos || pos == 0 ? trimmed : trimmed.substr(pos + 1);
}

std::string randomHex(int bytes) {
    std::random_device random;
    std::string out;
    const char* digits = "0123456789abcdef";
    for (int i = 0; i < bytes; ++i) {
        unsigned v = random() & 0xff;
        out += digits[v >> 4];
        out += digits[v & 15];
    }
    return out;
}

// A database that exists only while the restore check runs; dropped on every path out.
class ScratchDatabase {
  public:
    explicit ScratchDatabase(db::Connection& admin)
        : admin_(admin), name_("stage1_restore_check_" + randomHex(8)) {
        // CREATE DATABASE takes no parameters; the name is ours ([a-z0-9_]) and quoted.
        admin_.exec("CREATE DATABASE \"" + name_ + "\" TEMPLATE template0");
        created_ = true;
    }
    ~ScratchDatabase() { drop(); }
    ScratchDatabase(const ScratchDatabase&) = delete;
    ScratchDatabase& operator=(const ScratchDatabase&) = delete;

    const std::string& name() const { return name_; }
    // nullopt when dropped (or never created); else why it could not be.
    std::optional<std::string> drop() {
        if (!created_) return std::nullopt;
        created_ = false;
        try {
            const bool force = PQserverVersion(admin_.raw()) >= 130000;
            admin_.exec("DROP DATABASE IF EXISTS \"" + name_ + "\"" + (force ? " WITH (FORCE)" : ""));
            return std::nullopt;
        } catch (const db::Error& e) {
            return "could not drop the scratch database " + name_ + " (drop it by hand): " + e.info().message;
        }
    }

  private:
    db::Connection& admin_;
    std::string name_;
    bool created_ = false;
};

bool checkSha256(const fs::path& dump, VerifyReport& report) {
    const fs::path sidecar = dump.string() + kSha256Suffix;
    std::error_code ec;
    if (!fs::exists(sidecar, ec)) {
        report.failureKind = "sidecar_missing";
        report.problems.push_back("no " + sidecar.filename().string() +
                                  " beside the dump: its integrity cannot be checked");
        return false;
    }
    auto line = parseSha256Sidecar(readText(sidecar));
    if (!line) {
        report.failureKind = "sha256_mismatch";
        report.problems.push_back(sidecar.string() + " is not in sha256sum format");
        return false;
    }
    report.sha256 = sha256OfFile(dump);
    if (line->fileName != dump.filename().string()) {
        report.failureKind = "sha256_mismatch";
        report.problems.push_back(sidecar.string() + " is for " + line->fileName + ", not " +
                                  dump.filename().string());
        return false;
    }
    if (line->hex != report.sha256) {
        report.failureKind = "sha256_mismatch";
        report.problems.push_back("sha256 mismatch: the sidecar says " + line->hex + ", the file is " +
                                  report.sha256 +
                                  " - the dump is corrupted (or was changed after it was written)");
        return false;
    }
    return true;
}

void writeVerifiedMarker(const fs::path& dump, const VerifyReport& r) {
    json marker = {{"dump", dump.filename().string()},
                   {"sha256", r.sha256},
                   {"verified_at", utcNowIso()},
                   {"compared_with", r.comparedWith},
                   {"scratch_database", r.scratchDatabase},
                   {"tables", r.restored.rowCounts},
                   {"constraints", r.restored.constraints.size()},
                   {"indexes", r.restored.indexes.size()},
                   {"duration_ms", r.ms}};
    writeFileDurably(dump.string() + kVerifiedSuffix, marker.dump(2) + "\n");
}

VerifyReport verifyDump(db::Connection& source, const BackupTarget& target, const fs::path& dump,
                        const db::DatabaseFacts& expected, const std::string& comparedWith) {
    auto started = std::chrono::steady_clock::now();
    VerifyReport report;
    report.comparedWith = comparedWith;
    if (!checkSha256(dump, report)) {
        report.ms = msSince(started);
        return report;
    }
    say(target, "sha256 matches its sidecar: " + report.sha256);
    const fs::path pgRestore = findPgProgram("pg_restore", target.pgBin, target.env, source.serverMajor());
    std::optional<ScratchDatabase> scratch;
    try {
        scratch.emplace(source);
    } catch (const db::Error& e) {
        report.failureKind = e.info().sqlstate == "42501" ? "createdb_denied" : "restore_failed";
        report.problems.push_back(
            e.info().sqlstate == "42501"
                ? "this role may not create databases, and a restore check needs a scratch database on the "
                  "same server: ALTER ROLE <backup role> CREATEDB, or run it as a role that has CREATEDB "
                  "(--user). "
                  "Server said: " +
                      e.info().message
                : "cannot create the scratch database: " + e.info().describe());
        report.ms = msSince(started);
        return report;
    }
    report.scratchDatabase = scratch->name();
    say(target, "restoring into scratch database " + scratch->name());
    auto env = libpqEnvironment(target.params);
    ChildResult restore = runChild({pgRestore.string(), "--no-owner", "--exit-on-error", "--no-password",
                                    "--dbname=" + scratch->name(), dump.string()},
                                   env);
    if (restore.exitCode != 0) {
        report.failureKind = "restore_failed";
        report.problems.push_back("pg_restore failed (exit " + std::to_string(restore.exitCode) +
                                  "): " + lastLines(restore.stderrText, 8));
    } else {
        db::ConnectParams scratchParams = target.params;
        scratchParams.set("dbname", scratch->name());
        db::Connection restored = db::Connection::open(scratchParams);
        report.restored = db::readDatabaseFacts(restored);
        report.problems = db::compareDatabaseFacts(expected, report.restored);
        if (!report.problems.empty()) report.failureKind = "mismatch";
    }
    if (auto warning = scratch->drop()) report.warnings.push_back(*warning);
    report.ok = report.problems.empty();
    report.ms = msSince(started);
    return report;
}

// Locks the folder for this process (released when the process ends).
class FolderLock {
  public:
    explicit FolderLock(const fs::path& dir) {
        const fs::path path = dir / ".stage1-backup.lock";
        fd_ = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd_ < 0) failWrite(path, errno);
        if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd_);
            throw BackupError(BackupFailure::Locked,
                              "another stage1ctl backup is running in " + dir.string());
        }
    }
    ~FolderLock() { ::close(fd_); }
    FolderLock(const FolderLock&) = delete;
    FolderLock& operator=(const FolderLock&) = delete;

  private:
    int fd_ = -1;
};

void checkDumpFile(const fs::path& temp, const fs::path& dir) {
    std::error_code ec;
    const auto size = fs::file_size(temp, ec);
    std::ifstream in(temp, std::ios::binary);
    char magic[5] = {};
    in.read(magic, 5);
    // pg_dump exits non-zero on a short write; the header check also catches a file cut short.
    if (ec || size < 5 || std::string(magic, 5) != "PGDMP")
        throw BackupError(BackupFailure::DumpFailed, "pg_dump reported success but " + temp.string() +
                                                         " is not a complete custom-format dump" +
                                                         freeSpace(dir));
}

void applyRetention(const fs::path& dir, const std::string& database, const BackupOptions& o,
                    BackupReport& report) {
    std::vector<DumpOnDisk> dumps;
    for (const auto& entry : fs::directory_iterator(dir)) {
        std::error_code ec;
        if (!entry.is_regular_file(ec)) continue;
        const std::string name = entry.path().filename().string();
        if (auto t = parseDumpFileName(name, database))
            dumps.push_back({name, *t, fs::exists(dir / (name + kVerifiedSuffix), ec)});
    }
    report.retention = planRetention(dumps, o.keepDaily, o.keepWeekly);
    for (const auto& name : report.retention.prune) {
        bool removed = true;
        for (const char* suffix : {"", kSha256Suffix, kSourceFactsSuffix, kVerifiedSuffix}) {
            std::error_code ec;
            fs::remove(dir / (name + suffix), ec);
            if (ec) {
                removed = false;
                report.pruneErrors.push_back("cannot remove " + (dir / (name + suffix)).string() + ": " +
                                             ec.message());
            }
        }
        if (removed) report.pruned.push_back(name);
    }
}

}  // namespace

BackupReport runBackup(db::Connection& source, const BackupTarget& target, const BackupOptions& options) {
    const std::string database = PQdb(source.raw());
    if (auto problem = dumpDatabaseNameProblem(database))
        throw BackupError(BackupFailure::BadDatabaseName, *problem);
    // Both programs found and of the server's major or newer before anything is written.
    const fs::path pgDump = findPgProgram("pg_dump", target.pgBin, target.env, source.serverMajor());
    requireProgramForServer(pgDump, source.serverMajor(), source.serverVersion());
    requireProgramForServer(findPgProgram("pg_restore", target.pgBin, target.env, source.serverMajor()),
                            source.serverMajor(), source.serverVersion());

    std::error_code ec;
    fs::create_directories(options.dir, ec);
    if (ec && !fs::is_directory(options.dir))
        throw BackupError(ec.value() == ENOSPC ? BackupFailure::DiskFull : BackupFailure::FolderNotWritable,
                          "cannot create the backup folder " + options.dir.string() + ": " + ec.message());
    const fs::path dir = fs::absolute(options.dir);
    FolderLock lock(dir);

    BackupReport report;
    std::string name = dumpFileName(database, std::time(nullptr));
    for (int i = 0; i < 3 && fs::exists(dir / name, ec); ++i) {  // two runs within one second
        std::this_thread::sleep_for(std::chrono::milliseconds(1100));
        name = dumpFileName(database, std::time(nullptr));
    }
    report.dump = dir / name;
    const fs::path temp = dir / ("." + name + ".partial");

    // One snapshot for the facts and the dump.
    auto started = std::chrono::steady_clock::now();
    // Created private before pg_dump writes into it (pg_dump keeps an existing file's mode).
    int tempFd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (tempFd < 0) failWrite(temp, errno);
    ::fchmod(tempFd, 0600);
    ::close(tempFd);
    std::string snapshot;
    db::DatabaseFacts facts;
    ChildResult dump;
    db::Transaction transaction(source, db::Transaction::Mode::ReadOnlySnapshot);
    try {
        snapshot = source.query("SELECT pg_export_snapshot()").text(0, 0);
        facts = db::readDatabaseFacts(source);
        say(target, "dumping " + database + " (snapshot " + snapshot + ") to " + report.dump.string());
        dump = runChild({pgDump.string(), "--format=custom", "--no-password", "--snapshot=" + snapshot,
                         "--file=" + temp.string()},
                        libpqEnvironment(target.params));
        transaction.commit();
    } catch (...) {
        fs::remove(temp, ec);
        throw;  // the transaction rolls back on the way out
    }
    report.dumpMs = msSince(started);
    try {
        if (dump.exitCode != 0) {
            const bool full = dump.stderrText.find("No space left on device") != std::string::npos ||
                              dump.stderrText.find("Disk quota exceeded") != std::string::npos;
            const bool writing = full || dump.stderrText.find("could not write") != std::string::npos ||
                                 dump.stderrText.find("could not close") != std::string::npos;
            throw BackupError(full ? BackupFailure::DiskFull : BackupFailure::DumpFailed,
                              "pg_dump failed (exit " + std::to_string(dump.exitCode) +
                                  "): " + lastLines(dump.stderrText, 8) +
                                  (full ? " - the disk is full" : "") + (writing ? freeSpace(dir) : ""));
        }
        checkDumpFile(temp, dir);
        fsyncPath(temp, O_RDONLY);
        report.bytes = static_cast<long long>(fs::file_size(temp));
        const std::string sha = sha256OfFile(temp);
        json sourceFacts = factsJson(facts);
        sourceFacts["database"] = database;
        sourceFacts["snapshot"] = snapshot;
        sourceFacts["taken_at"] = utcNowIso();
        sourceFacts["server_version"] = source.serverVersion();
        writeFileDurably(dir / (name + kSha256Suffix), sha256SidecarText(sha, name));
        writeFileDurably(dir / (name + kSourceFactsSuffix), sourceFacts.dump(2) + "\n");
        if (::rename(temp.c_str(), report.dump.c_str()) != 0) failWrite(report.dump, errno);
        fsyncPath(dir, O_RDONLY | O_DIRECTORY);
    } catch (...) {
        fs::remove(temp, ec);
        fs::remove(dir / (name + kSha256Suffix), ec);
        fs::remove(dir / (name + kSourceFactsSuffix), ec);
        throw;
    }
    say(target,
        "dumped " + std::to_string(report.bytes) + " bytes in " + std::to_string(report.dumpMs) + " ms");

    report.verify = verifyDump(source, target, report.dump, facts,
                               "the dump's snapshot (" + name + kSourceFactsSuffix + ")");
    if (!report.verify.ok) return report;  // keep everything: the last verified dump stays the newest one
    writeVerifiedMarker(report.dump, report.verify);
    applyRetention(dir, database, options, report);
    return report;
}

VerifyReport restoreCheck(db::Connection& source, const BackupTarget& target, const fs::path& dump) {
    std::error_code ec;
    if (!fs::is_regular_file(dump, ec))
        throw BackupError(BackupFailure::NotFound, "no dump file at " + dump.string());
    requireProgramForServer(findPgProgram("pg_restore", target.pgBin, target.env, source.serverMajor()),
                            source.serverMajor(), source.serverVersion());
    const fs::path factsFile = dump.string() + kSourceFactsSuffix;
    db::DatabaseFacts expected;
    std::string comparedWith;
    std::vector<std::string> warnings;
    if (fs::exists(factsFile, ec)) {
        try {
            expected = factsFromJson(json::parse(readText(factsFile)));
            comparedWith = "the dump's snapshot (" + factsFile.filename().string() + ")";
        } catch (const json::exception& e) {
            warnings.push_back(factsFile.string() + " is unreadable (" + e.what() +
                               "); compared with the live database");
        }
    }
    if (comparedWith.empty()) {
        expected = db::readDatabaseFacts(source);
        comparedWith = "the live database (no readable " + factsFile.filename().string() +
                       "): a row count difference may be a write made after the dump";
    }
    VerifyReport report = verifyDump(source, target, dump, expected, comparedWith);
    report.warnings.insert(report.warnings.begin(), warnings.begin(), warnings.end());
    const fs::path marker = dump.string() + kVerifiedSuffix;
    if (!report.ok && fs::exists(marker, ec)) {
        // Retention trusts the marker: a dump that fails now must not count as verified any more.
        fs::remove(marker, ec);
        report.warnings.push_back(ec ? "could not remove the stale " + marker.string() + ": " + ec.message()
                                     : "removed the stale " + marker.filename().string() + " marker");
    }
    if (report.ok) {
        try {
            writeVerifiedMarker(dump, report);
        } catch (const BackupError& e) {
            report.warnings.push_back(std::string("verified, but the marker could not be written: ") +
                                      e.what());
        }
    }
    return report;
}

}  // namespace app
