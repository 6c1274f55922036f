// The Checks panel: the checks of `stage1ctl validate` (and the window's own spool file) as one
// request with Cancel; each check with its verdict, its listed rows and its fix. A dataset that
// rows reference but PostgreSQL lacks gets a one-click placeholder backfill, after which the
// checks run again.
#pragma once

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// Returns true when the user asked to finish a fix in the Backfill tab (its inputs are filled).
// Tags: checks.spool, checks.run, checks.cancel, checks.summary, checks.only_failed,
// checks.check.<name> (a check's header), checks.fixtext.<name>, checks.copyfix.<name>,
// checks.backfill.<fix key> and checks.edit.<fix key> (app::PlaceholderFix::key()),
// checks.backfill_outcome.
bool DrawChecksPanel(app::Workbench& wb, UiContext& ctx);

}  // namespace ui
