// Tags for the UI driver: a panel calls TagLastItem("connect.button") after a widget it wants
// tests to reach; the driver then clicks or types at the rectangle recorded this frame. Debian's
// imgui 1.86 has no test engine, so this is ours. Recording is a map insert per tagged widget.
#pragma once

#include <imgui.h>

#include <string>
#include <vector>

namespace ui {

struct TaggedRect {
    ImVec2 min, max;
    int frame = -1;  // ImGui::GetFrameCount() when it was last drawn
    ImVec2 center() const { return ImVec2((min.x + max.x) * 0.5f, (min.y + max.y) * 0.5f); }
};

// Records the rectangle of the last submitted item (after Button, InputText, Selectable...).
void TagLastItem(const std::string& tag);
// The rectangle drawn in the latest frame, or nullptr when the tag was not drawn then.
const TaggedRect* FindTag(const std::string& tag);
// Every tag FindTag would find now, sorted (for the driver's "no such tag" message).
std::vector<std::string> DrawnTags();

}  // namespace ui
