#include "ui/compare_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cstdio>
#include <optional>

#include "ui/hierarchy_panel.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

const ImVec4 kDifferentCell(0.96f, 0.70f, 0.26f, 0.16f);
const ImVec4 kReferenceCell(0.62f, 0.78f, 1.00f, 0.08f);

std::string ShortId(const std::string& id) {
    return id.substr(0, 8);
}

// "a, b, c", or as many as fit in a few lines' worth of text and "and 2700 more": a run of thousands
// of features stays readable, and drawable (see DrawableText). "Copy features (TSV)" has them all.
std::string Join(const std::vector<std::string>& names) {
    constexpr size_t kNamesShown = 300, kCharsShown = 6000;
    std::string out;
    size_t shown = 0;
    for (; shown < names.size() && shown < kNamesShown; ++shown) {
        if (shown > 0 && out.size() + names[shown].size() > kCharsShown) break;
        out += (out.empty() ? "" : ", ") + names[shown];
    }
    if (shown < names.size()) out += " and " + std::to_string(names.size() - shown) + " more";
    return DrawableText(out);  // one name longer than the budget on its own
}

std::string DeltaText(double delta) {
    char text[40];
    std::snprintf(text, sizeof text, "%+.6g", delta);
    return text;
}

// The Compare tab comes forward by itself when the request starts (app_window.cpp FollowEvents).
void StartComparison(app::Workbench& wb) {
    wb.compare().compare();
}

// Toolbar: Compare again, only differences, copy, unmark.
void DrawToolbar(app::Workbench& wb, UiContext& ctx) {
    const app::CompareState& c = wb.state().compare;
    CompareMarkedButton(wb, "compare.run");
    ImGui::SameLine();
    bool only = c.onlyDifferences;
    if (ImGui::Checkbox("Only differences", &only)) wb.compare().setOnlyDifferences(only);
    TagLastItem("compare.only_differences");
    if (c.comparison) {
        ImGui::SameLine();
        if (CopyButton(
                "Copy TSV", [&] { return wb.compare().copyTsv(); }, ctx, "compare.copy_tsv"))
            wb.log(app::LogEntry::Level::Info, "copied the comparison as TSV");
        TooltipIfHovered("tab-separated, for a spreadsheet; the rows shown");
        ImGui::SameLine();
        if (CopyButton(
                "Copy Markdown", [&] { return wb.compare().copyMarkdown(); }, ctx, "compare.copy_markdown"))
            wb.log(app::LogEntry::Level::Info, "copied the comparison as Markdown");
        TooltipIfHovered("a Markdown table, for a ticket or a notebook; the rows shown");
    }
    if (!c.marked.empty()) {
        ImGui::SameLine();
        if (ImGui::SmallButton("Unmark all")) wb.compare().unmarkAll();
        TagLastItem("compare.unmark_all");
    }
}

// One header cell: the run's short id, "reference" or a button to make it one, and remove. True when
// "x" was clicked: the caller removes the column once the table is drawn (removing it now would
// rebuild the comparison under the loop drawing it).
bool RunHeader(app::Workbench& wb, size_t column) {
    const app::CompareState& c = wb.state().compare;
    const db::RunFacts& run = c.runs[column];
    ImGui::PushID(static_cast<int>(column));
    ImGui::TextUnformatted(ShortId(run.runId).c_str());
    TooltipIfHovered((run.runId + "\n" + run.measurement + "\n" + run.datasetSlug).c_str());
    ImGui::SameLine();
    if (column == c.reference) {
        ImGui::TextColored(ImVec4(0.62f, 0.78f, 1.00f, 1.0f), "reference");
        TagLastItem("compare.reference." + std::to_string(column));
    } else {
        if (ImGui::SmallButton("ref")) wb.compare().setReference(column);
        TagLastItem("compare.make_reference." + std::to_string(column));
        TooltipIfHovered("make this run the reference: deltas and feature changes are against it");
    }
    ImGui::SameLine();
    const bool remove = ImGui::SmallButton("x");
    TagLastItem("compare.remove." + std::to_string(column));
    TooltipIfHovered("take this run out of the comparison");
    ImGui::PopID();
    return remove;
}

void Cell(const app::CompareRow& row, size_t column, size_t reference) {
    const app::CompareCell& cell = row.cells[column];
    const bool differsFromReference = row.cells[column].text != row.cells[reference].text;
    if (column == reference)
        ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, ImGui::GetColorU32(kReferenceCell));
    else if (differsFromReference)
        ImGui::TableSetBgColor(ImGuiTableBgTarget_CellBg, ImGui::GetColorU32(kDifferentCell));
    if (!cell.text) {
        ImGui::TextDisabled("\xE2\x80\x94");
        TooltipIfHovered("this run has no such key");
        return;
    }
    ImGui::TextUnformatted(cell.text->c_str());
    // A long measurement or JSON value is clipped by its column: the whole of it on hover.
    if (ImGui::IsItemHovered() && ImGui::GetItemRectSize().x > ImGui::GetContentRegionAvail().x)
        ImGui::SetTooltip("%s", cell.text->c_str());
    if (const auto delta = app::deltaAgainst(row, column, reference); delta && *delta != 0) {
        ImGui::SameLine();
        ImGui::TextDisabled("%s", DeltaText(*delta).c_str());
    }
}

// The table; the column whose "x" was clicked, for the caller to remove after the frame's drawing.
std::optional<size_t> DrawTable(app::Workbench& wb) {
    const app::CompareState& c = wb.state().compare;
    const app::RunComparison& comparison = *c.comparison;
    const size_t runs = comparison.runIds.size();
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
    const float height = std::max(em(10.0f), ImGui::GetContentRegionAvail().y - em(9.0f));
    if (!ImGui::BeginTable("##compare", static_cast<int>(runs) + 1, flags, ImVec2(0.0f, height)))
        return std::nullopt;
    TagLastItem("compare.table");
    ImGui::TableSetupScrollFreeze(1, 1);
    ImGui::TableSetupColumn("key", ImGuiTableColumnFlags_WidthFixed, em(13.0f));
    // Wide enough for the header (short id, "reference", x); more runs than fit scroll sideways.
    for (size_t i = 0; i < runs; ++i)
        ImGui::TableSetupColumn(comparison.runIds[i].c_str(), ImGuiTableColumnFlags_WidthFixed, em(15.0f));
    ImGui::TableNextRow(ImGuiTableRowFlags_Headers);
    ImGui::TableSetColumnIndex(0);
    ImGui::TextDisabled("key");
    std::optional<size_t> removed;
    for (size_t i = 0; i < runs; ++i) {
        ImGui::TableSetColumnIndex(static_cast<int>(i) + 1);
        if (RunHeader(wb, i)) removed = i;
    }
    for (const app::CompareRow& row : comparison.rows) {
        if (c.onlyDifferences && !row.differs) continue;
        ImGui::TableNextRow();
        ImGui::TableSetColumnIndex(0);
        if (row.differs)
            ImGui::TextUnformatted(row.key.c_str());
        else
            ImGui::TextDisabled("%s", row.key.c_str());
        for (size_t i = 0; i < runs; ++i) {
            ImGui::TableSetColumnIndex(static_cast<int>(i) + 1);
            Cell(row, i, c.reference);
        }
    }
    ImGui::EndTable();
    return removed;
}

void DrawFeatures(app::Workbench& wb, UiContext& ctx) {
    const app::CompareState& c = wb.state().compare;
    const app::FeatureSets& sets = c.comparison->features;
    Heading("Features");
    ImGui::SameLine();
    CopyButton(
        "Copy features (TSV)", [&] { return app::featuresAsTsv(c.runs); }, ctx, "compare.copy_features");
    TooltipIfHovered("every feature of any run, one row each, 1 under the runs that have it");
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextDisabled("common to all %zu runs (%zu):", c.runs.size(), sets.common.size());
    ImGui::SameLine();
    ImGui::TextUnformatted(sets.common.empty() ? "none" : Join(sets.common).c_str());
    TagLastItem("compare.features.common");
    for (size_t i = 0; i < c.runs.size(); ++i) {
        const std::string id = ShortId(c.runs[i].runId);
        const std::vector<std::string>& only = sets.only[i];
        ImGui::TextDisabled("%s only:", id.c_str());
        ImGui::SameLine();
        ImGui::TextUnformatted(only.empty() ? "\xE2\x80\x94" : Join(only).c_str());
        TagLastItem("compare.features.only." + std::to_string(i));
        if (i == c.reference) continue;
        const app::FeatureDelta delta = app::featuresAgainst(c.runs, i, c.reference);
        if (delta.added.empty() && delta.removed.empty()) continue;
        // On lines of their own: side by side, long lists wrap into a narrow column.
        ImGui::Indent(em(1.5f));
        if (!delta.added.empty())
            ImGui::TextColored(StatusColor(Status::Ok), "+ %s  (vs reference)", Join(delta.added).c_str());
        if (!delta.removed.empty())
            ImGui::TextColored(StatusColor(Status::Error), "- %s  (vs reference)",
                               Join(delta.removed).c_str());
        ImGui::Unindent(em(1.5f));
    }
    ImGui::PopTextWrapPos();
}

}  // namespace

void MarkOnClick(app::Workbench& wb, UiContext& ctx, const std::string& runId, const ListedRuns& listed) {
    const ImGuiIO& io = ImGui::GetIO();
    const bool ctrl = io.KeyCtrl || io.KeySuper, shift = io.KeyShift;
    wb.compare().click(runId, ctrl, shift, shift ? listed() : std::vector<std::string>{});
    if (ctrl || shift) ctx.window().tabs.keepTabOnce = true;
}

void RunContextMenu(app::Workbench& wb, UiContext& ctx, const std::string& runId) {
    if (!ImGui::BeginPopupContextItem("run_menu")) return;
    IncludeWindowInTextSnapshot();
    const bool marked = wb.compare().isMarked(runId);
    if (ImGui::MenuItem(marked ? "Unmark for comparison" : "Mark for comparison"))
        wb.compare().click(runId, true, false, {});
    TagLastItem("menu.mark");
    const size_t n = wb.state().compare.marked.size();
    const std::string label = "Compare marked runs (" + std::to_string(n) + ")";
    if (ImGui::MenuItem(label.c_str(), nullptr, false, wb.compare().canCompare())) StartComparison(wb);
    TagLastItem("menu.compare");
    if (ImGui::MenuItem("Copy run_id")) ctx.setClipboard(runId);
    TagLastItem("menu.copy_id");
    ImGui::EndPopup();
}

void CompareMarkedButton(app::Workbench& wb, const char* tag) {
    const size_t n = wb.state().compare.marked.size();
    const std::string label = "Compare (" + std::to_string(n) + ")###compare";
    if (ButtonDisablable(label.c_str(), wb.compare().canCompare())) StartComparison(wb);
    TagLastItem(tag);
    const std::string why = wb.compare().whyNotCompare();
    TooltipIfHovered(why.empty() ? "the marked runs side by side (Ctrl+click marks, Shift+click a range)"
                                 : why.c_str());
}

void DrawMarkedLine(app::Workbench& wb, const char* compareTag) {
    const size_t n = wb.state().compare.marked.size();
    if (n < 2) return;
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("%zu runs marked", n);
    ImGui::SameLine();
    CompareMarkedButton(wb, compareTag);
    ImGui::SameLine();
    if (ImGui::SmallButton("Unmark")) wb.compare().unmarkAll();
    TagLastItem(std::string(compareTag) + ".unmark");
}

void DrawComparePanel(app::Workbench& wb, UiContext& ctx) {
    const app::CompareState& c = wb.state().compare;
    DrawToolbar(wb, ctx);
    if (c.request.running())
        return RequestProgress(wb, "loading the runs\xE2\x80\xA6", c.request, ctx, "compare.cancel");
    if (c.request.phase == app::RequestPhase::Failed) FailureLine(c.request, "comparing failed");
    if (!c.unknown.empty()) {
        ImGui::TextColored(StatusColor(Status::Warn), "no longer on the server: %s", Join(c.unknown).c_str());
        TagLastItem("compare.unknown");
    }
    if (!c.comparison) {
        Hint(
            "Mark runs in the tree or the search results (Ctrl+click adds one, Shift+click a range), then "
            "press Compare. Up to 12 runs side by side; rows where every run agrees are hidden.");
        return;
    }
    const app::RunComparison& comparison = *c.comparison;
    const size_t differing = comparison.differing();
    const size_t hidden = c.onlyDifferences ? comparison.rows.size() - differing : 0;
    if (hidden > 0)
        ImGui::TextDisabled("%zu of %zu rows differ; %zu where all runs agree are hidden", differing,
                            comparison.rows.size(), hidden);
    else
        ImGui::TextDisabled("%zu of %zu rows differ", differing, comparison.rows.size());
    TagLastItem("compare.summary");
    const std::optional<size_t> removed = DrawTable(wb);
    DrawFeatures(wb, ctx);
    if (removed) wb.compare().removeColumn(*removed);
}

}  // namespace ui
