// A private throwaway cluster for tests that change server-wide settings (pg_hba.conf, ssl,
// max_connections, listen_addresses), so tests running in parallel against the shared cluster never
// see them. Started with tests/support/throwaway_cluster.sh like the shared one (~1.5 s), destroyed
// with the object. Local socket logins are trusted; TCP logins are rejected until a test adds lines.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/pg/pg.hpp"

namespace testsupport {

// The error of a connect that should fail; nullopt when it connected.
std::optional<db::DbError> connectFailure(const db::ConnectParams& params);

class PrivateCluster {
  public:
    PrivateCluster();
    // A server of that major (tests/support/postgres_major.sh), whatever STAGE1_PG_MAJOR says.
    explicit PrivateCluster(const std::string& major);
    ~PrivateCluster();
    PrivateCluster(const PrivateCluster&) = delete;
    PrivateCluster& operator=(const PrivateCluster&) = delete;

    const std::string& port() const { return port_; }
    std::string dataDir() const { return dir_ + "/data"; }

    // Superuser over the unix socket: always admitted, whatever pg_hba.conf says about TCP.
    db::ConnectParams adminParams(const std::string& dbname = "postgres") const;
    db::Connection admin() const { return db::Connection::open(adminParams()); }
    // TCP to 127.0.0.1 (or `host`), as a laptop would connect. No password, ~/.pgpass disabled, TLS and
    // GSS left to the caller (sslmode=prefer unless set), connect_timeout 5 s.
    db::ConnectParams tcpParams(const std::string& user, const std::string& dbname,
                                const std::string& host = "127.0.0.1") const;

    // Appends a line to pg_hba.conf, then checks pg_hba_file_rules and reloads (throws on an error in the
    // file).
    void appendHba(const std::string& line);
    void reload();
    // The exact pg_hba.conf text, for messages.
    std::string hbaText() const;

    // A self-signed certificate for localhost/127.0.0.1 in the data directory, then ssl = on and a
    // reload (no restart). Returns the certificate's path (a client can trust it as its root).
    std::string enableSsl();
    // The same with a certificate and key made elsewhere (copied in as server.crt and server.key).
    void enableSslWith(const std::string& certificate, const std::string& key);

    // Stops the server, or starts it again on the same port (clients must find it again).
    void stopServer();
    void startServer();
    // ALTER SYSTEM SET name = value for each, then stop and start again (the port changes).
    void restartWith(const std::vector<std::pair<std::string, std::string>>& settings);

  private:
    void run(const std::string& command);

    std::string major_;   // empty: STAGE1_PG_MAJOR's (or Debian's)
    std::string parent_;  // a folder under /tmp the postgres user can traverse
    std::string dir_;
    std::string port_;
};

// A self-signed certificate and its key (EC P-256, valid two days) as <dir>/<name>.crt and .key;
// returns the .crt path.
std::string makeSelfSignedCertificate(const std::string& dir, const std::string& name,
                                      const std::string& commonName,
                                      const std::string& subjectAltName = "DNS:localhost,IP:127.0.0.1");

// A CA (<dir>/<caName>.crt and .key, valid a year) and a certificate it signed for localhost and
// 127.0.0.1 (<dir>/<name>.crt and .key, valid `days`). Returns {CA certificate, certificate}.
std::pair<std::string, std::string> makeCaSignedCertificate(const std::string& dir, const std::string& caName,
                                                            const std::string& name, int days);

}  // namespace testsupport
