// The whole desktop window, one full-viewport ImGui window laid out like pgAdmin / DBeaver:
//
//   Stage1 Server Debugger   ● Connected to user@host:port/db        [Doctor] [Connect] [Disconnect]
//   ▾ Connection settings    (form, tunnel hint, password prompt, doctor steps; collapsible)
//   ┌ tree ───────────────┬ Details | Compare | Paste & diff | Backfill | Checks ─────────────────┐
//   │ datasets/runs/sims  │ (not connected: the diagnosis card, or how to start)                  │
//   └─────────────────────┴───────────────────────────────────────────────────────────────────────┘
//   ▾ Log                                                                            [Copy all (n)]
//   ● Connected · target · PostgreSQL 15 · SSL off · 0.3 ms · schema v10 up to date   ⟳ … [Cancel]
//
// Both splits drag; their sizes and what is collapsed persist in the ImGui ini file.
#pragma once

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// Call once per frame between ImGui::NewFrame() and ImGui::Render(). Global shortcuts while no
// text field has the keyboard: F5 refresh, Ctrl+C copy the selected config, Ctrl+V paste.
// Tags: tab.details, tab.paste, tab.backfill, tab.checks, connection.settings, log.header (and the panels').
void DrawAppWindow(app::Workbench& wb, UiContext& ctx);

}  // namespace ui
