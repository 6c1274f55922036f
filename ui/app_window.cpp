#include "ui/app_window.hpp"

#include <imgui.h>
#include <imgui_internal.h>  // ImGuiSettingsHandler: 1.86 has no public call to add one

#include <GLFW/glfw3.h>

#include <algorithm>
#include <cstdio>

#include "ui/backfill_panel.hpp"
#include "ui/checks_panel.hpp"
#include "ui/compare_panel.hpp"
#include "ui/connection_panel.hpp"
#include "ui/details_panel.hpp"
#include "ui/diagnosis_card.hpp"
#include "ui/hierarchy_panel.hpp"
#include "ui/log_panel.hpp"
#include "ui/paste_panel.hpp"
#include "ui/search_panel.hpp"
#include "ui/status_bar.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

void* LayoutReadOpen(ImGuiContext*, ImGuiSettingsHandler* handler, const char* name) {
    return std::string(name) == "Main" ? handler->UserData : nullptr;
}

void LayoutReadLine(ImGuiContext*, ImGuiSettingsHandler*, void* entry, const char* line) {
    auto* layout = static_cast<LayoutState*>(entry);
    float f = 0;
    int i = 0;
    if (std::sscanf(line, "TreeEm=%f", &f) == 1) layout->treeEm = std::clamp(f, 8.0f, 200.0f);
    if (std::sscanf(line, "LogEm=%f", &f) == 1) layout->logEm = std::clamp(f, 3.0f, 100.0f);
    if (std::sscanf(line, "LogOpen=%d", &i) == 1) layout->logOpen = i != 0;
}

void LayoutWriteAll(ImGuiContext*, ImGuiSettingsHandler* handler, ImGuiTextBuffer* out) {
    const auto* layout = static_cast<const LayoutState*>(handler->UserData);
    out->appendf("[%s][Main]\n", handler->TypeName);
    out->appendf("TreeEm=%.2f\nLogEm=%.2f\nLogOpen=%d\n\n", layout->treeEm, layout->logEm,
                 layout->logOpen ? 1 : 0);
}

// Once per window and ImGui context. The ini was read in the first NewFrame(), before this handler
// existed, so it is read again now (window entries are simply refreshed).
void RegisterLayoutSettings(WindowState& window) {
    ImGuiContext* context = ImGui::GetCurrentContext();
    if (window.layoutRegisteredWith == context) return;
    window.layoutRegisteredWith = context;
    if (ImGuiSettingsHandler* existing = ImGui::FindSettingsHandler("Stage1Layout")) {
        existing->UserData = &window.layout;  // a window before this one, in the same context
    } else {
        ImGuiSettingsHandler handler;
        handler.TypeName = "Stage1Layout";
        handler.TypeHash = ImHashStr("Stage1Layout");
        handler.ReadOpenFn = LayoutReadOpen;
        handler.ReadLineFn = LayoutReadLine;
        handler.WriteAllFn = LayoutWriteAll;
        handler.UserData = &window.layout;
        context->SettingsHandlers.push_back(handler);
    }
    if (ImGui::GetIO().IniFilename != nullptr) ImGui::LoadIniSettingsFromDisk(ImGui::GetIO().IniFilename);
}

void HandleShortcuts(app::Workbench& wb, UiContext& ctx) {
    const ImGuiIO& io = ImGui::GetIO();
    if (io.WantTextInput) return;  // a text field has the keyboard: the keys are its own
    const bool ctrl = io.KeyCtrl && !io.KeyAlt && !io.KeyShift;
    if (ImGui::IsKeyPressed(GLFW_KEY_F5, false)) wb.refresh();
    if (ctrl && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_C), false)) CopySelectedConfig(wb, ctx);
    if (ctrl && ImGui::IsKeyPressed(ImGui::GetKeyIndex(ImGuiKey_V), false)) PasteFromClipboard(wb, ctx);
    if (ctrl && ImGui::IsKeyPressed(GLFW_KEY_L, false)) OpenJumpBox(ctx);
}

// Open the settings while there is no connection; fold them away once connected.
void DrawConnectionSection(app::Workbench& wb, UiContext& ctx) {
    const app::ConnectionPhase phase = wb.state().connection.phase;
    TabsState& memory = ctx.window().tabs;
    if (memory.first)
        ImGui::SetNextItemOpen(phase != app::ConnectionPhase::Connected);
    else if (phase != memory.lastPhase && phase == app::ConnectionPhase::Connected)
        ImGui::SetNextItemOpen(false);
    else if (phase != memory.lastPhase && phase == app::ConnectionPhase::Failed)
        ImGui::SetNextItemOpen(true);
    memory.lastPhase = phase;
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
void FollowEvents(const app::WorkbenchState& s, TabsState& memory) {
    const bool newPaste =
        s.paste.present && (!memory.lastPastePresent || s.paste.text != memory.lastPasteText);
    if (newPaste) memory.selectNext = Tab::Paste;
    // A backfill selects its new dataset: its result stays in view.
    const bool fromBackfill = s.backfill.result && s.selection.datasetId == s.backfill.result->datasetId &&
                              s.selection.kind == app::Selection::Kind::Dataset;
    const bool onBackfillOrChecks = memory.shown == Tab::Backfill || memory.shown == Tab::Checks;
    if (!(s.selection == memory.lastSelection) && s.selection.kind != app::Selection::Kind::None &&
        memory.shown != Tab::Paste && !newPaste && !(fromBackfill && onBackfillOrChecks) && !memory.keepTabOnce)
        memory.selectNext = Tab::Details;
    memory.keepTabOnce = false;
    if (s.compare.request.running() && s.compare.request.id != memory.lastCompareRequest) {
        memory.lastCompareRequest = s.compare.request.id;
        memory.selectNext = Tab::Compare;
    }
    memory.lastPastePresent = s.paste.present;
    if (newPaste) memory.lastPasteText = s.paste.text;
    memory.lastSelection = s.selection;
}

// One tab and its scrolling child; true while it is the one shown.
template <typename Draw>
void TabPage(TabsState& memory, Tab tab, const char* label, const char* tag, Draw draw) {
    const ImGuiTabItemFlags flags = memory.selectNext == tab ? ImGuiTabItemFlags_SetSelected : 0;
    const bool open = ImGui::BeginTabItem(label, nullptr, flags);
    TagLastItem(tag);
    if (!open) return;
    memory.shown = tab;
    ImGui::BeginChild(tag, ImVec2(0.0f, 0.0f), false);
    draw();
    ImGui::EndChild();
    ImGui::EndTabItem();
}

void DrawTabs(app::Workbench& wb, UiContext& ctx) {
    TabsState& memory = ctx.window().tabs;
    FollowEvents(wb.state(), memory);
    if (!ImGui::BeginTabBar("##work")) return;
    bool toBackfill = false;  // the Checks panel filled the Backfill inputs for a slug to be typed
    TabPage(memory, Tab::Details, "Details", "tab.details", [&] { DrawDetailsPanel(wb, ctx); });
    const std::string compareLabel = "Compare (" + std::to_string(wb.state().compare.runs.size()) + ")###compare";
    TabPage(memory, Tab::Compare, compareLabel.c_str(), "tab.compare", [&] { DrawComparePanel(wb, ctx); });
    TabPage(memory, Tab::Paste, "Paste & diff", "tab.paste", [&] { DrawPastePanel(wb, ctx); });
    TabPage(memory, Tab::Backfill, "Backfill", "tab.backfill", [&] { DrawBackfillPanel(wb, ctx); });
    TabPage(memory, Tab::Checks, "Checks", "tab.checks", [&] { toBackfill = DrawChecksPanel(wb, ctx); });
    memory.selectNext = toBackfill ? std::optional<Tab>(Tab::Backfill) : std::nullopt;
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
        "Shortcuts: F5 refresh \xC2\xB7 Ctrl+L jump to an id or name \xC2\xB7 Ctrl+C copy the selected config \xC2\xB7 Ctrl+V paste a config.");
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
        RunningLine("Connecting to " + s.connection.target + "\xE2\x80\xA6", s.connection.request, ctx);
    else
        DrawGettingStarted();
}

void DrawMainArea(app::Workbench& wb, UiContext& ctx, float height) {
    const float splitter = em(0.5f);
    const float total = ImGui::GetContentRegionAvail().x;
    LayoutState& layout = ctx.window().layout;
    float tree = layout.treeEm > 0.0f ? em(layout.treeEm) : total * 0.45f;
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
    layout.treeEm = tree / ImGui::GetFontSize();

    ImGui::SameLine(0.0f, 0.0f);
    ImGui::PushStyleVar(ImGuiStyleVar_WindowPadding, ImVec2(em(0.7f), em(0.4f)));
    ImGui::BeginChild("##right", ImVec2(0.0f, height), true);
    DrawRightPane(wb, ctx);
    ImGui::EndChild();
    ImGui::PopStyleVar();
}

}  // namespace

WindowState& UiContext::window() {
    if (!window_) window_ = std::make_shared<WindowState>();
    return *window_;
}

void DrawAppWindow(app::Workbench& wb, UiContext& ctx) {
    WindowState& window = ctx.window();
    LayoutState& layout = window.layout;
    RegisterLayoutSettings(window);
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
        DrawJumpBox(wb, ctx);
        DrawTitleLine(wb, ctx);
        DrawConnectionSection(wb, ctx);

        const ImGuiStyle& style = ImGui::GetStyle();
        const float logHeader = ImGui::GetFrameHeight() + style.ItemSpacing.y;
        const float splitter = em(0.45f);
        const float avail = ImGui::GetContentRegionAvail().y - StatusBarHeight() - style.ItemSpacing.y;
        float log = layout.logOpen ? em(layout.logEm) : 0.0f;
        const float minMain = em(8.0f);
        log = std::clamp(log, layout.logOpen ? em(3.0f) : 0.0f, std::max(0.0f, avail - logHeader - minMain));
        const float main = std::max(
            minMain, avail - logHeader - (layout.logOpen ? log + splitter : 0.0f) - style.ItemSpacing.y);
        DrawMainArea(wb, ctx, main);

        if (layout.logOpen) {
            // Dragging up grows the log: the splitter works on the main area's height.
            float mainSize = main;
            Splitter("##log_split", false, splitter, mainSize, minMain, avail - logHeader - em(3.0f));
            if (mainSize != main)
                layout.logEm = std::max(3.0f, (log - (mainSize - main)) / ImGui::GetFontSize());
        }
        ImGui::SetNextItemOpen(layout.logOpen);
        layout.logOpen = ImGui::CollapsingHeader("Log", ImGuiTreeNodeFlags_AllowItemOverlap);
        TagLastItem("log.header");
        ImGui::SameLine();
        DrawLogCopyButton(wb, ctx);
        if (layout.logOpen) {
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
    window.tabs.first = false;
}

}  // namespace ui
