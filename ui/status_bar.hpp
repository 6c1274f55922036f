// The window's last line: connection state, target, server, SSL, latency, schema, tunnel, and
// the oldest request in flight (Workbench::activeRequests) with its Cancel.
#pragma once

#include <string>
#include <vector>

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// One line; its height is StatusBarHeight(). Tags: status.bar, status.cancel.
void DrawStatusBar(app::Workbench& wb, UiContext& ctx);
float StatusBarHeight();

}  // namespace ui
