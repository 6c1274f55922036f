#include "ui/checks_panel.hpp"

#include <imgui.h>

#include "ui/diagnosis_card.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

void WithMono(const UiContext& ctx, const std::string& text) {
    if (ctx.mono != nullptr) ImGui::PushFont(ctx.mono);
    ImGui::TextUnformatted(text.c_str());
    if (ctx.mono != nullptr) ImGui::PopFont();
}

void DrawRunBar(app::Workbench& wb, UiContext& ctx) {
    const app::ChecksState& c = wb.state().checks;
    const bool connected = wb.state().connection.phase == app::ConnectionPhase::Connected;
    ImGui::AlignTextToFramePadding();
    TextMuted("Spool file");
    ImGui::SameLine(0.0f, em(0.6f));
    std::string spoolPath = c.spoolPath;
    if (TextField("##spool", spoolPath, "checks.spool", em(28.0f), "blank: the spool is not checked"))
        wb.checks().setSpoolPath(spoolPath);
    TooltipIfHovered("The spool file whose INSERTs wait for the server; the window queues to it offline.");
    ImGui::SameLine(0.0f, em(0.8f));
    if (ButtonDisablable("Run checks", connected && !c.request.running())) wb.checks().run();
    TagLastItem("checks.run");
    if (!connected) TooltipIfHovered("Connect first");
    if (c.request.running()) {
        ImGui::SameLine(0.0f, em(0.6f));
        RequestProgress(wb, "running the checks\xE2\x80\xA6", c.request, ctx, "checks.cancel");
    }
}

// What the last "Backfill placeholder" click did, while the Backfill inputs are still its own.
void DrawBackfillOutcome(app::Workbench& wb, UiContext& ctx) {
    const app::WorkbenchState& s = wb.state();
    const app::BackfillState& b = s.backfill;
    if (s.backfill.fromFix.empty()) return;
    ImGui::BeginGroup();
    if (b.request.running()) {
        RunningLine("backfilling " + b.inputs.slug + "\xE2\x80\xA6", b.request, ctx);
    } else if (!b.queuedOffline.empty()) {
        StatusDot(Status::Warn,
                  ("queued offline in " + b.queuedOffline + ": the nightly replay applies it").c_str());
    } else if (b.result) {
        StatusDot(
            b.result->inserted ? Status::Ok : Status::Warn,
            (std::string(b.result->inserted ? "created: " : "already present: ") + b.result->note).c_str());
    } else if (b.request.phase == app::RequestPhase::Failed && b.request.failure) {
        StatusDot(Status::Error, ("backfill of " + b.inputs.slug + " failed").c_str());
    }
    ImGui::EndGroup();
    TagLastItem("checks.backfill_outcome");
    if (b.request.phase == app::RequestPhase::Failed && b.request.failure && !b.request.running())
        DrawDiagnosisCard(*b.request.failure, ctx, em(12.0f));
}

void DrawSummary(const app::WorkbenchState& s, ChecksPanelState& panel) {
    const app::ChecksState& c = s.checks;
    int failed = 0;
    for (const auto& check : c.results) failed += check.ok ? 0 : 1;
    const std::string total = std::to_string(c.results.size());
    const std::string verdict = failed == 0 ? "all " + total + " checks passed"
                                            : std::to_string(failed) + " of " + total + " checks failed";
    StatusDot(failed == 0 ? Status::Ok : Status::Error, verdict.c_str());
    TagLastItem("checks.summary");
    ImGui::SameLine(0.0f, em(1.5f));
    ImGui::Checkbox("Only failed", &panel.onlyFailed);
    TagLastItem("checks.only_failed");
    std::string when = "Finished at " + c.finishedAt + " in " + FormatDuration(c.request.elapsedMs);
    when += c.checkedSpool.empty() ? "; the spool was not checked" : "; spool " + c.checkedSpool;
    if (c.ranOn != s.connection.target) when += " (on " + c.ranOn + ", not this connection)";
    ImGui::PushTextWrapPos(0.0f);
    TextMuted(when.c_str());
    ImGui::PopTextWrapPos();
}

// The placeholder a missing dataset row can get: what will be inserted, and the buttons.
bool DrawFix(app::Workbench& wb, const app::PlaceholderFix& fix, UiContext& ctx) {
    const app::WorkbenchState& s = wb.state();
    ImGui::Indent(em(1.2f));
    bool editInBackfill = false;
    if (!fix.preview.preview) {
        ImGui::TextColored(StatusColor(Status::Error), "no placeholder: %s", fix.preview.problem.c_str());
    } else if (s.backfill.fromFix == fix.key() && s.backfill.request.running()) {
        RunningLine("backfilling\xE2\x80\xA6", s.backfill.request, ctx);
    } else {
        const app::PlaceholderPreview& p = *fix.preview.preview;
        const bool idle = !s.backfill.request.running() && !s.checks.request.running() &&
                          s.connection.phase == app::ConnectionPhase::Connected;
        if (ButtonDisablable("Backfill placeholder", idle)) wb.checks().fix(app::PlaceholderFix(fix));
        TagLastItem("checks.backfill." + fix.key());
        TooltipIfHovered(
            "Through fn_upsert_placeholder_dataset, as the Backfill tab does; the checks run again");
        if (!fix.slugKnown) {
            ImGui::SameLine(0.0f, em(0.6f));
            if (ImGui::SmallButton("Type its slug\xE2\x80\xA6")) {
                wb.checks().prefill(fix);
                editInBackfill = true;
            }
            TagLastItem("checks.edit." + fix.key());
            TooltipIfHovered("Opens the Backfill tab with this dataset id, for its real QuestDB tag");
        }
        ImGui::PushTextWrapPos(0.0f);
        TextMuted(("inserts slug " + p.slug + (fix.slugKnown ? "" : " (no slug known: named by its id)") +
                   ", dataset_id " + p.datasetId + (p.idDerived ? " (derived)" : "") + ", symbol " +
                   p.symbol + ", source " + p.source)
                      .c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::Unindent(em(1.2f));
    return editInBackfill;
}

bool DrawCheck(app::Workbench& wb, std::size_t index, UiContext& ctx) {
    const app::ChecksState& c = wb.state().checks;
    const db::CheckResult& check = c.results[index];
    ImGui::PushID(static_cast<int>(index));
    ImGui::AlignTextToFramePadding();
    ImGui::TextColored(StatusColor(check.ok ? Status::Ok : Status::Error), "%s", check.ok ? "ok" : "FAIL");
    ImGui::SameLine(em(2.8f));  // a column: the names line up whatever the verdict
    const bool hasBody = !check.rows.empty() || check.more > 0 || !check.fix.empty() || !check.info.empty();
    ImGuiTreeNodeFlags flags = ImGuiTreeNodeFlags_SpanAvailWidth;
    if (!check.ok) flags |= ImGuiTreeNodeFlags_DefaultOpen;
    if (!hasBody) flags |= ImGuiTreeNodeFlags_Leaf | ImGuiTreeNodeFlags_NoTreePushOnOpen;
    const bool open =
        ImGui::TreeNodeEx("##check", flags, "%s  %s", check.name.c_str(), check.summary.c_str());
    TagLastItem("checks.check." + check.name);
    bool editInBackfill = false;
    if (open && hasBody) {
        for (int row = 0; row < static_cast<int>(check.rows.size()); ++row) {
            ImGui::PushTextWrapPos(0.0f);
            WithMono(ctx, check.rows[static_cast<size_t>(row)]);
            ImGui::PopTextWrapPos();
            for (const app::PlaceholderFix& fix : c.fixes)
                if (fix.check == index && fix.row == row) editInBackfill |= DrawFix(wb, fix, ctx);
        }
        if (check.more > 0) TextMuted(("\xE2\x80\xA6 and " + std::to_string(check.more) + " more").c_str());
        if (!check.fix.empty() && !check.ok) {
            TextMuted("Fix:");
            ImGui::SameLine();
            ImGui::PushTextWrapPos(ImGui::GetContentRegionMax().x - ButtonWidth("Copy") - em(0.5f));
            ImGui::TextUnformatted(check.fix.c_str());
            ImGui::PopTextWrapPos();
            TagLastItem("checks.fixtext." + check.name);
            ImGui::SameLine();
            CopyButton("Copy", check.fix, ctx, "checks.copyfix." + check.name);
        }
        // Information, not findings (a running run without folds yet): muted, after the fix.
        for (const std::string& row : check.info) {
            ImGui::PushTextWrapPos(0.0f);
            TextMuted(("info: " + row).c_str());
            ImGui::PopTextWrapPos();
        }
        if (check.infoMore > 0)
            TextMuted(("info: \xE2\x80\xA6 and " + std::to_string(check.infoMore) + " more").c_str());
        ImGui::TreePop();
    }
    ImGui::PopID();
    return editInBackfill;
}

}  // namespace

bool DrawChecksPanel(app::Workbench& wb, UiContext& ctx) {
    const app::WorkbenchState& s = wb.state();
    const app::ChecksState& c = s.checks;
    ImGui::PushTextWrapPos(0.0f);
    TextMuted(
        "The checks of stage1ctl validate, in one read-only snapshot: pending migrations, counts, orphans, "
        "missing configs, duplicates, stale placeholders; and what the spool file references.");
    ImGui::PopTextWrapPos();
    ImGui::Spacing();
    DrawRunBar(wb, ctx);
    DrawBackfillOutcome(wb, ctx);
    if (c.request.phase == app::RequestPhase::Failed && c.request.failure) {
        ImGui::Spacing();
        DrawDiagnosisCard(*c.request.failure, ctx, em(14.0f));
    }
    if (c.request.phase == app::RequestPhase::Cancelled)
        TextMuted(c.ran ? "Cancelled: below are the results of the run before." : "Cancelled.");
    if (!c.ran) {
        if (!c.request.running()) TextMuted("Nothing checked yet: press Run checks.");
        return false;
    }
    ImGui::Spacing();
    ChecksPanelState& panel = ctx.window().checks;
    DrawSummary(s, panel);
    ImGui::Separator();
    bool editInBackfill = false;
    for (std::size_t i = 0; i < c.results.size(); ++i)
        if (!panel.onlyFailed || !c.results[i].ok) editInBackfill |= DrawCheck(wb, i, ctx);
    return editInBackfill;
}

}  // namespace ui
