#include "ui/connection_panel.hpp"

#include <imgui.h>

#include <algorithm>
#include <cfloat>
#include <cstdio>
#include <cstring>

#include "app/connect/ssh_tunnel.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

constexpr const char* kSslModes[] = {"disable", "allow", "prefer", "require", "verify-ca", "verify-full"};
constexpr float kLabelEm = 6.5f;

void Label(const char* text) {
    ImGui::TableNextColumn();
    ImGui::AlignTextToFramePadding();
    TextMuted(text);
    ImGui::TableNextColumn();
}

// The prompt's buffer is wiped right after it is handed over, never logged or saved.
void SubmitPassword(app::Workbench& wb, ConnectionPanelState& panel) {
    const std::string password(panel.password.data());
    std::memset(panel.password.data(), 0, panel.password.size());
    panel.showPassword = false;
    wb.connection().submitPassword(password);
}

void DrawProfileRow(app::Workbench& wb, const app::ConnectionForm& form, ConnectionPanelState& panel) {
    Label("Profile");
    const std::string preview = form.profile.empty() ? "(none)" : form.profile;
    ImGui::SetNextItemWidth(-ButtonWidth("Save as\xE2\x80\xA6") - ImGui::GetStyle().ItemSpacing.x);
    if (ImGui::BeginCombo("##profile", preview.c_str())) {
        // Read from disk only while the list is open, not every frame.
        const auto names = wb.connection().profileNames();
        if (names.empty()) TextMuted("no saved profiles");
        for (const std::string& name : names)
            if (ImGui::Selectable(name.c_str(), name == form.profile)) wb.connection().useProfile(name);
        ImGui::EndCombo();
    }
    TagLastItem("connect.profile");
    ImGui::SameLine();
    if (ImGui::Button("Save as\xE2\x80\xA6")) {
        panel.profileName = form.profile;
        ImGui::OpenPopup("save_profile");
    }
    TagLastItem("profile.save");
    TooltipIfHovered("Saves these settings under a name (never the password)");
    if (ImGui::BeginPopup("save_profile")) {
        TextMuted("Profile name (the password is never saved)");
        if (ImGui::IsWindowAppearing()) ImGui::SetKeyboardFocusHere();
        const bool enter = TextField("##name", panel.profileName, "profile.name", em(14.0f), nullptr,
                                     ImGuiInputTextFlags_EnterReturnsTrue);
        ImGui::SameLine();
        const bool save = ButtonDisablable("Save", !panel.profileName.empty());
        TagLastItem("profile.save.confirm");
        if ((enter || save) && !panel.profileName.empty()) {
            wb.connection().saveProfile(panel.profileName);
            ImGui::CloseCurrentPopup();
        }
        ImGui::EndPopup();
    }
}

void DrawModeField(app::ConnectionForm& form) {
    if (ImGui::RadioButton("Direct", form.mode == app::ConnectionMode::Direct))
        form.mode = app::ConnectionMode::Direct;
    TagLastItem("connect.mode.direct");
    ImGui::SameLine(0.0f, em(1.2f));
    if (ImGui::RadioButton("SSH tunnel", form.mode == app::ConnectionMode::Tunnel))
        form.mode = app::ConnectionMode::Tunnel;
    TagLastItem("connect.mode.tunnel");
}

void PortField(const char* id, int& port, const std::string& tag) {
    ImGui::SetNextItemWidth(-FLT_MIN);
    if (ImGui::InputInt(id, &port, 0, 0)) port = std::max(1, std::min(port, 65535));
    TagLastItem(tag);
}

void SslModeField(app::ConnectionForm& form) {
    ImGui::SetNextItemWidth(-FLT_MIN);
    constexpr const char* kDefault = "default (require off this machine)";
    if (ImGui::BeginCombo("##sslmode", form.sslmode.empty() ? kDefault : form.sslmode.c_str())) {
        if (ImGui::Selectable(kDefault, form.sslmode.empty())) form.sslmode.clear();
        for (const char* mode : kSslModes)
            if (ImGui::Selectable(mode, form.sslmode == mode)) form.sslmode = mode;
        ImGui::EndCombo();
    }
    TagLastItem("connect.sslmode");
}

void PasswordToggle(const app::ConnectionStatus& c, ConnectionPanelState& panel) {
    if (c.passwordRequested) {
        ImGui::AlignTextToFramePadding();
        ImGui::TextColored(StatusColor(Status::Warn), "requested \xE2\x86\x92");
        return;
    }
    if (ImGui::Button(panel.showPassword ? "Hide prompt" : "Password\xE2\x80\xA6"))
        panel.showPassword = !panel.showPassword;
    TagLastItem("connect.password.open");
    TooltipIfHovered("Type a password for the next Connect (it is never saved)");
}

// QuestDB's PostgreSQL wire protocol, for the selection's QuestDB section (questdb_section.cpp).
// Empty host: STAGE1_QUESTDB_HOST, else QuestDB is not configured. Its PG wire has no TLS.
void DrawQuestDbFields(app::QuestDbForm& q) {
    Label("QuestDB host");
    TextField("##qhost", q.host, "connect.questdb.host", 0.0f, "empty: no QuestDB section");
    TooltipIfHovered(
        "QuestDB's PostgreSQL wire protocol (no TLS: use a private network or a tunnel).\n"
        "The password comes from STAGE1_QUESTDB_PASSWORD or ~/.pgpass, never a profile.");
    Label("QuestDB port");
    TextField("##qport", q.port, "connect.questdb.port", 0.0f, "8812");
    Label("QuestDB db");
    TextField("##qdb", q.dbname, "connect.questdb.db", 0.0f, "qdb");
    Label("QuestDB user");
    TextField("##quser", q.user, "connect.questdb.user", 0.0f, "admin");
}

// Two fields per row: [label field | label field]. The fields edit a copy of the form; an edit
// goes to the controller as one intent.
void DrawForm(app::Workbench& wb, ConnectionPanelState& panel) {
    const app::ConnectionForm original = wb.state().form;
    app::ConnectionForm form = original;
    const bool tunnel = form.mode == app::ConnectionMode::Tunnel;
    const ImGuiTableFlags flags = ImGuiTableFlags_SizingStretchProp;
    if (!ImGui::BeginTable("##form", 4, flags)) return;
    ImGui::TableSetupColumn("label1", ImGuiTableColumnFlags_WidthFixed, em(kLabelEm));
    ImGui::TableSetupColumn("field1", ImGuiTableColumnFlags_WidthStretch, 1.6f);
    ImGui::TableSetupColumn("label2", ImGuiTableColumnFlags_WidthFixed, em(kLabelEm));
    ImGui::TableSetupColumn("field2", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    DrawProfileRow(wb, form, panel);
    Label("Mode");
    DrawModeField(form);

    Label(tunnel ? "Server name" : "Host");
    TextField("##host", form.host, "connect.host", 0.0f,
              tunnel ? "db.internal (as the server knows itself)" : "127.0.0.1, a name, or a socket folder");
    if (tunnel) {
        Label("");
    } else {
        Label("Port");
        TextField("##port", form.port, "connect.port", 0.0f, "5432");
    }
    Label("Database");
    TextField("##db", form.dbname, "connect.db", 0.0f, "stage1_trading");
    Label("User");
    TextField("##user", form.user, "connect.user", 0.0f, "stage1_app");
    Label("SSL mode");
    SslModeField(form);
    Label("CA file");
    TextField("##sslrootcert", form.sslrootcert, "connect.sslrootcert", 0.0f,
              "for verify-full: the server's CA");
    Label("Password");
    PasswordToggle(wb.state().connection, panel);

    if (tunnel) {
        Label("SSH target");
        TextField("##target", form.sshTarget, "connect.tunnel.target", 0.0f, "analyst@203.0.113.10[:22]");
        Label("Local port");
        PortField("##local", form.tunnelLocalPort, "connect.tunnel.local_port");
        Label("Remote host");
        TextField("##rhost", form.remoteHost, "connect.tunnel.remote_host", 0.0f,
                  "127.0.0.1 (seen from the SSH host)");
        Label("Remote port");
        PortField("##rport", form.remotePort, "connect.tunnel.remote_port");
    }
    DrawQuestDbFields(form.questdb);
    ImGui::EndTable();
    // Compared with the copy, not the state: choosing a profile above changed the state itself.
    if (form != original) wb.connection().editForm(form);
}

void DrawTunnelHint(const app::ConnectionForm& form, UiContext& ctx) {
    Heading("SSH tunnel");
    ImGui::PushTextWrapPos(0.0f);
    TextMuted(form.sshTarget.empty()
                  ? "External tunnel: start it in a terminal on this machine before you connect:"
                  : "The app starts this tunnel itself on Connect (and restarts it if it drops). To run it "
                    "yourself instead, clear the SSH target and use:");
    ImGui::PopTextWrapPos();
    const std::string command = TunnelCommand(form);
    MonoBox("##tunnel", command, ctx, "connect.tunnel.command", 3);
    CopyButton("Copy command", command, ctx, "connect.tunnel.copy");
}

void DrawPasswordPrompt(app::Workbench& wb, ConnectionPanelState& panel) {
    const auto& c = wb.state().connection;
    Heading(c.passwordRequested ? "The server asks for a password" : "Password");
    ImGui::SetNextItemWidth(-ButtonWidth("Connect") - em(0.5f));
    if (c.passwordRequested && !ImGui::IsAnyItemActive()) ImGui::SetKeyboardFocusHere();
    const std::string hint =
        "password for " + (wb.state().form.user.empty() ? "the user" : wb.state().form.user);
    const bool enter =
        ImGui::InputTextWithHint("##password", hint.c_str(), panel.password.data(), panel.password.size(),
                                 ImGuiInputTextFlags_Password | ImGuiInputTextFlags_EnterReturnsTrue);
    TagLastItem("connect.password");
    ImGui::SameLine();
    const bool submit = ImGui::Button("Connect##password");
    TagLastItem("connect.password.submit");
    if (enter || submit) SubmitPassword(wb, panel);
    TextMuted("Kept in memory for this connection only; never saved or logged.");
}

// Asked before a password may go to another machine without TLS; the answer holds for the profile
// until the window closes.
void DrawPlaintextQuestion(app::Workbench& wb) {
    ImGui::TextColored(StatusColor(Status::Warn), "Send the password without TLS?");
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(StatusColor(Status::Warn), "%s",
                       wb.state().connection.plaintextPasswordQuestion.c_str());
    ImGui::PopTextWrapPos();
    if (ImGui::Button("Send it anyway")) wb.connection().allowPlaintextPassword();
    TagLastItem("connect.allow_plaintext");
    ImGui::SameLine();
    if (ImGui::Button("Don't send")) wb.connection().declinePlaintextPassword();
    TagLastItem("connect.decline_plaintext");
}

void DrawDoctorSteps(const app::DoctorState& doctor, UiContext& ctx) {
    Heading("Doctor");
    if (doctor.request.running())
        return RunningLine("testing the connection step by step\xE2\x80\xA6", doctor.request, ctx);
    const ImGuiTableFlags flags = ImGuiTableFlags_BordersInnerH | ImGuiTableFlags_RowBg |
                                  ImGuiTableFlags_SizingFixedFit | ImGuiTableFlags_BordersOuter;
    if (!ImGui::BeginTable("##doctor", 4, flags)) return;
    TagLastItem("doctor.steps");
    ImGui::TableSetupColumn("Step");
    ImGui::TableSetupColumn("Result");
    ImGui::TableSetupColumn("ms", ImGuiTableColumnFlags_WidthFixed, em(4.0f));
    ImGui::TableSetupColumn("Detail", ImGuiTableColumnFlags_WidthStretch);
    ImGui::TableHeadersRow();
    for (const app::DoctorStep& step : doctor.report.steps) {
        ImGui::TableNextRow();
        ImGui::TableNextColumn();
        ImGui::TextUnformatted(step.name.c_str());
        ImGui::TableNextColumn();
        const Status status = !step.ok ? Status::Error : step.warning ? Status::Warn : Status::Ok;
        ImGui::TextColored(StatusColor(status), !step.ok ? "FAIL" : step.warning ? "warn" : "ok");
        ImGui::TableNextColumn();
        ImGui::Text("%.0f", step.ms);
        ImGui::TableNextColumn();
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextUnformatted(step.detail.c_str());
        ImGui::PopTextWrapPos();
    }
    ImGui::EndTable();
    if (doctor.report.ok())
        StatusDot(Status::Ok, "every step passed");
    else if (doctor.report.diagnosis)
        StatusDot(Status::Error, doctor.report.diagnosis->title.c_str());
}

}  // namespace

std::string TunnelCommand(const app::ConnectionForm& form) {
    return app::externalTunnelCommand(
        app::manualTunnelSpec(form.sshTarget, form.remoteHost, form.remotePort, form.tunnelLocalPort));
}

void DrawConnectionHeader(app::Workbench& wb, UiContext& ctx) {
    const app::ConnectionStatus& c = wb.state().connection;
    const bool connecting = c.phase == app::ConnectionPhase::Connecting;

    // Right-hand buttons first in width, so the state text can stop before them.
    const char* primary = connecting ? "Cancel" : "Connect";
    const float buttons = ButtonWidth("Doctor") + ButtonWidth(primary) + ButtonWidth("Disconnect") +
                          ImGui::GetStyle().ItemSpacing.x * 2.0f;

    ImGui::AlignTextToFramePadding();
    switch (c.phase) {
        case app::ConnectionPhase::Connected:
            StatusDot(Status::Ok, ("Connected to " + c.target).c_str());
            break;
        case app::ConnectionPhase::Connecting:
            RunningLine("Connecting to " + c.target + "\xE2\x80\xA6", c.request, ctx);
            break;
        case app::ConnectionPhase::Failed:
            StatusDot(Status::Error, c.request.phase == app::RequestPhase::Cancelled
                                         ? "Connection attempt cancelled"
                                         : ("Cannot connect to " + c.target).c_str());
            break;
        case app::ConnectionPhase::Reconnecting: {
            std::string text = "Connection lost, reconnecting to " + c.target + "\xE2\x80\xA6";
            if (c.reconnectAttempts > 0) text += " (attempt " + std::to_string(c.reconnectAttempts + 1) + ")";
            Spinner();
            ImGui::SameLine(0.0f, em(0.4f));
            ImGui::TextColored(StatusColor(Status::Warn), "%s", text.c_str());
            if (!c.reconnectReason.empty()) TooltipIfHovered(c.reconnectReason.c_str());
            break;
        }
        case app::ConnectionPhase::Disconnected:
            StatusDot(Status::Idle, "Not connected");
            break;
    }

    AlignRight(buttons);
    ImGui::BeginDisabled(wb.state().doctor.request.running());
    if (ImGui::Button("Doctor")) wb.connection().runDoctor();
    ImGui::EndDisabled();
    TagLastItem("doctor.button");
    TooltipIfHovered("Test the connection step by step: resolve, TCP, TLS, login, server, schema");
    ImGui::SameLine();
    if (connecting) {
        if (ImGui::Button("Cancel")) wb.cancel(c.request);
        TagLastItem("connect.cancel");
    } else {
        if (ImGui::Button("Connect")) wb.connection().connect();
        TagLastItem("connect.button");
    }
    ImGui::SameLine();
    const bool canDisconnect =
        c.phase == app::ConnectionPhase::Connected || c.phase == app::ConnectionPhase::Failed;
    if (ButtonDisablable("Disconnect", canDisconnect)) wb.connection().disconnect();
    TagLastItem("disconnect.button");
    // In the header, which stays open when the settings are folded away.
    if (!c.plaintextPasswordQuestion.empty()) DrawPlaintextQuestion(wb);
}

void DrawConnectionPanel(app::Workbench& wb, UiContext& ctx) {
    const app::WorkbenchState& s = wb.state();
    ConnectionPanelState& panel = ctx.window().connection;
    const bool tunnel = s.form.mode == app::ConnectionMode::Tunnel;
    const bool side = tunnel || s.connection.passwordRequested || panel.showPassword || s.doctor.ran() ||
                      s.doctor.request.running();
    const ImGuiTableFlags flags = ImGuiTableFlags_SizingStretchProp | ImGuiTableFlags_BordersInnerV;
    // Alone, the form stays a readable width instead of stretching across a wide window.
    const float width = side ? 0.0f : std::min(ImGui::GetContentRegionAvail().x, em(56.0f));
    if (!ImGui::BeginTable("##connection", side ? 2 : 1, flags, ImVec2(width, 0.0f))) return;
    ImGui::TableSetupColumn("form", ImGuiTableColumnFlags_WidthStretch, 1.5f);
    if (side) ImGui::TableSetupColumn("side", ImGuiTableColumnFlags_WidthStretch, 1.0f);
    ImGui::TableNextRow();
    ImGui::TableNextColumn();
    DrawForm(wb, panel);
    if (side) {
        ImGui::TableNextColumn();
        ImGui::Indent(em(0.5f));
        if (s.connection.passwordRequested || panel.showPassword) {
            DrawPasswordPrompt(wb, panel);
            ImGui::Spacing();
        }
        if (tunnel) {
            DrawTunnelHint(s.form, ctx);
            ImGui::Spacing();
        }
        if (s.doctor.ran() || s.doctor.request.running()) DrawDoctorSteps(s.doctor, ctx);
        ImGui::Unindent(em(0.5f));
    }
    ImGui::EndTable();
}

}  // namespace ui
