#include "ui/diagnosis_card.hpp"

#include <imgui.h>

#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"

namespace ui {

namespace {

std::string Trimmed(const std::string& text) {
    size_t end = text.size();
    while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == '\r')) --end;
    return text.substr(0, end);
}

}  // namespace

void DrawDiagnosisCard(const app::Diagnosis& d, UiContext& ctx, float height) {
    ImGui::PushID("diagnosis");
    const ImVec4 red = StatusColor(Status::Error);
    ImGui::PushStyleColor(ImGuiCol_ChildBg, ImVec4(0.16f, 0.10f, 0.11f, 1.0f));
    ImGui::PushStyleColor(ImGuiCol_Border, ImVec4(red.x, red.y, red.z, 0.55f));
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(em(0.8f), em(0.6f)));
    ImGui::PushStyleVar(ImGuiStyleVar_ChildBorderSize, 1.0f);
    // A child, so long fixes scroll inside the card instead of pushing the layout around.
    ImGui::BeginChild("##card", ImVec2(0.0f, height > 0.0f ? height : ImGui::GetContentRegionAvail().y),
                      true);

    TextMuted(std::string(app::kindName(d.kind)).c_str());
    TextStrong(d.title, red);
    TagLastItem("diagnosis.title");
    ImGui::Spacing();
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(DrawableText(d.explanation).c_str());
    ImGui::PopTextWrapPos();

    for (size_t i = 0; i < d.fixes.size(); ++i) {
        const app::Fix& fix = d.fixes[i];
        const std::string n = std::to_string(i);
        ImGui::PushID(static_cast<int>(i));
        ImGui::Dummy(ImVec2(0.0f, em(0.3f)));
        ImGui::AlignTextToFramePadding();
        ImGui::Text("%zu.", i + 1);
        ImGui::SameLine();
        ImGui::PushTextWrapPos(ImGui::GetContentRegionMax().x - ButtonWidth("Copy") - em(0.6f));
        ImGui::TextUnformatted(fix.label.c_str());
        ImGui::PopTextWrapPos();
        AlignRight(ButtonWidth("Copy"));
        CopyButton("Copy", fix.text, ctx, "diagnosis.fix." + n + ".copy");
        TooltipIfHovered("Copy this exactly to the clipboard");
        MonoBox("##fix", fix.text, ctx, "diagnosis.fix." + n + ".text");
        ImGui::PopID();
    }

    if (!d.raw.empty()) {
        ImGui::Dummy(ImVec2(0.0f, em(0.3f)));
        if (ImGui::TreeNodeEx("Server said", ImGuiTreeNodeFlags_SpanAvailWidth)) {
            TagLastItem("diagnosis.raw.toggle");
            MonoBox("##raw", Trimmed(d.raw), ctx, "diagnosis.raw", 10);
            ImGui::TreePop();
        } else {
            TagLastItem("diagnosis.raw.toggle");
        }
    }
    ImGui::EndChild();
    ImGui::PopStyleVar(2);
    ImGui::PopStyleColor(2);
    ImGui::PopID();
}

}  // namespace ui
