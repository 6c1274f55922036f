#include "ui/search_panel.hpp"

#include <imgui.h>

#include <GLFW/glfw3.h>

#include "ui/hierarchy_panel.hpp"
#include "ui/compare_panel.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

constexpr const char* kQueryHint = "search runs: hp.model = 'lgbm' and features has 'rsi_14'";

bool EscapePressed() {
    return ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_Escape), false);
}

void DrawHistory(app::Workbench& wb, SearchPanelState& panel) {
    const auto& history = wb.state().search.history;
    if (ImGui::ArrowButton("##history", ImGuiDir_Down)) ImGui::OpenPopup("search_history");
    TagLastItem("search.history");
    TooltipIfHovered("recent queries");
    if (!ImGui::BeginPopup("search_history")) return;
    IncludeWindowInTextSnapshot();
    if (history.empty()) TextMuted("no query ran yet");
    for (size_t i = 0; i < history.size(); ++i) {
        if (ImGui::Selectable((history[i] + "##h" + std::to_string(i)).c_str())) {
            panel.text = history[i];
            wb.search().run(panel.text);
        }
    }
    ImGui::EndPopup();
}

void ResultsHeader(app::Workbench& wb, UiContext& ctx) {
    const app::SearchState& s = wb.state().search;
    std::string count = std::to_string(s.rows.size()) + (s.next               ? "+ runs"
                                                         : s.rows.size() == 1 ? " run"
                                                                              : " runs");
    ImGui::AlignTextToFramePadding();
    TextMuted(count.c_str());
    ImGui::SameLine();
    if (ButtonDisablable("Copy as CSV", !s.rows.empty())) {
        ctx.setClipboard(wb.search().resultsCsv());
        wb.log(app::LogEntry::Level::Info, "copied " + std::to_string(s.rows.size()) + " result(s) as CSV");
    }
    TagLastItem("search.copy_csv");
    ImGui::SameLine();
    if (ImGui::Button("Close (Esc)")) {
        wb.search().clear();
        ctx.window().search.text.clear();
    }
    TagLastItem("search.close");
    if (s.request.running()) {
        ImGui::SameLine();
        RequestProgress(wb, "searching\xE2\x80\xA6", s.request, ctx, "search.cancel");
    } else if (s.request.phase == app::RequestPhase::Failed) {
        FailureLine(s.request, "the search failed");
    }
}

}  // namespace

void DrawSearchBar(app::Workbench& wb, UiContext& ctx) {
    SearchPanelState& panel = ctx.window().search;
    const app::SearchState& s = wb.state().search;
    const float arrow = ImGui::GetFrameHeight() + ImGui::GetStyle().ItemSpacing.x;
    const bool enter =
        TextField("##search", panel.text, "search.query", ImGui::GetContentRegionAvail().x - arrow,
                  kQueryHint, ImGuiInputTextFlags_EnterReturnsTrue);
    // Esc in the field (ImGui gives up the focus on it) or anywhere while results show: back to the tree.
    const bool escape =
        EscapePressed() && (ImGui::IsItemDeactivated() || (s.active && !ImGui::GetIO().WantTextInput));
    if (enter) {
        if (panel.text.empty())
            wb.search().clear();
        else
            wb.search().run(panel.text);
    }
    if (escape) {
        wb.search().clear();
        panel.text.clear();
    }
    ImGui::SameLine();
    DrawHistory(wb, panel);
    if (s.error) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(StatusColor(Status::Error), "%s", s.error->text().c_str());
        ImGui::PopTextWrapPos();
        TagLastItem("search.error");
    }
}

void DrawSearchResults(app::Workbench& wb, UiContext& ctx) {
    const app::SearchState& s = wb.state().search;
    ResultsHeader(wb, ctx);
    if (s.error) return;
    DrawMarkedLine(wb, "search.compare");
    const int columns = 4 + static_cast<int>(s.fields.size());
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY | ImGuiTableFlags_ScrollX |
                                  ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_Resizable |
                                  ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("##search_results", columns, flags)) return;
    TagLastItem("search.results");
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("dataset");
    ImGui::TableSetupColumn("measurement");
    ImGui::TableSetupColumn("status");
    ImGui::TableSetupColumn("created");
    for (const auto& field : s.fields) ImGui::TableSetupColumn(field.c_str());
    ImGui::TableHeadersRow();
    // Only the rows on screen are drawn, whatever was loaded; the last one on screen asks for more.
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(s.rows.size()));
    bool lastShown = false;
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const db::search::SearchRow& row = s.rows[static_cast<size_t>(i)];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            const bool selected = wb.state().selection.runId == row.runId || wb.compare().isMarked(row.runId);
            ImGui::PushID(i);
            if (ImGui::Selectable(row.datasetSlug.c_str(), selected, ImGuiSelectableFlags_SpanAllColumns)) {
                wb.search().open(static_cast<size_t>(i));
                MarkOnClick(wb, ctx, row.runId, [&s] {
                    std::vector<std::string> ids;
                    for (const auto& listed : s.rows) ids.push_back(listed.runId);
                    return ids;
                });
            }
            TagLastItem("search.row." + std::to_string(i));
            RunContextMenu(wb, ctx, row.runId);
            ImGui::PopID();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(row.measurement.c_str());
            ImGui::TableNextColumn();
            ImGui::TextColored(RunStatusColor(row.status), "%s", row.status.c_str());
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", ShortTimestamp(row.createdAt).c_str());
            for (const auto& value : row.fieldValues) {
                ImGui::TableNextColumn();
                if (value)
                    ImGui::TextUnformatted(value->c_str());
                else
                    ImGui::TextDisabled("\xE2\x80\x94");
            }
            lastShown = lastShown || i + 1 == static_cast<int>(s.rows.size());
        }
    }
    ImGui::EndTable();
    if (s.rows.empty() && !s.request.running() && s.request.phase == app::RequestPhase::Done)
        TextMuted("No run matches.");
    if (lastShown && s.next && !s.request.running()) wb.search().loadMore();
}

void OpenJumpBox(UiContext& ctx) {
    ctx.window().search.openJump = true;
}

void DrawJumpBox(app::Workbench& wb, UiContext& ctx) {
    SearchPanelState& panel = ctx.window().search;
    if (panel.openJump) {
        ImGui::OpenPopup("jump_to");
        panel.openJump = false;
        wb.search().jump("");  // the last lookup's outcome is not this one's
    }
    if (!ImGui::BeginPopup("jump_to")) return;
    IncludeWindowInTextSnapshot();
    TextMuted("Jump to a run_id, simulation_id, dataset_id, slug, measurement or namespace");
    if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
    const bool enter = TextField("##jump", panel.jumpText, "jump.text", ImGui::CalcTextSize("0").x * 48.0f,
                                 nullptr, ImGuiInputTextFlags_EnterReturnsTrue);
    if (enter) wb.search().jump(panel.jumpText);
    const app::SearchState& s = wb.state().search;
    if (s.jumpRequest.running()) {
        RequestProgress(wb, "looking it up\xE2\x80\xA6", s.jumpRequest, ctx, "jump.cancel");
    } else if (s.jumpRequest.phase == app::RequestPhase::Done && !s.jumpText.empty()) {
        if (s.jumpMatches.empty()) TextMuted(("nothing is called '" + s.jumpText + "'").c_str());
        if (s.jumpMatches.size() == 1) ImGui::CloseCurrentPopup();  // revealed in the tree
        for (size_t i = 0; i < s.jumpMatches.size() && s.jumpMatches.size() > 1; ++i) {
            const db::search::FindMatch& m = s.jumpMatches[i];
            const std::string label =
                std::string(db::search::matchKindName(m.kind)) + "  " + m.label + "  (" + m.id + ")";
            if (ImGui::Selectable(label.c_str())) {
                wb.search().reveal(m);
                ImGui::CloseCurrentPopup();
            }
            TagLastItem("jump.match." + std::to_string(i));
        }
    } else if (s.jumpRequest.phase == app::RequestPhase::Failed) {
        FailureLine(s.jumpRequest, "the lookup failed");
    }
    if (EscapePressed()) ImGui::CloseCurrentPopup();
    ImGui::EndPopup();
}

}  // namespace ui
