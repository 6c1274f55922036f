#include "ui/status_panel.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>

#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"

namespace ui {

namespace {

using Connection = StatusModel::Connection;

constexpr float kLabelWidthEm = 7.0f;
const ImVec4 kTitleColor(0.62f, 0.78f, 1.00f, 1.0f);

Status ConnectionStatus(Connection connection) {
    switch (connection) {
        case Connection::Connected:
            return Status::Ok;
        case Connection::Connecting:
            return Status::Warn;
        case Connection::Failed:
            return Status::Error;
        case Connection::Idle:
            break;
    }
    return Status::Idle;
}

Status MigrationStatus(const std::string& state) {
    if (state == "applied") return Status::Ok;
    if (state == "pending") return Status::Warn;
    if (state == "mismatched") return Status::Error;
    return Status::Idle;
}

// "12 ms", "3.4 ms", or "" when nothing was measured.
std::string FormatElapsed(double ms) {
    if (ms <= 0) return {};
    char buf[32];
    std::snprintf(buf, sizeof buf, ms >= 10 ? "%.0f ms" : "%.1f ms", ms);
    return buf;
}

void SectionHeading(const char* title) {
    ImGui::Dummy(ImVec2(0.0f, em(0.35f)));
    ImGui::PushStyleColor(ImGuiCol_Text, kTitleColor);
    ImGui::TextUnformatted(title);
    ImGui::PopStyleColor();
    ImGui::Separator();
}

// "Label      value" with all values in one column; an empty value shows as a muted dash.
void Field(const char* label, const std::string& value, ImFont* font = nullptr) {
    const float x0 = ImGui::GetCursorPosX();
    TextMuted(label);
    ImGui::SameLine(x0 + em(kLabelWidthEm));
    if (value.empty()) {
        TextMuted("\xE2\x80\x94");  // em dash
        return;
    }
    if (font != nullptr) ImGui::PushFont(font);
    ImGui::TextUnformatted(value.c_str());
    if (font != nullptr) ImGui::PopFont();
}

// Right-aligns the next item of the given width on the current line.
void SameLineRightAligned(float width) {
    ImGui::SameLine(std::max(ImGui::GetCursorPosX(), ImGui::GetWindowContentRegionMax().x - width));
}

float ButtonWidth(const char* label) {
    return ImGui::CalcTextSize(label).x + ImGui::GetStyle().FramePadding.x * 2.0f;
}

float StatusBarHeight() {
    const ImGuiStyle& style = ImGui::GetStyle();
    return ImGui::GetTextLineHeight() + style.ItemSpacing.y * 2.0f + 1.0f;
}

void DrawHeader(const StatusModel& model, StatusActions& actions) {
    ImGui::PushStyleColor(ImGuiCol_Text, kTitleColor);
    ImGui::TextUnformatted("Stage1 Server Debugger");
    ImGui::PopStyleColor();
    ImGui::SameLine();
    TextMuted("\xC2\xB7 PostgreSQL status");

    // One button slot: Cancel while a request runs, Refresh otherwise.
    const bool busy = model.connection == Connection::Connecting;
    const char* label = busy ? "Cancel" : "Refresh";
    ImGui::PushStyleVar(ImGuiStyleVar_FramePadding,
                        ImVec2(em(0.9f), ImGui::GetStyle().FramePadding.y * 0.5f));
    SameLineRightAligned(ButtonWidth(label));
    if (busy) {
        if (ImGui::Button("Cancel")) actions.cancel_clicked = true;
        TooltipIfHovered("Abort the connection attempt");
    } else {
        const bool has_target = !model.target.empty();
        if (ButtonDisablable("Refresh", has_target)) actions.refresh_clicked = true;
        TooltipIfHovered(has_target ? "Reconnect and re-read the schema status"
                                    : "No connection target configured");
    }
    ImGui::PopStyleVar();
}

void DrawConnectionState(const StatusModel& model) {
    const float x0 = ImGui::GetCursorPosX();
    TextMuted("State");
    ImGui::SameLine(x0 + em(kLabelWidthEm));
    switch (model.connection) {
        case Connection::Idle:
            StatusDot(Status::Idle, "not connected");
            break;
        case Connection::Connected:
            StatusDot(Status::Ok, "connected");
            break;
        case Connection::Failed:
            StatusDot(Status::Error, "failed");
            break;
        case Connection::Connecting:
            Spinner();
            ImGui::SameLine(0.0f, em(0.3f));
            ImGui::TextUnformatted("connecting\xE2\x80\xA6");
            break;
    }
}

void DrawError(const StatusModel& model, ImFont* mono) {
    ImGui::Dummy(ImVec2(0.0f, em(0.2f)));
    ImGui::PushStyleColor(ImGuiCol_Text, StatusColor(Status::Error));
    ImGui::TextWrapped("%s", model.error_title.empty() ? "Connection failed" : model.error_title.c_str());
    ImGui::PopStyleColor();

    // Raw server text, verbatim but wrapped; the box fits the text up to a cap, then scrolls.
    std::string_view text = model.error_text;
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
    const ImVec2 padding(em(0.7f), em(0.5f));
    const float wrap_width =
        ImGui::GetContentRegionAvail().x - padding.x * 2.0f - ImGui::GetStyle().ScrollbarSize;
    if (mono != nullptr) ImGui::PushFont(mono);
    const float text_height =
        ImGui::CalcTextSize(text.data(), text.data() + text.size(), false, wrap_width).y;
    const float max_height = ImGui::GetTextLineHeight() * 10.0f;
    if (mono != nullptr) ImGui::PopFont();

    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, padding);
    ImGui::BeginChild("##error_text", ImVec2(0.0f, std::min(text_height, max_height) + padding.y * 2.0f),
                      true);
    if (mono != nullptr) ImGui::PushFont(mono);
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextUnformatted(text.data(), text.data() + text.size());
    ImGui::PopTextWrapPos();
    if (mono != nullptr) ImGui::PopFont();
    ImGui::EndChild();
    ImGui::PopStyleVar();
}

void DrawConnection(const StatusModel& model, ImFont* mono) {
    SectionHeading("Connection");
    DrawConnectionState(model);
    Field("Target", model.target, mono);
    Field("Server", model.server_version.empty() ? std::string() : "PostgreSQL " + model.server_version);
    Field("SSL", model.connection == Connection::Connected ? (model.ssl_in_use ? "on" : "off") : "");
    Field("User", model.current_user);
    if (model.connection == Connection::Failed) DrawError(model, mono);
}

void DrawSchemaSummary(const StatusModel& model) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "schema version %d", model.schema_version);
    ImGui::TextUnformatted(buf);
    ImGui::SameLine(0.0f, em(1.2f));
    if (model.pending_count == 0 && model.mismatched_count == 0) {
        StatusDot(Status::Ok, "up to date");
        return;
    }
    if (model.pending_count > 0) {
        std::snprintf(buf, sizeof buf, "%d pending", model.pending_count);
        StatusDot(Status::Warn, buf);
        ImGui::SameLine(0.0f, em(1.2f));
    }
    if (model.mismatched_count > 0) {
        std::snprintf(buf, sizeof buf, "%d mismatched", model.mismatched_count);
        StatusDot(Status::Error, buf);
    }
}

void DrawMigrationTable(const std::vector<MigrationRow>& rows, ImFont* mono) {
    const ImGuiTableFlags flags = ImGuiTableFlags_Borders | ImGuiTableFlags_RowBg | ImGuiTableFlags_ScrollY |
                                  ImGuiTableFlags_Resizable | ImGuiTableFlags_SizingFixedFit;
    // As tall as the rows need, but never past the status bar (then it scrolls).
    const float row_height = ImGui::GetTextLineHeight() + ImGui::GetStyle().CellPadding.y * 2.0f;
    const float wanted = row_height * static_cast<float>(rows.size() + 1) + 2.0f;
    const float room = ImGui::GetContentRegionAvail().y - StatusBarHeight() - em(0.6f);
    const ImVec2 outer(0.0f, std::max(row_height * 3.0f, std::min(wanted, room)));
    if (!ImGui::BeginTable("##migrations", 4, flags, outer)) return;
    ImGui::TableSetupScrollFreeze(0, 1);
    ImGui::TableSetupColumn("Version", ImGuiTableColumnFlags_WidthFixed, em(4.5f));
    ImGui::TableSetupColumn("Name", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableSetupColumn("State", ImGuiTableColumnFlags_WidthFixed, em(6.5f));
    ImGui::TableSetupColumn("Applied at", ImGuiTableColumnFlags_WidthFixed, em(12.0f));
    ImGui::TableHeadersRow();

    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(rows.size()));
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const MigrationRow& row = rows[static_cast<size_t>(i)];
            ImGui::PushID(i);
            ImGui::TableNextRow();
            ImGui::TableNextColumn();
            if (mono != nullptr) ImGui::PushFont(mono);
            ImGui::Text("%04d", row.version);
            if (mono != nullptr) ImGui::PopFont();
            ImGui::TableNextColumn();
            ImGui::TextUnformatted(row.name.c_str());
            ImGui::TableNextColumn();
            ImGui::TextColored(StatusColor(MigrationStatus(row.state)), "%s", row.state.c_str());
            ImGui::TableNextColumn();
            if (row.applied_at.empty())
                TextMuted("\xE2\x80\x94");
            else
                ImGui::TextUnformatted(row.applied_at.c_str());
            ImGui::PopID();
        }
    }
    ImGui::EndTable();
}

void DrawSchema(const StatusModel& model, ImFont* mono) {
    SectionHeading("Schema");
    if (model.connection != Connection::Connected && model.migrations.empty()) {
        TextMuted(model.connection == Connection::Connecting
                      ? "Reading the schema status\xE2\x80\xA6"
                      : "No schema information \xE2\x80\x94 not connected.");
        return;
    }
    DrawSchemaSummary(model);
    if (model.migrations.empty()) {
        TextMuted("No migrations found.");
        return;
    }
    DrawMigrationTable(model.migrations, mono);
}

std::string StatusBarSummary(const StatusModel& model) {
    const std::string elapsed = FormatElapsed(model.elapsed_ms);
    switch (model.connection) {
        case Connection::Idle:
            return model.target.empty() ? "Idle \xE2\x80\x94 no connection target configured"
                                        : "Idle \xE2\x80\x94 press Refresh to connect";
        case Connection::Connecting:
            return "Connecting to " + model.target + "\xE2\x80\xA6";
        case Connection::Connected:
            return "Connected to " + model.target + (elapsed.empty() ? "" : " in " + elapsed);
        case Connection::Failed:
            return "Connection failed" + (elapsed.empty() ? "" : " after " + elapsed);
    }
    return {};
}

void DrawStatusBar(const StatusModel& model) {
    // Pinned to the bottom edge whatever the content above needed.
    const float top = ImGui::GetWindowHeight() - ImGui::GetStyle().WindowPadding.y - StatusBarHeight();
    ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), top));
    ImGui::Separator();
    StatusDot(ConnectionStatus(model.connection), StatusBarSummary(model).c_str());

    if (model.migrations.empty()) return;
    char buf[96];
    std::snprintf(buf, sizeof buf, "%zu migrations \xC2\xB7 %d pending \xC2\xB7 %d mismatched",
                  model.migrations.size(), model.pending_count, model.mismatched_count);
    SameLineRightAligned(ImGui::CalcTextSize(buf).x);
    TextMuted(buf);
}

}  // namespace

StatusActions DrawStatusPanel(const StatusModel& model, ImFont* mono) {
    StatusActions actions;
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    const bool open = ImGui::Begin("Stage1 Server Debugger##status", nullptr, flags);
    IncludeWindowInTextSnapshot();
    if (open) {
        DrawHeader(model, actions);
        DrawConnection(model, mono);
        DrawSchema(model, mono);
        DrawStatusBar(model);
    }
    ImGui::End();
    return actions;
}

}  // namespace ui
