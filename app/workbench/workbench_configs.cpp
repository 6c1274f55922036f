// Workbench: the selected run's or simulation's config, Copy, Paste, diff and identical runs.
#include <nlohmann/json.hpp>

#include "app/workbench/workbench_requests.hpp"

namespace app {

namespace {

constexpr int kMaxMatches = 200;

std::string describeSelection(const Selection& s) {
    return s.kind == Selection::Kind::Simulation ? "simulation " + s.simulationId : "run " + s.runId;
}

}  // namespace

void Workbench::loadDetails() {
    DetailsState& details = state_.details;
    if (details.request.running()) cancel(details.request);
    details = DetailsState{};
    updateDiff();  // the previous selection's diff no longer applies
    const Selection s = state_.selection;
    if (s.kind != Selection::Kind::Run && s.kind != Selection::Kind::Simulation) return updateDiff();
    submit<std::optional<db::StoredConfig>>(
        details.request,
        [s](db::Connection& conn) {
            return s.kind == Selection::Kind::Run ? db::loadRunConfig(conn, s.runId)
                                                  : db::loadSimulationConfig(conn, s.simulationId);
        },
        [this, s](db::Outcome<std::optional<db::StoredConfig>> outcome) {
            if (!(s == state_.selection)) return;  // the selection moved on
            DetailsState& details = state_.details;
            if (!finishRequest(details.request, outcome, *this))
                return log(LogEntry::Level::Error,
                           "loading " + describeSelection(s) + " failed: " + outcome.error->message);
            if (!*outcome.value)
                return log(LogEntry::Level::Warning, describeSelection(s) + " no longer exists");
            details.stored = std::move(**outcome.value);
            details.derivedFromJsonb = !details.stored->serializedConfig;
            details.shownText =
                details.derivedFromJsonb ? details.stored->legacyText : *details.stored->serializedConfig;
            ParseResult parsed = parseRunConfig(details.shownText);
            details.parsed = parsed.ok;
            details.parseError = parsed.error;
            if (parsed.ok) details.hash = runConfigHash(parsed.ok->config);
            updateDiff();
        });
}

bool Workbench::canCopy() const {
    return state_.details.stored.has_value();
}

std::string Workbench::copyText() const {
    return state_.details.shownText;
}

std::string Workbench::copyAsJson() const {
    if (!state_.details.stored) return "";
    const db::StoredConfig& c = *state_.details.stored;
    // The JSONB columns are the structured truth; jsonb text always parses.
    nlohmann::json j = {{"feature_columns", nlohmann::json::parse(c.featureColumns)},
                        {"hyperparameters", nlohmann::json::parse(c.hyperparameters)},
                        {"walk_config", nlohmann::json::parse(c.walkConfig)}};
    if (c.simulationParameters) j["parameters"] = nlohmann::json::parse(*c.simulationParameters);
    return j.dump(2) + "\n";
}

void Workbench::paste(const std::string& clipboardText) {
    PasteState& paste = state_.paste;
    if (paste.findRequest.running()) cancel(paste.findRequest);
    paste = PasteState{};
    paste.present = true;
    paste.text = clipboardText;
    ParseResult parsed = parseRunConfig(clipboardText);  // microseconds: fine on the UI thread
    paste.parsed = parsed.ok;
    paste.error = parsed.error;
    if (parsed.error) {
        log(LogEntry::Level::Warning, "pasted text is not a run config: " + parsed.error->message());
        return;  // nothing is sent
    }
    paste.hash = runConfigHash(parsed.ok->config);
    log(LogEntry::Level::Info, std::string("pasted a valid ") + describe(parsed.ok->form) + " run config");
    updateDiff();
    findIdentical();
}

void Workbench::clearPaste() {
    if (state_.paste.findRequest.running()) cancel(state_.paste.findRequest);
    state_.paste = PasteState{};
}

void Workbench::updateDiff() {
    PasteState& paste = state_.paste;
    paste.diff.reset();
    paste.diffAgainst.clear();
    const DetailsState& details = state_.details;
    if (!paste.parsed || !details.parsed) return;
    // Both sides canonical, so a legacy paste against a v1 row shows only real differences.
    paste.diff =
        diffLines(serializeRunConfig(details.parsed->config), serializeRunConfig(paste.parsed->config));
    paste.diffAgainst = describeSelection(state_.selection);
}

void Workbench::findIdentical() {
    PasteState& paste = state_.paste;
    if (!paste.parsed || state_.connection.phase != ConnectionPhase::Connected) return;
    const RunConfig config = paste.parsed->config;
    submit<std::vector<db::ConfigMatch>>(
        paste.findRequest,
        [config](db::Connection& conn) {
            std::optional<std::string> parameters;
            if (config.simulationParameters) parameters = config.simulationParameters->dump();
            return db::findIdenticalConfigs(conn, config.featureColumns.dump(), config.hyperparameters.dump(),
                                            config.walkConfig.dump(), parameters, kMaxMatches);
        },
        [this](db::Outcome<std::vector<db::ConfigMatch>> outcome) {
            PasteState& paste = state_.paste;
            if (!finishRequest(paste.findRequest, outcome, *this))
                return log(LogEntry::Level::Error,
                           "finding identical configs failed: " + outcome.error->message);
            paste.matches = std::move(*outcome.value);
            log(LogEntry::Level::Info,
                std::to_string(paste.matches.size()) + " run(s) with an identical config");
        });
}

}  // namespace app
