// The selected node: a dataset's fields, or a run's / simulation's header and its stored config
// (the exact bytes, read-only, then the documents pretty-printed). Copy puts exactly those bytes
// on the clipboard.
#pragma once

#include <string>

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"
#include "ui/window_state.hpp"

namespace ui {

void DrawDetailsPanel(app::Workbench& wb, UiContext& ctx);

// Clipboard <- wb.configs().copyText(), byte for byte, and a log line saying what was copied. Ctrl+C.
void CopySelectedConfig(app::Workbench& wb, UiContext& ctx);
// "v1", "legacy" or "JSON", its form spelled out on hover; the details and the paste panel show it.
void ConfigFormBadge(app::ConfigForm form);

// The tree nodes behind the selection; null where they are not loaded (filtered out, not paged in).
struct SelectedNodes {
    const app::DatasetNode* dataset = nullptr;
    const app::RunNode* run = nullptr;
    const db::SimulationRow* simulation = nullptr;
};
SelectedNodes FindSelectedNodes(const app::WorkbenchState& state, SelectionHints& hints);

// "run <prediction_measurement>", "simulation <questdb_namespace>", "dataset <slug>"; the id when
// the node is not in the tree; "" when nothing is selected.
std::string DescribeSelection(const app::WorkbenchState& state, SelectionHints& hints);

}  // namespace ui
