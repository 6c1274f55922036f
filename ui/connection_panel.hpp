// The connection bar: a header line that is always there (title, state, target, Connect /
// Disconnect / Cancel, Doctor) and the collapsible form under it (profile, Direct / SSH tunnel,
// host, port, database, user, sslmode, tunnel fields, password prompt, doctor steps).
#pragma once

#include <string>

#include "app/workbench/workbench.hpp"
#include "ui/ui_context.hpp"

namespace ui {

// Tags: connect.button, disconnect.button, connect.cancel, doctor.button.
void DrawConnectionHeader(app::Workbench& wb, UiContext& ctx);

// Tags: connect.profile, profile.save, profile.name, profile.save.confirm, connect.mode.direct,
// connect.mode.tunnel, connect.host, connect.port, connect.db, connect.user, connect.sslmode,
// connect.tunnel.local_port, connect.tunnel.target, connect.tunnel.remote_host,
// connect.tunnel.remote_port, connect.tunnel.copy, connect.password.open, connect.password,
// connect.password.submit, doctor.steps.
void DrawConnectionPanel(app::Workbench& wb, UiContext& ctx);

// `ssh -N -L 127.0.0.1:<local>:<remote host>:<remote port> <target>` (with -p for user@host:port).
std::string TunnelCommand(const app::ConnectionForm& form);

}  // namespace ui
