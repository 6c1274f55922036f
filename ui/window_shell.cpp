#include "ui/window_shell.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <unistd.h>

#include <GLFW/glfw3.h>  // also brings <GL/gl.h>: types and enums only, no GL function is linked
#include <backends/imgui_impl_glfw.h>
#include <backends/imgui_impl_opengl3.h>
#include <stb_image_write.h>

namespace ui {

namespace {

constexpr const char* kSansPath = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
constexpr const char* kMonoPath = "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf";
constexpr float kBaseFontPx = 15.0f;
constexpr int kSettleFrames = 3;                        // ImGui needs a few frames after input to settle
constexpr int kFramesAfterReady = 2;                    // scripted runs: let layout settle before the capture
constexpr double kMinFrameInterval = 1.0 / 60.0;        // cap while input is being handled
constexpr double kAnimationFrameInterval = 1.0 / 30.0;  // spinners do not need more
constexpr double kCoolDownS = 1.0;  // after activity, keep idle-rate frames so ImGui fades finish

bool g_animation_requested = false;          // set by RequestAnimationFrame() during draw (UI thread)
const char* g_text_snapshot_path = nullptr;  // set while the frame being drawn is snapshotted

thread_local std::string g_last_glfw_error;

void RememberGlfwError(int code, const char* description) {
    g_last_glfw_error = std::to_string(code) + ": " + (description ? description : "?");
}

const char* LastGlfwError() {
    return g_last_glfw_error.empty() ? "no detail from GLFW" : g_last_glfw_error.c_str();
}

bool EnvSet(const char* name) {
    const char* value = std::getenv(name);
    return value != nullptr && value[0] != '\0';
}

bool FileReadable(const char* path) {
    // ImGui asserts (Debian builds keep asserts) when a font file cannot be read: check first.
    std::FILE* f = std::fopen(path, "rb");
    if (f == nullptr) return false;
    std::fclose(f);
    return true;
}

void ApplyTheme(ImGuiStyle& style) {
    ImGui::StyleColorsDark(&style);
    style.WindowRounding = 0.0f;
    style.ChildRounding = 4.0f;
    style.FrameRounding = 4.0f;
    style.PopupRounding = 4.0f;
    style.GrabRounding = 4.0f;
    style.ScrollbarRounding = 6.0f;
    style.WindowBorderSize = 0.0f;
    style.WindowPadding = ImVec2(14.0f, 12.0f);
    style.FramePadding = ImVec2(10.0f, 4.0f);
    style.ItemSpacing = ImVec2(8.0f, 6.0f);
    style.CellPadding = ImVec2(8.0f, 3.0f);

    ImVec4* c = style.Colors;
    c[ImGuiCol_Text] = ImVec4(0.90f, 0.91f, 0.93f, 1.00f);
    c[ImGuiCol_TextDisabled] = ImVec4(0.56f, 0.59f, 0.64f, 1.00f);
    c[ImGuiCol_WindowBg] = ImVec4(0.110f, 0.118f, 0.133f, 1.00f);
    c[ImGuiCol_ChildBg] = ImVec4(0.082f, 0.088f, 0.100f, 1.00f);
    c[ImGuiCol_PopupBg] = ImVec4(0.140f, 0.150f, 0.170f, 0.98f);
    c[ImGuiCol_Border] = ImVec4(0.240f, 0.260f, 0.300f, 1.00f);
    c[ImGuiCol_Separator] = ImVec4(0.240f, 0.260f, 0.300f, 1.00f);
    c[ImGuiCol_FrameBg] = ImVec4(0.170f, 0.180f, 0.210f, 1.00f);
    c[ImGuiCol_Button] = ImVec4(0.200f, 0.290f, 0.420f, 1.00f);
    c[ImGuiCol_ButtonHovered] = ImVec4(0.260f, 0.380f, 0.560f, 1.00f);
    c[ImGuiCol_ButtonActive] = ImVec4(0.200f, 0.450f, 0.720f, 1.00f);
    c[ImGuiCol_Header] = ImVec4(0.200f, 0.290f, 0.420f, 0.60f);
    c[ImGuiCol_HeaderHovered] = ImVec4(0.260f, 0.380f, 0.560f, 0.80f);
    c[ImGuiCol_HeaderActive] = ImVec4(0.200f, 0.450f, 0.720f, 1.00f);
    c[ImGuiCol_TableHeaderBg] = ImVec4(0.150f, 0.160f, 0.185f, 1.00f);
    c[ImGuiCol_TableBorderStrong] = ImVec4(0.240f, 0.260f, 0.300f, 1.00f);
    c[ImGuiCol_TableBorderLight] = ImVec4(0.190f, 0.205f, 0.235f, 1.00f);
    c[ImGuiCol_TableRowBg] = ImVec4(0.0f, 0.0f, 0.0f, 0.0f);
    c[ImGuiCol_TableRowBgAlt] = ImVec4(1.0f, 1.0f, 1.0f, 0.035f);
}

}  // namespace

void RequestAnimationFrame() {
    g_animation_requested = true;
}

void IncludeWindowInTextSnapshot() {
    // LogToFile appends, and returns at once while logging is already on. Depth 0: logging must not
    // force tree nodes open, or a snapshotted frame would differ from the others.
    if (g_text_snapshot_path != nullptr) ImGui::LogToFile(0, g_text_snapshot_path);
}

// glad is not packaged, and the OpenGL3 backend's embedded loader is private to it (its header
// says so, and it lacks glReadBuffer). GLFW resolves the handful of entry points the shell needs.
struct WindowShell::GlCalls {
    void(GLAPIENTRY* viewport)(GLint, GLint, GLsizei, GLsizei) = nullptr;
    void(GLAPIENTRY* clearColor)(GLclampf, GLclampf, GLclampf, GLclampf) = nullptr;
    void(GLAPIENTRY* clear)(GLbitfield) = nullptr;
    void(GLAPIENTRY* pixelStorei)(GLenum, GLint) = nullptr;
    void(GLAPIENTRY* readBuffer)(GLenum) = nullptr;
    void(GLAPIENTRY* readPixels)(GLint, GLint, GLsizei, GLsizei, GLenum, GLenum, void*) = nullptr;

    // Needs a current context.
    bool load() {
        return resolve(viewport, "glViewport") && resolve(clearColor, "glClearColor") &&
               resolve(clear, "glClear") && resolve(pixelStorei, "glPixelStorei") &&
               resolve(readBuffer, "glReadBuffer") && resolve(readPixels, "glReadPixels");
    }

  private:
    template <typename Fn>
    static bool resolve(Fn& fn, const char* name) {
        fn = reinterpret_cast<Fn>(glfwGetProcAddress(name));
        if (fn == nullptr) std::fprintf(stderr, "OpenGL: cannot resolve %s\n", name);
        return fn != nullptr;
    }
};

WindowShell::WindowShell(Options options) : options_(std::move(options)) {}

WindowShell::~WindowShell() {
    close();
}

int WindowShell::run(const FrameFn& draw) {
    if (!open()) {
        close();
        return kInitFailed;
    }
    const int rc = options_.frames > 0 ? runScripted(draw) : runInteractive(draw);
    close();
    return rc;
}

double WindowShell::now() const {
    return glfwGetTime();
}

void WindowShell::requestRedraw() {
    redraw_requested_.store(true);
    std::lock_guard<std::mutex> lock(glfw_mutex_);
    if (glfw_alive_) glfwPostEmptyEvent();
}

void WindowShell::requestClose() {
    if (window_ != nullptr) glfwSetWindowShouldClose(window_, GLFW_TRUE);
}

bool WindowShell::open() {
    glfwSetErrorCallback(RememberGlfwError);
    if (!glfwInit()) {
        if (!EnvSet("DISPLAY") && !EnvSet("WAYLAND_DISPLAY"))
            std::fprintf(stderr, "cannot open a window: no display (set DISPLAY or run under xvfb-run)\n");
        else
            std::fprintf(stderr, "cannot open a window: GLFW failed to start (%s)\n", LastGlfwError());
        return false;
    }
    {
        std::lock_guard<std::mutex> lock(glfw_mutex_);
        glfw_alive_ = true;
    }
    if (!createWindow()) return false;

    gl_ = std::make_unique<GlCalls>();
    if (!gl_->load()) {
        std::fprintf(stderr, "cannot open a window: OpenGL entry points missing\n");
        return false;
    }

    glfwSetWindowUserPointer(window_, this);
    installInputWatch(window_);  // before the ImGui backend, which chains to these callbacks

    IMGUI_CHECKVERSION();
    ImGui::CreateContext();
    imgui_ready_ = true;
    ImGuiIO& io = ImGui::GetIO();
    io.IniFilename = options_.ini_path.empty() ? nullptr : options_.ini_path.c_str();
    io.LogFilename = nullptr;  // never write imgui_log.txt into the current directory

    float xscale = 1.0f, yscale = 1.0f;
    glfwGetWindowContentScale(window_, &xscale, &yscale);
    const float scale = std::max(1.0f, std::max(xscale, yscale));
    ApplyTheme(ImGui::GetStyle());
    ImGui::GetStyle().ScaleAllSizes(scale);
    loadFonts(scale);

    const bool core = glfwGetWindowAttrib(window_, GLFW_OPENGL_PROFILE) == GLFW_OPENGL_CORE_PROFILE;
    if (!ImGui_ImplGlfw_InitForOpenGL(window_, true)) {
        std::fprintf(stderr, "cannot open a window: ImGui GLFW backend failed\n");
        return false;
    }
    glfw_backend_ready_ = true;
    if (!ImGui_ImplOpenGL3_Init(core ? "#version 150" : "#version 130")) {
        std::fprintf(stderr, "cannot open a window: ImGui OpenGL3 backend failed\n");
        return false;
    }
    gl_backend_ready_ = true;
    return true;
}

bool WindowShell::createWindow() {
    glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
    glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 3);
    glfwWindowHint(GLFW_OPENGL_PROFILE, GLFW_OPENGL_CORE_PROFILE);
    glfwWindowHint(GLFW_OPENGL_FORWARD_COMPAT, GLFW_TRUE);
    window_ = glfwCreateWindow(options_.width, options_.height, options_.title.c_str(), nullptr, nullptr);
    if (window_ == nullptr) {
        // Older drivers: a plain 3.0 context (profiles only exist from 3.2 on).
        glfwDefaultWindowHints();
        glfwWindowHint(GLFW_SCALE_TO_MONITOR, GLFW_TRUE);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MAJOR, 3);
        glfwWindowHint(GLFW_CONTEXT_VERSION_MINOR, 0);
        window_ = glfwCreateWindow(options_.width, options_.height, options_.title.c_str(), nullptr, nullptr);
    }
    if (window_ == nullptr) {
        std::fprintf(stderr, "cannot open a window: no OpenGL 3.3 or 3.0 context (%s)\n", LastGlfwError());
        return false;
    }
    glfwMakeContextCurrent(window_);
    glfwSwapInterval(options_.vsync ? 1 : 0);
    return true;
}

void WindowShell::loadFonts(float scale) {
    ImGuiIO& io = ImGui::GetIO();
    // Latin-1, Latin Extended, Greek, Cyrillic, currency (€) and the punctuation, arrows and symbols
    // the panels use (… — • → ✓ ✗ ● ○): what configs and names are likely to hold.
    static const ImWchar kExtraRanges[] = {0x0100, 0x024F, 0x0370, 0x03FF, 0x0400, 0x04FF, 0x2010,
                                           0x2027, 0x20A0, 0x20CF, 0x2190, 0x21FF, 0x2260, 0x2265,
                                           0x25A0, 0x25FF, 0x2713, 0x2718, 0};
    ImFontGlyphRangesBuilder ranges;
    ranges.AddRanges(io.Fonts->GetGlyphRangesDefault());
    ranges.AddRanges(kExtraRanges);
    glyph_ranges_.clear();
    ranges.BuildRanges(&glyph_ranges_);

    const float size = std::round(kBaseFontPx * scale);
    ImFont* sans = nullptr;
    if (FileReadable(kSansPath))
        sans = io.Fonts->AddFontFromFileTTF(kSansPath, size, nullptr, glyph_ranges_.Data);
    if (sans == nullptr) {
        ImFontConfig config;
        config.SizePixels = std::round(13.0f * scale);
        sans = io.Fonts->AddFontDefault(&config);
    }
    io.FontDefault = sans;

    mono_font_ = nullptr;
    if (FileReadable(kMonoPath))
        mono_font_ = io.Fonts->AddFontFromFileTTF(kMonoPath, size, nullptr, glyph_ranges_.Data);
    if (mono_font_ == nullptr) mono_font_ = sans;
}

void WindowShell::close() {
    if (!capture_path_.empty()) std::remove(capture_path_.c_str());
    capture_path_.clear();
    if (gl_backend_ready_) ImGui_ImplOpenGL3_Shutdown();
    if (glfw_backend_ready_) ImGui_ImplGlfw_Shutdown();
    gl_backend_ready_ = glfw_backend_ready_ = false;
    if (imgui_ready_) ImGui::DestroyContext();  // also saves imgui.ini when enabled
    imgui_ready_ = false;
    mono_font_ = nullptr;
    gl_.reset();
    if (window_ != nullptr) glfwDestroyWindow(window_);
    window_ = nullptr;

    bool was_alive = false;
    {
        std::lock_guard<std::mutex> lock(glfw_mutex_);
        std::swap(was_alive, glfw_alive_);
    }
    if (was_alive) glfwTerminate();
}

void WindowShell::onInput(GLFWwindow* window) {
    if (auto* shell = static_cast<WindowShell*>(glfwGetWindowUserPointer(window))) ++shell->input_events_;
}

void WindowShell::installInputWatch(GLFWwindow* window) {
    glfwSetCursorPosCallback(window, [](GLFWwindow* w, double, double) { onInput(w); });
    glfwSetCursorEnterCallback(window, [](GLFWwindow* w, int) { onInput(w); });
    glfwSetMouseButtonCallback(window, [](GLFWwindow* w, int, int, int) { onInput(w); });
    glfwSetScrollCallback(window, [](GLFWwindow* w, double, double) { onInput(w); });
    glfwSetKeyCallback(window, [](GLFWwindow* w, int, int, int, int) { onInput(w); });
    glfwSetCharCallback(window, [](GLFWwindow* w, unsigned) { onInput(w); });
    glfwSetWindowFocusCallback(window, [](GLFWwindow* w, int) { onInput(w); });
    glfwSetFramebufferSizeCallback(window, [](GLFWwindow* w, int, int) { onInput(w); });
    glfwSetWindowRefreshCallback(window, [](GLFWwindow* w) { onInput(w); });
}

int WindowShell::runInteractive(const FrameFn& draw) {
    int settle = kSettleFrames;
    bool animating = false;
    unsigned seen_events = input_events_;
    double last_frame = 0.0;
    double last_activity = glfwGetTime();
    int rc = kOk;
    while (!glfwWindowShouldClose(window_)) {
        if (settle > 0 || animating) {
            const double interval = settle > 0 ? kMinFrameInterval : kAnimationFrameInterval;
            const double wait = last_frame + interval - glfwGetTime();
            if (wait > 0.0)
                glfwWaitEventsTimeout(wait);
            else
                glfwPollEvents();
        } else {
            glfwWaitEventsTimeout(options_.idle_timeout_s);
        }
        if (options_.onWake) options_.onWake(now());
        if (glfwGetWindowAttrib(window_, GLFW_ICONIFIED)) {
            settle = 0;
            animating = false;
            continue;
        }

        const double now = glfwGetTime();
        const bool settling = settle > 0;
        const bool woken = redraw_requested_.exchange(false);
        const bool active = input_events_ != seen_events || woken;
        if (active) {
            // Input keeps frames coming for the cool-down (a person is there); a worker's result
            // (the 5 s connection probe among them) only needs its settle frames.
            if (input_events_ != seen_events) last_activity = now;
            seen_events = input_events_;
            settle = kSettleFrames;
        } else if (settle > 0) {
            --settle;
        }
        // Idle means idle: with nothing new to show, a timeout wake-up costs no frame at all.
        const bool cooling = now - last_activity < kCoolDownS;
        if (!active && !settling && !animating && !cooling) continue;

        g_animation_requested = false;
        if (!renderFrame(draw, false)) rc = kSnapshotFailed;
        animating = g_animation_requested;
        last_frame = glfwGetTime();
    }
    return rc;
}

int WindowShell::runScripted(const FrameFn& draw) {
    const double start = glfwGetTime();
    int rendered = 0;
    int frames_left = -1;  // counts down once the frame quota is met and ready() is true
    bool timed_out = false;
    while (!glfwWindowShouldClose(window_)) {
        if (frames_left < 0 && rendered >= options_.frames) {
            const bool ready = !options_.ready || options_.ready();
            timed_out = !ready && glfwGetTime() - start > options_.ready_timeout_s;
            if (ready || timed_out) frames_left = kFramesAfterReady;
            if (timed_out)
                std::fprintf(stderr, "window: still not ready after %.0f s; capturing anyway\n",
                             options_.ready_timeout_s);
        }
        if (frames_left < 0 && rendered >= options_.frames)
            glfwWaitEventsTimeout(kMinFrameInterval);  // waiting on ready(): requestRedraw() wakes us
        else
            glfwPollEvents();
        redraw_requested_.store(false);

        const bool last = frames_left == 1;
        const bool wrote = renderFrame(draw, last);
        ++rendered;
        if (last) {
            if (!wrote) return kSnapshotFailed;
            return timed_out ? kReadyTimeout : kOk;
        }
        if (frames_left > 0) --frames_left;
    }
    return kOk;  // closed by the user before the capture
}

namespace {

// The text snapshot of one frame; the file is complete once the object is gone.
class TextSnapshot {
  public:
    explicit TextSnapshot(const std::string& path) {
        // LogToFile appends, and asserts on an unwritable path: create/truncate the file first.
        std::FILE* f = std::fopen(path.c_str(), "wb");
        if (f == nullptr) {
            std::fprintf(stderr, "cannot write text snapshot %s\n", path.c_str());
            return;
        }
        std::fclose(f);
        path_ = &path;
        // Started before any Begin(), logging covers the first window; ImGui then ends it at
        // that window's End(), and IncludeWindowInTextSnapshot() resumes it for the others.
        g_text_snapshot_path = path.c_str();
        IncludeWindowInTextSnapshot();
    }
    ~TextSnapshot() {
        if (path_ == nullptr) return;
        ImGui::LogFinish();
        g_text_snapshot_path = nullptr;
        if (std::FILE* f = std::fopen(path_->c_str(), "ab")) {  // ImGui leaves the last line open
            std::fputc('\n', f);
            std::fclose(f);
        }
    }
    TextSnapshot(const TextSnapshot&) = delete;
    TextSnapshot& operator=(const TextSnapshot&) = delete;

    bool ok() const { return path_ != nullptr; }

  private:
    const std::string* path_ = nullptr;
};

}  // namespace

bool WindowShell::renderFrame(const FrameFn& draw, bool capture, const InputFn& injectInput) {
    ImGui_ImplOpenGL3_NewFrame();
    // The backend has uploaded the font atlas to the GPU on its first frame; the CPU copy of the
    // pixels (megabytes at RGBA32) is never read again.
    ImFontAtlas& fonts = *ImGui::GetIO().Fonts;
    if (fonts.TexPixelsAlpha8 != nullptr || fonts.TexPixelsRGBA32 != nullptr) fonts.ClearTexData();
    ImGui_ImplGlfw_NewFrame();
    if (injectInput) injectInput(ImGui::GetIO());  // after the backend wrote what GLFW reported
    ImGui::NewFrame();

    bool ok = true;
    {
        std::optional<TextSnapshot> text;
        if (capture && !options_.text_snapshot_path.empty()) {
            text.emplace(options_.text_snapshot_path);
            ok = text->ok();
        }
        draw();
    }
    ImGui::Render();
    drawToBackBuffer();

    if (capture && !options_.screenshot_path.empty()) ok = readBackBuffer(options_.screenshot_path) && ok;
    glfwSwapBuffers(window_);
    return ok;
}

void WindowShell::drawToBackBuffer() {
    int width = 0, height = 0;
    glfwGetFramebufferSize(window_, &width, &height);
    gl_->viewport(0, 0, width, height);
    const ImVec4 bg = ImGui::GetStyle().Colors[ImGuiCol_WindowBg];
    gl_->clearColor(bg.x, bg.y, bg.z, 1.0f);
    gl_->clear(GL_COLOR_BUFFER_BIT);
    if (ImDrawData* data = ImGui::GetDrawData()) ImGui_ImplOpenGL3_RenderDrawData(data);
}

bool WindowShell::stepFrame(const FrameFn& draw, const InputFn& injectInput) {
    glfwPollEvents();
    redraw_requested_.store(false);
    if (!capture_text_) return renderFrame(draw, false, injectInput);

    if (capture_path_.empty()) {
        std::string pattern = "/tmp/stage1-frame-text-XXXXXX";
        const int fd = mkstemp(pattern.data());
        if (fd < 0) return renderFrame(draw, false, injectInput);
        ::close(fd);
        capture_path_ = pattern;
    }
    const std::string saved = options_.text_snapshot_path;
    options_.text_snapshot_path = capture_path_;
    const bool ok = renderFrame(draw, true, injectInput);
    options_.text_snapshot_path = saved;

    last_text_.clear();
    if (std::FILE* f = std::fopen(capture_path_.c_str(), "rb")) {
        char buf[8192];
        size_t n = 0;
        while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) last_text_.append(buf, n);
        std::fclose(f);
    }
    return ok;
}

bool WindowShell::writeScreenshot(const std::string& path) {
    if (window_ == nullptr) return false;
    drawToBackBuffer();  // the last frame's draw data stays valid until the next NewFrame()
    return readBackBuffer(path);
}

bool WindowShell::readBackBuffer(const std::string& path) const {
    int width = 0, height = 0;
    glfwGetFramebufferSize(window_, &width, &height);
    if (width <= 0 || height <= 0) {
        std::fprintf(stderr, "cannot write screenshot %s: window has no framebuffer\n", path.c_str());
        return false;
    }
    const size_t row = static_cast<size_t>(width) * 4;
    std::vector<unsigned char> pixels(row * static_cast<size_t>(height));
    gl_->pixelStorei(GL_PACK_ALIGNMENT, 1);
    gl_->readBuffer(GL_BACK);
    gl_->readPixels(0, 0, width, height, GL_RGBA, GL_UNSIGNED_BYTE, pixels.data());

    // GL rows run bottom-up; PNG rows top-down. Alpha is forced opaque.
    std::vector<unsigned char> flipped(pixels.size());
    for (int y = 0; y < height; ++y) {
        const unsigned char* src = pixels.data() + static_cast<size_t>(height - 1 - y) * row;
        unsigned char* dst = flipped.data() + static_cast<size_t>(y) * row;
        std::copy(src, src + row, dst);
        for (size_t x = 3; x < row; x += 4) dst[x] = 255;
    }
    if (!stbi_write_png(path.c_str(), width, height, 4, flipped.data(), static_cast<int>(row))) {
        std::fprintf(stderr, "cannot write screenshot %s\n", path.c_str());
        return false;
    }
    return true;
}

}  // namespace ui
