// The step-by-step connection test behind `stage1ctl doctor` and the window's Doctor button:
// [tunnel,] resolve, tcp_connect, tls, authenticate, server, schema, durability (a warning at most; tls
// warns too: a certificate not verified or expiring within 30 days, no TLS to another machine). It stops
// at the first connection step that fails and diagnoses it. Blocking: the window runs it on a worker thread.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "app/connect/connection_settings.hpp"
#include "app/connect/diagnosis.hpp"
#include "db/pg/tls.hpp"

namespace app {

struct DoctorStep {
    std::string name;
    bool ok = false;
    double ms = 0;
    std::string detail;
    // ok, but worth acting on (e.g. synchronous_commit = off): shown as a warning, never a failure.
    bool warning = false;
};

struct DoctorReport {
    std::vector<DoctorStep> steps;
    std::optional<Diagnosis> diagnosis;  // set when a connection step failed
    bool connected = false;
    bool serverSupported = false;  // PostgreSQL 14 or newer
    bool schemaOk = false;
    std::optional<db::TlsFacts> tls;  // set once connected
    bool ok() const { return connected && serverSupported && schemaOk; }
};

// A managed tunnel (tunnel mode with an ssh target) is started for the test and stopped after.
DoctorReport runDoctor(const ResolvedConnection& connection);

}  // namespace app
