// Tags for the UI driver: a panel calls TagLastItem("connect.button") after a widget it wants
// tests to reach; the driver then clicks or types at the rectangle recorded this frame. Debian's
// imgui 1.86 has no test engine, so this is ours. Recording is a map insert per tagged widget.
#pragma once

#include <imgui.h>

#include <algorithm>
#include <string>
#include <vector>

namespace ui {

struct TaggedRect {
    ImVec2 min, max;
    // The clip rect it was drawn under (its window's visible part, or a table column's within it):
    // an item outside it is scrolled away or cut off, and a person would scroll to it first.
    ImVec2 visibleMin, visibleMax;
    ImGuiID window = 0;  // the window it was drawn in (ImGuiWindow::ID), for scrolling it into view
    int frame = -1;      // ImGui::GetFrameCount() when it was last drawn
    ImVec2 center() const { return ImVec2((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f); }
    // Where a person would point at it: the middle of its part on screen, when enough of it shows
    // (a few pixels each way, or all of a smaller item); false when it is scrolled away.
    bool pointOnScreen(ImVec2& point) const {
        constexpr float kEnough = 6.0f;
        const ImVec2 lo(std::max(min.x, visibleMin.x), std::max(min.y, visibleMin.y));
        const ImVec2 hi(std::min(max.x, visibleMax.x), std::min(max.y, visibleMax.y));
        if (hi.x - lo.x < std::min(kEnough, max.x - min.x) ||
            hi.y - lo.y < std::min(kEnough, max.y - min.y) || hi.x <= lo.x || hi.y <= lo.y)
            return false;
        point = ImVec2((lo.x + hi.x) * 0.5f, (lo.y + hi.y) * 0.5f);
        return true;
    }
};

// Records the rectangle of the last submitted item (after Button, InputText, Selectable...).
void TagLastItem(const std::string& tag);
// A part of an item drawn with the draw list (a timeline lane): hovering it hovers the item.
void TagRect(const std::string& tag, ImVec2 min, ImVec2 max);
// The rectangle drawn in the latest frame, or nullptr when the tag was not drawn then.
const TaggedRect* FindTag(const std::string& tag);
// Every tag FindTag would find now, sorted (for the driver's "no such tag" message).
std::vector<std::string> DrawnTags();

}  // namespace ui
