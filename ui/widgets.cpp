#include "ui/widgets.hpp"

#include "ui/window_state.hpp"

#include <imgui_stdlib.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <unordered_map>

#include "ui/test_tags.hpp"
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

bool TextField(const char* id, std::string& value, const std::string& tag, float width, const char* hint,
               ImGuiInputTextFlags flags) {
    ImGui::SetNextItemWidth(width > 0.0f ? width : -FLT_MIN);
    const bool edited = hint != nullptr ? ImGui::InputTextWithHint(id, hint, &value, flags)
                                        : ImGui::InputText(id, &value, flags);
    if (!tag.empty()) TagLastItem(tag);
    return edited;
}

double RunningSeconds(db::RequestId id, UiContext& ctx) {
    auto& started = ctx.window().requestStarted;
    if (started.size() > 256) started.clear();  // ids of finished requests are never asked again
    auto it = started.try_emplace(id, ctx.now).first;
    return std::max(0.0, ctx.now - it->second);
}

double RunningSeconds(const app::RequestStatus& request, UiContext& ctx) {
    return request.running() ? RunningSeconds(request.id, ctx) : 0.0;
}

std::string FormatDuration(double ms) {
    char text[32];
    if (ms < 1000.0)
        std::snprintf(text, sizeof text, ms < 10.0 ? "%.1f ms" : "%.0f ms", ms);
    else
        std::snprintf(text, sizeof text, ms < 10000.0 ? "%.1f s" : "%.0f s", ms / 1000.0);
    return text;
}

void RunningLine(const std::string& label, db::RequestId id, UiContext& ctx) {
    Spinner();
    ImGui::SameLine(0.0f, em(0.4f));
    ImGui::TextUnformatted(label.c_str());
    ImGui::SameLine(0.0f, em(0.5f));
    TextMuted(FormatDuration(RunningSeconds(id, ctx) * 1000.0).c_str());
}

void RunningLine(const std::string& label, const app::RequestStatus& request, UiContext& ctx) {
    RunningLine(label, request.id, ctx);
}

void RequestProgress(app::Workbench& wb, const std::string& label, const app::RequestStatus& request,
                     UiContext& ctx, const std::string& cancelTag) {
    if (ImGui::SmallButton(("Cancel##" + cancelTag).c_str())) wb.cancel(request);
    TagLastItem(cancelTag);
    ImGui::SameLine(0.0f, em(0.6f));
    RunningLine(label, request, ctx);
}

void FailureLine(const app::RequestStatus& request, const char* fallback) {
    const app::Diagnosis* d = request.failure ? &*request.failure : nullptr;
    ImGui::TextColored(StatusColor(Status::Error), "%s", d ? d->title.c_str() : fallback);
    if (d == nullptr) return;
    if (!d->explanation.empty()) TooltipIfHovered(d->explanation.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("(%s)", std::string(app::kindName(d->kind)).c_str());
}

std::string DrawableText(const std::string& text) {
    if (text.size() <= kMaxDrawnChars) return text;
    size_t cut = kMaxDrawnChars;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
        --cut;  // not inside a UTF-8 character
    return text.substr(0, cut) + "\xE2\x80\xA6 (" + std::to_string(text.size() - cut) +
           " more characters not shown; Copy gives all)";
}

void MonoBox(const char* id, const std::string& text, const UiContext& ctx, const std::string& tag,
             int maxLines) {
    const ImGuiStyle& style = ImGui::GetStyle();
    const ImVec2 padding(em(0.6f), em(0.4f));
    if (ctx.mono != nullptr) ImGui::PushFont(ctx.mono);
    const float wrap = ImGui::GetContentRegionAvail().x - padding.x * 2.0f - style.ScrollbarSize;
    const float textHeight =
        ImGui::CalcTextSize(text.c_str(), text.c_str() + std::min(text.size(), kMaxDrawnChars), false, wrap)
            .y;
    const float height = std::min(textHeight, ImGui::GetTextLineHeight() * static_cast<float>(maxLines));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, padding);
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.06f, 0.065f, 0.075f, 1.0f));
    ImGui::BeginChild(id, ImVec2(0.0f, height + padding.y * 2.0f + 2.0f), true);
    const std::string drawn = DrawableText(text);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(drawn.c_str(), drawn.c_str() + drawn.size());
    ImGui::PopTextWrapPos();
    ImGui::EndChild();
    ImGui::PopStyleColor();
    ImGui::PopStyleVar();
    if (ctx.mono != nullptr) ImGui::PopFont();
    if (!tag.empty()) TagLastItem(tag);
}

bool CopyButton(const char* label, const std::string& text, UiContext& ctx, const std::string& tag) {
    return CopyButton(
        label, [&text] { return text; }, ctx, tag);
}

bool CopyButton(const char* label, const std::function<std::string()>& text, UiContext& ctx,
                const std::string& tag) {
    const bool clicked = ImGui::SmallButton(label);
    if (!tag.empty()) TagLastItem(tag);
    if (clicked) ctx.setClipboard(text());
    return clicked;
}

void TextStrong(const std::string& text, const ImVec4& color) {
    ImGui::PushStyleColor(ImGuiCol_Text, color);
    ImGui::TextUnformatted(text.c_str());
    ImGui::PopStyleColor();
    const ImVec2 pos = ImGui::GetItemRectMin();  // after AlignTextToFramePadding's offset
    ImGui::GetWindowDrawList()->AddText(ImVec2(pos.x + 1.0f, pos.y), ImGui::GetColorU32(color), text.c_str());
}

void Heading(const char* text) {
    ImGui::PushStyleColor(ImGuiCol_Text, ImVec4(0.62f, 0.78f, 1.00f, 1.0f));
    ImGui::TextUnformatted(text);
    ImGui::PopStyleColor();
}

void Splitter(const char* id, bool vertical, float thickness, float& size, float minSize, float maxSize) {
    const ImVec2 avail = ImGui::GetContentRegionAvail();
    const ImVec2 barSize = vertical ? ImVec2(thickness, avail.y) : ImVec2(avail.x, thickness);
    ImGui::InvisibleButton(id, barSize);
    const bool active = ImGui::IsItemActive();
    const bool hovered = ImGui::IsItemHovered();
    if (active) size += vertical ? ImGui::GetIO().MouseDelta.x : ImGui::GetIO().MouseDelta.y;
    size = std::clamp(size, minSize, std::max(minSize, maxSize));
    if (active || hovered)
        ImGui::SetMouseCursor(vertical ? ImGuiMouseCursor_ResizeEW : ImGuiMouseCursor_ResizeNS);
    const ImVec2 min = ImGui::GetItemRectMin(), max = ImGui::GetItemRectMax();
    const ImU32 color = ImGui::GetColorU32(active    ? ImGuiCol_SeparatorActive
                                           : hovered ? ImGuiCol_SeparatorHovered
                                                     : ImGuiCol_Separator);
    ImDrawList* draw = ImGui::GetWindowDrawList();
    if (vertical) {
        const float x = (min.x + max.x) * 0.5f;
        draw->AddLine(ImVec2(x, min.y), ImVec2(x, max.y), color, active || hovered ? 2.0f : 1.0f);
    } else {
        const float y = (min.y + max.y) * 0.5f;
        draw->AddLine(ImVec2(min.x, y), ImVec2(max.x, y), color, active || hovered ? 2.0f : 1.0f);
    }
}

void AlignRight(float width) {
    ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - width));
}

float ButtonWidth(const char* label) {
    return ImGui::CalcTextSize(label, nullptr, true).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

}  // namespace ui
