#include "ui/log_panel.hpp"

#include <imgui.h>

#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

const char* LevelName(app::LogEntry::Level level) {
    switch (level) {
        case app::LogEntry::Level::Warning:
            return "warn ";
        case app::LogEntry::Level::Error:
            return "error";
        case app::LogEntry::Level::Info:
            break;
    }
    return "info ";
}

ImVec4 LevelColor(app::LogEntry::Level level) {
    switch (level) {
        case app::LogEntry::Level::Warning:
            return StatusColor(Status::Warn);
        case app::LogEntry::Level::Error:
            return StatusColor(Status::Error);
        case app::LogEntry::Level::Info:
            break;
    }
    return ImGui::GetStyleColorVec4(ImGuiCol_Text);
}

}  // namespace

std::string LogText(const app::WorkbenchState& state) {
    std::string text;
    for (const app::LogEntry& e : state.log) text += e.time + " " + LevelName(e.level) + " " + e.text + "\n";
    return text;
}

void DrawLogPanel(app::Workbench& wb, UiContext& ctx) {
    const auto& log = wb.state().log;
    ImGui::BeginChild("##log", ImVec2(0.0f, 0.0f), true, ImGuiWindowFlags_HorizontalScrollbar);
    TagLastItem("log.lines");
    size_t& lastCount = ctx.window().log.lastCount;
    const bool atBottom = ImGui::GetScrollY() >= ImGui::GetScrollMaxY() - 1.0f;
    if (ctx.mono != nullptr) ImGui::PushFont(ctx.mono);
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(log.size()));
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const app::LogEntry& e = log[static_cast<size_t>(i)];
            TextMuted(e.time.c_str());
            ImGui::SameLine();
            ImGui::TextColored(LevelColor(e.level), "%s", LevelName(e.level));
            ImGui::SameLine();
            ImGui::PushStyleColor(ImGuiCol_Text, LevelColor(e.level));
            ImGui::TextUnformatted(e.text.c_str());
            ImGui::PopStyleColor();
        }
    }
    if (ctx.mono != nullptr) ImGui::PopFont();
    if (log.size() != lastCount && atBottom) ImGui::SetScrollHereY(1.0f);
    lastCount = log.size();
    ImGui::EndChild();
}

void DrawLogCopyButton(app::Workbench& wb, UiContext& ctx) {
    const std::string label = "Copy all (" + std::to_string(wb.state().log.size()) + ")";
    AlignRight(ButtonWidth(label.c_str()) - ImGui::GetStyle().FramePadding.x);
    if (ImGui::SmallButton(label.c_str())) ctx.setClipboard(LogText(wb.state()));
    TagLastItem("log.copy");
    TooltipIfHovered("Copy the whole session log to the clipboard");
}

}  // namespace ui
