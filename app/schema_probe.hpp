// Connect and read the schema status on a worker thread, so the window never waits on the
// network. The window polls once per frame; cancel() abandons a slow connect within ~50 ms.
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "db/migrator.hpp"
#include "db/pg.hpp"

namespace app {

struct SchemaProbeResult {
    bool ok = false;
    bool cancelled = false;
    std::string target;  // user@host:port/db, no password
    std::string serverVersion;
    std::string currentUser;
    bool sslInUse = false;
    db::MigrationStatus migrations;
    std::string errorText;  // libpq's full text when !ok
    double elapsedMs = 0;
};

class SchemaProbe {
  public:
    // wake is called from the worker when the result is ready (e.g. to post an empty GLFW event).
    SchemaProbe(db::ConnectParams params, std::vector<db::Migration> catalog, std::function<void()> wake);
    ~SchemaProbe();
    SchemaProbe(const SchemaProbe&) = delete;
    SchemaProbe& operator=(const SchemaProbe&) = delete;

    void start();
    void cancel();
    bool running() const { return running_.load(); }
    // Non-blocking: the result once, when the worker has finished.
    std::optional<SchemaProbeResult> takeResult();

  private:
    void work();

    db::ConnectParams params_;
    std::vector<db::Migration> catalog_;
    std::function<void()> wake_;
    std::atomic<bool> cancelled_{false};
    std::atomic<bool> running_{false};
    std::mutex mutex_;
    std::optional<SchemaProbeResult> result_;
    std::thread worker_;
};

}  // namespace app
