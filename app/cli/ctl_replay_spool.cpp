// stage1ctl replay-spool <file>: the nightly replay of the desktops' offline spool
// (db/spool/spool_replay.hpp).
#include <nlohmann/json.hpp>

#include <chrono>
#include <cstdio>

#include "app/cli/ctl_commands.hpp"
#include "db/pg/commit_durability.hpp"
#include "db/spool/spool_replay.hpp"

namespace app {

namespace {

using nlohmann::json;

const char* failureKind(db::SpoolReplayFailure kind) {
    switch (kind) {
        case db::SpoolReplayFailure::LockBusy:
            return "lock_busy";
        case db::SpoolReplayFailure::NotMigrated:
            return "not_migrated";
        case db::SpoolReplayFailure::Io:
            return "io";
    }
    return "unknown";
}

// The command that creates the missing parent, when stage1ctl has one.
std::string backfillSuggestion(const db::MissingReference& missing) {
    if (missing.table != "indicator_datasets" || missing.columns != "dataset_id") return "";
    return "stage1ctl backfill-dataset --slug <dataset slug> --uuid " + missing.key;
}

// Empty when the server commits synchronously; otherwise what it costs and what the replay did about it.
std::vector<std::string> durabilityWarnings(const db::SpoolReplayReport& r) {
    if (!r.synchronousCommitForced) return {};
    return {
        db::asynchronousCommitWarning({r.serverSynchronousCommit}) +
        ". This replay asked for synchronous_commit = on for its own transactions, so what it reports "
        "applied is on disk; the desktops' direct writes are not covered (docs/RUNBOOK.md, \"Asynchronous "
        "commit\")"};
}

std::string seconds(double s) {
    char text[32];
    std::snprintf(text, sizeof text, "%.2f s", s);
    return text;
}

json reportJson(const db::SpoolReplayReport& r, const std::string& spool) {
    json missing = json::array(), other = json::array(), files = json::array();
    for (const auto& c : r.deferredCauses) {
        json entry = {{"sqlstate", c.sqlstate},
                      {"message", c.message},
                      {"statements", c.statements},
                      {"first_file", c.firstFile},
                      {"first_line", c.firstLine}};
        if (c.missing) {
            entry["table"] = c.missing->table;
            entry["columns"] = c.missing->columns;
            entry["id"] = c.missing->key;
            std::string suggestion = backfillSuggestion(*c.missing);
            entry["suggestion"] = suggestion.empty() ? json(nullptr) : json(suggestion);
            missing.push_back(entry);
        } else {
            other.push_back(entry);
        }
    }
    for (const auto& f : r.files) {
        json tail = nullptr;
        if (f.incompleteTail) tail = {{"line", f.tailLine}, {"reason", f.tailReason}};
        files.push_back({{"path", f.path},
                         {"archived_to", f.archivedTo.empty() ? json(nullptr) : json(f.archivedTo)},
                         {"statements", f.statements},
                         {"applied", f.applied},
                         {"already_applied", f.alreadyApplied},
                         {"deferred", f.deferred},
                         {"quarantined", f.quarantined},
                         {"not_reached", f.notReached},
                         {"incomplete_tail", tail},
                         {"late_bytes", f.lateBytes}});
    }
    json stopped = nullptr;
    if (r.stoppedBy) stopped = {{"sqlstate", r.stoppedBy->sqlstate}, {"message", r.stoppedBy->message}};
    return {{"ok", !r.stoppedBy && r.quarantined == 0},
            {"spool", spool},
            {"applied", r.applied},
            {"already_applied", r.alreadyApplied},
            {"deferred", {{"count", r.deferred}, {"missing", missing}, {"other", other}}},
            {"quarantined", r.quarantined},
            {"quarantine_file", r.quarantineFile.empty() ? json(nullptr) : json(r.quarantineFile)},
            {"incomplete", r.incomplete},
            {"not_reached", r.notReached},
            {"seconds", r.seconds},
            {"files", files},
            {"stopped", stopped},
            {"synchronous_commit",
             {{"server", r.serverSynchronousCommit},
              {"replay", r.synchronousCommitForced ? "on" : r.serverSynchronousCommit}}},
            {"warnings", durabilityWarnings(r)}};
}

void printText(const db::SpoolReplayReport& r, const std::string& spool, std::ostream& out) {
    if (r.files.empty()) {
        out << "nothing to replay: " << spool << " is missing or empty (" << seconds(r.seconds) << ")\n";
        return;
    }
    out << "applied " << r.applied << ", already present " << r.alreadyApplied << ", deferred " << r.deferred
        << ", quarantined " << r.quarantined << ", incomplete " << r.incomplete << " (" << seconds(r.seconds)
        << ")\n";
    for (const auto& c : r.deferredCauses) {
        if (c.missing) {
            out << "  deferred " << c.statements << ": " << c.missing->columns << " " << c.missing->key
                << " is not in " << c.missing->table << " (first at " << c.firstFile << " line "
                << c.firstLine << ")\n";
            std::string suggestion = backfillSuggestion(*c.missing);
            if (!suggestion.empty())
                out << "    create it, and the next run applies them: " << suggestion << "\n";
        } else {
            out << "  deferred " << c.statements << ": SQLSTATE " << c.sqlstate << " " << c.message
                << " (transient; retried next run)\n";
        }
    }
    if (r.quarantined > 0)
        out << "  quarantined " << r.quarantined << " statement" << (r.quarantined == 1 ? "" : "s")
            << ", never applied, kept verbatim with the error in " << r.quarantineFile << "\n";
    for (const auto& f : r.files) {
        if (f.incompleteTail)
            out << "  incomplete tail at " << (f.archivedTo.empty() ? f.path : f.archivedTo) << " line "
                << f.tailLine << " (" << f.tailReason << "): kept in " << spool << " for the next run\n";
        if (f.lateBytes > 0)
            out << "  " << f.lateBytes << " bytes appended after the rename: kept in " << spool << "\n";
        out << "  " << f.path << " -> "
            << (f.archivedTo.empty() ? std::string("left for the next run") : f.archivedTo) << "\n";
    }
    if (r.stoppedBy)
        out << "STOPPED: " << r.stoppedBy->describe() << "\n  " << r.notReached
            << " statements not reached are back in " << spool << "; rerunning is safe\n";
}

int runReplaySpool(const ParsedArgs& args, CtlIo& io) {
    if (args.positional.size() != 1)
        throw UsageError("the spool file is missing: stage1ctl replay-spool <file> [--json]");
    const std::string spool = args.positional[0];
    db::SpoolReplayOptions options;
    options.lockWait = std::chrono::seconds(args.integer("lock-wait", 0, 0, 86400));
    options.batchStatements = static_cast<size_t>(
        args.integer("batch-size", static_cast<long long>(options.batchStatements), 1, 100000));
    options.copy = !args.has("no-copy");
    options.progress = [&](const std::string& line) { io.err << line << "\n"; };

    // The replay sets its own statement_timeout (SpoolReplayOptions), longer than its lock_timeout.
    auto conn = connectForCommand(args, io, StatementTimeout::None);
    if (!conn) return kExitConnection;
    if (refusedThroughPooler(*conn, args, io, "replay-spool")) return kExitUsage;
    // How operators (and the tests) find the replay in pg_stat_activity.
    conn->exec("SET application_name = 'stage1ctl replay-spool'");

    db::SpoolReplayReport report;
    try {
        report = db::replaySpool(*conn, spool, options);
    } catch (const db::SpoolReplayError& e) {
        return reportFailure(args, io, failureKind(e.kind()), e.what());
    }
    for (const auto& warning : durabilityWarnings(report)) io.err << "warning: " << warning << "\n";
    if (jsonOutput(args))
        io.out << reportJson(report, spool).dump(2) << "\n";
    else
        printText(report, spool, io.out);
    if (report.stoppedBy) {
        io.err << "stage1ctl replay-spool: stopped (connection lost or statement cancelled): "
               << report.stoppedBy->describe() << "\nNothing is lost: what was not applied is back in "
               << spool << ". Rerun when the server is back.\n";
        return kExitConnection;
    }
    return report.quarantined > 0 ? kExitFailed : kExitOk;
}

}  // namespace

CtlCommand replaySpoolCommand() {
    return {
        "replay-spool",
        "apply the desktops' offline spool file exactly once (exit 1 when a statement was quarantined)",
        {{"file", false, "the spool file (pending_postgres_inserts.sql) mirrored from the desktops", true},
         {"lock-wait", true, "seconds to wait for another replay-spool to finish (default 0: fail at once)"},
         {"batch-size", true, "most statements per transaction (default 10000, and at most 4 MB of them)"},
         {"no-copy", false, "send every statement as INSERT (by default runs of plain INSERTs go as COPY)"}},
        runReplaySpool};
}

}  // namespace app
