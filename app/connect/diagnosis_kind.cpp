#include "app/connect/diagnosis_kind.hpp"

#include <array>
#include <utility>

namespace app {

namespace {

using K = DiagnosisKind;

// One row per kind, in the enum's order (checked below and by test_diagnosis.cpp).
constexpr std::array<std::pair<DiagnosisKind, std::string_view>, 24> kNames = {{
    {K::Cancelled, "cancelled"},
    {K::StatementTimeout, "statement_timeout"},
    {K::ReadOnly, "read_only"},
    {K::PermissionDenied, "permission_denied"},
    {K::ServerShutdown, "server_shutdown"},
    {K::TooManyConnections, "too_many_connections"},
    {K::DatabaseMissing, "database_missing"},
    {K::RoleMissing, "role_missing"},
    {K::PasswordFailed, "password_failed"},
    {K::NoPassword, "no_password"},
    {K::PgHbaNoEntry, "pg_hba_no_entry"},
    {K::SslCertInvalid, "ssl_cert_invalid"},
    {K::SslUnsupported, "ssl_unsupported"},
    {K::ServerClosed, "server_closed"},
    {K::Timeout, "timeout"},
    {K::ConnectionRefused, "connection_refused"},
    {K::HostUnknown, "host_unknown"},
    {K::SshAuthFailed, "ssh_auth_failed"},
    {K::SshHostKeyChanged, "ssh_host_key_changed"},
    {K::SshUnsafeSettings, "ssh_unsafe_settings"},
    {K::SshUnreachable, "ssh_unreachable"},
    {K::TunnelPortBusy, "tunnel_port_busy"},
    {K::TunnelDown, "tunnel_down"},
    {K::Unknown, "unknown"},
}};

constexpr bool inEnumOrder() {
    for (size_t i = 0; i < kNames.size(); ++i)
        if (static_cast<size_t>(kNames[i].first) != i) return false;
    return static_cast<size_t>(K::Unknown) + 1 == kNames.size();
}
static_assert(inEnumOrder(), "kNames has one row per DiagnosisKind, in the enum's order");

}  // namespace

std::string_view kindName(DiagnosisKind kind) {
    return kNames[static_cast<size_t>(kind)].second;
}

std::optional<DiagnosisKind> kindFromName(std::string_view name) {
    for (const auto& [kind, text] : kNames)
        if (text == name) return kind;
    return std::nullopt;
}

const std::vector<DiagnosisKind>& allDiagnosisKinds() {
    static const std::vector<DiagnosisKind> kinds = [] {
        std::vector<DiagnosisKind> all;
        for (const auto& row : kNames) all.push_back(row.first);
        return all;
    }();
    return kinds;
}

bool isTunnelKind(DiagnosisKind kind) {
    return kind >= K::SshAuthFailed && kind <= K::TunnelDown;
}

}  // namespace app
