#include "ui/backfill_panel.hpp"

#include <imgui.h>

#include "ui/diagnosis_card.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"

namespace ui {

namespace {

constexpr float kLabelEm = 6.5f;

bool InputRow(const char* label, const char* id, std::string& value, const char* tag, const char* hint) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    ImGui::AlignTextToFramePadding();
    TextMuted(label);
    ImGui::TableNextColumn();
    return TextField(id, value, tag, 0.0f, hint);
}

void PreviewRow(const char* name, const std::string& value, ImFont* font = nullptr) {
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    TextMuted(name);
    ImGui::TableNextColumn();
    if (font != nullptr) ImGui::PushFont(font);
    ImGui::TextUnformatted(value.c_str());
    if (font != nullptr) ImGui::PopFont();
}

void DrawPreview(const app::PlaceholderPreview& p, const UiContext& ctx) {
    const ImGuiTableFlags flags =
        ImGuiTableFlags_BordersOuter | ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_RowBg;
    if (!ImGui::BeginTable("##preview", 2, flags)) return;
    TagLastItem("backfill.preview");
    ImGui::TableSetupColumn("field", ImGuiTableColumnFlags_WidthFixed, em(kLabelEm));
    ImGui::TableSetupColumn("value", ImGuiTableColumnFlags_WidthStretch);
    PreviewRow("slug", p.slug, ctx.mono);
    PreviewRow("dataset_id", p.datasetId, ctx.mono);
    ImGui::SameLine(0.0f, em(0.8f));
    TextMuted(p.idDerived ? "(derived from the slug)" : "(as given)");
    PreviewRow("symbol", p.symbol, ctx.mono);
    PreviewRow("granularity", p.granularity, ctx.mono);
    PreviewRow("source", p.source, ctx.mono);
    ImGui::EndTable();
}

void DrawOutcome(app::Workbench& wb, UiContext& ctx) {
    const app::BackfillState& b = wb.state().backfill;
    if (b.request.running()) {
        return RequestProgress(wb, "writing the placeholder dataset\xE2\x80\xA6", b.request, ctx,
                               "backfill.cancel");
    }
    if (!b.queuedOffline.empty()) {
        StatusDot(Status::Warn, "queued offline");
        ImGui::PushTextWrapPos(0.0f);
        TextMuted(("The server cannot be reached: the INSERT was appended to " + b.queuedOffline +
                   ". Nothing is lost; the nightly replay (stage1ctl replay-spool) applies it.")
                      .c_str());
        ImGui::PopTextWrapPos();
        TagLastItem("backfill.queued");
        return;
    }
    if (b.result) {
        ImGui::BeginGroup();
        StatusDot(b.result->inserted ? Status::Ok : Status::Warn,
                  b.result->inserted ? "created" : "already present");
        ImGui::SameLine(0.0f, em(0.6f));
        if (ctx.mono != nullptr) ImGui::PushFont(ctx.mono);
        ImGui::TextUnformatted(b.result->datasetId.c_str());
        if (ctx.mono != nullptr) ImGui::PopFont();
        if (!b.result->note.empty()) {
            ImGui::PushTextWrapPos(0.0f);
            TextMuted(b.result->note.c_str());
            ImGui::PopTextWrapPos();
        }
        ImGui::EndGroup();
        TagLastItem("backfill.result");
        return;
    }
    if (b.request.phase == app::RequestPhase::Cancelled) TextMuted("Cancelled: nothing was written.");
    if (b.request.phase == app::RequestPhase::Failed && b.request.failure) {
        ImGui::Spacing();
        DrawDiagnosisCard(*b.request.failure, ctx);
    }
}

}  // namespace

void DrawBackfillPanel(app::Workbench& wb, UiContext& ctx) {
    const app::BackfillState& b = wb.state().backfill;
    ImGui::PushTextWrapPos(0.0f);
    TextMuted(
        "Creates a placeholder indicator dataset for a slug that runs refer to but that has no row yet. "
        "What will be written is shown before anything is sent.");
    ImGui::PopTextWrapPos();
    ImGui::Spacing();

    app::BackfillInputs inputs = b.inputs;  // edited here, handed over as one intent
    bool edited = false;
    if (ImGui::BeginTable("##inputs", 2, ImGuiTableFlags_SizingStretchProp)) {
        ImGui::TableSetupColumn("label", ImGuiTableColumnFlags_WidthFixed, em(kLabelEm));
        ImGui::TableSetupColumn("field", ImGuiTableColumnFlags_WidthStretch);
        edited |= InputRow("Slug", "##slug", inputs.slug, "backfill.inputs.slug", "btc_2025_4h");
        edited |= InputRow("Dataset id", "##uuid", inputs.uuid, "backfill.inputs.uuid",
                           "optional: derived from the slug");
        edited |= InputRow("Symbol", "##symbol", inputs.symbol, "backfill.inputs.symbol",
                           "optional: from the slug (BTC)");
        ImGui::EndTable();
    }
    if (edited) wb.backfill().setInputs(inputs);

    const app::PreviewResult& preview = b.preview;
    ImGui::Spacing();
    if (b.inputs.slug.empty() && b.inputs.uuid.empty() && b.inputs.symbol.empty()) {
        TextMuted("Type a slug to see what will be inserted.");
    } else if (!preview.preview) {
        ImGui::PushStyleColor(ImGuiCol_Text, StatusColor(Status::Error));
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(preview.problem.c_str());
        ImGui::PopTextWrapPos();
        ImGui::PopStyleColor();
        TagLastItem("backfill.problem");
        TextMuted("Nothing is sent until this is fixed.");
    } else {
        DrawPreview(*preview.preview, ctx);
    }

    ImGui::Spacing();
    // Reconnecting: the write goes to the offline spool, replayed by the nightly job.
    const app::ConnectionPhase phase = wb.state().connection.phase;
    const bool offline = phase == app::ConnectionPhase::Reconnecting;
    const bool canSend = phase == app::ConnectionPhase::Connected || offline;
    const bool ready = preview.preview.has_value() && canSend && !b.request.running();
    if (ButtonDisablable(offline ? "Backfill (queue offline)" : "Backfill", ready)) wb.backfill().confirm();
    TagLastItem("backfill.button");
    if (!canSend) TooltipIfHovered("Connect first");
    if (offline) TooltipIfHovered("The server cannot be reached: the INSERT is appended to the spool file");
    ImGui::SameLine(0.0f, em(0.8f));
    DrawOutcome(wb, ctx);
}

}  // namespace ui
