// Workbench: the checks of stage1ctl validate, with the window's own spool file, as one cancellable
// request. A missing dataset they find is fixed through the placeholder backfill, then the checks
// run again so the panel shows what is left.
#include "app/workbench/workbench_requests.hpp"
#include "db/schema/migration_catalog.hpp"

namespace app {

void Workbench::runChecks() {
    ChecksState& c = state_.checks;
    if (c.request.running()) return;
    if (state_.connection.phase != ConnectionPhase::Connected)
        return log(LogEntry::Level::Warning, "connect first to run the checks");
    const std::string spoolPath = c.spoolPath;
    const std::string target = state_.connection.target;
    log(LogEntry::Level::Info,
        "checks: running" + (spoolPath.empty() ? std::string() : " (with the spool " + spoolPath + ")"));
    submitCancellable<std::vector<db::CheckResult>>(
        c.request,
        [spoolPath](db::Connection& conn, const std::atomic<bool>& cancelled) {
            db::ValidationOptions options;
            options.cancelled = &cancelled;
            // The file is read here, on the worker: the UI thread never waits on a disk either.
            const SpoolInput spool = spoolPath.empty() ? SpoolInput{} : readSpoolFile(spoolPath);
            return runDataChecks(conn, db::embeddedMigrations(), options, spool);
        },
        [this, spoolPath, target](db::Outcome<std::vector<db::CheckResult>> outcome) {
            ChecksState& c = state_.checks;
            if (!finishRequest(c.request, outcome, *this)) {
                if (outcome.cancelled)
                    log(LogEntry::Level::Info, "checks: cancelled");
                else
                    log(LogEntry::Level::Error, "checks failed: " + outcome.error->describe());
                c.rerun = false;
                return;
            }
            c.results = std::move(*outcome.value);
            c.fixes = placeholderFixes(c.results);
            c.ran = true;
            c.ranOn = target;
            c.checkedSpool = spoolPath;
            int failed = 0;
            for (const auto& check : c.results) failed += check.ok ? 0 : 1;
            log(failed ? LogEntry::Level::Warning : LogEntry::Level::Info,
                "checks: " +
                    (failed ? std::to_string(failed) + " of " + std::to_string(c.results.size()) + " failed"
                            : "all " + std::to_string(c.results.size()) + " passed"));
            c.finishedAt = state_.log.back().time;
            if (c.rerun) {
                c.rerun = false;
                runChecks();
            }
        });
}

void Workbench::prefillBackfill(const PlaceholderFix& fix) {
    BackfillState& b = state_.backfill;
    b.slug = fix.slugKnown ? fix.slug : "";
    b.uuid = fix.datasetId;
    b.symbol.clear();
    b.queuedOffline.clear();
    updateBackfillPreview();
}

void Workbench::backfillFix(const PlaceholderFix& fix) {
    if (state_.backfill.request.running())
        return log(LogEntry::Level::Warning, "a backfill is already running");
    if (!fix.preview.preview) return log(LogEntry::Level::Warning, "cannot backfill: " + fix.preview.problem);
    BackfillState& b = state_.backfill;
    b.slug = fix.slug;
    b.uuid = fix.datasetId;
    b.symbol.clear();
    const std::string key = fix.key();  // `fix` may live in the checks a re-run replaces
    confirmBackfill();
    state_.checks.fixing = key;  // after confirmBackfill: its preview update clears it
}

void Workbench::afterPlaceholderBackfill() {
    ChecksState& c = state_.checks;
    if (!c.ran && !c.request.running()) return;  // nothing shown that it could have fixed
    if (c.request.running())
        c.rerun = true;
    else
        runChecks();
}

}  // namespace app
