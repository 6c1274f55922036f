// stage1-debugger: the analysts' window. This cut connects through the async Session and shows
// the connection and the schema status; the browser, configs and diagnosis card come next.
#include <sys/stat.h>

#include <iostream>

#include "app/cli_args.hpp"
#include "app/connection_settings.hpp"
#include "app/profiles.hpp"
#include "db/mailbox.hpp"
#include "db/migrator.hpp"
#include "db/session.hpp"
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

// Layout only, never a password; the folder is private to the user.
std::string layoutFile() {
    auto dir = app::configDirectory(app::processEnvironment());
    if (dir.empty()) return "";
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return "";
    ::chmod(dir.c_str(), 0700);
    return (dir / "imgui.ini").string();
}

void showMigrations(const db::MigrationStatus& m, ui::StatusModel& model) {
    model.schema_version = m.schemaVersion();
    model.pending_count = static_cast<int>(m.pending.size());
    model.mismatched_count = static_cast<int>(m.mismatched.size());
    model.migrations.clear();
    for (const auto& row : m.applied)
        model.migrations.push_back({row.version, row.name, "applied", row.appliedAt});
    for (const auto& mm : m.mismatched)
        model.migrations.push_back({mm.ledger.version, mm.ledger.name, "mismatched", mm.ledger.appliedAt});
    for (const auto& p : m.pending) model.migrations.push_back({p.version, p.name, "pending", ""});
    for (const auto& row : m.unknown)
        model.migrations.push_back({row.version, row.name, "unknown", row.appliedAt});
}

void showFailure(const db::DbError& error, bool cancelled, ui::StatusModel& model) {
    model.connection = ui::StatusModel::Connection::Failed;
    model.error_title = cancelled ? "Connection attempt cancelled" : "Cannot connect";
    model.error_text = error.describe();
}

}  // namespace

int main(int argc, char** argv) {
    app::ParsedArgs args;
    app::ResolvedConnection connection;
    int frames = 0;
    try {
        args = app::parseOptions(std::vector<std::string>(argv + 1, argv + argc), kOptions);
        if (args.has("help")) {
            std::cout << "usage: stage1-debugger [options]\n\n" << app::describeOptions(kOptions);
            return 0;
        }
        app::ConnectionSettings flags;
        if (auto dsn = args.value("dsn")) flags = app::settingsFromDsn(*dsn);
        connection = app::resolveConnection(flags, {}, app::processEnvironment(), "stage1-debugger");
        frames = static_cast<int>(args.integer("frames", 0, 0, 100000));
    } catch (const std::invalid_argument& e) {
        std::cerr << "stage1-debugger: " << e.what() << "\n";
        return 2;
    }

    ui::StatusModel model;
    model.target = connection.describe();

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

    db::Mailbox mailbox;
    mailbox.onPost([&window] { window.requestRedraw(); });
    db::Session session({connection.connectParams(), connection.statementTimeoutMs}, mailbox);
    db::RequestId running = 0;

    auto readSchema = [&] {
        running = session.submit<db::MigrationStatus>(
            [](db::Connection& conn) { return db::inspectMigrations(conn, db::embeddedMigrations()); },
            [&](db::Outcome<db::MigrationStatus> outcome) {
                running = 0;
                model.elapsed_ms += outcome.elapsedMs;
                if (!outcome.ok()) return showFailure(*outcome.error, outcome.cancelled, model);
                model.connection = ui::StatusModel::Connection::Connected;
                showMigrations(*outcome.value, model);
            });
    };
    auto connect = [&] {
        model.connection = ui::StatusModel::Connection::Connecting;
        running = session.connect([&](db::Outcome<db::ServerFacts> outcome) {
            running = 0;
            model.elapsed_ms = outcome.elapsedMs;
            if (!outcome.ok()) return showFailure(*outcome.error, outcome.cancelled, model);
            model.server_version = outcome.value->serverVersion;
            model.current_user = outcome.value->currentUser;
            model.ssl_in_use = outcome.value->sslInUse;
            readSchema();
        });
    };

    connect();
    return window.run([&] {
        mailbox.drain();
        ui::StatusActions actions = ui::DrawStatusPanel(model, window.monoFont());
        if (actions.cancel_clicked && running) session.cancel(running);
        if (actions.refresh_clicked && !running) connect();
    });
}
