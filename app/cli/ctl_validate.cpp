// stage1ctl validate: the data checks of db/checks/validation.hpp, as text or JSON.
// Exit 0 every check passed, 1 one failed, 2 usage, 3 PostgreSQL or QuestDB could not be reached.
// Only findings fail a check; the "info:" lines (JSON "info") never change the exit status.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>

#include "app/cli/ctl_commands.hpp"
#include "app/connect/questdb_connection.hpp"
#include "app/ops/data_checks.hpp"
#include "db/checks/validation.hpp"

namespace app {

namespace {

using nlohmann::json;

// --questdb (a libpq conninfo or URI) wins; without it STAGE1_QUESTDB_* and the profile's
// "questdb" object decide (app/connect/questdb_connection.hpp), as in the window.
std::optional<db::ConnectParams> questDbParams(const ParsedArgs& args, CtlIo& io) {
    try {
        const QuestDbSettings profile = resolveForCommand(args, io).settings.questdb;
        const std::optional<std::string> dsn = args.value("questdb");
        const QuestDbSettings flag = dsn ? questDbSettingsFromDsn(*dsn, "--questdb") : QuestDbSettings{};
        const ResolvedQuestDb resolved = resolveQuestDb(flag, profile, io.env, dsn.has_value());
        if (!resolved.configured) return std::nullopt;
        return resolved.connectParams("stage1ctl-validate");
    } catch (const std::invalid_argument& e) {
        throw UsageError(e.what());
    }
}

// A missing spool file is an empty spool (the replay removes it); an unreadable one is a mistake.
SpoolInput readSpool(const std::string& path) {
    SpoolInput input = readSpoolFile(path);
    if (!input.problem.empty()) throw UsageError("--spool " + input.problem);
    return input;
}

json checkJson(const db::CheckResult& c) {
    return {{"name", c.name}, {"ok", c.ok},   {"summary", c.summary}, {"rows", c.rows},
            {"more", c.more}, {"fix", c.fix}, {"info", c.info},       {"info_more", c.infoMore}};
}

void printText(std::ostream& out, const std::vector<db::CheckResult>& checks) {
    int failed = 0;
    for (const auto& c : checks) {
        char head[96];
        std::snprintf(head, sizeof head, "%-5s %-38s ", c.ok ? "ok" : "FAIL", c.name.c_str());
        out << head << c.summary << "\n";
        for (const auto& row : c.rows) out << "        " << row << "\n";
        if (c.more > 0) out << "        ... and " << c.more << " more\n";
        if (!c.ok && !c.fix.empty()) out << "        fix: " << c.fix << "\n";
        for (const auto& row : c.info) out << "        info: " << row << "\n";
        if (c.infoMore > 0) out << "        info: ... and " << c.infoMore << " more\n";
        if (!c.ok) ++failed;
    }
    out << "validate: "
        << (failed ? std::to_string(failed) + " of " + std::to_string(checks.size()) + " checks failed"
                   : "all " + std::to_string(checks.size()) + " checks passed")
        << "\n";
}

int runValidate(const ParsedArgs& args, CtlIo& io) {
    db::ValidationOptions options;
    options.maxRows = static_cast<int>(args.integer("max-rows", 20, 1, 10000));
    options.topN = static_cast<int>(args.integer("top", 5, 1, 1000));
    options.placeholderAgeDays = static_cast<int>(args.integer("placeholder-days", 7, 0, 36500));
    std::optional<db::ConnectParams> questdb = questDbParams(args, io);
    SpoolInput spool;  // no path: the spool is not checked
    if (auto path = args.value("spool")) spool = readSpool(*path);
    auto catalog = migrationCatalog(args);  // before connecting: a bad folder is a usage error

    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    std::vector<db::CheckResult> checks = runDataChecks(*conn, catalog, options, spool);
    bool questDbUnreachable = false;
    std::vector<db::QuestDbExpectation> expected;
    if (questdb) {
        try {
            expected = db::questDbExpectations(*conn);
        } catch (const db::Error& e) {
            questdb.reset();  // nothing to compare with
            db::CheckResult c;
            c.name = "questdb_alignment";
            c.ok = false;
            c.summary = "could not list what QuestDB must hold: " + e.info().message;
            c.fix = "stage1ctl status shows whether the schema is behind; stage1ctl migrate applies it.";
            checks.push_back(c);
        }
    }
    if (questdb) {
        try {
            db::Connection q = db::Connection::open(*questdb);
            auto aligned = db::checkQuestDbAlignment(q, expected, options);
            checks.insert(checks.end(), aligned.begin(), aligned.end());
        } catch (const db::Error& e) {
            questDbUnreachable = e.info().sqlstate.empty();  // no SQLSTATE: libpq never got an answer
            db::CheckResult c;
            c.name = "questdb_connection";
            c.ok = false;
            c.summary = (questDbUnreachable ? "cannot connect to QuestDB at " : "QuestDB query failed at ") +
                        questdb->describe() + ": " + e.info().message;
            c.fix = questDbUnreachable
                        ? "Check --questdb (host, port 8812, user, password) and that QuestDB's PostgreSQL "
                          "wire protocol is enabled (pg.enabled=true)."
                        : "QuestDB refused a query; see the message (an old QuestDB may lack tables()).";
            checks.push_back(c);
        }
    }

    const bool ok = db::allOk(checks);
    if (jsonOutput(args)) {
        json list = json::array();
        for (const auto& c : checks) list.push_back(checkJson(c));
        io.out << json{{"ok", ok}, {"checks", list}}.dump(2) << "\n";
    } else {
        printText(io.out, checks);
    }
    if (questDbUnreachable) return kExitConnection;
    return ok ? kExitOk : kExitFailed;
}

}  // namespace

CtlCommand validateCommand() {
    return {
        "validate",
        "check the data: counts, orphans, missing configs, duplicates, stale placeholders, pending "
        "migrations, the spool's references and QuestDB alignment (exit 1 when a check fails)",
        {{"spool", true, "also check the desktop's spool file (pending_postgres_inserts.sql)"},
         {"questdb", true,
          "also compare with QuestDB: libpq conninfo, e.g. 'host=q port=8812 user=admin' (default: "
          "STAGE1_QUESTDB_* or the profile's \"questdb\"; none: QuestDB is not checked)"},
         {"placeholder-days", true, "flag empty placeholder datasets older than this (default 7)"},
         {"max-rows", true, "rows listed per check (default 20)"},
         {"top", true, "highest and lowest N in the count distributions (default 5)"},
         {"migrations-dir", true, "compare with the .sql files of this folder instead of the built-in ones"}},
        runValidate};
}

}  // namespace app
