#pragma once

// A small widget kit so panels do not repeat the same few ImGui calls.

#include <imgui.h>

namespace ui {

enum class Status { Ok, Warn, Error, Idle };

// n times the current font size: every size in a panel goes through this, so HiDPI just works.
float em(float n);

ImVec4 StatusColor(Status status);

// Secondary text (labels, hints).
void TextMuted(const char* text);

// A coloured dot followed by a label, on one text line.
void StatusDot(Status status, const char* label);

// A small rotating arc, one text line high; keeps frames coming while it is drawn.
void Spinner();

// A button that is greyed out and returns false while !enabled.
bool ButtonDisablable(const char* label, bool enabled);

void TooltipIfHovered(const char* text);

}  // namespace ui
