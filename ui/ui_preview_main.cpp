// stage1-ui-preview: the status panel on sample data, for looking at it (and screenshotting it)
// without a database. Refresh simulates a slow request on a worker thread.
//
//   stage1-ui-preview [--mode connected|failed|drift|many|connecting|idle] [--delay-ms N]
//                     [--frames N] [--screenshot out.png] [--text out.txt] [--size WxH] [--ini path]

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include <GLFW/glfw3.h>

#include "ui/status_panel.hpp"
#include "ui/window_shell.hpp"

namespace {

using ui::MigrationRow;
using ui::StatusModel;

const char* const kMigrationNames[] = {
    "create_accounts",       "create_instruments", "create_orders", "create_fills",
    "order_status_enum",     "positions_view",     "audit_log",     "app_role_grants",
    "orders_created_at_idx", "fills_by_account",   "risk_limits",   "settlement_batches",
};

StatusModel ConnectedModel(int applied, int pending, int mismatched) {
    StatusModel m;
    m.connection = StatusModel::Connection::Connected;
    m.target = "postgres@127.0.0.1:5432/stage1_trading";
    m.server_version = "15.18";
    m.ssl_in_use = false;
    m.current_user = "postgres";
    m.elapsed_ms = 12.4;
    const int total = applied + pending;
    for (int i = 0; i < total; ++i) {
        MigrationRow row;
        row.version = i + 1;
        row.name = kMigrationNames[i % 12];
        if (i >= applied) {
            row.state = "pending";
        } else {
            row.state = i >= applied - mismatched ? "mismatched" : "applied";
            char when[40];
            std::snprintf(when, sizeof when, "2024-05-%02d 09:%02d:03+00", 2 + i / 3, (10 + i * 7) % 60);
            row.applied_at = when;
            m.schema_version = row.version;
        }
        m.migrations.push_back(row);
    }
    m.pending_count = pending;
    m.mismatched_count = mismatched;
    return m;
}

StatusModel FailedModel() {
    StatusModel m;
    m.connection = StatusModel::Connection::Failed;
    m.target = "stage1_app@127.0.0.1:5432/stage1_trading";
    m.current_user = "stage1_app";
    m.error_title = "The server refused this client: no pg_hba.conf entry matches host 127.0.0.1";
    m.error_text =
        "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  no pg_hba.conf entry for host "
        "\"127.0.0.1\", user \"stage1_app\", database \"stage1_trading\", SSL encryption\n"
        "connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  no pg_hba.conf entry for host "
        "\"127.0.0.1\", user \"stage1_app\", database \"stage1_trading\", no encryption\n";
    m.elapsed_ms = 8.7;
    return m;
}

StatusModel ModelFor(const std::string& mode) {
    if (mode == "failed") return FailedModel();
    if (mode == "drift") return ConnectedModel(7, 3, 1);
    if (mode == "many") return ConnectedModel(60, 0, 0);
    if (mode == "connecting") {
        StatusModel m;
        m.connection = StatusModel::Connection::Connecting;
        m.target = "postgres@127.0.0.1:5432/stage1_trading";
        return m;
    }
    if (mode == "idle") return StatusModel{};
    return ConnectedModel(9, 0, 0);
}

// Results from the simulated worker, drained once per frame on the UI thread.
class Mailbox {
  public:
    void post(StatusModel model) {
        std::lock_guard<std::mutex> lock(mutex_);
        pending_ = std::move(model);
    }
    std::optional<StatusModel> take() {
        std::lock_guard<std::mutex> lock(mutex_);
        std::optional<StatusModel> out = std::move(pending_);
        pending_.reset();
        return out;
    }

  private:
    std::mutex mutex_;
    std::optional<StatusModel> pending_;
};

bool ParseArgs(int argc, char** argv, ui::WindowShell::Options& options, std::string& mode, int& delay_ms) {
    for (int i = 1; i < argc; ++i) {
        const char* arg = argv[i];
        const char* value = i + 1 < argc ? argv[i + 1] : nullptr;
        auto takes = [&](const char* name) {
            if (std::strcmp(arg, name) != 0) return false;
            if (value == nullptr) {
                std::fprintf(stderr, "%s needs a value\n", name);
                std::exit(2);
            }
            ++i;
            return true;
        };
        if (takes("--mode"))
            mode = value;
        else if (takes("--frames"))
            options.frames = std::atoi(value);
        else if (takes("--screenshot"))
            options.screenshot_path = value;
        else if (takes("--text"))
            options.text_snapshot_path = value;
        else if (takes("--ini"))
            options.ini_path = value;
        else if (takes("--delay-ms"))
            delay_ms = std::atoi(value);
        else if (takes("--size"))
            std::sscanf(value, "%dx%d", &options.width, &options.height);
        else {
            std::fprintf(stderr, "unknown argument %s\n", arg);
            return false;
        }
    }
    return true;
}

}  // namespace

int main(int argc, char** argv) {
    ui::WindowShell::Options options;
    std::string mode = "connected";
    int delay_ms = -1;  // >= 0: start "connecting" and deliver the sample after this long
    if (!ParseArgs(argc, argv, options, mode, delay_ms)) return 2;

    Mailbox mailbox;
    std::atomic<bool> delivered{delay_ms < 0};
    std::thread worker;
    StatusModel model = delay_ms >= 0 ? ModelFor("connecting") : ModelFor(mode);
    if (delay_ms >= 0) options.ready = [&delivered] { return delivered.load(); };

    ui::WindowShell shell(options);
    std::atomic<double> posted_at{0.0};
    std::atomic<int> request_id{0};  // Cancel bumps it, so a late result is dropped
    auto start_request = [&](int ms) {
        if (worker.joinable()) worker.join();
        delivered = false;
        const int id = ++request_id;
        worker = std::thread([&, ms, id] {
            std::this_thread::sleep_for(std::chrono::milliseconds(ms));
            if (id != request_id) return;
            posted_at = glfwGetTime();
            mailbox.post(ModelFor(mode));
            delivered = true;
            shell.requestRedraw();
        });
    };
    if (delay_ms >= 0) start_request(delay_ms);

    int frames = 0;
    double first_frame = 0.0, last_frame = 0.0;
    const int rc = shell.run([&] {
        last_frame = glfwGetTime();
        if (frames++ == 0) first_frame = last_frame;
        if (std::optional<StatusModel> result = mailbox.take()) {
            model = std::move(*result);
            std::fprintf(stderr, "preview: result shown %.1f ms after it was posted\n",
                         (glfwGetTime() - posted_at.load()) * 1000.0);
        }

        const ui::StatusActions actions = ui::DrawStatusPanel(model, shell.monoFont());
        if (actions.refresh_clicked) {
            std::fprintf(stderr, "preview: refresh clicked\n");
            model = ModelFor("connecting");
            start_request(1500);
        }
        if (actions.cancel_clicked) {
            std::fprintf(stderr, "preview: cancel clicked\n");
            ++request_id;
            model = ModelFor("idle");
        }
    });
    if (worker.joinable()) worker.join();

    if (frames > 1)
        std::fprintf(stderr, "preview: %d frames, %.2f ms/frame on average\n", frames,
                     (last_frame - first_frame) * 1000.0 / (frames - 1));
    return rc;
}
