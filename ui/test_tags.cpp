#include "ui/test_tags.hpp"

#include <imgui_internal.h>  // the current window and its ClipRect: 1.86 has no public call for them

#include <algorithm>
#include <unordered_map>

namespace ui {

namespace {

std::unordered_map<std::string, TaggedRect>& tags() {
    static std::unordered_map<std::string, TaggedRect> map;
    return map;
}

void record(const std::string& tag, ImVec2 min, ImVec2 max) {
    const ImGuiWindow* window = ImGui::GetCurrentWindowRead();
    // The clip rect in force (a table column's, within the window's): what of the item can show.
    const ImRect visible = window->ClipRect;
    tags()[tag] = TaggedRect{min, max, visible.Min, visible.Max, window->ID, ImGui::GetFrameCount()};
}

}  // namespace

void TagLastItem(const std::string& tag) {
    record(tag, ImGui::GetItemRectMin(), ImGui::GetItemRectMax());
}

void TagRect(const std::string& tag, ImVec2 min, ImVec2 max) {
    record(tag, min, max);
}

const TaggedRect* FindTag(const std::string& tag) {
    auto it = tags().find(tag);
    // Drawn in the frame just finished (the driver asks between frames) or the current one.
    if (it == tags().end() || it->second.frame < ImGui::GetFrameCount() - 1) return nullptr;
    return &it->second;
}

std::vector<std::string> DrawnTags() {
    std::vector<std::string> names;
    for (const auto& [name, rect] : tags())
        if (rect.frame >= ImGui::GetFrameCount() - 1) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace ui
