#include "app/workbench/workbench.hpp"

namespace app {

// The features meet only here: what one does when another changes.
Workbench::Workbench(db::Mailbox& mailbox, EnvLookup env)
    : log_(state_.log),
      runner_(mailbox),
      connection_(state_, runner_, log_, mailbox, env,
                  {[this] {
                       hierarchy_.reset();
                       configs_.reset();
                       search_.reset();
                       compare_.reset();
                       folds_.reset();
                       questdb_.reset();
                   },
                   [this] { hierarchy_.loadFirstPage(); }, [this] { refresh(); }}),
      hierarchy_(
          state_, runner_, log_, [this] { selectionChanged(); }, [this] { refresh(); }),
      configs_(state_, runner_, log_),
      backfill_(state_, runner_, log_, env,
                [this](const std::string& datasetId) {
                    hierarchy_.revealDataset(datasetId);  // reloads from the top, where a new dataset is
                    checks_.placeholderLanded();
                }),
      checks_(state_, runner_, log_, backfill_, env),
      search_(state_, runner_, log_, hierarchy_),
      compare_(state_, runner_, log_),
      folds_(state_, runner_, log_),
      questdb_(state_, runner_, log_, connection_) {
    runner_.setHooks({[this](const db::DbError& error, const TunnelError* tunnelError) {
                          return connection_.diagnose(error, tunnelError);
                      },
                      [this](const db::DbError& error) { return connection_.meansConnectionLost(error); },
                      [this](const std::string& reason) { connection_.connectionLost(reason); }});
}

// The worker ends (and a long statement is cancelled) before the controllers its outcomes name go.
Workbench::~Workbench() {
    runner_.shutdown();
}

void Workbench::refresh() {
    if (state_.connection.phase != ConnectionPhase::Connected) return;
    hierarchy_.reload();
    const Selection::Kind kind = state_.selection.kind;
    if (kind == Selection::Kind::Run || kind == Selection::Kind::Simulation)
        selectionChanged();
    else
        questdb_.load();
    log_.info("refreshed");
}

void Workbench::selectionChanged() {
    configs_.load();
    folds_.load();
    questdb_.load();
}

void Workbench::cancel(const RequestStatus& request) {
    runner_.cancel(request);
}

void Workbench::cancel(db::RequestId id) {
    runner_.cancel(id);
}

void Workbench::tick(double nowSeconds) {
    connection_.tick(nowSeconds, runner_.busy());
}

}  // namespace app
