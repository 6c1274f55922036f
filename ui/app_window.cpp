#include "ui/app_window.hpp"

#include <imgui.h>
#include <imgui_internal.h>  // ImGuiSettingsHandler: 1.86 has no public call to add one

#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdio>

#include "ui/backfill_panel.hpp"
#include "ui/checks_panel.hpp"
#include "ui/connection_panel.hpp"
#include "ui/details_panel.hpp"
#include "ui/diagnosis_card.hpp"
#include "ui/hierarchy_panel.hpp"
#include "ui/log_panel.hpp"
#include "ui/paste_panel.hpp"
#include "ui/status_bar.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"

namespace ui {

namespace {

// What the user arranged; saved as [Stage1Layout][Main] in the ImGui ini file. Sizes in em, so
// they survive a change of display scale.
struct Layout {
    float treeEm = 0.0f;  // 0: not arranged yet, 45% of the width
    float logEm = 6.0f;
    bool logOpen = true;
};
Layout g_layout;

// Frame-to-frame memory of the window itself (not of the data: that is the Workbench's).
struct WindowMemory {
    bool first = true;
    app::ConnectionPhase lastPhase = app::ConnectionPhase::Disconnected;
    bool lastPastePresent = false;
    std::string lastPasteText;
    app::Selection lastSelection;
    int selectTab = -1;  // 0 details, 1 paste, 2 backfill, 3 checks: selected on the next frame
    int shownTab = 0;
};
WindowMemory g_memory;

void* LayoutReadOpen(ImGuiContext*, ImGuiSettingsHandler*, const char* name) {
    return std::string(name) == "Main" ? &g_layout : nullptr;
}

void LayoutReadLine(ImGuiContext*, ImGuiSettingsHandler*, void* entry, const char* line) {
    auto* layout = static_cast<Layout*>(entry);
    float f = 0;
    int i = 0;
    if (std::sscanf(line, "TreeEm=%f", &f) == 1) layout->treeEm = std::clamp(f, 8.0f, 200.0f);
    if (std::sscanf(line, "LogEm=%f", &f) == 1) layout->logEm = std::clamp(f, 3.0f, 100.0f);
    if (std::sscanf(line, "LogOpen=%d", &i) == 1) layout->logOpen = i != 0;
}

void LayoutWriteAll(ImGuiContext*, ImGuiSettingsHandler* handler, ImGuiTextBuffer* out) {
    out->appendf("[%s][Main]\n", handler->TypeName);
    out->appendf("TreeEm=%.2f\nLogEm=%.2f\nLogOpen=%d\n\n", g_layout.treeEm, g_layout.logEm,
                 g_layout.logOpen ? 1 : 0);
}

// Once per ImGui context. The ini was read in the first NewFrame(), before this handler existed,
// so it is read again now (window entries are simply refreshed).
void RegisterLayoutSettings() {
    static ImGuiContext* registered = nullptr;
    ImGuiContext* context = ImGui::GetCurrentContext();
    if (registered == context) return;
    registered = context;
    g_layout = Layout{};
    g_memory = WindowMemory{};
    ImGuiSettingsHandler handler;
    handler.TypeName = "Stage1Layout";
    handler.TypeHash = ImHashStr("Stage1Layout");
    handler.ReadOpenFn = LayoutReadOpen;
    handler.ReadLineFn = LayoutReadLine;
    handler.WriteAllFn = LayoutWriteAll;
    context->SettingsHandlers.push_back(handler);
    if (ImGui::GetIO().IniFilename != nullptr) ImGui::LoadIniSettingsFromDisk(ImGui::GetIO().IniFilename);
}

void HandleShortcuts(app::Workbench& wb, UiContext& ctx) {
    const ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput) return;  // a text field has the keyboard: the keys are its own
    const bool ctrl = io.KeyCtrl && !io.KeyAlt && !io.KeyShift;
    if (ImGui::IsKeyPressed(GLFW_KEY_F5, false)) wb.refresh();
    if (ctrl && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_C), false)) CopySelectedConfig(wb, ctx);
    if (ctrl && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_V), false)) PasteFromClipboard(wb, ctx);
}

// Open the settings while there is no connection; fold them away once connected.
void DrawConnectionSection(app::Workbench& wb, UiContext& ctx) {
    const app::ConnectionPhase phase = wb.state().connection.phase;
    if (g_memory.first)
        ImGui::SetNextItemOpen(phase != app::ConnectionPhase::Connected);
    else if (phase != g_memory.lastPhase && phase == app::ConnectionPhase::Connected)
        ImGui::SetNextItemOpen(false);
    else if (phase != g_memory.lastPhase && phase == app::ConnectionPhase::Failed)
        ImGui::SetNextItemOpen(true);
    g_memory.lastPhase = phase;
    const bool open = ImGui::CollapsingHeader("Connection settings");
    TagLastItem("connection.settings");
    if (!open) return;
    ImGui::Indent(em(0.3f));
    DrawConnectionPanel(wb, ctx);
    ImGui::Unindent(em(0.3f));
    ImGui::Spacing();
}

void DrawTitleLine(app::Workbench& wb, UiContext& ctx) {
    ImGui::AlignTextToFramePadding();
    TextStrong("Stage1 Server Debugger", ImVec4(0.62f, 0.78f, 1.00f, 1.0f));
    ImGui::SameLine(0.0f, em(1.5f));
    DrawConnectionHeader(wb, ctx);
}

// Which tab to bring forward: a fresh paste shows the paste tab; a new selection shows the details
// unless the user is looking at a paste (they compare the two).
void FollowEvents(const app::WorkbenchState& s) {
    const bool newPaste =
        s.paste.present && (!g_memory.lastPastePresent || s.paste.text != g_memory.lastPasteText);
    if (newPaste) g_memory.selectTab = 1;
    // A backfill selects its new dataset: its result stays in view.
    const bool fromBackfill = s.backfill.result && s.selection.datasetId == s.backfill.result->datasetId &&
                              s.selection.kind == app::Selection::Kind::Dataset;
    if (!(s.selection == g_memory.lastSelection) && s.selection.kind != app::Selection::Kind::None &&
        g_memory.shownTab != 1 && !newPaste &&
        !(fromBackfill && (g_memory.shownTab == 2 || g_memory.shownTab == 3)))
        g_memory.selectTab = 0;
    g_memory.lastPastePresent = s.paste.present;
    if (newPaste) g_memory.lastPasteText = s.paste.text;
    g_memory.lastSelection = s.selection;
}

bool Tab(const char* label, int index, const char* tag) {
    const ImGuiTabItemFlags flags = g_memory.selectTab == index ? ImGuiTabItemFlags_SetSelected : 0;
    const bool open = ImGui::BeginTabItem(label, nullptr, flags);
    TagLastItem(tag);
    if (open) g_memory.shownTab = index;
    return open;
}

void DrawTabs(app::Workbench& wb, UiContext& ctx) {
    FollowEvents(wb.state());
    if (!ImGui::BeginTabBar("##work")) return;
    if (Tab("Details", 0, "tab.details")) {
        ImGui::BeginChild("##details", ImVec2(0.0f, 0.0f), false);
        DrawDetailsPanel(wb, ctx);
        ImGui::EndChild();
        ImGui::EndTabItem();
    }
    if (Tab("Paste & compare", 1, "tab.paste")) {
        ImGui::BeginChild("##paste", ImVec2(0.0f, 0.0f), false);
        DrawPastePanel(wb, ctx);
        ImGui::EndChild();
        ImGui::EndTabItem();
    }
    if (Tab("Backfill", 2, "tab.backfill")) {
        ImGui::BeginChild("##backfill", ImVec2(0.0f, 0.0f), false);
        DrawBackfillPanel(wb, ctx);
        ImGui::EndChild();
        ImGui::EndTabItem();
    }
    bool toBackfill = false;  // the Checks panel filled the Backfill inputs for a slug to be typed
    if (Tab("Checks", 3, "tab.checks")) {
        ImGui::BeginChild("##checks", ImVec2(0.0f, 0.0f), false);
        toBackfill = DrawChecksPanel(wb, ctx);
        ImGui::EndChild();
        ImGui::EndTabItem();
    }
    g_memory.selectTab = toBackfill ? 2 : -1;
    ImGui::EndTabBar();
}

void DrawGettingStarted() {
    ImGui::Dummy(ImVec2(0.0f, em(1.0f)));
    Heading("Not connected");
    ImGui::PushTextWrapPos(0.0f);
    TextMuted(
        "Fill in the connection settings above (or pick a saved profile) and press Connect. "
        "Through a bastion, choose SSH tunnel: the command to start the tunnel is shown there.");
    ImGui::Spacing();
    TextMuted(
        "Doctor tests the connection step by step (name lookup, TCP, TLS, login, server, schema) "
        "and explains the first step that fails.");
    ImGui::Spacing();
    TextMuted(
        "Shortcuts: F5 refresh \xC2\xB7 Ctrl+C copy the selected config \xC2\xB7 Ctrl+V paste a config.");
    ImGui::PopTextWrapPos();
}

// While reconnecting, the analyst's view stays usable: the tabs work on what is loaded, and a
// backfill is queued in the offline spool. Why the last attempt failed folds away above them.
void DrawReconnectingBanner(const app::WorkbenchState& s, UiContext& ctx) {
    ImGui::PushTextWrapPos(0.0f);
    ImGui::TextColored(StatusColor(Status::Warn),
                       "Connection lost, reconnecting. What is loaded stays here; a backfill now is queued "
                       "in the offline spool and replayed later.");
    ImGui::PopTextWrapPos();
    if (s.connection.diagnosis &&
        ImGui::CollapsingHeader(
            ("Last attempt: " + s.connection.diagnosis->title + "###reconnect_why").c_str())) {
        TagLastItem("reconnect.why");
        DrawDiagnosisCard(*s.connection.diagnosis, ctx, em(16.0f));
    }
    ImGui::Separator();
}

void DrawRightPane(app::Workbench& wb, UiContext& ctx) {
    const app::WorkbenchState& s = wb.state();
    if (s.connection.phase == app::ConnectionPhase::Connected) return DrawTabs(wb, ctx);
    if (s.connection.phase == app::ConnectionPhase::Reconnecting) {
        DrawReconnectingBanner(s, ctx);
        return DrawTabs(wb, ctx);
    }
    const app::Diagnosis* diagnosis = nullptr;
    if (s.connection.diagnosis)
        diagnosis = &*s.connection.diagnosis;
    else if (s.doctor.report.diagnosis)
        diagnosis = &*s.doctor.report.diagnosis;
    if (diagnosis != nullptr)
        DrawDiagnosisCard(*diagnosis, ctx);
    else if (s.connection.phase == app::ConnectionPhase::Connecting)
        RunningLine("Connecting to " + s.connection.target + "\xE2\x80\xA6", s.connection.request, ctx.now);
    else
        DrawGettingStarted();
}

void DrawMainArea(app::Workbench& wb, UiContext& ctx, float height) {
    const float splitter = em(0.5f);
    const float total = ImGui::GetContentRegionAvail().x;
    float tree = g_layout.treeEm > 0.0f ? em(g_layout.treeEm) : total * 0.45f;
    tree = std::clamp(tree, em(12.0f), std::max(em(12.0f), total - em(24.0f)));

    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(em(0.4f), em(0.4f)));
    ImGui::BeginChild("##tree", ImVec2(tree, height), true);
    DrawHierarchyPanel(wb, ctx);
    ImGui::EndChild();
    ImGui::PopStyleVar();

    ImGui::SameLine(0.0f, 0.0f);
    ImGui::BeginChild("##split_area", ImVec2(splitter, height), false, ImGuiWindowFlags_NoScrollbar);
    Splitter("##tree_split", true, splitter, tree, em(12.0f), total - em(24.0f));
    ImGui::EndChild();
    g_layout.treeEm = tree / ImGui::GetFontSize();

    ImGui::SameLine(0.0f, 0.0f);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(em(0.7f), em(0.4f)));
    ImGui::BeginChild("##right", ImVec2(0.0f, height), true);
    DrawRightPane(wb, ctx);
    ImGui::EndChild();
    ImGui::PopStyleVar();
}

}  // namespace

void DrawAppWindow(app::Workbench& wb, UiContext& ctx) {
    RegisterLayoutSettings();
    const ImGuiViewport* viewport = ImGui::GetMainViewport();
    ImGui::SetNextWindowPos(viewport->WorkPos);
    ImGui::SetNextWindowSize(viewport->WorkSize);
    const ImGuiWindowFlags flags = ImGuiWindowFlags_NoDecoration | ImGuiWindowFlags_NoMove |
                                   ImGuiWindowFlags_NoResize | ImGuiWindowFlags_NoSavedSettings |
                                   ImGuiWindowFlags_NoBringToFrontOnFocus;
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(em(0.7f), em(0.5f)));
    const bool open = ImGui::Begin("Stage1 Server Debugger##main", nullptr, flags);
    ImGui::PopStyleVar();
    IncludeWindowInTextSnapshot();
    if (open) {
        HandleShortcuts(wb, ctx);
        DrawTitleLine(wb, ctx);
        DrawConnectionSection(wb, ctx);

        const ImGuiStyle& style = ImGui::GetStyle();
        const float logHeader = ImGui::GetFrameHeight() + style.ItemSpacing.y;
        const float splitter = em(0.45f);
        const float avail = ImGui::GetContentRegionAvail().y - StatusBarHeight() - style.ItemSpacing.y;
        float log = g_layout.logOpen ? em(g_layout.logEm) : 0.0f;
        const float minMain = em(8.0f);
        log =
            std::clamp(log, g_layout.logOpen ? em(3.0f) : 0.0f, std::max(0.0f, avail - logHeader - minMain));
        const float main = std::max(
            minMain, avail - logHeader - (g_layout.logOpen ? log + splitter : 0.0f) - style.ItemSpacing.y);
        DrawMainArea(wb, ctx, main);

        if (g_layout.logOpen) {
            // Dragging up grows the log: the splitter works on the main area's height.
            float mainSize = main;
            Splitter("##log_split", false, splitter, mainSize, minMain, avail - logHeader - em(3.0f));
            if (mainSize != main)
                g_layout.logEm = std::max(3.0f, (log - (mainSize - main)) / ImGui::GetFontSize());
        }
        ImGui::SetNextItemOpen(g_layout.logOpen);
        g_layout.logOpen = ImGui::CollapsingHeader("Log", ImGuiTreeNodeFlags_AllowItemOverlap);
        TagLastItem("log.header");
        ImGui::SameLine();
        DrawLogCopyButton(wb, ctx);
        if (g_layout.logOpen) {
            ImGui::BeginChild("##log_area", ImVec2(0.0f, log), false);
            DrawLogPanel(wb, ctx);
            ImGui::EndChild();
        }
        // Pinned to the bottom edge whatever the content above needed.
        const float top = ImGui::GetWindowHeight() - style.WindowPadding.y - StatusBarHeight();
        ImGui::SetCursorPosY(std::max(ImGui::GetCursorPosY(), top));
        DrawStatusBar(wb, ctx);
    }
    ImGui::End();
    g_memory.first = false;
}

}  // namespace ui
