// The window's last line: connection state, target, server, SSL, latency, schema, tunnel, and
// the request in flight with its Cancel.
#pragma once

#include <string>
#include <vector>

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// Every request running now, labelled ("loading runs of btc_2025_4h"), in a stable order.
struct RunningRequest {
    std::string label;
    const app::RequestStatus* request;
};
std::vector<RunningRequest> RunningRequests(const app::WorkbenchState& state);

// One line; its height is StatusBarHeight(). Tags: status.bar, status.cancel.
void DrawStatusBar(app::Workbench& wb, UiContext& ctx);
float StatusBarHeight();

}  // namespace ui
