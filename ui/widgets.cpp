#include "ui/widgets.hpp"

#include <algorithm>

#include "ui/window_shell.hpp"

namespace ui {

float em(float n) {
    return n * ImGui::GetFontSize();
}

ImVec4 StatusColor(Status status) {
    switch (status) {
        case Status::Ok:
            return ImVec4(0.30f, 0.78f, 0.47f, 1.0f);
        case Status::Warn:
            return ImVec4(0.96f, 0.70f, 0.26f, 1.0f);
        case Status::Error:
            return ImVec4(0.94f, 0.36f, 0.36f, 1.0f);
        case Status::Idle:
            break;
    }
    return ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled);
}

void TextMuted(const char* text) {
    ImGui::TextDisabled("%s", text);
}

void StatusDot(Status status, const char* label) {
    const float line = ImGui::GetTextLineHeight();
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const ImVec2 center(pos.x + line * 0.5f, pos.y + line * 0.5f);
    ImGui::GetWindowDrawList()->AddCircleFilled(center, line * 0.28f, ImGui::GetColorU32(StatusColor(status)),
                                                16);
    ImGui::Dummy(ImVec2(line, line));
    ImGui::SameLine(0.0f, em(0.3f));
    ImGui::TextUnformatted(label);
}

void Spinner() {
    RequestAnimationFrame();
    const float line = ImGui::GetTextLineHeight();
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    const ImVec2 center(pos.x + line * 0.5f, pos.y + line * 0.5f);
    const float radius = line * 0.36f;
    const float start = static_cast<float>(ImGui::GetTime()) * 6.0f;
    ImDrawList* draw = ImGui::GetWindowDrawList();
    draw->PathArcTo(center, radius, start, start + 4.2f, 24);
    draw->PathStroke(ImGui::GetColorU32(StatusColor(Status::Warn)), 0, std::max(1.5f, line * 0.12f));
    ImGui::Dummy(ImVec2(line, line));
}

bool ButtonDisablable(const char* label, bool enabled) {
    ImGui::BeginDisabled(!enabled);
    const bool clicked = ImGui::Button(label);
    ImGui::EndDisabled();
    return clicked && enabled;
}

void TooltipIfHovered(const char* text) {
    if (!ImGui::IsItemHovered(ImGuiHoveredFlags_AllowWhenDisabled)) return;
    ImGui::SetTooltip("%s", text);
    IncludeWindowInTextSnapshot();  // the tooltip's End() stopped the capture of this panel
}

}  // namespace ui
