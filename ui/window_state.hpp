// What one window remembers between frames that is not data (the data is the Workbench's): one
// object per window with a struct per panel, as ImHex's views and Tracy's View keep theirs. It
// belongs to the window's UiContext, so a new window (every test's too) starts fresh; no panel
// keeps a global or a function static.
#pragma once

#include <array>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "app/workbench/workbench_state.hpp"

namespace ui {

enum class Tab { Details, Compare, Paste, Backfill, Checks };

// Saved as [Stage1Layout][Main] in the ImGui ini file. Sizes in em, so they survive a change of
// display scale.
struct LayoutState {
    float treeEm = 0.0f;  // 0: not arranged yet, 45% of the width
    float logEm = 6.0f;
    bool logOpen = true;
};

// Which tab follows what happened (a paste, a new selection, a backfill).
struct TabsState {
    bool first = true;
    app::ConnectionPhase lastPhase = app::ConnectionPhase::Disconnected;
    bool lastPastePresent = false;
    std::string lastPasteText;
    app::Selection lastSelection;
    std::optional<Tab> selectNext;  // brought forward on the next frame
    Tab shown = Tab::Details;
    // A Ctrl/Shift-click marks runs for comparison: the selection follows it, the tab stays.
    bool keepTabOnce = false;
    db::RequestId lastCompareRequest = 0;  // a new comparison brings the Compare tab forward
};

struct ConnectionPanelState {
    // The one text field that is not a std::string: a fixed buffer can be wiped in place right
    // after the password is handed over (a string may leave copies behind when it grows).
    std::array<char, 256> password{};
    bool showPassword = false;
    std::string profileName;  // the "Save as" popup's field
};

struct TreePanelState {
    app::HierarchyFilters edit;    // what the filter bar shows; applied with applyFilters()
    app::HierarchyFilters synced;  // the Workbench's filters when `edit` was last taken from them
    app::Selection followed;       // the selection last brought into view
    bool scrollToSelection = false;
    bool applyPending = false;  // Apply while datasets were loading: applied when that load ends
    int pageRows = 10;          // rows the table shows at once, from the last frame (PageUp/PageDown)
};

// The selected config as drawn, rebuilt only when the config changes.
struct ConfigView {
    db::RequestId request = 0;
    bool built = false;
    std::string text;  // a copy of details.shownText, which the views below point into
    std::vector<std::string_view> lines;
    bool finalNewline = false, carriageReturns = false;
    float widest = -1.0f;  // the widest line in the mono font, measured at the first draw
    struct Section {
        std::string title, json;
    };
    std::vector<Section> sections;
};

// Where the selected nodes were found last frame: checked first, so a dataset of 100k loaded runs
// costs a comparison per frame, not a scan.
struct SelectionHints {
    size_t dataset = 0, run = 0, simulation = 0;
};

struct DetailsPanelState {
    ConfigView config;
    SelectionHints hints;
};

// The pasted text as drawn, rebuilt only when another text is pasted.
struct PasteView {
    std::string text;  // what was pasted: everything below follows from it
    bool built = false;
    std::string lineText;               // the offending line (or a window of it)
    std::string caretPrefix;            // the part of lineText before the error column
    std::vector<std::string> features;  // one entry per feature, as shown
    struct Table {
        const char* title;
        std::vector<std::pair<std::string, std::string>> rows;  // key, one-line JSON value
    };
    std::vector<Table> tables;
};

struct SearchPanelState {
    std::string text;      // the search bar as typed
    std::string jumpText;  // the Ctrl+L box as typed
    bool openJump = false;  // Ctrl+L was pressed: the box opens on the next frame
};

struct ChecksPanelState {
    bool onlyFailed = false;
};

struct LogPanelState {
    size_t lastCount = 0;  // entries at the last frame: a new one scrolls to the bottom
};

struct WindowState {
    const void* layoutRegisteredWith = nullptr;  // the ImGui context the ini handler was added to
    // The UI clock of the first frame that saw each request running (ui/widgets.hpp RunningSeconds).
    std::unordered_map<db::RequestId, double> requestStarted;
    LayoutState layout;
    TabsState tabs;
    ConnectionPanelState connection;
    TreePanelState tree;
    SearchPanelState search;
    DetailsPanelState details;
    PasteView paste;
    ChecksPanelState checks;
    LogPanelState log;
};

}  // namespace ui
