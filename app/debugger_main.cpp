// stage1-debugger: the analysts' window. This first cut connects (on a worker thread) and shows
// the connection and the schema status; the browser, configs and diagnosis come next.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/cli_args.hpp"
#include "app/connection_options.hpp"
#include "app/schema_probe.hpp"
#include "ui/status_panel.hpp"
#include "ui/window_shell.hpp"

namespace {

const std::vector<app::OptionSpec> kOptions = {
    {"dsn", true, "libpq connection string or URI (else STAGE1_POSTGRES_*, else PG*)"},
    {"screenshot", true, "write a PNG of the window after the scripted frames, then exit"},
    {"snapshot-text", true, "write the text of the last frame to this file, then exit"},
    {"frames", true, "render this many frames (and wait for the connection attempt), then exit"},
    {"help", false, "show this help"},
};

// $XDG_CONFIG_HOME/stage1-debugger (0700): window layout only, never a password.
std::string layoutFile() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    const char* home = std::getenv("HOME");
    std::filesystem::path base = xdg && *xdg ? xdg : (home ? std::filesystem::path(home) / ".config" : "");
    if (base.empty()) return "";
    std::filesystem::path dir = base / "stage1-debugger";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return "";
    ::chmod(dir.c_str(), 0700);
    return (dir / "imgui.ini").string();
}

ui::MigrationRow rowOf(int version, const std::string& name, const std::string& state,
                       const std::string& appliedAt) {
    return ui::MigrationRow{version, name, state, appliedAt};
}

void applyResult(const app::SchemaProbeResult& result, ui::StatusModel& model) {
    model.elapsed_ms = result.elapsedMs;
    model.migrations.clear();
    if (!result.ok) {
        model.connection = ui::StatusModel::Connection::Failed;
        model.error_title = result.cancelled ? "Connection attempt cancelled" : "Cannot connect";
        model.error_text = result.errorText;
        return;
    }
    const db::MigrationStatus& m = result.migrations;
    model.connection = ui::StatusModel::Connection::Connected;
    model.server_version = result.serverVersion;
    model.current_user = result.currentUser;
    model.ssl_in_use = result.sslInUse;
    model.schema_version = m.schemaVersion();
    model.pending_count = static_cast<int>(m.pending.size());
    model.mismatched_count = static_cast<int>(m.mismatched.size());
    for (const auto& row : m.applied)
        model.migrations.push_back(rowOf(row.version, row.name, "applied", row.appliedAt));
    for (const auto& mm : m.mismatched)
        model.migrations.push_back(
            rowOf(mm.ledger.version, mm.ledger.name, "mismatched", mm.ledger.appliedAt));
    for (const auto& p : m.pending) model.migrations.push_back(rowOf(p.version, p.name, "pending", ""));
    for (const auto& row : m.unknown)
        model.migrations.push_back(rowOf(row.version, row.name, "unknown", row.appliedAt));
}

}  // namespace

int main(int argc, char** argv) {
    app::ParsedArgs args;
    db::ConnectParams params;
    int frames = 0;
    try {
        args = app::parseOptions(std::vector<std::string>(argv + 1, argv + argc), kOptions);
        if (args.has("help")) {
            std::cout << "usage: stage1-debugger [options]\n\n" << app::describeOptions(kOptions);
            return 0;
        }
        app::ConnectionRequest request;
        request.dsn = args.value("dsn");
        request.applicationName = "stage1-debugger";
        params = app::resolveConnection(request, app::processEnvironment());
        frames = static_cast<int>(args.integer("frames", 0, 0, 100000));
    } catch (const std::invalid_argument& e) {
        std::cerr << "stage1-debugger: " << e.what() << "\n";
        return 2;
    }

    ui::StatusModel model;
    model.target = params.describe();

    ui::WindowShell::Options options;
    options.ini_path = layoutFile();
    options.frames = frames;
    options.screenshot_path = args.value("screenshot").value_or("");
    options.text_snapshot_path = args.value("snapshot-text").value_or("");
    if (options.frames == 0 && (!options.screenshot_path.empty() || !options.text_snapshot_path.empty()))
        options.frames = 3;
    // Scripted runs capture the outcome of the connection attempt, not the spinner.
    options.ready = [&model] { return model.connection != ui::StatusModel::Connection::Connecting; };
    ui::WindowShell window(options);

    app::SchemaProbe probe(params, db::embeddedMigrations(), [&window] { window.requestRedraw(); });
    auto connect = [&] {
        model.connection = ui::StatusModel::Connection::Connecting;
        probe.start();
    };
    connect();
    return window.run([&] {
        if (auto result = probe.takeResult()) applyResult(*result, model);
        ui::StatusActions actions = ui::DrawStatusPanel(model, window.monoFont());
        if (actions.cancel_clicked) probe.cancel();
        if (actions.refresh_clicked && !probe.running()) connect();
    });
}
