// Writes the app could not deliver (the server or the tunnel was down) go to the spool file
// pending_postgres_inserts.sql as complete SQL statements, values literal-escaped, fsynced. The
// nightly `stage1ctl replay-spool` applies them; nothing is lost in between.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>

#include "app/connect/connection_settings.hpp"
#include "app/ops/placeholder_dataset.hpp"

namespace app {

// STAGE1_SPOOL_PATH, else $XDG_DATA_HOME/stage1-debugger/pending_postgres_inserts.sql
// (~/.local/share/... without XDG_DATA_HOME).
std::filesystem::path defaultSpoolPath(const EnvLookup& env);

// An escape-string literal (E'...'): correct whatever standard_conforming_strings says.
std::string sqlLiteral(std::string_view value);

// The INSERT that fn_upsert_placeholder_dataset would have made; a duplicate on replay is
// "already present", not an error.
std::string placeholderInsertStatement(const PlaceholderPreview& preview, const std::string& queuedAtUtc);

// Appends "-- <note>\n<statement>\n" under an exclusive lock, then fsyncs. Throws
// std::runtime_error with the path and the reason when it cannot.
void appendToSpool(const std::filesystem::path& path, const std::string& statement, const std::string& note);

std::string utcNowIso();  // 2026-11-26T12:00:00Z

}  // namespace app
