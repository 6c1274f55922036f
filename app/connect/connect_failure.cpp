#include "app/connect/connect_failure.hpp"

namespace app {

DiagnosisContext diagnosisContextFor(const ResolvedConnection& connection,
                                     const std::string& serverMajorVersion) {
    const ConnectionSettings& s = connection.settings;
    DiagnosisContext c;
    c.tunnel = connection.mode == ConnectionMode::Tunnel;
    c.host = s.host.value_or("");
    c.port = c.tunnel ? std::to_string(connection.tunnelLocalPort) : s.port.value_or("");
    c.dbname = s.dbname.value_or("");
    c.user = s.user.value_or("");
    c.sslmode = s.sslmode.value_or("");
    c.tlsRequiredByDefault = connection.tlsRequiredByDefault;
    c.tunnelLocalPort = connection.tunnelLocalPort;
    c.sshTarget = s.sshTarget.value_or("");
    c.remoteHost = connection.remoteHost;
    c.remotePort = connection.remotePort;
    c.serverMajorVersion = serverMajorVersion;
    return c;
}

Diagnosis diagnoseFailure(const db::DbError& error, const ResolvedConnection& connection) {
    return diagnose(error, diagnosisContextFor(connection));
}

nlohmann::json diagnosisJson(const Diagnosis& d) {
    nlohmann::json fixes = nlohmann::json::array();
    for (const auto& f : d.fixes) fixes.push_back({{"label", f.label}, {"text", f.text}});
    return {{"kind", kindName(d.kind)}, {"title", d.title}, {"explanation", d.explanation}, {"fixes", fixes}};
}

std::string diagnosisText(const Diagnosis& d) {
    std::string out = d.title + "\n" + d.explanation + "\n";
    int n = 0;
    for (const auto& f : d.fixes) {
        out += "\n" + std::to_string(++n) + ". " + f.label + "\n";
        size_t start = 0;
        while (start <= f.text.size()) {
            size_t end = f.text.find('\n', start);
            if (end == std::string::npos) end = f.text.size();
            out += "     " + f.text.substr(start, end - start) + "\n";
            start = end + 1;
        }
    }
    return out;
}

}  // namespace app
