#include "app/schema_probe.hpp"

#include <chrono>

namespace app {

SchemaProbe::SchemaProbe(db::ConnectParams params, std::vector<db::Migration> catalog,
                         std::function<void()> wake)
    : params_(std::move(params)), catalog_(std::move(catalog)), wake_(std::move(wake)) {}

SchemaProbe::~SchemaProbe() {
    cancel();
    if (worker_.joinable()) worker_.join();
}

void SchemaProbe::start() {
    if (worker_.joinable()) worker_.join();
    cancelled_ = false;
    running_ = true;
    worker_ = std::thread([this] { work(); });
}

void SchemaProbe::cancel() {
    cancelled_ = true;
}

std::optional<SchemaProbeResult> SchemaProbe::takeResult() {
    std::lock_guard<std::mutex> lock(mutex_);
    std::optional<SchemaProbeResult> out = std::move(result_);
    result_.reset();
    return out;
}

void SchemaProbe::work() {
    auto started = std::chrono::steady_clock::now();
    SchemaProbeResult result;
    result.target = params_.describe();
    try {
        db::Connection conn = db::Connection::openCancellable(params_, cancelled_);
        db::Result facts = conn.query(
            "SELECT current_user, coalesce((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), "
            "false)");
        result.currentUser = std::string(facts.text(0, 0));
        result.sslInUse = facts.boolean(0, 1);
        result.serverVersion = conn.serverVersion();
        result.migrations = db::inspectMigrations(conn, catalog_);
        result.ok = true;
    } catch (const db::Error& e) {
        result.errorText = e.info().describe();
        result.cancelled = cancelled_.load();
    }
    result.elapsedMs =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
    {
        std::lock_guard<std::mutex> lock(mutex_);
        result_ = std::move(result);
    }
    running_ = false;
    if (wake_) wake_();
}

}  // namespace app
