#pragma once

// The first screen of the Stage1 Server Debugger: connection state and schema/migration status.
// It only draws a plain model; whoever owns the connection fills it and reacts to the actions.

#include <string>
#include <vector>

#include <imgui.h>

namespace ui {

struct MigrationRow {
    int version = 0;
    std::string name;
    std::string state;  // "applied" | "pending" | "mismatched" | "unknown"
    std::string applied_at;
};

struct StatusModel {
    enum class Connection { Idle, Connecting, Connected, Failed };
    Connection connection = Connection::Idle;
    std::string target;          // e.g. "postgres@127.0.0.1:5432/stage1_trading" (never a password)
    std::string server_version;  // e.g. "15.18"
    bool ssl_in_use = false;
    std::string current_user;
    std::string error_title;  // when Failed
    std::string error_text;   // raw server text, multi-line
    int schema_version = 0;   // highest applied
    int pending_count = 0;
    int mismatched_count = 0;
    std::vector<MigrationRow> migrations;
    double elapsed_ms = 0;  // how long the connect+status request took
};

struct StatusActions {
    bool refresh_clicked = false;
    bool cancel_clicked = false;
};

// One full-viewport window; call once per frame. mono may be null (then the default font is used).
StatusActions DrawStatusPanel(const StatusModel& model, ImFont* mono);

}  // namespace ui
