// Every kind of failure the diagnosis knows, as one enum with one name table: the names are the
// stable identifiers of --json output ("kind") and of the man page, so they never change.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

namespace app {

// In priority order (diagnosis.hpp explains it), then the managed tunnel's, then Unknown.
enum class DiagnosisKind {
    Cancelled,
    StatementTimeout,
    ReadOnly,
    PermissionDenied,
    ServerShutdown,
    TooManyConnections,
    DatabaseMissing,
    RoleMissing,
    PasswordFailed,
    NoPassword,
    PgHbaNoEntry,
    SslCertInvalid,
    SslUnsupported,
    ServerClosed,
    Timeout,
    ConnectionRefused,
    HostUnknown,
    // the managed SSH tunnel's (app/connect/diagnosis_tunnel.cpp)
    SshAuthFailed,
    SshHostKeyChanged,
    SshUnsafeSettings,
    SshUnreachable,
    TunnelPortBusy,
    TunnelDown,
    Unknown,
};

std::string_view kindName(DiagnosisKind kind);  // e.g. "pg_hba_no_entry"
std::optional<DiagnosisKind> kindFromName(std::string_view name);
// Every kind, in the enum's order: the stable list the man page documents.
const std::vector<DiagnosisKind>& allDiagnosisKinds();
bool isTunnelKind(DiagnosisKind kind);

}  // namespace app
