#include "ui/status_bar.hpp"

#include <imgui.h>

#include <cstdio>

#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"

namespace ui {

namespace {

void Separator() {
    ImGui::SameLine(0.0f, em(0.6f));
    TextMuted("\xC2\xB7");
    ImGui::SameLine(0.0f, em(0.6f));
}

Status PhaseStatus(app::ConnectionPhase phase) {
    switch (phase) {
        case app::ConnectionPhase::Connected:
            return Status::Ok;
        case app::ConnectionPhase::Connecting:
        case app::ConnectionPhase::Reconnecting:
            return Status::Warn;
        case app::ConnectionPhase::Failed:
            return Status::Error;
        case app::ConnectionPhase::Disconnected:
            break;
    }
    return Status::Idle;
}

const char* PhaseText(app::ConnectionPhase phase) {
    switch (phase) {
        case app::ConnectionPhase::Connected:
            return "Connected";
        case app::ConnectionPhase::Connecting:
            return "Connecting";
        case app::ConnectionPhase::Reconnecting:
            return "Reconnecting";
        case app::ConnectionPhase::Failed:
            return "Connection failed";
        case app::ConnectionPhase::Disconnected:
            break;
    }
    return "Not connected";
}

// "15.18" out of "15.18 (Debian 15.18-0+deb12u1)".
std::string ShortVersion(const std::string& version) {
    const size_t space = version.find(' ');
    return space == std::string::npos ? version : version.substr(0, space);
}

// What protects the connection: amber when nothing checks the server's certificate or it is about
// to expire. Hovering shows the certificate, its fingerprint and how to verify it.
void TlsSection(const db::TlsFacts& tls) {
    const std::string text = db::describeTls(tls);
    const bool expiring = tls.certificate && tls.certificate->daysLeft < db::kCertificateWarningDays;
    if ((tls.inUse && !tls.verified) || expiring)
        ImGui::TextColored(StatusColor(Status::Warn), "%s", text.c_str());
    else
        ImGui::TextUnformatted(text.c_str());
    TagLastItem("status.tls");
    if (!tls.certificate || !ImGui::IsItemHovered()) return;  // the tooltip's text only when shown
    const db::TlsCertificate& c = *tls.certificate;
    std::string tip = "Server certificate\n  subject  " + c.subject + "\n  issuer   " + c.issuer +
                      "\n  expires  " + c.notAfter + " (" + std::to_string(c.daysLeft) +
                      " days)\n  SHA-256  " + c.sha256;
    if (!tls.verified)
        tip +=
            "\n\nNot verified: anyone on the path could pose as the server. Compare the fingerprint with the "
            "server administrator's, save their CA certificate, then set the profile's sslrootcert to it "
            "and sslmode to verify-full (docs/RUNBOOK.md, \"Verify the server's certificate\").";
    TooltipIfHovered(tip.c_str());
}

void DrawFacts(const app::WorkbenchState& s) {
    const app::ConnectionStatus& c = s.connection;
    StatusDot(PhaseStatus(c.phase), PhaseText(c.phase));
    if (!c.target.empty()) {
        Separator();
        ImGui::TextUnformatted(c.target.c_str());
    }
    // The connection's own facts: flipping Mode in the form while connected changes nothing here.
    if (c.tunnel != app::TunnelMode::None) {
        Separator();
        ImGui::TextColored(StatusColor(Status::Warn), "SSH tunnel via 127.0.0.1:%d", c.tunnelLocalPort);
    }
    if (c.phase != app::ConnectionPhase::Connected) return;
    Separator();
    ImGui::Text("PostgreSQL %s", ShortVersion(c.facts.serverVersion).c_str());
    Separator();
    TlsSection(c.facts.tls);
    if (c.facts.throughPooler) {
        Separator();
        ImGui::TextUnformatted("through a connection pooler");
    }
    if (c.latencyMs) {
        Separator();
        ImGui::Text("%.1f ms", *c.latencyMs);
    }
    if (c.schemaVersion > 0 || c.pendingMigrations > 0) {
        Separator();
        char text[64];
        std::snprintf(text, sizeof text, "schema v%d", c.schemaVersion);
        ImGui::TextUnformatted(text);
        ImGui::SameLine(0.0f, em(0.4f));
        if (c.schemaUpToDate) {
            ImGui::TextColored(StatusColor(Status::Ok), "up to date");
        } else {
            std::snprintf(text, sizeof text, "%d pending", c.pendingMigrations);
            ImGui::TextColored(StatusColor(Status::Warn), "%s", text);
        }
    }
}

void DrawActivity(app::Workbench& wb, UiContext& ctx) {
    const std::vector<app::ActiveRequest>& running = wb.activeRequests();
    if (running.empty()) return;
    const app::ActiveRequest& first = running.front();
    std::string label = first.label;
    if (running.size() > 1) label += " (+" + std::to_string(running.size() - 1) + " more)";
    const std::string elapsed = FormatDuration(RunningSeconds(first.id, ctx) * 1000.0);
    float width = ImGui::GetTextLineHeight() + em(0.4f) + ImGui::CalcTextSize(label.c_str()).x + em(0.5f) +
                  ImGui::CalcTextSize(elapsed.c_str()).x;
    if (first.cancellable) width += em(0.6f) + ButtonWidth("Cancel");
    AlignRight(width);
    RunningLine(label, first.id, ctx);
    if (!first.cancellable) return;
    ImGui::SameLine(0.0f, em(0.6f));
    if (ImGui::SmallButton("Cancel")) wb.cancel(first.id);
    TagLastItem("status.cancel");
    TooltipIfHovered("Cancel this request (PQcancel on the server)");
}

}  // namespace

float StatusBarHeight() {
    return ImGui::GetFrameHeight() + ImGui::GetStyle().ItemSpacing.y + 1.0f;
}

void DrawStatusBar(app::Workbench& wb, UiContext& ctx) {
    ImGui::Separator();
    ImGui::BeginGroup();
    ImGui::AlignTextToFramePadding();
    DrawFacts(wb.state());
    DrawActivity(wb, ctx);
    ImGui::EndGroup();
    TagLastItem("status.bar");
}

}  // namespace ui
