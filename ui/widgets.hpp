// The one widget kit, so panels do not repeat the same few ImGui calls: sizes, status colours and
// dots, spinners and request timers, text fields on std::string, copyable mono boxes, splitters.
// Each widget tags what tests reach, so a panel stays one call per widget.
#pragma once

#include <imgui.h>

#include <functional>
#include <string>

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

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

// A single-line text field on a std::string, tagged; width <= 0 fills the line. True when edited.
bool TextField(const char* id, std::string& value, const std::string& tag, float width = 0.0f,
               const char* hint = nullptr, ImGuiInputTextFlags flags = 0);

// Seconds a request has been running, measured on the UI clock from the first frame that saw it
// running (the Workbench only stamps the duration at the end); 0 when it is not running.
double RunningSeconds(const app::RequestStatus& request, UiContext& ctx);
double RunningSeconds(db::RequestId id, UiContext& ctx);

// "850 ms", "3.4 s", "12 s".
std::string FormatDuration(double ms);

// Spinner, label and elapsed time on one line.
void RunningLine(const std::string& label, const app::RequestStatus& request, UiContext& ctx);
void RunningLine(const std::string& label, db::RequestId id, UiContext& ctx);

// The block every panel shows while its request runs: spinner, label, elapsed time and a Cancel
// button (tagged `cancelTag`). Cancel comes first: the timer after it changes width, and a button
// must not move under the mouse.
void RequestProgress(app::Workbench& wb, const std::string& label, const app::RequestStatus& request,
                     UiContext& ctx, const std::string& cancelTag);

// A failed request: its diagnosis title in red, the kind muted after it, the explanation as a
// tooltip; `fallback` when there is no diagnosis.
void FailureLine(const app::RequestStatus& request, const char* fallback);

// Debian's imgui 1.86 indexes vertices in 16 bits and puts one wrapped text item in one batch: past
// ~16,000 glyphs it aborts (AddDrawListToDrawData's assert). Text of unbounded size (a server's
// failing row, thousands of feature names) goes through this before it is drawn: its first
// kMaxDrawnChars, cut at a character boundary, and how much was left out. Copy still gives it all.
constexpr size_t kMaxDrawnChars = 8000;
std::string DrawableText(const std::string& text);

// Text in the mono font inside a framed box as wide as the line (wrapped, at most maxLines tall,
// then it scrolls). The box is tagged `tag` when not empty.
void MonoBox(const char* id, const std::string& text, const UiContext& ctx, const std::string& tag = "",
             int maxLines = 8);

// A small button that puts `text` on the clipboard exactly; tagged.
bool CopyButton(const char* label, const std::string& text, UiContext& ctx, const std::string& tag);
// The same for text that costs something to build (a table as TSV): built only when clicked.
bool CopyButton(const char* label, const std::function<std::string()>& text, UiContext& ctx,
                const std::string& tag);

// Coloured text drawn twice a pixel apart: a bold face without loading another font.
void TextStrong(const std::string& text, const ImVec4& color);

// Small accent heading.
void Heading(const char* text);

// A draggable bar between two areas. vertical: the bar stands upright and drags left/right.
// `size` is the first area's size in pixels; it is kept within [minSize, maxSize].
void Splitter(const char* id, bool vertical, float thickness, float& size, float minSize, float maxSize);

// Right-aligns the next item of `width` on the current line.
void AlignRight(float width);
float ButtonWidth(const char* label);

}  // namespace ui
