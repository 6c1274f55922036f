// Drives the real window in-process for tests: frames on demand, clicks and keys by test tag.
// Debian's imgui 1.86 has neither AddMousePosEvent/AddKeyEvent (1.87+) nor test-engine hooks, so
// input is written into ImGuiIO between ImGui_ImplGlfw_NewFrame() and ImGui::NewFrame() (see
// WindowShell::stepFrame): the backend overwrites mouse and buttons every frame, keys only on GLFW
// key events, which never come under Xvfb. UI thread only; one driver per window.
#pragma once

#include <functional>
#include <set>
#include <string>

#include "ui/window_shell.hpp"

namespace ui {

class UiDriver {
  public:
    using DrawFn = std::function<void()>;

    // `shell` must be open (WindowShell::open()); `draw` is one frame's work (drain, tick, draw).
    UiDriver(WindowShell& shell, DrawFn draw);

    // One frame with the current injected input. Throws when the frame could not be rendered.
    void frame();
    void frames(int count);
    // Renders frames until done() (checked before each frame) or the timeout; true when done.
    bool runUntil(const std::function<bool()>& done, double timeoutSeconds);

    // Mouse, by tag. Each throws std::runtime_error listing the tags drawn last frame when `tag`
    // was not among them. click = hover frame, down frame, up frame, one more frame.
    void click(const std::string& tag);
    // The same with Ctrl and/or Shift held for the whole click.
    void click(const std::string& tag, bool ctrl, bool shift);
    void rightClick(const std::string& tag);  // opens a context menu
    void doubleClick(const std::string& tag);
    void hover(const std::string& tag);
    // The mouse wheel over the tag (negative = down, in ImGui wheel units, ~5 lines each).
    void scroll(const std::string& tag, float wheel);
    void moveMouseAway();

    // Keyboard, into whatever has focus. press: key down frame, key up frame, one more frame.
    // key: an ImGuiKey_ value (< ImGuiKey_COUNT, mapped through io.KeyMap) or a GLFW key code.
    void type(const std::string& utf8);
    void press(int imguiKeyOrGlfwKey, bool ctrl = false, bool shift = false);
    // click(tag), Ctrl+A, type(text), Enter: replaces a single-line field's text and leaves it.
    void fill(const std::string& tag, const std::string& text);

    bool drawn(const std::string& tag) const;  // in the last frame
    // Renders one frame with the text capture on and returns its text.
    std::string snapshot();
    bool screenshot(const std::string& path);  // PNG of the last frame

    // Timing of the frames since resetStats(): the whole frame (events, draw, render, swap) and
    // the draw function alone (the UI's own CPU time).
    void resetStats();
    double lastFrameMs() const { return lastFrameMs_; }
    double worstFrameMs() const { return worstFrameMs_; }
    double lastDrawMs() const { return lastDrawMs_; }
    double worstDrawMs() const { return worstDrawMs_; }
    int framesSinceReset() const { return frameCount_; }

  private:
    // Where to point at the tag: the middle of its part on screen, its window scrolled to it first
    // when it is scrolled away. Throws when it was not drawn or cannot be reached.
    ImVec2 pointAt(const std::string& tag);
    void inject(ImGuiIO& io);
    void step(bool captureText);

    WindowShell& shell_;
    DrawFn draw_;
    ImVec2 mouse_;
    bool mouseDown_ = false;
    int button_ = 0;  // which button mouseDown_ holds
    float wheel_ = 0;
    std::set<int> keysDown_, keysTouched_;
    bool ctrl_ = false, shift_ = false;
    std::string chars_;

    double lastFrameMs_ = 0, worstFrameMs_ = 0, lastDrawMs_ = 0, worstDrawMs_ = 0;
    int frameCount_ = 0;
};

}  // namespace ui
