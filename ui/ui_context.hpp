// What every panel needs besides the Workbench: fonts, the clipboard and the clock. One instance
// lives in the window; tests make their own.
#pragma once

#include <imgui.h>

#include <functional>
#include <memory>
#include <string>

namespace ui {

struct WindowState;  // ui/window_state.hpp

struct UiContext {
    ImFont* mono = nullptr;  // DejaVu Sans Mono when installed, else the default font
    double now = 0;          // seconds (glfwGetTime), for the latency probe and animations
    // The system clipboard through GLFW (ImGui::SetClipboardText/GetClipboardText by default).
    std::function<void(const std::string&)> setClipboard = [](const std::string& text) {
        ImGui::SetClipboardText(text.c_str());
    };
    std::function<std::string()> getClipboard = [] {
        const char* text = ImGui::GetClipboardText();
        return std::string(text ? text : "");
    };
    // What the window's panels remember between frames (ui/window_state.hpp), made on first use.
    WindowState& window();

  private:
    std::shared_ptr<WindowState> window_;
};

}  // namespace ui
