// Turning a failure into what people read: the diagnosis for the settings that were tried, as
// text for a terminal and as JSON for scripts. Shared by stage1ctl and the window.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "app/connect/connection_settings.hpp"
#include "app/connect/diagnosis.hpp"
#include "db/pg/pg.hpp"

namespace app {

DiagnosisContext diagnosisContextFor(const ResolvedConnection& connection,
                                     const std::string& serverMajorVersion = "");
Diagnosis diagnoseFailure(const db::DbError& error, const ResolvedConnection& connection);

// {"kind","title","explanation","fixes":[{"label","text"}]}
nlohmann::json diagnosisJson(const Diagnosis& diagnosis);
// Title, explanation and numbered fixes, each fix's text indented on its own lines.
std::string diagnosisText(const Diagnosis& diagnosis);

}  // namespace app
