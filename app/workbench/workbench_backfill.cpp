// Workbench: one-click placeholder dataset, previewed locally before anything is sent. When the
// server cannot be reached the INSERT waits in the spool file instead of being lost.
#include "app/ops/spool.hpp"
#include "app/workbench/workbench_requests.hpp"

namespace app {

void Workbench::updateBackfillPreview() {
    BackfillState& b = state_.backfill;
    b.preview = previewPlaceholder(b.slug, b.uuid, b.symbol);
    b.result.reset();
    state_.checks.fixing.clear();  // the inputs are no longer what the Checks panel sent
}

void Workbench::spoolBackfill(const PlaceholderPreview& preview, const std::string& why) {
    BackfillState& b = state_.backfill;
    const std::string at = utcNowIso();
    try {
        auto path = defaultSpoolPath(env_);
        appendToSpool(path, placeholderInsertStatement(preview, at),
                      "stage1-debugger " + at + ": placeholder dataset " + preview.slug + " (" + why + ")");
        b.queuedOffline = path.string();
        log(LogEntry::Level::Warning, "queued offline: placeholder " + preview.slug + " appended to " +
                                          path.string() + "; the nightly replay applies it");
    } catch (const std::exception& e) {
        log(LogEntry::Level::Error, std::string("cannot queue the backfill offline: ") + e.what());
    }
}

void Workbench::confirmBackfill() {
    BackfillState& b = state_.backfill;
    updateBackfillPreview();
    b.queuedOffline.clear();
    if (!b.preview.preview || b.request.running()) return;  // a bad slug: nothing is sent
    const PlaceholderPreview preview = *b.preview.preview;
    const ConnectionPhase phase = state_.connection.phase;
    if (phase == ConnectionPhase::Reconnecting) return spoolBackfill(preview, "the server cannot be reached");
    if (phase != ConnectionPhase::Connected)
        return log(LogEntry::Level::Warning, "connect first to backfill");

    const std::optional<std::string> uuid =
        b.uuid.empty() ? std::nullopt : std::optional<std::string>(preview.datasetId);
    const std::optional<std::string> symbol =
        b.symbol.empty() ? std::nullopt : std::optional<std::string>(preview.symbol);
    log(LogEntry::Level::Info, "backfill: " + preview.slug + " as " + preview.datasetId);
    submit<db::PlaceholderResult>(
        b.request,
        [preview, uuid, symbol](db::Connection& conn) {
            return db::upsertPlaceholderDataset(conn, preview.slug, uuid, symbol);
        },
        [this, preview](db::Outcome<db::PlaceholderResult> outcome) {
            BackfillState& b = state_.backfill;
            if (!finishRequest(b.request, outcome, *this)) {
                if (!outcome.cancelled && connectionLost(*outcome.error))
                    return spoolBackfill(preview, outcome.error->message);
                return log(LogEntry::Level::Error, "backfill failed: " + outcome.error->describe());
            }
            b.result = *outcome.value;
            log(LogEntry::Level::Info,
                std::string(b.result->inserted ? "created: " : "already present: ") + b.result->note);
            revealDataset(b.result->datasetId);  // reloads from the top, where a new dataset is
            afterPlaceholderBackfill();
        });
}

}  // namespace app
