// libFuzzer target: the pg_hba.conf line the diagnosis offers (app::hbaLine), from any database,
// user and client address, directly and through diagnose() with the names in the settings and in
// the server's message, or (flag c) only in the settings. Input: database 0x1e user 0x1e address 0x1e
// flags (c: settings only, t: tunnel, s: SSL encryption, r: a reject line).
// Invariants: every offered line is one line that pg_hba.conf splits into exactly its fields, the
// names read back as given (or as a placeholder when no line can hold them), keywords and '+', '@',
// '/' names are quoted, and the address is an IP/prefix or a plain host name.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "app/connect/diagnosis.hpp"
#include "tests/fuzz/fuzz_check.hpp"
#include "tests/fuzz/hba_line_check.hpp"

namespace {

bool offersHbaLine(const app::Fix& fix) {
    return fix.label.rfind("On the database server, add this line", 0) == 0 ||
           fix.label.rfind("Or allow the whole network", 0) == 0;
}

void checkDiagnosis(const std::string& message, const app::DiagnosisContext& context) {
    app::Diagnosis d = app::diagnose(db::DbError{"", message, "", ""}, context);
    if (d.kind != "pg_hba_no_entry") return;
    std::vector<app::HbaRejection> rejections = app::parseHbaRejections(message);
    app::HbaRejection first = rejections.empty() ? app::HbaRejection{} : rejections.front();
    std::string user = stage1fuzz::offeredName(first.user, context.user, "stage1_app");
    std::string database = stage1fuzz::offeredName(first.database, context.dbname, "stage1_trading");
    int offered = 0;
    for (const app::Fix& fix : d.fixes) {
        if (!offersHbaLine(fix)) continue;
        ++offered;
        std::string address = stage1fuzz::checkHbaLine(fix.text, database, user);
        // The address is the client's as the server named it, its network, or the placeholder.
        if (!address.empty() && address != "<client-address>/32")
            FUZZ_CHECK(address.rfind(first.clientAddress, 0) == 0 || address.find('/') != std::string::npos);
    }
    FUZZ_CHECK(offered >= 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string> f = stage1fuzz::fields(input, 4);
    const std::string &database = f[0], &user = f[1], &address = f[2], &flags = f[3];

    for (const char* type : {"host", "hostssl", "hostgssenc", "local"}) {
        std::string line = app::hbaLine(type, database, user, address);
        std::string used = stage1fuzz::checkHbaLine(line, database, user);
        if (std::string(type) != "local") FUZZ_CHECK(used == address || used == "<client-address>/32");
    }

    // The names in the settings and as the server echoes them, unescaped, into its message; or (c)
    // a message that names nobody, so only the settings name them.
    app::DiagnosisContext context;
    context.user = user;
    context.dbname = database;
    context.tunnel = flags.find('t') != std::string::npos;
    const char* encryption = flags.find('s') != std::string::npos ? "SSL encryption" : "no encryption";
    const char* wording =
        flags.find('r') != std::string::npos ? "pg_hba.conf rejects connection" : "no pg_hba.conf entry";
    if (flags.find('c') != std::string::npos)
        checkDiagnosis("FATAL:  no pg_hba.conf entry", context);
    else
        checkDiagnosis("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  " +
                           std::string(wording) + " for host \"" + address + "\", user \"" + user +
                           "\", database \"" + database + "\", " + encryption,
                       context);
    return 0;
}
