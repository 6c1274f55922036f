#include "app/workbench/configs_controller.hpp"

#include <nlohmann/json.hpp>

namespace app {

namespace {

constexpr int kMaxMatches = 200;

std::string describeSelection(const Selection& s) {
    return s.kind == Selection::Kind::Simulation ? "simulation " + s.simulationId : "run " + s.runId;
}

}  // namespace

ConfigsController::ConfigsController(WorkbenchState& state, RequestRunner& runner, EventLog& log)
    : details_(state.details),
      paste_(state.paste),
      selection_(state.selection),
      connection_(state.connection),
      runner_(runner),
      log_(log) {}

void ConfigsController::reset() {
    details_ = DetailsState{};
    updateDiff();
}

void ConfigsController::load() {
    DetailsState& details = details_;
    runner_.cancel(details.request);
    details = DetailsState{};
    updateDiff();  // the previous selection's diff no longer applies
    const Selection s = selection_;
    if (s.kind != Selection::Kind::Run && s.kind != Selection::Kind::Simulation) return updateDiff();
    runner_.submit<std::optional<db::StoredConfig>>(
        details.request, "loading the config",
        [s](db::Connection& conn) {
            return s.kind == Selection::Kind::Run ? db::loadRunConfig(conn, s.runId)
                                                  : db::loadSimulationConfig(conn, s.simulationId);
        },
        [this, s](db::Outcome<std::optional<db::StoredConfig>> outcome) {
            if (!(s == selection_)) return;  // the selection moved on
            DetailsState& details = details_;
            if (!runner_.finish(details.request, outcome))
                return log_.error("loading " + describeSelection(s) + " failed: " + outcome.error->message);
            if (!*outcome.value) return log_.warning(describeSelection(s) + " no longer exists");
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

bool ConfigsController::canCopy() const {
    return details_.stored.has_value();
}

std::string ConfigsController::copyText() const {
    return details_.shownText;
}

std::string ConfigsController::copyAsJson() const {
    if (!details_.stored) return "";
    const db::StoredConfig& c = *details_.stored;
    // The JSONB columns are the structured truth; jsonb text always parses.
    nlohmann::json j = {{"feature_columns", nlohmann::json::parse(c.featureColumns)},
                        {"hyperparameters", nlohmann::json::parse(c.hyperparameters)},
                        {"walk_config", nlohmann::json::parse(c.walkConfig)}};
    if (c.simulationParameters) j["parameters"] = nlohmann::json::parse(*c.simulationParameters);
    return j.dump(2) + "\n";
}

void ConfigsController::paste(const std::string& clipboardText) {
    PasteState& paste = paste_;
    runner_.cancel(paste.findRequest);
    paste = PasteState{};
    paste.present = true;
    paste.text = clipboardText;
    ParseResult parsed = parseRunConfig(clipboardText);  // microseconds: fine on the UI thread
    paste.parsed = parsed.ok;
    paste.error = parsed.error;
    if (parsed.error) {
        log_.warning("pasted text is not a run config: " + parsed.error->message());
        return;  // nothing is sent
    }
    paste.hash = runConfigHash(parsed.ok->config);
    log_.info(std::string("pasted a valid ") + describe(parsed.ok->form) + " run config");
    updateDiff();
    findIdentical();
}

void ConfigsController::clearPaste() {
    runner_.cancel(paste_.findRequest);
    paste_ = PasteState{};
}

void ConfigsController::updateDiff() {
    PasteState& paste = paste_;
    paste.diff.reset();
    paste.diffAgainst.clear();
    paste.diffSelection = {};
    const DetailsState& details = details_;
    if (!paste.parsed || !details.parsed) return;
    // Both sides canonical, so a legacy paste against a v1 row shows only real differences.
    paste.diff =
        diffLines(serializeRunConfig(details.parsed->config), serializeRunConfig(paste.parsed->config));
    paste.diffAgainst = describeSelection(selection_);
    paste.diffSelection = selection_;
}

void ConfigsController::findIdentical() {
    PasteState& paste = paste_;
    if (!paste.parsed || connection_.phase != ConnectionPhase::Connected) return;
    const RunConfig config = paste.parsed->config;
    runner_.submit<std::vector<db::ConfigMatch>>(
        paste.findRequest, "finding identical configs",
        [config](db::Connection& conn) {
            std::optional<std::string> parameters;
            if (config.simulationParameters) parameters = config.simulationParameters->dump();
            return db::findIdenticalConfigs(conn, config.featureColumns.dump(), config.hyperparameters.dump(),
                                            config.walkConfig.dump(), parameters, kMaxMatches);
        },
        [this](db::Outcome<std::vector<db::ConfigMatch>> outcome) {
            PasteState& paste = paste_;
            if (!runner_.finish(paste.findRequest, outcome))
                return log_.error("finding identical configs failed: " + outcome.error->message);
            paste.matches = std::move(*outcome.value);
            log_.info(std::to_string(paste.matches.size()) + " run(s) with an identical config");
        });
}

}  // namespace app
