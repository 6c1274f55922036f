// The tree panel. Rows come flattened from wb.hierarchy().visibleRows(); one ImGuiListClipper pass submits
// only those on screen, so a hundred thousand loaded rows scroll like fifty.
#include "ui/hierarchy_panel.hpp"

#include <algorithm>
#include <cmath>
#include <string>

#include "ui/compare_panel.hpp"
#include "ui/search_panel.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

using app::RowKind;
using app::VisibleRow;

constexpr const char* kArrowClosed = "\xE2\x96\xB8";  // ▸
constexpr const char* kArrowOpen = "\xE2\x96\xBE";    // ▾
constexpr const char* kEllipsis = "\xE2\x80\xA6";
constexpr const char* kStatusOptions[] = {"", "pending", "running", "completed", "failed"};
const ImVec4 kRunningBlue(0.42f, 0.66f, 1.00f, 1.0f);

using TreeView = TreePanelState;  // what the panel remembers between frames (ui/window_state.hpp)

bool SameFilters(const app::HierarchyFilters& a, const app::HierarchyFilters& b) {
    return a.datasetSearch == b.datasetSearch && a.runSearch == b.runSearch && a.runStatus == b.runStatus &&
           a.simulationSearch == b.simulationSearch && a.simulationStatus == b.simulationStatus;
}

bool IsNode(RowKind kind) {
    return kind == RowKind::Dataset || kind == RowKind::Run || kind == RowKind::Simulation;
}

const app::DatasetNode& DatasetOf(const app::WorkbenchState& s, const VisibleRow& row) {
    return s.hierarchy.datasets.items[static_cast<size_t>(row.dataset)];
}

const app::RunNode& RunOf(const app::WorkbenchState& s, const VisibleRow& row) {
    return DatasetOf(s, row).runs.items[static_cast<size_t>(row.run)];
}

bool Expanded(const app::WorkbenchState& s, const VisibleRow& row) {
    if (row.kind == RowKind::Dataset) return DatasetOf(s, row).expanded;
    if (row.kind == RowKind::Run) return RunOf(s, row).expanded;
    return false;
}

bool Pressed(ImGuiKey key) {
    return ImGui::IsKeyPressed(ImGui::GetKeyIndex(key));
}

// ---- small widgets ----

void StatusCombo(const char* id, std::string& status) {
    if (ImGui::BeginCombo(id, status.empty() ? "any status" : status.c_str())) {
        IncludeWindowInTextSnapshot();
        for (const char* option : kStatusOptions) {
            const bool chosen = status == option;
            if (ImGui::Selectable(option[0] ? option : "any status", chosen)) status = option;
            if (chosen) ImGui::SetItemDefaultFocus();
        }
        ImGui::EndCombo();
    }
}

bool WideButton(const char* label, bool enabled, float width) {
    ImGui::BeginDisabled(!enabled);
    const bool clicked = ImGui::Button(label, ImVec2(width, 0.0f));
    ImGui::EndDisabled();
    return clicked && enabled;
}

void TextRightAligned(const std::string& text) {
    const float width = ImGui::CalcTextSize(text.c_str()).x;
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + std::max(0.0f, ImGui::GetContentRegionAvail().x - width));
    ImGui::TextUnformatted(text.c_str());
}

// ---- filter bar ----

void ApplyFilters(app::Workbench& wb, TreeView& view) {
    view.synced = view.edit;
    wb.hierarchy().applyFilters(view.edit);
}

void DrawFilterBar(app::Workbench& wb, TreeView& view) {
    if (!SameFilters(wb.state().hierarchy.filters, view.synced))
        view.edit = view.synced = wb.state().hierarchy.filters;
    const app::WorkbenchState& state = wb.state();
    const bool connected = state.connection.phase == app::ConnectionPhase::Connected;
    const bool datasetsBusy = state.hierarchy.datasets.request.running();
    const float x0 = ImGui::GetCursorPosX();
    const float labelWidth = ImGui::CalcTextSize("Simulations").x + em(0.8f);
    // The status combos, and Apply + Refresh; narrower in a narrow panel.
    const float sideWidth = std::clamp(ImGui::GetContentRegionAvail().x * 0.38f, em(6.5f), em(9.5f));
    const float spacing = ImGui::GetStyle().ItemSpacing.x;
    bool apply = false;

    auto field = [&](const char* label, const char* id, const char* hint, std::string& text,
                     const char* tag) {
        ImGui::AlignTextToFramePadding();
        TextMuted(label);
        ImGui::SameLine(x0 + labelWidth);
        apply |= TextField(id, text, tag,
                           std::max(em(5.0f), ImGui::GetContentRegionAvail().x - sideWidth - spacing), hint,
                           ImGuiInputTextFlags_EnterReturnsTrue);
        ImGui::SameLine();
    };

    field("Datasets", "##dataset_search", "slug or symbol", view.edit.datasetSearch, "tree.filter.dataset");
    const bool edited = !SameFilters(view.edit, wb.state().hierarchy.filters);
    const float half = (sideWidth - spacing) * 0.5f;
    if (edited) ImGui::PushStyleColor(ImGuiCol_Button, ImGui::GetStyleColorVec4(ImGuiCol_ButtonActive));
    apply |= WideButton("Apply", !view.applyPending, half);
    if (edited) ImGui::PopStyleColor();
    TagLastItem("tree.filter.apply");
    TooltipIfHovered(edited ? "filters edited: Apply (or Enter) reloads the tree with them"
                            : "filters are evaluated on the server");
    ImGui::SameLine();
    if (WideButton("Refresh", connected, half)) wb.refresh();
    TagLastItem("tree.refresh");
    TooltipIfHovered("reload the datasets and every expanded level (F5)");

    field("Runs", "##run_search", "measurement", view.edit.runSearch, "tree.filter.run");
    ImGui::SetNextItemWidth(sideWidth);
    StatusCombo("##run_status", view.edit.runStatus);
    TagLastItem("tree.filter.run_status");

    field("Simulations", "##simulation_search", "questdb namespace", view.edit.simulationSearch,
          "tree.filter.simulation");
    ImGui::SetNextItemWidth(sideWidth);
    StatusCombo("##simulation_status", view.edit.simulationStatus);
    TagLastItem("tree.filter.simulation_status");

    // New filters supersede a dataset load in flight: cancel it, and apply once it has ended.
    if (apply && datasetsBusy) wb.cancel(state.hierarchy.datasets.request);
    view.applyPending = view.applyPending || apply;
    if (view.applyPending && !state.hierarchy.datasets.request.running()) {
        view.applyPending = false;
        ApplyFilters(wb, view);
    }
}

// ---- empty states and the line above the tree ----

// True when there is no tree to draw (it drew why instead).
bool DrawTreeState(app::Workbench& wb, UiContext& ctx) {
    const app::WorkbenchState& state = wb.state();
    const auto& list = state.hierarchy.datasets;
    switch (state.connection.phase) {
        case app::ConnectionPhase::Connecting:
            Spinner();
            ImGui::SameLine();
            TextMuted("connecting\xE2\x80\xA6");
            return true;
        case app::ConnectionPhase::Reconnecting:
            Spinner();
            ImGui::SameLine();
            TextMuted("connection lost: reconnecting\xE2\x80\xA6");
            if (!state.connection.reconnectReason.empty())
                TooltipIfHovered(state.connection.reconnectReason.c_str());
            return list.items.empty();
        case app::ConnectionPhase::Disconnected:
        case app::ConnectionPhase::Failed:
            if (list.items.empty()) {
                Hint("Not connected: connect to a server to browse its datasets.");
                return true;
            }
            TextMuted("Not connected: showing what was loaded before.");
            return false;
        case app::ConnectionPhase::Connected:
            break;
    }
    if (list.request.running()) {
        RequestProgress(wb, "loading datasets\xE2\x80\xA6", list.request, ctx, "tree.cancel");
    } else if (list.request.phase == app::RequestPhase::Failed) {
        FailureLine(list.request, "loading datasets failed");
        if (list.request.failure && !list.request.failure->raw.empty()) {
            const std::string& raw = list.request.failure->raw;
            Hint(raw.substr(0, raw.find('\n')).c_str());
        }
    } else if (list.request.phase == app::RequestPhase::Cancelled && !list.loaded) {
        Hint("Loading was cancelled: Refresh to try again.");
    } else if (list.loaded && list.items.empty()) {
        TextMuted("no datasets (filters?)");
    } else {
        ImGui::TextDisabled("%zu datasets loaded%s", list.items.size(),
                            list.next ? ", more on the server" : "");
    }
    return list.items.empty();
}

// ---- keyboard ----

int NextNode(const std::vector<VisibleRow>& rows, int from, int direction) {
    for (int i = from + direction; i >= 0 && i < static_cast<int>(rows.size()); i += direction)
        if (IsNode(rows[static_cast<size_t>(i)].kind)) return i;
    return -1;
}

// The node at `index`, or the nearest one in `direction` when it is a "load more" row.
int NodeAtOrNear(const std::vector<VisibleRow>& rows, int index, int direction) {
    if (IsNode(rows[static_cast<size_t>(index)].kind)) return index;
    const int near = NextNode(rows, index, direction);
    return near >= 0 ? near : NextNode(rows, index, -direction);
}

void HandleKeys(app::Workbench& wb, TreeView& view) {
    const std::vector<VisibleRow>& rows = wb.hierarchy().visibleRows();
    const int n = static_cast<int>(rows.size());
    if (n == 0) return;
    const int current = wb.hierarchy().selectedRowIndex();
    int target = -1;
    if (Pressed(ImGuiKey_DownArrow)) {
        target = NextNode(rows, current, +1);
    } else if (Pressed(ImGuiKey_UpArrow)) {
        target = NextNode(rows, current < 0 ? n : current, -1);
    } else if (Pressed(ImGuiKey_Home)) {
        target = NextNode(rows, -1, +1);
    } else if (Pressed(ImGuiKey_End)) {
        target = NextNode(rows, n, -1);
    } else if (Pressed(ImGuiKey_PageDown)) {
        target = NodeAtOrNear(rows, std::min(n - 1, std::max(current, 0) + view.pageRows), -1);
    } else if (Pressed(ImGuiKey_PageUp)) {
        target = NodeAtOrNear(rows, std::max(0, current - view.pageRows), +1);
    } else if (current >= 0 && Pressed(ImGuiKey_RightArrow)) {
        const VisibleRow row = rows[static_cast<size_t>(current)];
        const bool hasChildren = row.kind == RowKind::Dataset || row.kind == RowKind::Run;
        if (hasChildren && !Expanded(wb.state(), row)) return wb.hierarchy().toggle(row);
        const int next = current + 1;
        if (hasChildren && next < n && rows[static_cast<size_t>(next)].depth > row.depth &&
            IsNode(rows[static_cast<size_t>(next)].kind))
            target = next;
    } else if (current >= 0 && Pressed(ImGuiKey_LeftArrow)) {
        const VisibleRow row = rows[static_cast<size_t>(current)];
        if (Expanded(wb.state(), row)) return wb.hierarchy().toggle(row);
        for (int i = current - 1; i >= 0 && target < 0; --i)
            if (rows[static_cast<size_t>(i)].depth < row.depth) target = i;
    }
    if (target < 0 || target == current) return;
    wb.hierarchy().select(rows[static_cast<size_t>(target)]);
    view.scrollToSelection = true;
}

// ---- rows ----

std::string CountText(long long n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
}

void StatusCell(const std::string& status, double now) {
    ImVec4 color = RunStatusColor(status);
    // Pulses only while frames are drawn anyway (input, spinners): an idle window stays idle.
    if (status == "running") color.w = 0.80f + 0.20f * static_cast<float>(std::sin(now * 4.0));
    ImGui::TextColored(color, "%s", status.c_str());
}

// Indent, the expand arrow (datasets and runs) and the row-wide selectable; then the name.
// Returns with the cursor after the name, on the same line.
// The runs of the tree, top to bottom: where a Shift-click range is drawn.
std::vector<std::string> ListedRuns(app::Workbench& wb) {
    std::vector<std::string> ids;
    for (const VisibleRow& row : wb.hierarchy().visibleRows())
        if (row.kind == RowKind::Run) ids.push_back(RunOf(wb.state(), row).row.runId);
    return ids;
}

// A run's row also marks it for comparison (Ctrl/Shift-click) and has a context menu.
void NodeCell(app::Workbench& wb, UiContext& ctx, const VisibleRow& row, bool selected, const std::string& name,
              const std::string& tag, const std::string& toggleTag, bool nullConfig = false) {
    const std::string* runId = row.kind == RowKind::Run ? &RunOf(wb.state(), row).row.runId : nullptr;
    if (runId != nullptr && wb.compare().isMarked(*runId)) selected = true;
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + em(1.1f) * static_cast<float>(row.depth));
    const bool hasChildren = row.kind == RowKind::Dataset || row.kind == RowKind::Run;
    if (hasChildren) {
        const char* arrow = Expanded(wb.state(), row) ? kArrowOpen : kArrowClosed;
        if (ImGui::Selectable(arrow, false, ImGuiSelectableFlags_None, ImVec2(em(0.8f), 0.0f)))
            wb.hierarchy().toggle(row);
        TagLastItem(toggleTag);
    } else {
        ImGui::Dummy(ImVec2(em(0.8f), ImGui::GetTextLineHeight()));
    }
    ImGui::SameLine(0.0f, em(0.3f));
    const ImVec2 start = ImGui::GetCursorScreenPos();
    // Submitted after the arrow, so the arrow keeps its clicks; overlap lets the badges show tooltips.
    if (ImGui::Selectable("##node", selected,
                          ImGuiSelectableFlags_SpanAllColumns | ImGuiSelectableFlags_AllowItemOverlap |
                              ImGuiSelectableFlags_AllowDoubleClick)) {
        wb.hierarchy().select(row);
        if (runId != nullptr) MarkOnClick(wb, ctx, *runId, [&wb] { return ListedRuns(wb); });
        if (hasChildren && ImGui::IsMouseDoubleClicked(ImGuiMouseButton_Left)) wb.hierarchy().toggle(row);
    }
    TagLastItem(tag);
    if (runId != nullptr) RunContextMenu(wb, ctx, *runId);
    ImGui::SameLine(0.0f, 0.0f);
    ImGui::SetCursorScreenPos(start);
    if (nullConfig) {  // before the name, so a narrow column cannot hide it
        Badge("NULL", StatusColor(Status::Warn),
              "serialized_config is NULL (a legacy row): its config is derived from the JSONB columns");
        ImGui::SameLine(0.0f, em(0.3f));
    }
    ImGui::TextUnformatted(name.c_str());
}

void DatasetRow(app::Workbench& wb, UiContext& ctx, const VisibleRow& row, bool selected) {
    const app::DatasetNode& d = DatasetOf(wb.state(), row);
    NodeCell(wb, ctx, row, selected, d.row.slug, "tree.dataset." + d.row.slug,
             "tree.toggle.dataset." + d.row.slug);
    ImGui::SameLine();
    std::string facts = d.row.symbol + " \xC2\xB7 " + d.row.granularity;
    if (!(ImGui::TableGetColumnFlags(2) & ImGuiTableColumnFlags_IsEnabled))  // no Count column
        facts += " \xC2\xB7 " + CountText(d.row.runCount, "run", "runs");
    ImGui::TextDisabled("%s", facts.c_str());
    if (d.expanded && d.runs.loaded && d.runs.items.empty() && !d.runs.request.running()) {
        ImGui::SameLine();
        TextMuted("(no runs match)");
    }
    ImGui::TableNextColumn();
    if (d.runs.request.phase == app::RequestPhase::Failed) {
        ImGui::TextColored(StatusColor(Status::Error), "failed");
        TooltipIfHovered(d.runs.request.failure ? d.runs.request.failure->title.c_str()
                                                : "loading runs failed");
    }
    ImGui::TableNextColumn();
    TextRightAligned(CountText(d.row.runCount, "run", "runs"));
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", ShortTimestamp(d.row.createdAt).c_str());
}

void RunRow(app::Workbench& wb, UiContext& ctx, const VisibleRow& row, bool selected, double now) {
    const app::RunNode& r = RunOf(wb.state(), row);
    const std::string& name = r.row.measurement;
    NodeCell(wb, ctx, row, selected, name, "tree.run." + name, "tree.toggle.run." + name,
             !r.row.hasSerializedConfig);
    if (r.expanded && r.simulations().loaded && r.simulations().items.empty() &&
        !r.simulations().request.running()) {
        ImGui::SameLine();
        TextMuted("(no simulations match)");
    }
    ImGui::TableNextColumn();
    StatusCell(r.row.status, now);
    ImGui::TableNextColumn();
    TextRightAligned(std::to_string(r.row.foldCount) + " f \xC2\xB7 " +
                     std::to_string(r.row.simulationCount) + " sims");
    TooltipIfHovered((CountText(r.row.foldCount, "fold", "folds") + ", " +
                      CountText(r.row.simulationCount, "simulation", "simulations"))
                         .c_str());
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", ShortTimestamp(r.row.createdAt).c_str());
}

void SimulationRow(app::Workbench& wb, UiContext& ctx, const VisibleRow& row, bool selected, double now) {
    const db::SimulationRow& s =
        RunOf(wb.state(), row).simulations().items[static_cast<size_t>(row.simulation)];
    NodeCell(wb, ctx, row, selected, s.namespaceName, "tree.sim." + s.namespaceName, "", !s.hasSerializedConfig);
    ImGui::TableNextColumn();
    StatusCell(s.status, now);
    ImGui::TableNextColumn();
    ImGui::TableNextColumn();
    ImGui::TextDisabled("%s", ShortTimestamp(s.createdAt).c_str());
}

// "load more…", a spinner with Cancel while the page loads, or the failure with a retry.
// Being drawn means being on screen: that loads the next page (scroll-to-load), once per page
// since the request is then running; not after a failure or a cancel, which wait for a click.
// "newer runs…" above a revealed run waits for a click: loading itself whenever it shows would
// walk up to the top of the dataset, which is what revealing by keyset avoids.
void MoreRow(app::Workbench& wb, UiContext& ctx, const VisibleRow& row, const app::RequestStatus& request,
             const std::string& tag, const char* what = "load more", bool loadWhenShown = true) {
    ImGui::SetCursorPosX(ImGui::GetCursorPosX() + em(1.1f) * static_cast<float>(row.depth) + em(1.1f));
    if (request.running())
        return RequestProgress(wb, std::string("loading") + kEllipsis, request, ctx, tag + ".cancel");
    const bool failed = request.phase == app::RequestPhase::Failed;
    const std::string label = std::string(failed ? "retry" : what) + kEllipsis;
    ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    if (ImGui::Selectable(label.c_str(), false, ImGuiSelectableFlags_None,
                          ImVec2(ImGui::CalcTextSize(label.c_str()).x, 0.0f)))
        wb.hierarchy().loadMore(row);
    ImGui::PopStyleColor();
    TagLastItem(tag);
    if (failed) {
        ImGui::SameLine();
        FailureLine(request, "loading failed");
        return;
    }
    const bool connected = wb.state().connection.phase == app::ConnectionPhase::Connected;
    if (loadWhenShown && connected && request.phase != app::RequestPhase::Cancelled)
        wb.hierarchy().loadMore(row);
}

void DrawRow(app::Workbench& wb, UiContext& ctx, const VisibleRow& row, bool selected) {
    const double now = ctx.now;
    const app::WorkbenchState& s = wb.state();
    ImGui::TableSetColumnIndex(0);
    switch (row.kind) {
        case RowKind::Dataset:
            return DatasetRow(wb, ctx, row, selected);
        case RowKind::Run:
            return RunRow(wb, ctx, row, selected, now);
        case RowKind::Simulation:
            return SimulationRow(wb, ctx, row, selected, now);
        case RowKind::MoreDatasets:
            return MoreRow(wb, ctx, row, s.hierarchy.datasets.request, "tree.more.datasets");
        case RowKind::NewerRuns: {
            const app::DatasetNode& d = DatasetOf(s, row);
            return MoreRow(wb, ctx, row, d.runs.request, "tree.newer.runs." + d.row.slug, "newer runs",
                           false);
        }
        case RowKind::MoreRuns: {
            const app::DatasetNode& d = DatasetOf(s, row);
            return MoreRow(wb, ctx, row, d.runs.request, "tree.more.runs." + d.row.slug);
        }
        case RowKind::MoreSimulations: {
            const app::RunNode& r = RunOf(s, row);
            return MoreRow(wb, ctx, row, r.simulations().request, "tree.more.sims." + r.row.runId);
        }
    }
}

void DrawTree(app::Workbench& wb, UiContext& ctx, TreeView& view) {
    ImGui::BeginChild("##tree", ImVec2(0.0f, 0.0f), false);
    if (ImGui::IsWindowFocused(ImGuiFocusedFlags_ChildWindows) && !ImGui::GetIO().WantTextInput)
        HandleKeys(wb, view);
    if (!(wb.state().selection == view.followed) && wb.hierarchy().selectedRowIndex() >= 0) {
        view.followed = wb.state().selection;  // a click, a key or a reveal: bring it into view
        view.scrollToSelection = true;
    }
    const int selected = wb.hierarchy().selectedRowIndex();
    // Not copied (100k rows): intents called from the loop (toggle, select, loadMore) only mark the
    // rows stale; they are rebuilt at the next visibleRows() call, after this loop.
    const std::vector<VisibleRow>& rows = wb.hierarchy().visibleRows();

    const ImGuiTableFlags flags = ImGuiTableFlags_ScrollY | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_SizingFixedFit;
    const float width = ImGui::GetContentRegionAvail().x;
    if (ImGui::BeginTable("tree", 4, flags)) {
        ImGui::TableSetupScrollFreeze(0, 1);
        ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch);
        ImGui::TableSetupColumn("Status", ImGuiTableColumnFlags_WidthFixed, em(5.2f));
        // A narrow panel keeps room for the names: counts, then dates, are left out.
        const ImGuiTableColumnFlags hidden = ImGuiTableColumnFlags_Disabled;
        ImGui::TableSetupColumn("Count", ImGuiTableColumnFlags_WidthFixed | (width < em(42.0f) ? hidden : 0),
                                em(6.2f));
        ImGui::TableSetupColumn(
            "Created", ImGuiTableColumnFlags_WidthFixed | (width < em(30.0f) ? hidden : 0), em(8.6f));
        ImGui::TableHeadersRow();
        const float headerBottom = ImGui::GetItemRectMax().y;
        const float rowHeight = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2.0f;
        const float windowBottom = ImGui::GetWindowPos().y + ImGui::GetWindowHeight();

        ImGuiListClipper clipper;
        clipper.Begin(static_cast<int>(rows.size()), rowHeight);
        // Every row is one line high, so a row's place is known without drawing it.
        if (view.scrollToSelection && selected >= 0) {
            // A "load more" row right below comes into view too, so End or Down keeps loading pages.
            const size_t next = static_cast<size_t>(selected) + 1;
            const int shown = next < rows.size() && !IsNode(rows[next].kind) ? 2 : 1;
            const float top = clipper.StartPosY + rowHeight * static_cast<float>(selected);
            const float bottom = top + rowHeight * static_cast<float>(shown);
            if (top < headerBottom)
                ImGui::SetScrollY(ImGui::GetScrollY() - (headerBottom - top));
            else if (bottom > windowBottom)
                ImGui::SetScrollY(ImGui::GetScrollY() + (bottom - windowBottom));
            view.scrollToSelection = false;
        }
        view.pageRows = std::max(1, static_cast<int>((windowBottom - headerBottom) / rowHeight) - 1);
        while (clipper.Step()) {
            for (int i = clipper.DisplayStart; i < clipper.DisplayEnd && i < static_cast<int>(rows.size());
                 ++i) {
                ImGui::TableNextRow(ImGuiTableRowFlags_None, rowHeight);
                ImGui::PushID(i);
                DrawRow(wb, ctx, rows[static_cast<size_t>(i)], i == selected);
                ImGui::PopID();
            }
        }
        ImGui::EndTable();
    }
    ImGui::EndChild();
    TagLastItem("tree.table");
}

}  // namespace

ImVec4 RunStatusColor(const std::string& status) {
    if (status == "completed") return StatusColor(Status::Ok);
    if (status == "running") return kRunningBlue;
    if (status == "failed") return StatusColor(Status::Error);
    if (status == "pending") return StatusColor(Status::Warn);
    return StatusColor(Status::Idle);
}

std::string ShortTimestamp(const std::string& timestamp) {
    if (timestamp.size() < 16) return timestamp;
    std::string text = timestamp.substr(0, 16);
    if (text[10] == 'T') text[10] = ' ';
    return text;
}

void Badge(const char* text, const ImVec4& color, const char* tooltip) {
    const ImVec2 size = ImGui::CalcTextSize(text);
    const float pad = em(0.3f);
    const ImVec2 pos = ImGui::GetCursorScreenPos();
    ImVec4 fill = color;
    fill.w = 0.16f;
    ImGui::GetWindowDrawList()->AddRectFilled(pos, ImVec2(pos.x + size.x + pad * 2.0f, pos.y + size.y),
                                              ImGui::GetColorU32(fill), em(0.25f));
    ImGui::SetCursorScreenPos(ImVec2(pos.x + pad, pos.y));
    ImGui::TextColored(color, "%s", text);
    if (tooltip != nullptr) TooltipIfHovered(tooltip);
    ImGui::SameLine(0.0f, 0.0f);
    ImGui::Dummy(ImVec2(pad, size.y));
}

void Hint(const char* text) {
    ImGui::PushTextWrapPos(0.0f);
    TextMuted(text);
    ImGui::PopTextWrapPos();
}

void DrawHierarchyPanel(app::Workbench& wb, UiContext& ctx) {
    TreeView& view = ctx.window().tree;
    DrawSearchBar(wb, ctx);
    if (wb.state().search.active) return DrawSearchResults(wb, ctx);
    DrawFilterBar(wb, view);
    DrawMarkedLine(wb, "tree.compare");
    if (DrawTreeState(wb, ctx)) return;
    DrawTree(wb, ctx, view);
}

}  // namespace ui
