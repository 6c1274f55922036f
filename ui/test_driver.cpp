#include "ui/test_driver.hpp"

#include <cfloat>
#include <chrono>
#include <stdexcept>

#include <GLFW/glfw3.h>
#include <imgui_internal.h>  // ScrollToRect: 1.86 has no public call to scroll to an item

#include "ui/test_tags.hpp"

namespace ui {

namespace {

using Clock = std::chrono::steady_clock;

double msSince(Clock::time_point start) {
    return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

}  // namespace

UiDriver::UiDriver(WindowShell& shell, DrawFn draw)
    : shell_(shell), draw_(std::move(draw)), mouse_(-FLT_MAX, -FLT_MAX) {}

void UiDriver::inject(ImGuiIO& io) {
    io.MousePos = mouse_;
    for (bool& down : io.MouseDown) down = false;
    io.MouseDown[button_] = mouseDown_;
    io.MouseWheel = wheel_;
    wheel_ = 0;
    // Only the keys the driver touched: nothing else ever changes them under Xvfb.
    for (int key : keysTouched_) io.KeysDown[key] = keysDown_.count(key) > 0;
    io.KeyCtrl = ctrl_;
    io.KeyShift = shift_;
    io.KeyAlt = io.KeySuper = false;
    if (!chars_.empty()) io.AddInputCharactersUTF8(chars_.c_str());
    chars_.clear();
}

void UiDriver::step(bool captureText) {
    shell_.setTextCapture(captureText);
    double drawMs = 0;
    const auto started = Clock::now();
    const bool ok = shell_.stepFrame(
        [&] {
            const auto drawStarted = Clock::now();
            draw_();
            drawMs = msSince(drawStarted);
        },
        [this](ImGuiIO& io) { inject(io); });
    shell_.setTextCapture(false);
    lastFrameMs_ = msSince(started);
    lastDrawMs_ = drawMs;
    if (lastFrameMs_ > worstFrameMs_) worstFrameMs_ = lastFrameMs_;
    if (drawMs > worstDrawMs_) worstDrawMs_ = drawMs;
    ++frameCount_;
    if (!ok) throw std::runtime_error("UiDriver: the frame could not be rendered or captured");
}

void UiDriver::frame() {
    step(false);
}

void UiDriver::frames(int count) {
    for (int i = 0; i < count; ++i) frame();
}

bool UiDriver::runUntil(const std::function<bool()>& done, double timeoutSeconds) {
    const auto started = Clock::now();
    while (!done()) {
        if (msSince(started) > timeoutSeconds * 1000.0) return false;
        frame();
    }
    return true;
}

ImVec2 UiDriver::pointAt(const std::string& tag) {
    for (int attempt = 0; attempt < 2; ++attempt) {
        const TaggedRect* rect = FindTag(tag);
        if (rect == nullptr || rect->frame != ImGui::GetFrameCount()) {
            std::string known;
            for (const std::string& name : DrawnTags()) known += "\n  " + name;
            throw std::runtime_error("UiDriver: tag '" + tag + "' was not drawn in the last frame; drawn:" +
                                     (known.empty() ? std::string(" (none)") : known));
        }
        ImVec2 point;
        if (rect->pointOnScreen(point)) return point;
        // Scrolled away: scroll its window (and the windows around it) to it, as ImGui's own test
        // engine does before a click. A wheel over the panel would turn whatever child table lies
        // under the mouse instead.
        ImGuiWindow* window = ImGui::FindWindowByID(rect->window);
        if (window == nullptr) break;
        ImGui::ScrollToRect(window, ImRect(rect->min, rect->max));
        frame();  // the scroll applies
        frame();  // the tag is recorded where it put it
    }
    throw std::runtime_error("UiDriver: tag '" + tag + "' is drawn but could not be scrolled into view");
}

bool UiDriver::drawn(const std::string& tag) const {
    const TaggedRect* rect = FindTag(tag);
    return rect != nullptr && rect->frame == ImGui::GetFrameCount();
}

void UiDriver::hover(const std::string& tag) {
    mouse_ = pointAt(tag);
    frame();
}

void UiDriver::click(const std::string& tag) {
    mouse_ = pointAt(tag);
    frame();  // hover: ImGui sees the mouse over the item first, as with a real pointer
    if (drawn(tag)) mouse_ = pointAt(tag);
    mouseDown_ = true;
    frame();
    mouseDown_ = false;
    frame();
    frame();
}

void UiDriver::click(const std::string& tag, bool ctrl, bool shift) {
    ctrl_ = ctrl;
    shift_ = shift;
    click(tag);
    ctrl_ = shift_ = false;
}

void UiDriver::rightClick(const std::string& tag) {
    button_ = ImGuiMouseButton_Right;
    click(tag);
    button_ = ImGuiMouseButton_Left;
}

void UiDriver::doubleClick(const std::string& tag) {
    mouse_ = pointAt(tag);
    frame();
    for (int i = 0; i < 2; ++i) {
        mouseDown_ = true;
        frame();
        mouseDown_ = false;
        frame();
    }
    frame();
}

void UiDriver::scroll(const std::string& tag, float wheel) {
    mouse_ = pointAt(tag);
    frame();
    wheel_ = wheel;
    frame();
    frame();
}

void UiDriver::moveMouseAway() {
    mouse_ = ImVec2(-FLT_MAX, -FLT_MAX);
    frame();
}

void UiDriver::type(const std::string& utf8) {
    chars_ += utf8;
    frame();
    frame();
}

void UiDriver::press(int key, bool ctrl, bool shift) {
    if (key >= 0 && key < ImGuiKey_COUNT) key = ImGui::GetIO().KeyMap[key];
    if (key < 0 || key >= static_cast<int>(IM_ARRAYSIZE(ImGui::GetIO().KeysDown)))
        throw std::runtime_error("UiDriver: no such key " + std::to_string(key));
    const int ctrlKey = GLFW_KEY_LEFT_CONTROL, shiftKey = GLFW_KEY_LEFT_SHIFT;
    keysTouched_.insert({key, ctrlKey, shiftKey});
    ctrl_ = ctrl;
    shift_ = shift;
    if (ctrl) keysDown_.insert(ctrlKey);
    if (shift) keysDown_.insert(shiftKey);
    keysDown_.insert(key);
    frame();
    keysDown_.clear();
    ctrl_ = shift_ = false;
    frame();
    frame();
}

void UiDriver::fill(const std::string& tag, const std::string& text) {
    click(tag);
    press(ImGuiKey_A, true);
    type(text);
    press(ImGuiKey_Enter);
}

std::string UiDriver::snapshot() {
    step(true);
    return shell_.captureText();
}

bool UiDriver::screenshot(const std::string& path) {
    return shell_.writeScreenshot(path);
}

void UiDriver::resetStats() {
    lastFrameMs_ = worstFrameMs_ = lastDrawMs_ = worstDrawMs_ = 0;
    frameCount_ = 0;
}

}  // namespace ui
