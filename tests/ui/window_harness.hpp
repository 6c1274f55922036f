// The real window in-process for UI tests: a Workbench, a WindowShell under the Xvfb that CTest
// starts for this executable (CROSSCOMPILING_EMULATOR), DrawAppWindow and the UiDriver.
#pragma once

#include <doctest/doctest.h>

#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "app/workbench/workbench.hpp"
#include "db/pg/mailbox.hpp"
#include "tests/support/scratch_dir.hpp"
#include "tests/support/test_database.hpp"
#include "ui/app_window.hpp"
#include "ui/test_driver.hpp"
#include "ui/test_tags.hpp"
#include "ui/window_shell.hpp"

namespace testsupport {

class WindowHarness {
  public:
    WindowHarness() : WindowHarness({}, "") {}
    // `env`: every variable the Workbench may read (XDG_CONFIG_HOME defaults to a scratch folder);
    // `layoutFile`: where ImGui keeps the layout (imgui.ini) as stage1-debugger does, "" for nowhere.
    WindowHarness(std::map<std::string, std::string> env, const std::string& layoutFile)
        : shell_(options(layoutFile)) {
        configHome_ = (config_.path() / "config").string();
        REQUIRE_MESSAGE(shell_.open(), "no window: is this running under xvfb-run?");
        // Only what the test chooses: no STAGE1_* from the machine, profiles in a scratch folder.
        env.emplace("XDG_CONFIG_HOME", configHome_);
        env_ = std::move(env);
        wb_ = std::make_unique<app::Workbench>(mailbox_, [this](const char* name) -> const char* {
            auto it = env_.find(name);
            return it == env_.end() ? nullptr : it->second.c_str();
        });
        driver_ = std::make_unique<ui::UiDriver>(shell_, [this] {
            mailbox_.drain();
            ctx_.now = ImGui::GetTime();
            ctx_.mono = shell_.monoFont();
            wb_->tick(ctx_.now);
            ui::DrawAppWindow(*wb_, ctx_);
        });
        driver_->frames(3);
    }
    ~WindowHarness() {
        driver_.reset();
        wb_.reset();  // cancels and joins the worker before the window goes
        mailbox_.drain();
        shell_.close();
    }
    WindowHarness(const WindowHarness&) = delete;
    WindowHarness& operator=(const WindowHarness&) = delete;

    app::Workbench& wb() { return *wb_; }
    const app::WorkbenchState& state() const { return wb_->state(); }
    ui::UiDriver& ui() { return *driver_; }
    ui::UiContext& ctx() { return ctx_; }

    // Types the test database's address into the connection fields and clicks Connect, as a person
    // does; returns once connected with the first page of datasets loaded and nothing running.
    void connectByTyping(const TestDatabase& database) {
        ui().fill("connect.host", cluster().socketDir);
        ui().fill("connect.port", cluster().port);
        ui().fill("connect.db", database.name());
        ui().fill("connect.user", "postgres");
        CHECK(state().form.host == cluster().socketDir);
        CHECK(state().form.dbname == database.name());
        ui().click("connect.button");
        const bool connected = ui().runUntil(
            [&] {
                return state().connection.phase == app::ConnectionPhase::Connected &&
                       state().hierarchy.datasets.loaded && !wb().busy();
            },
            15.0);
        INFO(ui().snapshot());
        REQUIRE(connected);
    }

    // Frames until no request runs (15 s at most).
    bool idle() {
        return ui().runUntil([&] { return !wb().busy(); }, 15.0);
    }

    // The system clipboard, as other programs see it (GLFW -> X11 selection).
    static std::string clipboard() {
        const char* text = ImGui::GetClipboardText();
        return text != nullptr ? text : "";
    }
    static void setClipboard(const std::string& text) { ImGui::SetClipboardText(text.c_str()); }

    // docs/screenshots/<name>.png, only when STAGE1_UPDATE_SCREENSHOTS=1.
    void screenshot(const std::string& name) {
        const char* update = std::getenv("STAGE1_UPDATE_SCREENSHOTS");
        if (update == nullptr || std::string(update) != "1") return;
        const char* dir = std::getenv("STAGE1_SCREENSHOT_DIR");
        const std::string folder = dir != nullptr && *dir ? dir : STAGE1_SCREENSHOT_DIR_DEFAULT;
        driver_->moveMouseAway();
        driver_->frames(2);
        CHECK(driver_->screenshot(folder + "/" + name + ".png"));
    }

  private:
    static ui::WindowShell::Options options(const std::string& layoutFile) {
        ui::WindowShell::Options o;
        o.ini_path = layoutFile;
        o.width = 1280;
        o.height = 800;
        o.vsync = false;  // frames back to back: the tests wait on the database, not the display
        return o;
    }

    ScratchDir config_;
    std::string configHome_;
    std::map<std::string, std::string> env_;  // read-only once the Workbench exists
    db::Mailbox mailbox_;
    ui::WindowShell shell_;
    std::unique_ptr<app::Workbench> wb_;
    ui::UiContext ctx_;
    std::unique_ptr<ui::UiDriver> driver_;
};

}  // namespace testsupport
