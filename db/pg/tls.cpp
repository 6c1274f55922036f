#include "db/pg/tls.hpp"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cstdio>
#include <ctime>
#include <memory>

namespace db {

namespace {

std::string nameText(const X509_NAME* name) {
    std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0) return "";
    char* data = nullptr;
    const long size = BIO_get_mem_data(bio.get(), &data);
    return size > 0 ? std::string(data, static_cast<size_t>(size)) : "";
}

std::string fingerprint(X509* certificate) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    if (X509_digest(certificate, EVP_sha256(), digest, &size) != 1) return "";
    std::string out;
    char hex[4];
    for (unsigned int i = 0; i < size; ++i) {
        std::snprintf(hex, sizeof hex, i + 1 < size ? "%02X:" : "%02X", digest[i]);
        out += hex;
    }
    return out;
}

std::optional<TlsCertificate> peerCertificate(PGconn* conn) {
    auto* ssl = static_cast<SSL*>(PQsslStruct(conn, "OpenSSL"));
    if (!ssl) return std::nullopt;
    std::unique_ptr<X509, decltype(&X509_free)> certificate(SSL_get1_peer_certificate(ssl), X509_free);
    if (!certificate) return std::nullopt;
    TlsCertificate out;
    out.subject = nameText(X509_get_subject_name(certificate.get()));
    out.issuer = nameText(X509_get_issuer_name(certificate.get()));
    out.sha256 = fingerprint(certificate.get());
    std::tm expiry{};
    if (ASN1_TIME_to_tm(X509_get0_notAfter(certificate.get()), &expiry) == 1) {
        char text[32];
        std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &expiry);
        out.notAfter = text;
        int days = 0, seconds = 0;
        if (ASN1_TIME_diff(&days, &seconds, nullptr, X509_get0_notAfter(certificate.get())) == 1)
            out.daysLeft = days;
    }
    return out;
}

std::string conninfoValue(PGconn* conn, const char* keyword) {
    std::string out;
    PQconninfoOption* options = PQconninfo(conn);
    for (PQconninfoOption* o = options; o && o->keyword; ++o)
        if (std::string(o->keyword) == keyword && o->val) out = o->val;
    PQconninfoFree(options);
    return out;
}

// "TLSv1.3" -> "TLS 1.3"
std::string protocolName(const std::string& protocol) {
    if (protocol.rfind("TLSv", 0) == 0) return "TLS " + protocol.substr(4);
    return protocol.empty() ? "TLS" : protocol;
}

}  // namespace

TlsFacts readTlsFacts(PGconn* conn) {
    TlsFacts tls;
    tls.sslmode = conninfoValue(conn, "sslmode");
    if (tls.sslmode.empty()) tls.sslmode = "prefer";
    tls.inUse = PQsslInUse(conn) == 1;
    if (!tls.inUse) return tls;
    const char* protocol = PQsslAttribute(conn, "protocol");
    const char* cipher = PQsslAttribute(conn, "cipher");
    tls.protocol = protocol ? protocol : "";
    tls.cipher = cipher ? cipher : "";
    tls.verified = tls.sslmode == "verify-ca" || tls.sslmode == "verify-full";
    tls.nameChecked = tls.sslmode == "verify-full";
    tls.certificate = peerCertificate(conn);
    return tls;
}

std::string describeCertificate(const TlsCertificate& c) {
    return "server certificate " + c.subject + ", issued by " + c.issuer + ", valid until " + c.notAfter +
           " (" + std::to_string(c.daysLeft) + " days), SHA-256 " + c.sha256;
}

std::string describeTls(const TlsFacts& tls) {
    if (!tls.inUse) return "no TLS";
    const std::string protocol = protocolName(tls.protocol);
    if (tls.nameChecked) return protocol + ", certificate verified (verify-full)";
    if (tls.verified) return protocol + ", certificate verified (verify-ca: the name is not checked)";
    return protocol + ", certificate NOT verified (sslmode=" + tls.sslmode + ")";
}

}  // namespace db
