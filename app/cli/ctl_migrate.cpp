// stage1ctl migrate / status.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "app/cli/ctl_commands.hpp"
#include "db/schema/migrator.hpp"

namespace app {

namespace {

using nlohmann::json;

const OptionSpec kMigrationsDir{"migrations-dir", true,
                                "use the .sql files of this folder instead of the ones built in"};

std::string versionLabel(int version) {
    char out[8];
    std::snprintf(out, sizeof out, "%04d", version);
    return out;
}

json ledgerJson(const db::LedgerRow& row) {
    return {{"version", row.version},      {"name", row.name},
            {"sha256", row.sha256},        {"applied_at", row.appliedAt},
            {"applied_by", row.appliedBy}, {"duration_ms", row.durationMs}};
}

const char* failureKind(db::MigrateFailure kind) {
    switch (kind) {
        case db::MigrateFailure::UnsupportedServer:
            return "unsupported_server";
        case db::MigrateFailure::LockBusy:
            return "lock_busy";
        case db::MigrateFailure::ChecksumMismatch:
            return "checksum_mismatch";
        case db::MigrateFailure::MigrationFailed:
            return "migration_failed";
    }
    return "unknown";
}

int runMigrate(const ParsedArgs& args, CtlIo& io) {
    db::MigrateOptions options;
    options.lockWait = std::chrono::seconds(args.integer("lock-wait", 60, 0, 86400));
    options.ddlLockTimeout = std::chrono::seconds(args.integer("ddl-lock-timeout", 30, 1, 3600));
    options.progress = [&](const std::string& line) { io.err << line << "\n"; };
    auto catalog = migrationCatalog(args);

    auto conn = connectForCommand(args, io, StatementTimeout::None);
    if (!conn) return kExitConnection;
    if (refusedThroughPooler(*conn, args, io, "migrate")) return kExitUsage;
    conn->onNotice([&](const std::string& notice) { io.err << notice << "\n"; });

    auto started = std::chrono::steady_clock::now();
    db::MigrateReport report;
    try {
        report = db::migrate(*conn, catalog, options);
    } catch (const db::MigrateError& e) {
        return reportFailure(args, io, failureKind(e.kind()), e.what(), e.cause());
    }
    long long ms =
        std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - started)
            .count();
    int schemaVersion = report.before.schemaVersion();
    for (const auto& a : report.applied) schemaVersion = std::max(schemaVersion, a.version);

    if (jsonOutput(args)) {
        json applied = json::array();
        for (const auto& a : report.applied)
            applied.push_back({{"version", a.version},
                               {"name", a.name},
                               {"duration_ms", a.durationMs},
                               {"reapplied", a.reapplied}});
        io.out << json{{"ok", true},
                       {"applied", applied},
                       {"schema_version", schemaVersion},
                       {"duration_ms", ms}}
                      .dump(2)
               << "\n";
    } else if (report.applied.empty()) {
        io.out << "nothing to apply: schema version " << versionLabel(schemaVersion) << " is up to date\n";
    } else {
        io.out << "applied " << report.applied.size() << " migration"
               << (report.applied.size() == 1 ? "" : "s") << " in " << ms << " ms; schema version is now "
               << versionLabel(schemaVersion) << "\n";
    }
    return kExitOk;
}

int runStatus(const ParsedArgs& args, CtlIo& io) {
    auto catalog = migrationCatalog(args);
    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    db::MigrationStatus status = db::inspectMigrations(*conn, catalog);

    if (jsonOutput(args)) {
        json applied = json::array(), pending = json::array(), mismatched = json::array(),
             unknown = json::array();
        for (const auto& row : status.applied) applied.push_back(ledgerJson(row));
        for (const auto& m : status.pending)
            pending.push_back({{"version", m.version}, {"name", m.name}, {"sha256", m.sha256}});
        for (const auto& m : status.mismatched) {
            json j = ledgerJson(m.ledger);
            j["file_sha256"] = m.fileSha256;
            mismatched.push_back(j);
        }
        json replaced = json::array();
        for (const auto& r : status.replaced) {
            json j = ledgerJson(r.ledger);
            j["file_sha256"] = r.current.sha256;
            j["why"] = r.why;
            replaced.push_back(j);
        }
        for (const auto& row : status.unknown) unknown.push_back(ledgerJson(row));
        io.out << json{{"ok", true},
                       {"server_version", conn->serverVersion()},
                       {"schema_version", status.schemaVersion()},
                       {"up_to_date", status.upToDate()},
                       {"applied", applied},
                       {"pending", pending},
                       {"mismatched", mismatched},
                       {"replaced", replaced},
                       {"unknown", unknown}}
                      .dump(2)
               << "\n";
    } else {
        io.out << "schema version " << versionLabel(status.schemaVersion()) << ": " << status.applied.size()
               << " applied, " << status.pending.size() << " pending, " << status.mismatched.size()
               << " mismatched"
               << (status.replaced.empty() ? ""
                                           : ", " + std::to_string(status.replaced.size()) + " to re-apply")
               << (status.unknown.empty() ? "" : ", " + std::to_string(status.unknown.size()) + " unknown")
               << "\n";
        for (const auto& row : status.applied)
            io.out << "  " << versionLabel(row.version) << "  applied     " << row.name << "  ("
                   << row.appliedAt << " by " << row.appliedBy << ", " << row.durationMs << " ms)\n";
        for (const auto& m : status.mismatched)
            io.out << "  " << versionLabel(m.ledger.version) << "  MISMATCHED  " << m.ledger.name
                   << "  (file changed after it was applied)\n";
        for (const auto& r : status.replaced)
            io.out << "  " << versionLabel(r.ledger.version) << "  re-apply    " << r.ledger.name
                   << "  (replaced in place: " << r.why << "; stage1ctl migrate applies it)\n";
        for (const auto& m : status.pending)
            io.out << "  " << versionLabel(m.version) << "  pending     " << m.name << "\n";
        for (const auto& row : status.unknown)
            io.out << "  " << versionLabel(row.version) << "  unknown     " << row.name
                   << "  (applied by a newer stage1ctl)\n";
    }
    return status.upToDate() ? kExitOk : kExitFailed;
}

}  // namespace

CtlCommand migrateCommand() {
    return {
        "migrate",
        "apply pending schema migrations (each in its own transaction; safe to run twice or concurrently)",
        {kMigrationsDir,
         {"lock-wait", true, "seconds to wait for another migrate to finish (default 60)"},
         {"ddl-lock-timeout", true, "seconds a migration may wait for a table lock (default 30)"}},
        runMigrate};
}

CtlCommand statusCommand() {
    return {"status",
            "list applied, pending and mismatched migrations (exit 1 when not up to date)",
            {kMigrationsDir},
            runStatus};
}

}  // namespace app
