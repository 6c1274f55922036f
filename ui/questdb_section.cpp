#include "ui/questdb_section.hpp"

#include <string>

#include "app/questdb/fold_coverage.hpp"
#include "ui/diagnosis_card.hpp"
#include "ui/hierarchy_panel.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"

namespace ui {

namespace {

constexpr float kLabelWidthEm = 7.5f;

// "label    value", tagged on the value.
void Row(const char* label, const std::string& value, const std::string& tag, const ImVec4* color = nullptr) {
    const float x0 = ImGui::GetCursorPosX();
    TextMuted(label);
    ImGui::SameLine(x0 + em(kLabelWidthEm));
    if (color)
        ImGui::TextColored(*color, "%s", value.c_str());
    else
        ImGui::TextUnformatted(value.c_str());
    TagLastItem(tag);
}

void RetryButton(app::Workbench& wb) {
    if (ImGui::SmallButton("Ask QuestDB again")) wb.questdb().load();
    TagLastItem("questdb.retry");
}

void DrawRows(const app::QuestDbSideState& side) {
    const db::QuestDbTable& t = *side.result;
    std::string rows = std::to_string(t.rowCount);
    if (!side.expectedRows) return Row("rows", rows, "questdb.rows");
    Row("rows", rows, "questdb.rows");
    ImGui::SameLine();
    if (side.placeholder) {
        TextMuted("(placeholder dataset: no row_count to compare yet)");
    } else if (side.rowCountMismatch()) {
        ImGui::TextColored(StatusColor(Status::Warn), "\xE2\x89\xA0 row_count %lld in PostgreSQL",
                           *side.expectedRows);
        TagLastItem("questdb.mismatch");
        TooltipIfHovered(
            "indicator_datasets.row_count disagrees with QuestDB: the count is stale (update it after "
            "loading) or the load was partial.");
    } else {
        ImGui::TextColored(StatusColor(Status::Ok), "= row_count");
    }
}

void DrawCoverage(const app::WorkbenchState& state) {
    const std::optional<app::FoldCoverage> coverage = app::questDbFoldCoverage(state);
    if (!coverage) {
        TextMuted("Fold coverage: shown once the run's folds are loaded.");
        return;
    }
    if (coverage->allCovered()) {
        ImGui::TextColored(StatusColor(Status::Ok), "Covers all %d test windows", coverage->foldCount);
        TagLastItem("questdb.coverage");
        return;
    }
    ImGui::TextColored(StatusColor(Status::Warn),
                       "%d of %d test windows not covered:", static_cast<int>(coverage->uncovered.size()),
                       coverage->foldCount);
    TagLastItem("questdb.coverage");
    for (const app::UncoveredFold& fold : coverage->uncovered) {
        ImGui::BulletText("fold %d: %s", fold.foldIndex, app::describeUncovered(fold).c_str());
        TagLastItem("questdb.uncovered." + std::to_string(fold.foldIndex));
    }
}

void DrawResult(const app::WorkbenchState& state) {
    const app::QuestDbSideState& side = state.questdb;
    const db::QuestDbTable& t = *side.result;
    if (!t.exists) {
        const ImVec4 warn = StatusColor(Status::Warn);
        Row("table", side.table + "  missing", "questdb.table", &warn);
        TextMuted(side.kind == "dataset" ? "QuestDB has no such table: the dataset was never loaded, or its "
                                           "questdb_tag is wrong."
                                         : "QuestDB has no such table: nothing was written yet, or it was "
                                           "dropped.");
        return;
    }
    const ImVec4 ok = StatusColor(Status::Ok);
    Row("table", t.listedName + "  exists", "questdb.table", &ok);
    DrawRows(side);
    Row("first ts", t.first ? t.first->iso : "\xE2\x80\x94", "questdb.first");
    Row("last ts", t.last ? t.last->iso : "\xE2\x80\x94", "questdb.last");
    if (!t.note.empty()) TextMuted(t.note.c_str());
    if (side.kind == "run") DrawCoverage(state);
}

}  // namespace

void DrawQuestDbSection(app::Workbench& wb, UiContext& ctx) {
    const app::WorkbenchState& state = wb.state();
    const app::QuestDbSideState& side = state.questdb;
    ImGui::Dummy(ImVec2(0.0f, em(0.3f)));
    Heading("QuestDB");
    ImGui::Separator();
    if (!side.configured) {
        ImGui::PushTextWrapPos(0.0f);
        TextMuted(side.problem.empty()
                      ? "QuestDB not configured: set STAGE1_QUESTDB_HOST (and _PORT, _USER, _PASSWORD, "
                        "_DBNAME), a profile's \"questdb\", or the QuestDB fields of Connection settings."
                      : side.problem.c_str());
        ImGui::PopTextWrapPos();
        TagLastItem("questdb.hint");
        return;
    }
    TextMuted(side.target.c_str());
    TooltipIfHovered("QuestDB's PostgreSQL wire protocol (no TLS)");
    if (!side.problem.empty()) {
        Hint(side.problem.c_str());
        TagLastItem("questdb.problem");
        return;
    }
    const app::RequestStatus& request = side.request;
    if (request.running()) {
        RequestProgress(wb, "asking QuestDB for " + side.table + "\xE2\x80\xA6", request, ctx,
                        "questdb.cancel");
        return;
    }
    if (request.phase == app::RequestPhase::Failed) {
        if (request.failure) DrawDiagnosisCard(*request.failure, ctx, em(12.0f));
        RetryButton(wb);
        return;
    }
    if (request.phase == app::RequestPhase::Cancelled) {
        Hint("Cancelled.");
        RetryButton(wb);
        return;
    }
    if (side.result) DrawResult(state);
}

}  // namespace ui
