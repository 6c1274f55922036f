// libFuzzer target: the connection-error classifier (app::diagnose, parseHbaRejections) and the
// tunnel's (classifySshFailure, diagnoseTunnelFailure) on any text and settings.
// Input: message 0x1e sqlstate 0x1e detail 0x1e hint 0x1e host 0x1e port 0x1e dbname 0x1e user
//        0x1e sslmode 0x1e ssh target 0x1e remote host 0x1e server version 0x1e flags; a seed that
//        is only a libpq message leaves the rest empty.
// Invariants: the kind is a documented one (and no tunnel kind), the same input gives the same
// diagnosis, every diagnosis has a title, an explanation and fixes with a label and a text, raw keeps
// the whole text, and any pg_hba.conf line offered passes the checks of hba_line_check.hpp.
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>
#include <string_view>

#include "app/connect/diagnosis.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/hba_line_check.hpp"

namespace {

const std::set<app::DiagnosisKind>& knownKinds() {
    static const std::set<app::DiagnosisKind> kinds(app::allDiagnosisKinds().begin(),
                                                    app::allDiagnosisKinds().end());
    return kinds;
}

void checkComplete(const app::Diagnosis& d) {
    FUZZ_CHECK(knownKinds().count(d.kind) == 1);
    FUZZ_CHECK(!d.title.empty());
    FUZZ_CHECK(!d.explanation.empty());
    FUZZ_CHECK(!d.fixes.empty());
    for (const app::Fix& fix : d.fixes) FUZZ_CHECK(!fix.label.empty() && !fix.text.empty());
}

size_t lineCount(const std::string& text) {
    size_t lines = 1;
    for (char c : text) lines += c == '\n';
    return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> f = stage1fuzz::fields(input, 13);
    db::DbError error{f[1], f[0], f[2], f[3]};
    app::DiagnosisContext context;
    context.host = f[4];
    context.port = f[5];
    context.dbname = f[6];
    context.user = f[7];
    context.sslmode = f[8];
    context.sshTarget = f[9];
    if (!f[10].empty()) context.remoteHost = f[10];
    context.serverMajorVersion = f[11];
    const std::string& flags = f[12];
    context.tunnel = flags.find('t') != std::string::npos;
    if (flags.find('p') != std::string::npos) context.tunnelLocalPort = 6543;
    if (flags.find('P') != std::string::npos) context.remotePort = 65535;

    app::Diagnosis d = app::diagnose(error, context);
    checkComplete(d);
    FUZZ_CHECK(d.kind.rfind("ssh_", 0) != 0 && d.kind.rfind("tunnel_", 0) != 0);
    FUZZ_CHECK(d.raw == error.describe());
    app::Diagnosis again = app::diagnose(error, context);
    FUZZ_CHECK(again.kind == d.kind && again.title == d.title && again.fixes.size() == d.fixes.size());

    std::vector<app::HbaRejection> rejections = app::parseHbaRejections(d.raw);
    FUZZ_CHECK(rejections.size() <= lineCount(d.raw));
    if (d.kind == app::DiagnosisKind::PgHbaNoEntry) {
        app::HbaRejection first = rejections.empty() ? app::HbaRejection{} : rejections.front();
        std::string user = stage1fuzz::offeredName(first.user, context.user, "stage1_app");
        std::string database = stage1fuzz::offeredName(first.database, context.dbname, "stage1_trading");
        for (const app::Fix& fix : d.fixes)
            if (fix.label.rfind("On the database server, add this line", 0) == 0 ||
                fix.label.rfind("Or allow the whole network", 0) == 0)
                stage1fuzz::checkHbaLine(fix.text, database, user);
    }

    // The tunnel: what ssh printed (the message field) classified, then explained.
    app::DiagnosisKind kind = app::classifySshFailure(error.message);
    FUZZ_CHECK(app::isTunnelKind(kind));
    app::Diagnosis tunnel = app::diagnoseTunnelFailure(kind, error.detail, error.message, context);
    checkComplete(tunnel);
    return 0;
}
