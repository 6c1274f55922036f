#include "app/questdb/questdb_diagnosis.hpp"

namespace app {

namespace {

Fix settingsFix(const ResolvedQuestDb& q) {
    return {
        "Check the QuestDB settings (Connection settings > QuestDB, the profile's \"questdb\", or these "
        "variables)",
        "STAGE1_QUESTDB_HOST=" + q.settings.host.value_or("") +
            "\nSTAGE1_QUESTDB_PORT=" + q.settings.port.value_or(kQuestDbDefaultPort) +
            "\nSTAGE1_QUESTDB_USER=" + q.settings.user.value_or(kQuestDbDefaultUser) +
            "\nSTAGE1_QUESTDB_DBNAME=" + q.settings.dbname.value_or(kQuestDbDefaultDbname)};
}

Fix serverFix(const ResolvedQuestDb& q) {
    return {"On the QuestDB machine: the PostgreSQL wire protocol must be enabled and listening on " +
                q.settings.port.value_or(kQuestDbDefaultPort) + " (server.conf)",
            "pg.enabled=true\npg.net.bind.to=0.0.0.0:" + q.settings.port.value_or(kQuestDbDefaultPort)};
}

}  // namespace

Diagnosis diagnoseQuestDb(const db::DbError& error, const ResolvedQuestDb& q) {
    DiagnosisContext context;
    context.host = q.settings.host.value_or("");
    context.port = q.settings.port.value_or(kQuestDbDefaultPort);
    context.user = q.settings.user.value_or(kQuestDbDefaultUser);
    context.dbname = q.settings.dbname.value_or(kQuestDbDefaultDbname);
    context.sslmode = "disable";
    Diagnosis d = diagnose(error, context);
    const std::string where = q.hostPort();
    switch (d.kind) {
        case DiagnosisKind::ConnectionRefused:
        case DiagnosisKind::Timeout:
        case DiagnosisKind::HostUnknown:
        case DiagnosisKind::ServerClosed:
            d.title = "QuestDB at " + where + " is not reachable";
            d.explanation =
                (d.kind == DiagnosisKind::ConnectionRefused ? "Nothing accepted the connection at " + where +
                                                                  ": QuestDB is not running there, or its "
                                                                  "PostgreSQL wire protocol is off or on "
                                                                  "another port."
                 : d.kind == DiagnosisKind::Timeout
                     ? "No answer from " + where + " within " + std::to_string(kQuestDbConnectTimeoutS) +
                           " s: a firewall drops the packets, the host is down, or something else "
                           "listens there without speaking."
                 : d.kind == DiagnosisKind::HostUnknown
                     ? "The QuestDB host name does not resolve."
                     : "QuestDB closed the connection before it was set up.") +
                " The PostgreSQL metadata is unaffected; only the QuestDB section is missing.";
            d.fixes = {settingsFix(q), serverFix(q)};
            break;
        case DiagnosisKind::PasswordFailed:
        case DiagnosisKind::NoPassword:
            d.title = "QuestDB at " + where + " refused the login of " + context.user;
            d.explanation =
                "QuestDB wants a password for " + context.user +
                " (its default is admin/quest unless pg.password was changed). Profiles never hold one.";
            d.fixes = {{"Give the password for this session only", "STAGE1_QUESTDB_PASSWORD=..."},
                       {"Or keep it in ~/.pgpass (mode 0600)", q.settings.host.value_or("*") + ":" +
                                                                   context.port + ":" + context.dbname + ":" +
                                                                   context.user + ":<password>"}};
            break;
        default:
            d.title = "QuestDB at " + where + ": " + d.title;
            d.fixes.insert(d.fixes.begin(), settingsFix(q));
            break;
    }
    return d;
}

}  // namespace app
