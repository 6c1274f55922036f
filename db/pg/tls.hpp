// What protects an open connection: TLS or not, whether libpq checked the server's certificate,
// and that certificate, so the window's status bar, `stage1ctl doctor` and the runbook's
// verification recipe all say the same thing.
//
// "Verified" is libpq's own verdict: with sslmode=verify-ca or verify-full a connection that opened
// has a certificate signed by the trusted CA (and, for verify-full, naming the host). With require
// or prefer libpq encrypts but checks nothing, so anyone on the path may be the server.
#pragma once

#include <optional>
#include <string>

#include <libpq-fe.h>

namespace db {

struct TlsCertificate {
    std::string subject;  // RFC 2253, e.g. "CN=db.example.net"
    std::string issuer;
    std::string notAfter;    // UTC, "2027-03-01T12:00:00Z"
    long long daysLeft = 0;  // whole days until notAfter (negative once expired)
    std::string sha256;      // fingerprint, "AB:CD:..." as `openssl x509 -fingerprint -sha256` prints it
};

struct TlsFacts {
    bool inUse = false;
    std::string protocol;  // "TLSv1.3"
    std::string cipher;
    std::string sslmode;  // what libpq used (a flag, PGSSLMODE, the default)
    bool verified = false;
    bool nameChecked = false;  // verify-full
    std::optional<TlsCertificate> certificate;
};

TlsFacts readTlsFacts(PGconn* conn);

// "TLS 1.3, certificate verified (verify-full)", "TLS 1.3, certificate verified (verify-ca: the
// name is not checked)", "TLS 1.3, certificate NOT verified (sslmode=require)", or "no TLS".
std::string describeTls(const TlsFacts& tls);

// "server certificate CN=db, issued by CN=ca, valid until 2027-03-01T12:00:00Z (85 days), SHA-256 AB:..."
std::string describeCertificate(const TlsCertificate& certificate);

// The certificate warns this many days before it expires.
constexpr long long kCertificateWarningDays = 30;

}  // namespace db
