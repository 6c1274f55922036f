// stage1ctl backup / restore-check (app/ops/backup.hpp does the work).
// Exit 0 done and verified, 1 failed (dump, verification, disk, tools), 2 usage, 3 cannot connect.
#include <nlohmann/json.hpp>

#include "app/ops/backup.hpp"
#include "app/cli/ctl_commands.hpp"
#include "app/ops/pg_tools.hpp"

namespace app {

namespace {

using nlohmann::json;

const OptionSpec kPgBin{
    "pg-bin", true,
    "folder holding pg_dump and pg_restore of the server's major or newer (default: $STAGE1_PG_BIN, then "
    "/usr/lib/postgresql/<server major>/bin, PATH, the newest /usr/lib/postgresql/*/bin)"};

// What pg_dump / pg_restore connect with: the resolved settings, corrected by what the live
// connection actually used (the managed tunnel's port, a password typed at the prompt). They reach
// the programs through their environment only (app/ops/pg_tools.hpp).
BackupTarget backupTarget(const ParsedArgs& args, CtlIo& io, db::Connection& conn) {
    BackupTarget target;
    target.params = resolveForCommand(args, io).connectParams();
    PGconn* raw = conn.raw();
    if (const char* host = PQhost(raw); host && *host && !target.params.find("hostaddr"))
        target.params.set("host", host);
    if (const char* port = PQport(raw); port && *port) target.params.set("port", port);
    if (const char* password = PQpass(raw); password && *password) target.params.set("password", password);
    target.params.set("dbname", PQdb(raw));
    target.params.set("user", PQuser(raw));
    target.params.set("application_name", "stage1ctl-backup");
    target.pgBin = args.value("pg-bin");
    target.env = io.env;
    target.progress = [&io](const std::string& line) { io.err << line << "\n"; };
    return target;
}

json verifyJson(const VerifyReport& r) {
    return {{"ok", r.ok},
            {"failure", r.failureKind},
            {"problems", r.problems},
            {"warnings", r.warnings},
            {"sha256", r.sha256},
            {"compared_with", r.comparedWith},
            {"scratch_database", r.scratchDatabase},
            {"tables", r.restored.rowCounts},
            {"constraints", r.restored.constraints.size()},
            {"indexes", r.restored.indexes.size()},
            {"duration_ms", r.ms}};
}

void printVerify(std::ostream& out, const VerifyReport& r) {
    if (r.ok) {
        out << "verified: restored into " << r.scratchDatabase << " (dropped) and compared with "
            << r.comparedWith << ": " << r.restored.rowCounts.size() << " tables, "
            << r.restored.constraints.size() << " constraints, " << r.restored.indexes.size()
            << " indexes match (" << r.ms << " ms)\n";
        for (const auto& [table, rows] : r.restored.rowCounts)
            out << "  " << table << ": " << rows << " rows\n";
    } else {
        out << "verification FAILED (" << r.failureKind << ")"
            << (r.comparedWith.empty() ? "" : ", compared with " + r.comparedWith) << ":\n";
        for (const auto& p : r.problems) out << "  " << p << "\n";
    }
    for (const auto& w : r.warnings) out << "warning: " << w << "\n";
}

// The --json error kinds (the man page lists them).
const char* failureKind(BackupFailure kind) {
    switch (kind) {
        case BackupFailure::FolderNotWritable:
            return "folder_not_writable";
        case BackupFailure::DiskFull:
            return "disk_full";
        case BackupFailure::Locked:
            return "locked";
        case BackupFailure::DumpFailed:
            return "dump_failed";
        case BackupFailure::BadDatabaseName:
            return "bad_database_name";
        case BackupFailure::NotFound:
            return "not_found";
    }
    return "backup_failed";
}

// BackupError and a missing program are failures with a kind; anything else propagates.
template <typename Body>
int guarded(const ParsedArgs& args, CtlIo& io, Body body) {
    try {
        return body();
    } catch (const BackupError& e) {
        return reportFailure(args, io, failureKind(e.kind()), e.what());
    } catch (const PgToolMissing& e) {
        return reportFailure(args, io, "pg_tool_missing", e.what());
    } catch (const PgToolTooOld& e) {
        return reportFailure(args, io, "pg_tool_too_old", e.what());
    }
}

int runBackupCommand(const ParsedArgs& args, CtlIo& io) {
    auto dir = args.value("dir");
    if (!dir || dir->empty()) throw UsageError("--dir <backup folder> is required");
    BackupOptions options;
    options.dir = *dir;
    options.keepDaily = static_cast<int>(args.integer("keep-daily", 14, 0, 3650));
    options.keepWeekly = static_cast<int>(args.integer("keep-weekly", 8, 0, 520));
    // A missing program fails before the server is even contacted.
    if (int missing = guarded(args, io, [&] {
            findPgProgram("pg_dump", args.value("pg-bin"), io.env);
            findPgProgram("pg_restore", args.value("pg-bin"), io.env);
            return kExitOk;
        }))
        return missing;

    auto conn = connectForCommand(args, io, StatementTimeout::None);
    if (!conn) return kExitConnection;
    return guarded(args, io, [&] {
        BackupReport report = runBackup(*conn, backupTarget(args, io, *conn), options);
        if (jsonOutput(args)) {
            json kept = json::array();
            for (const auto& k : report.retention.keep)
                kept.push_back({{"file", k.fileName}, {"reasons", k.reasons}});
            io.out << json{{"ok", report.verify.ok},
                           {"dump", report.dump.string()},
                           {"bytes", report.bytes},
                           {"dump_ms", report.dumpMs},
                           {"verify", verifyJson(report.verify)},
                           {"kept", kept},
                           {"pruned", report.pruned},
                           {"prune_errors", report.pruneErrors}}
                          .dump(2)
                   << "\n";
        } else {
            io.out << "dump: " << report.dump.string() << " (" << report.bytes << " bytes, " << report.dumpMs
                   << " ms)\n";
            printVerify(io.out, report.verify);
            if (!report.verify.ok)
                io.out << "The dump is kept for inspection, unverified; nothing was pruned.\n";
            for (const auto& k : report.retention.keep) {
                std::string reasons;
                for (const auto& r : k.reasons) reasons += (reasons.empty() ? "" : ", ") + r;
                io.out << "kept:   " << k.fileName << " (" << reasons << ")\n";
            }
            for (const auto& p : report.pruned) io.out << "pruned: " << p << "\n";
            for (const auto& e : report.pruneErrors) io.out << "warning: " << e << "\n";
        }
        return report.verify.ok ? kExitOk : kExitFailed;
    });
}

int runRestoreCheckCommand(const ParsedArgs& args, CtlIo& io) {
    // The dump as `restore-check <dump>` or `--file <dump>` (cli_args allows one positional here).
    auto file = args.value("file");
    if (file && !args.positional.empty())
        throw UsageError("give the dump either as --file or as an argument, not both");
    if (!file && !args.positional.empty()) file = args.positional.front();
    if (!file || file->empty())
        throw UsageError("the dump to check is required: restore-check <dump> (or --file <dump>)");
    if (int missing = guarded(args, io, [&] {
            findPgProgram("pg_restore", args.value("pg-bin"), io.env);
            return kExitOk;
        }))
        return missing;

    auto conn = connectForCommand(args, io, StatementTimeout::None);
    if (!conn) return kExitConnection;
    return guarded(args, io, [&] {
        VerifyReport report = restoreCheck(*conn, backupTarget(args, io, *conn), *file);
        if (jsonOutput(args)) {
            json j = verifyJson(report);
            j["dump"] = *file;
            io.out << j.dump(2) << "\n";
        } else {
            io.out << "dump: " << *file << "\n";
            printVerify(io.out, report);
        }
        return report.ok ? kExitOk : kExitFailed;
    });
}

}  // namespace

CtlCommand backupCommand() {
    return {"backup",
            "pg_dump -Fc into --dir with a sha256 sidecar, verify it by restoring into a scratch database, "
            "then prune old dumps (daily/weekly retention)",
            {{"dir", true, "backup folder (required; created when missing)"},
             {"keep-daily", true, "newest dumps of this many days to keep (default 14)"},
             {"keep-weekly", true, "newest dumps of this many ISO weeks to keep (default 8)"},
             kPgBin},
            runBackupCommand};
}

CtlCommand restoreCheckCommand() {
    return {"restore-check",
            "verify an existing dump: sha256 sidecar, restore into a scratch database, compare counts, "
            "constraints and indexes",
            {{"dump", false, "the dump to check (a .dump written by stage1ctl backup)", true},
             {"file", true, "the same, as an option"},
             kPgBin},
            runRestoreCheckCommand};
}

}  // namespace app
