// stage1-debugger: the analysts' window. Wiring only: flags -> Workbench (app/, no ImGui) ->
// WindowShell + DrawAppWindow (ui/). Every frame drains the mailbox the session worker posts to.
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "app/cli/cli_args.hpp"
#include "app/connect/connection_settings.hpp"
#include "app/connect/profiles.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "app/workbench/run_nodes.hpp"
#include "app/workbench/workbench.hpp"
#include "db/pg/mailbox.hpp"
#include "stage1_version.hpp"
#include "ui/app_window.hpp"
#include "ui/ui_context.hpp"
#include "ui/window_shell.hpp"

namespace {

const std::vector<app::OptionSpec> kOptions = {
    {"dsn", true, "libpq connection string or URI (else STAGE1_POSTGRES_*, else PG*); connects at start"},
    {"profile", true, "use this saved connection profile; connects at start"},
    {"demo", false, "connect at start, open the first dataset and select its first run"},
    {"screenshot", true, "write a PNG of the window after the scripted frames, then exit"},
    {"snapshot-text", true, "write the text of the last frame to this file, then exit"},
    {"frames", true, "render this many frames, wait until no request runs (30 s at most), write, exit"},
    {"help", false, "show this help"},
    {"version", false, "print the version and exit"},
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

// --demo: once the datasets arrive, open the first one; once its runs arrive, select the first.
class DemoScript {
  public:
    bool done() const { return step_ == Step::Done; }

    void advance(app::Workbench& wb) {
        const app::WorkbenchState& s = wb.state();
        if (done()) return;
        if (s.connection.phase == app::ConnectionPhase::Failed) step_ = Step::Done;
        const auto& datasets = s.hierarchy.datasets;
        if (step_ == Step::OpenDataset && datasets.loaded) {
            if (datasets.items.empty()) {
                step_ = Step::Done;
                return;
            }
            if (!datasets.items[0].expanded)
                wb.hierarchy().toggle(app::VisibleRow{app::RowKind::Dataset, 0, -1, -1, 0});
            step_ = Step::SelectRun;
        } else if (step_ == Step::SelectRun && !datasets.items.empty() && datasets.items[0].runs.loaded) {
            if (!datasets.items[0].runs.items.empty())
                wb.hierarchy().select(app::VisibleRow{app::RowKind::Run, 0, 0, -1, 1});
            step_ = Step::Done;
        }
    }

  private:
    enum class Step { OpenDataset, SelectRun, Done };
    Step step_ = Step::OpenDataset;
};

}  // namespace

int main(int argc, char** argv) {
    app::returnLargeBuffersToTheSystem();  // a tree of 100,000 runs stays inside its memory target
    app::ParsedArgs args;
    int frames = 0;
    try {
        args = app::parseOptions(std::vector<std::string>(argv + 1, argv + argc), kOptions);
        if (args.has("version")) {
            std::cout << "stage1-debugger " << STAGE1_VERSION << "\n";
            return 0;
        }
        if (args.has("help")) {
            std::cout << "usage: stage1-debugger [options]\n\n"
                      << app::describeOptions(kOptions) << "\nenvironment:\n";
            for (const auto& v : app::stage1EnvironmentVariables())
                std::cout << "  " << v.name << "  " << v.meaning << "\n";
            return 0;
        }
        frames = static_cast<int>(args.integer("frames", 0, 0, 100000));
    } catch (const std::invalid_argument& e) {
        std::cerr << "stage1-debugger: " << e.what() << "\n";
        return 2;
    }

    // SIGTERM/SIGINT/SIGHUP stop the managed ssh tunnel before the window goes.
    app::installChildCleanupOnSignals();
    db::Mailbox mailbox;
    ui::WindowShell::Options options;
    options.ini_path = layoutFile();
    options.width = 1280;
    options.height = 800;
    options.frames = frames;
    options.screenshot_path = args.value("screenshot").value_or("");
    options.text_snapshot_path = args.value("snapshot-text").value_or("");
    if (options.frames == 0 && (!options.screenshot_path.empty() || !options.text_snapshot_path.empty()))
        options.frames = 3;
    options.ready_timeout_s = 30.0;
    ui::WindowShell window(options);
    mailbox.onPost([&window] { window.requestRedraw(); });

    // Declared after the window: destroyed first, so its workers stop while the window still exists.
    app::Workbench wb(mailbox, app::processEnvironment());
    // The workbench's timers (the connection probe every 5 s) run while the window is idle too,
    // so a lost server or tunnel shows without anyone moving the mouse.
    window.setOnWake([&wb](double now) { wb.tick(now); });
    wb.onLog([](const app::LogEntry& entry) {
        const char* level = entry.level == app::LogEntry::Level::Error     ? "error"
                            : entry.level == app::LogEntry::Level::Warning ? "warning"
                                                                           : "info";
        std::cerr << entry.time << " " << level << ": " << entry.text << "\n";
    });
    const bool demo = args.has("demo");
    try {
        app::ConnectionSettings flags;
        if (auto dsn = args.value("dsn")) flags = app::settingsFromDsn(*dsn);
        wb.connection().loadStartupSettings(flags, args.value("profile").value_or(""));
    } catch (const std::invalid_argument& e) {
        std::cerr << "stage1-debugger: " << e.what() << "\n";
        return 2;
    }
    const char* envHost = std::getenv("STAGE1_POSTGRES_HOST");
    const bool connectAtStart =
        args.has("dsn") || args.has("profile") || demo || (envHost != nullptr && envHost[0] != '\0');
    if (connectAtStart) wb.connection().connect();

    DemoScript script;
    // Scripted runs capture the outcome, not the spinner.
    window.setReady([&] { return !wb.busy() && (!demo || script.done()); });

    ui::UiContext ctx;
    return window.run([&] {
        mailbox.drain();
        ctx.now = ImGui::GetTime();
        ctx.mono = window.monoFont();
        wb.tick(window.now());
        if (demo) script.advance(wb);
        ui::DrawAppWindow(wb, ctx);
    });
}
