#pragma once

// The application window: GLFW + OpenGL 3 + Dear ImGui, and the frame loop that drives them.
// Everything here runs on the thread that calls run(), except requestRedraw().

#include <atomic>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <imgui.h>

struct GLFWwindow;

namespace ui {

class WindowShell {
  public:
    using FrameFn = std::function<void()>;

    struct Options {
        std::string title = "Stage1 Server Debugger";
        int width = 1100;  // screen coordinates, scaled by the monitor's content scale
        int height = 720;
        std::string ini_path;  // where ImGui keeps imgui.ini; empty = ImGui saves no settings

        // Scripted runs (tests, screenshots). frames == 0: run until the window is closed.
        int frames = 0;                  // render at least this many frames, then capture and exit
        std::function<bool()> ready;     // optional: also wait until this returns true (UI thread)
        double ready_timeout_s = 30.0;   // hard cap on waiting for ready()
        std::string screenshot_path;     // PNG of the last frame, when set
        std::string text_snapshot_path;  // plain text of the last frame's windows (see
                                         // IncludeWindowInTextSnapshot), when set

        // Longest sleep between event checks. A wake-up with nothing new (no input, no
        // requestRedraw(), no animation, >1 s since the last activity) draws no frame.
        double idle_timeout_s = 0.25;
        // Called on every wake-up, a frame drawn or not (UI thread; must be cheap): timers such as
        // the connection probe, which must run while nobody touches the window. What it starts
        // wakes the loop through requestRedraw() when it has something to show.
        std::function<void(double nowSeconds)> onWake;

        bool vsync = true;  // tests step frames back to back without waiting for the display
    };

    enum ExitCode : int {
        kOk = 0,
        kInitFailed = 1,      // no display, no OpenGL 3 context, backend init failure
        kReadyTimeout = 2,    // ready() never returned true; the snapshots were still written
        kSnapshotFailed = 3,  // the PNG or text snapshot could not be written
    };

    explicit WindowShell(Options options);
    ~WindowShell();
    WindowShell(const WindowShell&) = delete;
    WindowShell& operator=(const WindowShell&) = delete;

    // Opens the window, calls draw() once per frame between ImGui::NewFrame() and ImGui::Render(),
    // and returns an ExitCode once the window closes (or the scripted run is done).
    int run(const FrameFn& draw);

    // Thread-safe: wakes the loop so the next frame is drawn now (e.g. a worker posted a result).
    void requestRedraw();

    // Seconds on the clock onWake() gets (GLFW's), for timers started from a frame too.
    double now() const;

    // Replaces Options::ready (for objects made after the shell). Before run().
    void setReady(std::function<bool()> ready) { options_.ready = std::move(ready); }
    void setOnWake(std::function<void(double)> onWake) { options_.onWake = std::move(onWake); }

    // UI thread: ends run() after the current frame.
    void requestClose();

    // DejaVu Sans Mono when installed, else the default font; nullptr before run() starts.
    ImFont* monoFont() const { return mono_font_; }

    // ---- stepping, for in-process tests (ui::UiDriver) ----
    // Instead of run(): open(), then stepFrame() as often as needed, then close() (the destructor
    // closes too). Options::frames and the scripted capture paths are ignored in this mode.
    using InputFn = std::function<void(ImGuiIO&)>;
    bool open();
    // One frame: poll events, ImGui_ImplGlfw_NewFrame, injectInput(io) (it overwrites what the GLFW
    // backend just read: mouse position and buttons, keys, characters), ImGui::NewFrame, draw,
    // Render, swap. Returns false when the text capture could not be written.
    bool stepFrame(const FrameFn& draw, const InputFn& injectInput = {});
    // While on, every stepped frame records its text (see IncludeWindowInTextSnapshot).
    void setTextCapture(bool on) { capture_text_ = on; }
    // The text of the last frame stepped with the capture on.
    const std::string& captureText() const { return last_text_; }
    // A PNG of the last frame: its draw data rendered again into the back buffer and read back.
    bool writeScreenshot(const std::string& path);
    void close();
    GLFWwindow* glfwWindow() const { return window_; }

  private:
    struct GlCalls;  // the few GL entry points the shell calls itself (resolved via glfwGetProcAddress)

    bool createWindow();
    void loadFonts(float scale);
    int runInteractive(const FrameFn& draw);
    int runScripted(const FrameFn& draw);
    bool renderFrame(const FrameFn& draw, bool capture, const InputFn& injectInput = {});
    void drawToBackBuffer();
    bool readBackBuffer(const std::string& path) const;

    static void installInputWatch(GLFWwindow* window);
    static void onInput(GLFWwindow* window);

    Options options_;
    GLFWwindow* window_ = nullptr;
    std::unique_ptr<GlCalls> gl_;
    ImFont* mono_font_ = nullptr;
    ImVector<ImWchar> glyph_ranges_;  // must outlive the font atlas
    bool imgui_ready_ = false;
    bool glfw_backend_ready_ = false;
    bool gl_backend_ready_ = false;
    unsigned input_events_ = 0;  // bumped by GLFW input callbacks (UI thread)
    bool capture_text_ = false;  // stepping: record every frame's text
    std::string capture_path_;   // stepping: the temporary file the text goes through
    std::string last_text_;

    std::atomic<bool> redraw_requested_{false};
    std::mutex glfw_mutex_;  // guards glfw_alive_ against glfwTerminate() racing requestRedraw()
    bool glfw_alive_ = false;
};

// Text snapshots: ImGui stops logging at every top-level End() (tooltips included), so only the
// first window of a frame would be captured. Call this right after each top-level Begin() and
// after anything that opens its own window mid-panel (SetTooltip): it resumes the capture in the
// frame being snapshotted and does nothing otherwise. UI thread only.
void IncludeWindowInTextSnapshot();

// Call from a draw function while something animates (a spinner): the next frame follows at up
// to 30 fps instead of waiting for input. UI thread only; applies to the frame being drawn.
void RequestAnimationFrame();

}  // namespace ui
