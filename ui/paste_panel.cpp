// The paste panel. Parsing, the diff and the search for identical runs all happen in the
// Workbench (the search on the server); this only draws PasteState and forwards clicks.
#include "ui/paste_panel.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/runconfig/text_diff.hpp"
#include "ui/details_panel.hpp"
#include "ui/hierarchy_panel.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

const ImVec4 kTitleColor(0.62f, 0.78f, 1.00f, 1.0f);
constexpr const char* kEllipsis = "\xE2\x80\xA6";
constexpr size_t kShortHash = 12;
constexpr int kErrorContext = 60;   // code points shown before the error column on a long line
constexpr int kErrorLineMax = 160;  // longer lines are shown as a window around the column
constexpr int kMaxDiffLines = 16;   // taller diffs scroll inside their box
constexpr int kDiffContext = 3;     // unchanged lines shown around each change
constexpr int kMaxMatchRows = 8;

// What the panel derives from one paste, built once (the text can be up to 1 MiB).
// Byte offset after `count` code points from `from` (UTF-8 continuation bytes do not count).
size_t AdvanceCodePoints(std::string_view s, size_t from, int count) {
    size_t i = from;
    for (int n = 0; i < s.size() && n < count; ++n) {
        ++i;
        while (i < s.size() && (static_cast<unsigned char>(s[i]) & 0xC0) == 0x80) ++i;
    }
    return i;
}

// Line `number` (1-based) as the parser counts: after a leading BOM, ends at \n, \r\n or \r.
std::string_view LineAt(std::string_view text, int number) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    size_t start = 0;
    for (int line = 1; line < number; ++line) {
        const size_t end = text.find_first_of("\r\n", start);
        if (end == std::string_view::npos) return {};
        start = end + (text.compare(end, 2, "\r\n") == 0 ? 2 : 1);
    }
    const size_t end = text.find_first_of("\r\n", start);
    return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

void BuildErrorLine(PasteView& view, std::string_view text, const app::ParseError& error) {
    const std::string_view line = LineAt(text, error.line);
    const int column = std::max(1, error.column);
    size_t from = 0;
    if (static_cast<int>(AdvanceCodePoints(line, 0, kErrorLineMax)) < static_cast<int>(line.size()))
        from = AdvanceCodePoints(line, 0, std::max(0, column - 1 - kErrorContext));
    const size_t caret = AdvanceCodePoints(line, 0, column - 1);
    const size_t to = AdvanceCodePoints(line, from, kErrorLineMax);
    const std::string lead = from > 0 ? kEllipsis : "";
    view.lineText = lead + std::string(line.substr(from, to - from)) + (to < line.size() ? kEllipsis : "");
    view.caretPrefix = lead + std::string(line.substr(from, std::max(caret, from) - from));
}

void BuildView(PasteView& view, const app::PasteState& paste) {
    view = PasteView{};
    view.text = paste.text;
    view.built = true;
    if (paste.error) BuildErrorLine(view, paste.text, *paste.error);
    if (!paste.parsed) return;
    const app::RunConfig& c = paste.parsed->config;
    for (const auto& feature : c.featureColumns)
        view.features.push_back(feature.is_string() ? feature.get<std::string>() : feature.dump());
    auto table = [&](const char* title, const nlohmann::json& object) {
        PasteView::Table t{title, {}};
        for (const auto& item : object.items()) t.rows.emplace_back(item.key(), item.value().dump());
        view.tables.push_back(std::move(t));
    };
    table("hyperparameters", c.hyperparameters);
    table("walk", c.walkConfig);
    if (c.simulationParameters) table("simulation", *c.simulationParameters);
}

const PasteView& ViewOf(const app::PasteState& paste, PasteView& view) {
    if (!view.built || view.text != paste.text) BuildView(view, paste);  // a memcmp, even at 1 MiB
    return view;
}

void Heading(const char* title) {
    ImGui::Dummy(ImVec2(0.0f, em(0.3f)));
    ImGui::TextColored(kTitleColor, "%s", title);
    ImGui::Separator();
}

void MonoPush(const UiContext& ctx) {
    if (ctx.mono) ImGui::PushFont(ctx.mono);
}

void MonoPop(const UiContext& ctx) {
    if (ctx.mono) ImGui::PopFont();
}

void DrawToolbar(app::Workbench& wb, UiContext& ctx) {
    const app::PasteState& paste = wb.state().paste;
    if (ImGui::Button("Paste (Ctrl+V)")) PasteFromClipboard(wb, ctx);
    TagLastItem("paste.button");
    TooltipIfHovered(
        "check the clipboard's run config, diff it against the selected run, find identical runs");
    ImGui::SameLine();
    if (ButtonDisablable("Clear", paste.present)) wb.configs().clearPaste();
    TagLastItem("paste.clear");
    if (!paste.parsed) return;
    ImGui::SameLine();
    ConfigFormBadge(paste.parsed->form);
    ImGui::SameLine();
    ImGui::TextDisabled("sha256 %s", paste.hash.substr(0, kShortHash).c_str());
    TooltipIfHovered(("content hash (same for any form of the same config)\n" + paste.hash).c_str());
}

// The message, then the offending line with a caret under the column.
void DrawError(const app::PasteState& paste, const PasteView& view, const UiContext& ctx) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(StatusColor(Status::Error), "%s", paste.error->message().c_str());
    ImGui::PopTextWrapPos();
    TagLastItem("paste.error");
    Hint("Not a run config: nothing was sent to the server.");

    MonoPush(ctx);
    const ImGuiStyle& style = ImGui::GetStyle();
    const std::string number = std::to_string(paste.error->line) + " ";
    const float gutter = ImGui::CalcTextSize(number.c_str()).x + em(0.4f);
    const bool sideways =
        gutter + ImGui::CalcTextSize(view.lineText.c_str()).x + style.WindowPadding.x * 2.0f >
        ImGui::GetContentRegionAvail().x;
    const float height = ImGui::GetTextLineHeight() * 2.0f + style.ItemSpacing.y +
                         style.WindowPadding.y * 2.0f + (sideways ? style.ScrollbarSize : 0.0f);
    ImGui::BeginChild("##error_line", ImVec2(0.0f, height), true, ImGuiWindowFlags_HorizontalScrollbar);
    const float x0 = ImGui::GetCursorPosX();
    ImGui::TextDisabled("%s", number.c_str());
    ImGui::SameLine(x0 + gutter);
    ImGui::TextUnformatted(view.lineText.c_str());
    ImGui::SetCursorPosX(x0 + gutter + ImGui::CalcTextSize(view.caretPrefix.c_str()).x);
    ImGui::TextColored(StatusColor(Status::Error), "^");
    ImGui::EndChild();
    MonoPop(ctx);
}

// The lines to show: the diff's hunks (kDiffContext unchanged lines around each change); a
// negative entry stands for that many unchanged lines left out between them.
std::vector<int> DiffRows(const app::TextDiff& diff) {
    std::vector<int> rows;
    int shownUpTo = 0;
    for (const app::DiffHunk& hunk : app::diffHunks(diff, kDiffContext)) {
        if (hunk.begin > shownUpTo) rows.push_back(-(hunk.begin - shownUpTo));
        for (int i = hunk.begin; i < hunk.end; ++i) rows.push_back(i);
        shownUpTo = hunk.end;
    }
    const int total = static_cast<int>(diff.lines.size());
    if (total > shownUpTo && !rows.empty()) rows.push_back(-(total - shownUpTo));
    return rows;
}

void DiffLineRow(const app::DiffLine& d, float gutter, float lineHeight) {
    const bool removed = d.kind == app::DiffLine::Kind::Removed;
    const bool added = d.kind == app::DiffLine::Kind::Added;
    if (removed || added) {  // a faint band behind changed lines
        const ImVec2 pos = ImGui::GetCursorScreenPos();
        ImVec4 band = StatusColor(removed ? Status::Error : Status::Ok);
        band.w = 0.10f;
        const float right = pos.x + std::max(ImGui::GetWindowWidth(), ImGui::GetContentRegionMax().x);
        ImGui::GetWindowDrawList()->AddRectFilled(pos, ImVec2(right, pos.y + lineHeight),
                                                  ImGui::GetColorU32(band));
    }
    const float x0 = ImGui::GetCursorPosX();
    std::string numbers = d.oldLine ? std::to_string(d.oldLine) : "";
    numbers.resize(5, ' ');
    numbers += d.newLine ? std::to_string(d.newLine) : "";
    ImGui::TextDisabled("%s", numbers.c_str());
    ImGui::SameLine(x0 + gutter);
    const std::string text = std::string(removed ? "-" : added ? "+" : " ") + d.text;
    if (removed || added)
        ImGui::TextColored(StatusColor(removed ? Status::Error : Status::Ok), "%s", text.c_str());
    else
        ImGui::TextDisabled("%s", text.c_str());
}

// Unified view: removed lines red with "-", added green with "+", unchanged context muted.
void DrawDiffLines(const app::TextDiff& diff, const UiContext& ctx) {
    const std::vector<int> rows = DiffRows(diff);
    MonoPush(ctx);
    const float line = ImGui::GetTextLineHeight();
    const ImGuiStyle& style = ImGui::GetStyle();
    const int shown = std::min(static_cast<int>(rows.size()), kMaxDiffLines);
    const float height =
        line * static_cast<float>(shown) + style.WindowPadding.y * 2.0f + style.ScrollbarSize;
    ImGui::BeginChild("##diff_lines", ImVec2(0.0f, height), true, ImGuiWindowFlags_HorizontalScrollbar);
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(style.ItemSpacing.x, 0.0f));
    const float gutter = ImGui::CalcTextSize("0000 0000 ").x;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()), line);
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const int row = rows[static_cast<size_t>(i)];
            if (row >= 0) {
                DiffLineRow(diff.lines[static_cast<size_t>(row)], gutter, line);
                continue;
            }
            ImGui::SetCursorPosX(ImGui::GetCursorPosX() + gutter);
            ImGui::TextDisabled("%s %d unchanged line%s", kEllipsis, -row, row == -1 ? "" : "s");
        }
    }
    ImGui::PopStyleVar();
    ImGui::EndChild();
    MonoPop(ctx);
    TagLastItem("paste.diff");
}

// What the diff compares with: the tree's name for it while it is the selection, else its id.
std::string DiffTarget(const app::WorkbenchState& state, SelectionHints& hints) {
    const app::PasteState& paste = state.paste;
    return paste.diffSelection == state.selection ? DescribeSelection(state, hints) : paste.diffAgainst;
}

void DrawDiff(app::Workbench& wb, UiContext& ctx) {
    const app::WorkbenchState& state = wb.state();
    const app::PasteState& paste = state.paste;
    Heading("Diff against the selected run");
    const bool loading = state.details.request.running();
    if (!paste.diff) {
        const auto kind = state.selection.kind;
        const bool runSelected =
            kind == app::Selection::Kind::Run || kind == app::Selection::Kind::Simulation;
        if (runSelected && loading) {
            Spinner();
            ImGui::SameLine();
            TextMuted("loading the selected run's config\xE2\x80\xA6");
        } else if (runSelected && state.details.parseError) {
            Hint("The selected run's stored config does not parse: nothing to compare with.");
        } else {
            Hint("Select a run to compare.");
        }
        return;
    }
    const std::string target = DiffTarget(state, ctx.window().details.hints);
    if (paste.diff->identical()) {
        ImGui::TextColored(StatusColor(Status::Ok), "\xE2\x9C\x93 identical to the selected run");
        TagLastItem("paste.identical");
        ImGui::SameLine();
        ImGui::TextDisabled("(%s)", target.c_str());
        return;
    }
    ImGui::TextColored(StatusColor(Status::Ok), "+%d", paste.diff->added);
    ImGui::SameLine();
    ImGui::TextColored(StatusColor(Status::Error), "-%d", paste.diff->removed);
    ImGui::SameLine();
    ImGui::TextDisabled("vs %s%s", target.c_str(), loading ? " (a new selection is loading)" : "");
    ImGui::SameLine();
    if (ImGui::SmallButton("Copy diff")) {
        const std::string text = app::unifiedDiff(*paste.diff, target, "pasted config");
        ctx.setClipboard(text);
        wb.log(app::LogEntry::Level::Info,
               "copied the diff against " + target + " (" + std::to_string(text.size()) + " bytes, unified)");
    }
    TagLastItem("paste.copy_diff");
    if (!paste.diff->minimal) Hint("Very different texts: part of this diff is not the shortest one.");
    DrawDiffLines(*paste.diff, ctx);
}

bool MatchSelected(const db::ConfigMatch& m, const app::Selection& s) {
    if (m.kind == "simulation") return s.kind == app::Selection::Kind::Simulation && s.simulationId == m.id;
    return s.kind == app::Selection::Kind::Run && s.runId == m.id;
}

void DrawMatchTable(app::Workbench& wb) {
    const auto& matches = wb.state().paste.matches;
    const float row = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2.0f;
    const int shown = std::min(static_cast<int>(matches.size()), kMaxMatchRows) + 1;
    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable("##matches", 4, flags, ImVec2(0.0f, row * static_cast<float>(shown) + em(0.2f))))
        return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Kind", ImGuiTableColumnFlags_WidthFixed, em(5.5f));
    ImGui::TableSetupColumn("Dataset", ImGuiTableColumnFlags_WidthFixed, em(9.0f));
    ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("Created", ImGuiTableColumnFlags_WidthFixed, em(8.6f));
    ImGui::TableHeadersRow();
    const app::Selection& selection = wb.state().selection;
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(matches.size()), row);
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const db::ConfigMatch& m = matches[static_cast<size_t>(i)];
            ImGui::TableNextRow(ImGuiTableRowFlags_None, row);
            ImGui::TableSetColumnIndex(0);
            ImGui::PushID(i);
            const ImVec2 start = ImGui::GetCursorScreenPos();
            if (ImGui::Selectable(
                    "##match", MatchSelected(m, selection),
                    ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap))
                wb.hierarchy().revealRun(m.runId);
            TagLastItem("paste.match." + m.id);
            TooltipIfHovered((m.kind == "simulation" ? "show its run in the tree\nsimulation_id " + m.id
                                                     : "show it in the tree\nrun_id " + m.id)
                                 .c_str());
            ImGui::SameLine(0.0f, 0.0f);
            ImGui::SetCursorScreenPos(start);
            ImGui::TextDisabled("%s", m.kind.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(m.datasetSlug.c_str());
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(m.name.c_str());
            ImGui::TableNextColumn();
            ImGui::TextDisabled("%s", ShortTimestamp(m.createdAt).c_str());
            ImGui::PopID();
        }
    }
    ImGui::EndTable();
}

void DrawMatches(app::Workbench& wb, UiContext& ctx) {
    const app::PasteState& paste = wb.state().paste;
    const app::RequestStatus& request = paste.findRequest;
    Heading("Runs with this config");
    switch (request.phase) {
        case app::RequestPhase::Running:
            return RequestProgress(wb, "searching the server\xE2\x80\xA6", request, ctx, "paste.cancel");
        case app::RequestPhase::Failed:
            ImGui::TextColored(StatusColor(Status::Error), "%s",
                               request.failure ? request.failure->title.c_str() : "the search failed");
            if (request.failure) TooltipIfHovered(request.failure->explanation.c_str());
            return;
        case app::RequestPhase::Cancelled:
            Hint("Search cancelled: paste again to search.");
            return;
        case app::RequestPhase::Idle:
            Hint("Not connected: identical runs are looked up on the server.");
            return;
        case app::RequestPhase::Done:
            break;
    }
    if (paste.matches.empty()) {
        Hint("no run has this config");
        return;
    }
    ImGui::TextDisabled(
        "%zu with an identical config (by content: any text form matches); click one to show it",
        paste.matches.size());
    DrawMatchTable(wb);
}

// The data decides how many rows these lists have (a run may have 5,000 features): each is a child
// of bounded height drawn through a clipper, so a frame's geometry stays bounded (Debian's imgui
// has 16-bit indices: one draw list holds at most 65,536 vertices) and its cost too.
constexpr int kMostVisibleRows = 12;

void DrawKeyValues(const PasteView::Table& table, const UiContext& ctx) {
    ImGui::TextDisabled("[%s]  %zu keys", table.title, table.rows.size());
    if (table.rows.empty()) return;
    const ImGuiTableFlags flags =
        ImGuiTableFlags_RowBg | ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_ScrollY;
    const float rowHeight = ImGui::GetTextLineHeightWithSpacing();
    const int visible = std::min<int>(static_cast<int>(table.rows.size()), kMostVisibleRows);
    if (!ImGui::BeginTable(table.title, 3, flags, ImVec2(0.0f, rowHeight * (visible + 0.5f)))) return;
    ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("=", ImGuiTableColumnFlags_WidthFixed);
    ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
    MonoPush(ctx);
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(table.rows.size()));
    while (clipper.Step())
        for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row) {
            const auto& [key, value] = table.rows[static_cast<size_t>(row)];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(key.c_str());
            ImGui::TableNextColumn();
            ImGui::TextDisabled("=");
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(value.c_str());
        }
    MonoPop(ctx);
    ImGui::EndTable();
}

void DrawFeatures(const PasteView& view, const UiContext& ctx) {
    ImGui::TextDisabled("[features]  %zu", view.features.size());
    if (view.features.empty()) return;
    const float rowHeight = ImGui::GetTextLineHeightWithSpacing();
    const int visible = std::min<int>(static_cast<int>(view.features.size()), kMostVisibleRows);
    ImGui::BeginChild("pasted features", ImVec2(0.0f, rowHeight * (visible + 0.5f)), true);
    MonoPush(ctx);
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(view.features.size()), rowHeight);
    while (clipper.Step())
        for (int row = clipper.DisplayStart; row < clipper.DisplayEnd; ++row)
            ImGui::TextUnformatted(view.features[static_cast<size_t>(row)].c_str());
    MonoPop(ctx);
    ImGui::EndChild();
    TagLastItem("paste.features");
}

void DrawStructured(const PasteView& view, const UiContext& ctx) {
    Heading("Pasted config");
    DrawFeatures(view, ctx);
    for (const auto& table : view.tables) DrawKeyValues(table, ctx);
}

}  // namespace

void PasteFromClipboard(app::Workbench& wb, UiContext& ctx) {
    wb.configs().paste(ctx.getClipboard());
}

void DrawPastePanel(app::Workbench& wb, UiContext& ctx) {
    const app::PasteState& paste = wb.state().paste;
    DrawToolbar(wb, ctx);
    if (!paste.present) {
        Hint("Paste a run config (v1 or legacy JSON lines) to check it, diff it and find identical runs.");
        return;
    }
    const PasteView& view = ViewOf(paste, ctx.window().paste);
    if (paste.error) return DrawError(paste, view, ctx);
    DrawDiff(wb, ctx);
    DrawMatches(wb, ctx);
    DrawStructured(view, ctx);
}

}  // namespace ui
