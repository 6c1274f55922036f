// stage1ctl doctor: prints the doctor's steps (app/connect/doctor.cpp) and its diagnosis.
// Exit 0 all ok, 3 a connection step failed, 1 the server is unsupported or the schema check
// failed, 2 usage.
#include <nlohmann/json.hpp>

#include <cstdio>

#include "app/cli/ctl_commands.hpp"
#include "app/connect/connect_failure.hpp"
#include "app/connect/doctor.hpp"

namespace app {

namespace {

using nlohmann::json;

int runDoctorCommand(const ParsedArgs& args, CtlIo& io) {
    ResolvedConnection connection = resolveForCommand(args, io);
    DoctorReport report = runDoctor(connection);
    if (jsonOutput(args)) {
        json steps = json::array(), warnings = json::array();
        for (const auto& s : report.steps) {
            steps.push_back(
                {{"name", s.name}, {"ok", s.ok}, {"warning", s.warning}, {"ms", s.ms}, {"detail", s.detail}});
            if (s.warning) warnings.push_back(s.name + ": " + s.detail);
        }
        json tls = nullptr;
        if (report.tls) {
            const auto& t = *report.tls;
            const auto* c = t.certificate ? &*t.certificate : nullptr;
            auto orNull = [](bool set, const std::string& v) { return set ? json(v) : json(nullptr); };
            tls = {{"in_use", t.inUse},
                   {"version", orNull(t.inUse, t.protocol)},
                   {"verified", t.verified},
                   {"name_checked", t.nameChecked},
                   {"sslmode", t.sslmode},
                   {"description", db::describeTls(t)},
                   {"subject", orNull(c, c ? c->subject : "")},
                   {"issuer", orNull(c, c ? c->issuer : "")},
                   {"not_after", orNull(c, c ? c->notAfter : "")},
                   {"days_left", c ? json(c->daysLeft) : json(nullptr)},
                   {"sha256", orNull(c, c ? c->sha256 : "")}};
        }
        io.out << json{{"ok", report.ok()},
                       {"target", connection.describe()},
                       {"tls", tls},
                       {"steps", steps},
                       {"warnings", warnings},
                       {"diagnosis", report.diagnosis ? diagnosisJson(*report.diagnosis) : json(nullptr)}}
                      .dump(2)
               << "\n";
    } else {
        io.out << "doctor: " << connection.describe() << "\n";
        for (const auto& s : report.steps) {
            char line[64];
            std::snprintf(line, sizeof line, "%-5s %-13s %9.1f ms  ",
                          !s.ok       ? "FAIL"
                          : s.warning ? "WARN"
                                      : "ok",
                          s.name.c_str(), s.ms);
            io.out << line << s.detail.substr(0, s.detail.find('\n')) << "\n";
        }
        if (report.diagnosis) io.out << "\n" << diagnosisText(*report.diagnosis);
        if (report.connected && !report.serverSupported)
            io.out << "\nThe server is older than PostgreSQL " << db::kOldestSupportedMajor
                   << ", which Stage1 does not support: upgrade it (Debian: pg_upgradecluster).\n";
        else if (report.connected && !report.schemaOk)
            io.out << "\nThe schema is behind: run stage1ctl migrate as the tables' owner.\n";
    }
    // On stderr in both forms, as replay-spool does: a cron job that keeps only stderr still sees it.
    for (const auto& s : report.steps)
        if (s.warning) io.err << "warning: " << s.name << ": " << s.detail << "\n";
    if (!report.connected) return kExitConnection;
    return report.ok() ? kExitOk : kExitFailed;
}

}  // namespace

CtlCommand doctorCommand() {
    return {
        "doctor",
        "test the connection step by step (resolve, TCP, TLS, login, server, schema, durability) and explain "
        "failures",
        {},
        runDoctorCommand};
}

}  // namespace app
