#include "ui/folds_section.hpp"

#include <imgui.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <optional>
#include <set>

#include <nlohmann/json.hpp>

#include "app/runconfig/fold_timeline.hpp"
#include "app/runconfig/json_paths.hpp"
#include "app/workbench/run_views/questdb_controller.hpp"
#include "ui/hierarchy_panel.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"

namespace ui {

namespace {

const ImVec4 kTrain(0.36f, 0.55f, 0.85f, 0.85f);
const ImVec4 kTest(0.95f, 0.65f, 0.25f, 0.90f);
const ImVec4 kBar(0.36f, 0.62f, 0.90f, 0.85f);
const ImVec4 kNegativeBar(0.90f, 0.45f, 0.40f, 0.85f);
constexpr int kMaxTableRows = 10;  // more folds scroll inside the table

// "32 h", "5 d", "0 s", "-3 h": a gap between two instants, as an analyst reads it.
std::string GapText(double seconds) {
    const double magnitude = std::fabs(seconds);
    char text[32];
    if (magnitude >= 2 * 86400.0)
        std::snprintf(text, sizeof text, "%.3g d", seconds / 86400.0);
    else if (magnitude >= 2 * 3600.0)
        std::snprintf(text, sizeof text, "%.3g h", seconds / 3600.0);
    else if (magnitude >= 120.0)
        std::snprintf(text, sizeof text, "%.3g min", seconds / 60.0);
    else
        std::snprintf(text, sizeof text, "%.3g s", seconds);
    return text;
}

std::string Number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

ImU32 Color(const ImVec4& color) {
    return ImGui::GetColorU32(color);
}

void DrawFindings(const app::FoldsState& f) {
    if (f.findings.empty()) {
        const bool purgeChecked =
            app::requiredPurgeSeconds(f.run->walkConfig, f.run->granularity).has_value();
        StatusDot(Status::Ok, purgeChecked ? "the cut looks right: no overlapping tests, purge gaps as the "
                                             "walk config asks"
                                           : "no overlapping tests (the purge gap is not checked: the walk "
                                             "config's purge_bars or the dataset's granularity is unknown)");
        TagLastItem("folds.no_findings");
        return;
    }
    // A badly cut run of hundreds of folds has hundreds of overlaps: the first few, the rest folded
    // away, so the table and the pictures stay in reach.
    constexpr size_t kShownFindings = 5;
    ImGui::PushTextWrapPos(0.0f);
    for (size_t i = 0; i < f.findings.size(); ++i) {
        if (i == kShownFindings) {
            const std::string more = std::to_string(f.findings.size() - i) + " more findings";
            const bool open = ImGui::TreeNode("##more_findings", "%s", more.c_str());
            TagLastItem("folds.more_findings");
            if (!open) break;
        }
        const app::FoldFinding& finding = f.findings[i];
        ImGui::TextColored(StatusColor(Status::Warn), "%s", finding.kind.c_str());
        ImGui::SameLine();
        ImGui::TextUnformatted(finding.message.c_str());
        TagLastItem("folds.finding." + std::to_string(i));
        if (i + 1 == f.findings.size() && i >= kShownFindings) ImGui::TreePop();
    }
    ImGui::PopTextWrapPos();
}

void DrawTable(const app::FoldsState& f, const std::set<int>& flagged) {
    const std::vector<db::FoldRow>& folds = f.run->folds;
    const int columns = 6 + static_cast<int>(f.metricNames.size());
    const ImGuiTableFlags flags = ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV |
                                  ImGuiTableFlags_ScrollX | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_SizingFixedFit;
    const float rowHeight = ImGui::GetTextLineHeightWithSpacing();
    const int shown = std::min(static_cast<int>(folds.size()), kMaxTableRows) + 1;
    const float height = rowHeight * static_cast<float>(shown) + ImGui::GetStyle().ScrollbarSize + em(0.4f);
    if (!ImGui::BeginTable("##folds", columns, flags, ImVec2(0.0f, height))) return;
    TagLastItem("folds.table");
    ImGui::TableSetupScrollFreeze(1, 1);
    for (const char* name : {"fold", "train start", "train end", "test start", "test end", "gap"})
        ImGui::TableSetupColumn(name);
    for (const std::string& name : f.metricNames) ImGui::TableSetupColumn(name.c_str());
    ImGui::TableHeadersRow();
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(folds.size()));
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const db::FoldRow& fold = folds[static_cast<size_t>(i)];
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            if (flagged.count(fold.foldIndex))
                ImGui::TextColored(StatusColor(Status::Warn), "%d !", fold.foldIndex);
            else
                ImGui::Text("%d", fold.foldIndex);
            for (const std::string* instant :
                 {&fold.trainStart, &fold.trainEnd, &fold.testStart, &fold.testEnd}) {
                ImGui::TableNextColumn();
                ImGui::TextUnformatted(ShortTimestamp(*instant).c_str());
                TooltipIfHovered(instant->c_str());
            }
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(GapText(fold.testStartEpoch - fold.trainEndEpoch).c_str());
            TooltipIfHovered("test start - train end");
            for (const std::string& name : f.metricNames) {
                ImGui::TableNextColumn();
                if (const auto value = app::foldMetric(fold, name))
                    ImGui::TextUnformatted(Number(*value).c_str());
                else
                    ImGui::TextDisabled("\xE2\x80\x94");
            }
        }
    }
    ImGui::EndTable();
}

// The fold's dates, its gap, what is wrong with its cut, and what QuestDB lacks under its test window.
void FoldTooltip(const app::FoldsState& f, const db::FoldRow& fold, const app::UncoveredFold* missing) {
    ImGui::BeginTooltip();
    ImGui::Text("fold %d", fold.foldIndex);
    ImGui::Text("train %s \xE2\x86\x92 %s", ShortTimestamp(fold.trainStart).c_str(),
                ShortTimestamp(fold.trainEnd).c_str());
    ImGui::Text("test  %s \xE2\x86\x92 %s", ShortTimestamp(fold.testStart).c_str(),
                ShortTimestamp(fold.testEnd).c_str());
    ImGui::Text("gap   %s", GapText(fold.testStartEpoch - fold.trainEndEpoch).c_str());
    ImGui::PushTextWrapPos(em(28.0f));
    for (const app::FoldFinding& finding : f.findings)
        for (int index : finding.folds)
            if (index == fold.foldIndex)
                ImGui::TextColored(StatusColor(Status::Warn), "%s", finding.message.c_str());
    if (missing)
        ImGui::TextColored(StatusColor(Status::Error), "QuestDB: test window %s",
                           app::describeUncovered(*missing).c_str());
    ImGui::PopTextWrapPos();
    ImGui::EndTooltip();
    IncludeWindowInTextSnapshot();
}

void DrawTimeline(const app::FoldsState& f, const std::set<int>& flagged,
                  const std::optional<app::FoldCoverage>& coverage) {
    std::set<int> uncovered;
    if (coverage)
        for (const app::UncoveredFold& fold : coverage->uncovered) uncovered.insert(fold.foldIndex);
    const float label = em(3.0f);
    const float width = std::max(em(10.0f), ImGui::GetContentRegionAvail().x - label - em(0.5f));
    app::TimelineMetrics metrics;
    metrics.width = width;
    metrics.laneHeight = em(0.8f);
    metrics.laneGap = em(0.3f);
    metrics.maxHeight = em(24.0f);  // ~30 folds at full size; more get thinner lanes, not a taller picture
    metrics.minLaneHeight = 1.0f;   // 300 folds still fit in about 400 px
    metrics.labelHeight = ImGui::GetTextLineHeight();
    const app::TimelineLayout layout = app::layoutFoldTimeline(f.run->folds, flagged, uncovered, metrics);
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float axis = ImGui::GetTextLineHeight() + em(0.5f);
    const ImVec2 size(label + width, layout.height + axis);
    ImGui::InvisibleButton("##timeline", size);
    TagLastItem("folds.timeline");
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const float x0 = origin.x + label;
    for (size_t i = 0; i < layout.lanes.size(); ++i) {
        const app::TimelineLane& lane = layout.lanes[i];
        const float top = origin.y + lane.y0, bottom = origin.y + lane.y1;
        const std::string name = "f" + std::to_string(lane.foldIndex);
        if (lane.labeled)
            draw->AddText(ImVec2(origin.x, top - em(0.1f)),
                          Color(lane.flagged ? StatusColor(Status::Warn)
                                             : ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled)),
                          name.c_str());
        draw->AddRectFilled(ImVec2(x0 + lane.train.x0, top), ImVec2(x0 + lane.train.x1, bottom),
                            Color(kTrain));
        draw->AddRectFilled(ImVec2(x0 + lane.test.x0, top), ImVec2(x0 + lane.test.x1, bottom), Color(kTest));
        if (lane.flagged)
            draw->AddRect(ImVec2(x0 + lane.test.x0 - 1, top - 1), ImVec2(x0 + lane.test.x1 + 1, bottom + 1),
                          Color(StatusColor(Status::Error)), 0.0f, 0, 2.0f);
        if (lane.uncovered)  // no QuestDB rows under this test window: struck through
            draw->AddLine(ImVec2(x0 + lane.test.x0, bottom), ImVec2(x0 + lane.test.x1, top),
                          Color(StatusColor(Status::Error)), 2.0f);
        TagRect("folds.lane." + std::to_string(lane.foldIndex),
                ImVec2(x0 + std::min(lane.train.x0, lane.test.x0), top),
                ImVec2(x0 + std::max(lane.train.x1, lane.test.x1), bottom));
    }
    const float axisY = origin.y + layout.height + em(0.2f);
    const ImU32 muted = Color(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    draw->AddLine(ImVec2(x0, axisY), ImVec2(x0 + width, axisY), muted);
    for (const app::AxisTick& tick : layout.ticks) {
        draw->AddLine(ImVec2(x0 + tick.x, axisY), ImVec2(x0 + tick.x, axisY + em(0.25f)), muted);
        draw->AddText(ImVec2(x0 + tick.x + 2.0f, axisY + em(0.15f)), muted, tick.label.c_str());
    }
    if (!ImGui::IsItemHovered()) return;
    const float mouseY = ImGui::GetIO().MousePos.y - origin.y;
    for (size_t i = 0; i < layout.lanes.size(); ++i) {
        if (mouseY < layout.lanes[i].y0 - layout.laneGap || mouseY > layout.lanes[i].y1) continue;
        const app::UncoveredFold* missing = nullptr;
        if (coverage)
            for (const app::UncoveredFold& fold : coverage->uncovered)
                if (fold.foldIndex == layout.lanes[i].foldIndex) missing = &fold;
        return FoldTooltip(f, f.run->folds[i], missing);
    }
}

void DrawChart(app::Workbench& wb, const app::FoldsState& f) {
    if (f.metricNames.empty()) return;
    ImGui::AlignTextToFramePadding();
    ImGui::TextDisabled("metric per fold");
    ImGui::SameLine();
    ImGui::SetNextItemWidth(em(10.0f));
    if (ImGui::BeginCombo("##chart_metric", f.chartMetric.c_str())) {
        for (const std::string& name : f.metricNames)
            if (ImGui::Selectable(name.c_str(), name == f.chartMetric)) wb.folds().chooseChartMetric(name);
        ImGui::EndCombo();
    }
    TagLastItem("folds.metric");
    const app::MetricChart chart =
        app::layoutMetricChart(f.run->folds, f.chartMetric, ImGui::GetContentRegionAvail().x, em(6.0f));
    if (chart.mean) {
        ImGui::SameLine();
        ImGui::TextDisabled("mean %s over %zu folds", Number(*chart.mean).c_str(), chart.bars.size());
    }
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    const float width = ImGui::GetContentRegionAvail().x;
    ImGui::InvisibleButton("##chart", ImVec2(width, em(6.0f)));
    TagLastItem("folds.chart");
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImU32 muted = Color(ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
    for (const app::MetricBar& bar : chart.bars) {
        if (!bar.value) continue;
        draw->AddRectFilled(ImVec2(origin.x + bar.x0, origin.y + bar.y0),
                            ImVec2(origin.x + bar.x1, origin.y + bar.y1),
                            Color(*bar.value < 0 ? kNegativeBar : kBar));
    }
    draw->AddLine(ImVec2(origin.x, origin.y + chart.zeroY), ImVec2(origin.x + width, origin.y + chart.zeroY),
                  muted);
    if (chart.meanY)
        draw->AddLine(ImVec2(origin.x, origin.y + *chart.meanY),
                      ImVec2(origin.x + width, origin.y + *chart.meanY), Color(StatusColor(Status::Warn)),
                      1.5f);
    if (!ImGui::IsItemHovered() || chart.bars.empty()) return;
    const float slot = width / static_cast<float>(chart.bars.size());
    const size_t i =
        std::min(chart.bars.size() - 1,
                 static_cast<size_t>(std::max(0.0f, ImGui::GetIO().MousePos.x - origin.x) / slot));
    const app::MetricBar& bar = chart.bars[i];
    ImGui::BeginTooltip();
    if (bar.value)
        ImGui::Text("fold %d: %s %s", bar.foldIndex, f.chartMetric.c_str(), Number(*bar.value).c_str());
    else
        ImGui::Text("fold %d: no %s", bar.foldIndex, f.chartMetric.c_str());
    if (chart.mean) ImGui::TextDisabled("mean %s", Number(*chart.mean).c_str());
    ImGui::EndTooltip();
    IncludeWindowInTextSnapshot();
}

}  // namespace

void DrawParameterTable(const char* id, const std::string& jsonText, const std::string& tag) {
    const nlohmann::json document = nlohmann::json::parse(jsonText, nullptr, false);
    const auto leaves = app::flattenJson(document.is_discarded() ? nlohmann::json(jsonText) : document, "");
    if (leaves.empty()) {
        TextMuted("(empty)");
        TagLastItem(tag);
        return;
    }
    const ImGuiTableFlags flags =
        ImGuiTableFlags_RowBg | ImGuiTableFlags_BordersInnerV | ImGuiTableFlags_SizingFixedFit;
    if (!ImGui::BeginTable(id, 2, flags)) return;
    TagLastItem(tag);
    ImGui::TableSetupColumn("key");
    ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
    for (const auto& [path, value] : leaves) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextDisabled("%s", path.c_str());
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(app::leafText(value).c_str());
    }
    ImGui::EndTable();
}

void DrawFoldsSection(app::Workbench& wb, UiContext& ctx) {
    const app::FoldsState& f = wb.state().folds;
    const std::string title =
        f.run ? "Folds (" + std::to_string(f.run->folds.size()) + ")###folds" : std::string("Folds###folds");
    const bool open = ImGui::CollapsingHeader(title.c_str(), ImGuiTreeNodeFlags_DefaultOpen);
    TagLastItem("details.folds");
    if (!open) return;
    if (f.request.running())
        return RequestProgress(wb, "loading the folds\xE2\x80\xA6", f.request, ctx, "folds.cancel");
    if (f.request.phase == app::RequestPhase::Failed)
        return FailureLine(f.request, "loading the folds failed");
    if (f.request.phase == app::RequestPhase::Cancelled)
        return Hint("Loading the folds was cancelled: select the run again (or F5) to reload.");
    if (!f.run) return;
    if (f.run->folds.empty()) {
        Hint("This run has no folds (yet): a pending or running run writes them as it walks.");
        TagLastItem("folds.none");
        return;
    }
    const std::set<int> flagged = app::foldsNamedBy(f.findings);
    DrawFindings(f);
    DrawTable(f, flagged);
    ImGui::Spacing();
    DrawTimeline(f, flagged, app::questDbFoldCoverage(wb.state()));
    ImGui::Spacing();
    DrawChart(wb, f);
}

}  // namespace ui
