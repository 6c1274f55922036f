// A real PgBouncer (Debian's pgbouncer) on a free 127.0.0.1 port, in transaction pooling mode, in front
// of a private cluster (one database named, the others by fallback) (TESTING.md). default_pool_size = 1: all
// clients of one role share one server connection, so whatever one client leaves on it, the next client of
// that role sees. Runs as postgres when we are root (it refuses root); stopped by the pid in its pidfile,
// always.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace testsupport {

class PgBouncer {
  public:
    // The server must let 127.0.0.1 in (a pg_hba line such as "host all all 127.0.0.1/32 trust");
    // `roles` are the users clients may log in as (trust, loopback only).
    PgBouncer(const std::string& serverPort, const std::string& dbname,
              const std::vector<std::string>& roles);
    ~PgBouncer();
    PgBouncer(const PgBouncer&) = delete;
    PgBouncer& operator=(const PgBouncer&) = delete;

    const std::string& port() const { return port_; }
    // TCP to the pooler as `user`: no password, ~/.pgpass off, no TLS, connect_timeout 5 s.
    db::ConnectParams params(const std::string& user) const;
    // The same as a libpq conninfo string, for stage1ctl --dsn; another database of the server by name.
    std::string dsn(const std::string& user, const std::string& dbname = "") const;
    std::string log() const;  // pgbouncer.log, for failure messages

    void stop();  // idempotent

  private:
    void startOnce();

    std::string dir_;
    std::string serverPort_;
    std::string dbname_;
    std::string port_;
    pid_t pid_ = -1;
};

}  // namespace testsupport
