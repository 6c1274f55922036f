#include "app/workbench/checks_controller.hpp"

#include "app/ops/spool.hpp"
#include "db/schema/migration_catalog.hpp"

namespace app {

ChecksController::ChecksController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                                   BackfillController& backfill, EnvLookup env)
    : checks_(state.checks), connection_(state.connection), runner_(runner), log_(log), backfill_(backfill) {
    checks_.spoolPath = defaultSpoolPath(env).string();
}

void ChecksController::setSpoolPath(const std::string& path) {
    checks_.spoolPath = path;
}

void ChecksController::run() {
    ChecksState& c = checks_;
    if (c.request.running()) return;
    if (connection_.phase != ConnectionPhase::Connected)
        return log_.warning("connect first to run the checks");
    const std::string spoolPath = c.spoolPath;
    const std::string target = connection_.target;
    log_.info("checks: running" +
              (spoolPath.empty() ? std::string() : " (with the spool " + spoolPath + ")"));
    runner_.submitCancellable<std::vector<db::CheckResult>>(
        c.request, "running the checks",
        [spoolPath](db::Connection& conn, const std::atomic<bool>& cancelled) {
            db::ValidationOptions options;
            options.cancelled = &cancelled;
            // The file is read here, on the worker: the UI thread never waits on a disk either.
            const SpoolInput spool = spoolPath.empty() ? SpoolInput{} : readSpoolFile(spoolPath);
            return runDataChecks(conn, db::embeddedMigrations(), options, spool);
        },
        [this, spoolPath, target](db::Outcome<std::vector<db::CheckResult>> outcome) {
            ChecksState& c = checks_;
            if (!runner_.finish(c.request, outcome)) {
                if (outcome.cancelled)
                    log_.info("checks: cancelled");
                else
                    log_.error("checks failed: " + outcome.error->describe());
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
            log_.add(failed ? LogEntry::Level::Warning : LogEntry::Level::Info,
                     "checks: " + (failed ? std::to_string(failed) + " of " +
                                                std::to_string(c.results.size()) + " failed"
                                          : "all " + std::to_string(c.results.size()) + " passed"));
            c.finishedAt = log_.lastTime();
            if (c.rerun) {
                c.rerun = false;
                run();
            }
        });
}

void ChecksController::prefill(const PlaceholderFix& fix) {
    backfill_.setInputs({fix.slugKnown ? fix.slug : "", fix.datasetId, ""});
}

void ChecksController::fix(const PlaceholderFix& fix) {
    if (backfill_.state().request.running()) return log_.warning("a backfill is already running");
    if (!fix.preview.preview) return log_.warning("cannot backfill: " + fix.preview.problem);
    backfill_.confirmFix({fix.slug, fix.datasetId, ""}, fix.key());
}

void ChecksController::placeholderLanded() {
    ChecksState& c = checks_;
    if (!c.ran && !c.request.running()) return;  // nothing shown that it could have fixed
    if (c.request.running())
        c.rerun = true;
    else
        run();
}

}  // namespace app
