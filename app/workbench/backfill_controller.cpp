#include "app/workbench/backfill_controller.hpp"

#include "app/ops/spool.hpp"

namespace app {

BackfillController::BackfillController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                                       EnvLookup env, std::function<void(const std::string&)> landed)
    : backfill_(state.backfill),
      connection_(state.connection),
      runner_(runner),
      log_(log),
      env_(std::move(env)),
      landed_(std::move(landed)) {}

void BackfillController::setInputs(const BackfillInputs& inputs) {
    BackfillState& b = backfill_;
    if (inputs != b.inputs) {
        b.fromFix.clear();  // no longer what the Checks panel sent
        b.queuedOffline.clear();
    }
    b.inputs = inputs;
    b.preview = previewPlaceholder(inputs.slug, inputs.uuid, inputs.symbol);
    b.result.reset();
}

void BackfillController::spoolOffline(const PlaceholderPreview& preview, const std::string& why) {
    const std::string at = utcNowIso();
    try {
        auto path = defaultSpoolPath(env_);
        appendToSpool(path, placeholderInsertStatement(preview, at),
                      "stage1-debugger " + at + ": placeholder dataset " + preview.slug + " (" + why + ")");
        backfill_.queuedOffline = path.string();
        log_.warning("queued offline: placeholder " + preview.slug + " appended to " + path.string() +
                     "; the nightly replay applies it");
    } catch (const std::exception& e) {
        log_.error(std::string("cannot queue the backfill offline: ") + e.what());
    }
}

void BackfillController::confirmFix(const BackfillInputs& inputs, const std::string& fixKey) {
    setInputs(inputs);
    backfill_.fromFix = fixKey;
    confirm();
}

void BackfillController::confirm() {
    BackfillState& b = backfill_;
    setInputs(b.inputs);  // the preview of exactly what is sent
    b.queuedOffline.clear();
    if (!b.preview.preview || b.request.running()) return;  // a bad slug: nothing is sent
    const PlaceholderPreview preview = *b.preview.preview;
    const ConnectionPhase phase = connection_.phase;
    if (phase == ConnectionPhase::Reconnecting) return spoolOffline(preview, "the server cannot be reached");
    if (phase != ConnectionPhase::Connected) return log_.warning("connect first to backfill");

    const std::optional<std::string> uuid =
        b.inputs.uuid.empty() ? std::nullopt : std::optional<std::string>(preview.datasetId);
    const std::optional<std::string> symbol =
        b.inputs.symbol.empty() ? std::nullopt : std::optional<std::string>(preview.symbol);
    log_.info("backfill: " + preview.slug + " as " + preview.datasetId);
    runner_.submit<db::PlaceholderResult>(
        b.request, "writing the placeholder dataset",
        [preview, uuid, symbol](db::Connection& conn) {
            return db::upsertPlaceholderDataset(conn, preview.slug, uuid, symbol);
        },
        [this, preview](db::Outcome<db::PlaceholderResult> outcome) {
            BackfillState& b = backfill_;
            // Read before finish(): the runner reports the lost connection after this returns.
            const bool lost = !outcome.ok() && !outcome.cancelled && outcome.error &&
                              runner_.meansConnectionLost(*outcome.error);
            if (!runner_.finish(b.request, outcome)) {
                if (lost) return spoolOffline(preview, outcome.error->message);
                return log_.error("backfill failed: " + outcome.error->describe());
            }
            b.result = *outcome.value;
            log_.info(std::string(b.result->inserted ? "created: " : "already present: ") + b.result->note);
            landed_(b.result->datasetId);
        });
}

}  // namespace app
