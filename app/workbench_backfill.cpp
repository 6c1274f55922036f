// Workbench: one-click placeholder dataset, previewed locally before anything is sent.
#include "app/workbench_requests.hpp"

namespace app {

void Workbench::updateBackfillPreview() {
    BackfillState& b = state_.backfill;
    b.preview = previewPlaceholder(b.slug, b.uuid, b.symbol);
    b.result.reset();
}

void Workbench::confirmBackfill() {
    BackfillState& b = state_.backfill;
    updateBackfillPreview();
    if (!b.preview.preview || b.request.running() || state_.connection.phase != ConnectionPhase::Connected)
        return;
    const PlaceholderPreview preview = *b.preview.preview;
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
        [this](db::Outcome<db::PlaceholderResult> outcome) {
            BackfillState& b = state_.backfill;
            if (!finishRequest(b.request, outcome,
                               [this](const db::DbError& e) { return diagnoseRequest(e); }))
                return log(LogEntry::Level::Error, "backfill failed: " + outcome.error->describe());
            b.result = *outcome.value;
            log(LogEntry::Level::Info,
                std::string(b.result->inserted ? "created: " : "already present: ") + b.result->note);
            revealDataset(b.result->datasetId);  // reloads from the top, where a new dataset is
        });
}

}  // namespace app
