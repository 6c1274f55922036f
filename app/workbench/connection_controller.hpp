// The connection feature: the form (flags, STAGE1_*, profiles), connect / disconnect, the password
// prompt, reconnecting with backoff when the server or the tunnel is lost, the latency probe and
// the doctor. Writes WorkbenchState::form, ::connection and ::doctor, nothing else.
#pragma once

#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "app/connect/questdb_connection.hpp"
#include "app/connect/ssh_tunnel.hpp"
#include "app/workbench/event_log.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class ConnectionController {
  public:
    // What the other features do when the connection changes (wired by the Workbench).
    struct Events {
        std::function<void()> reset;        // a new connection or none: empty tree, no selection
        std::function<void()> connected;    // load the first page
        std::function<void()> reconnected;  // restore the view as it was
    };

    ConnectionController(WorkbenchState& state, RequestRunner& runner, EventLog& log, db::Mailbox& mailbox,
                         EnvLookup env, Events events);

    const ConnectionForm& form() const { return form_; }
    const ConnectionStatus& status() const { return status_; }

    // Fills the form from --dsn/flags, STAGE1_* and the profile; throws std::invalid_argument.
    void loadStartupSettings(const ConnectionSettings& flags, const std::string& profileName);
    void editForm(const ConnectionForm& form);  // the panel's edits; the connection keeps its own facts
    std::vector<std::string> profileNames() const;
    void useProfile(const std::string& name);
    void saveProfile(const std::string& name);  // the form without its password
    void connect();
    void disconnect();
    void submitPassword(const std::string& password);
    // The answer to ConnectionStatus::plaintextPasswordQuestion: connect anyway (and not ask again
    // for this profile until the window closes), or drop the password.
    void allowPlaintextPassword();
    void declinePlaintextPassword();
    void runDoctor();
    ResolvedConnection resolvedForm() const;
    // The form's QuestDB fields over STAGE1_QUESTDB_* and QuestDB's defaults; throws
    // std::invalid_argument for a malformed STAGE1_QUESTDB_DSN.
    ResolvedQuestDb resolvedQuestDb() const;

    // Every few seconds while idle: the latency probe, or the next reconnect attempt.
    void tick(double nowSeconds, bool busy);
    // A failed request in words; tunnelError is the managed tunnel's own failure, when it was that.
    Diagnosis diagnose(const db::DbError& error, const TunnelError* tunnelError) const;
    bool meansConnectionLost(const db::DbError& error) const;  // the error means the server is gone
    void connectionLost(const std::string& reason);

  private:
    void reconnect();
    void onConnected(const db::ServerFacts& facts);
    void readSchemaVersion();

    ConnectionForm& form_;
    ConnectionStatus& status_;
    DoctorState& doctor_;
    RequestRunner& runner_;
    EventLog& log_;
    db::Mailbox& mailbox_;
    EnvLookup env_;
    Events events_;
    std::shared_ptr<SshTunnel> tunnel_;  // shared with the session's worker, which starts it
    db::SessionOptions sessionOptions_;  // of the last connect, for reconnecting
    RequestStatus schemaRead_;           // quick and not listed: nothing shows it
    RequestStatus ping_;
    double lastPing_ = 0;
    double now_ = 0;                          // the latest tick() time
    std::set<std::string> plaintextAllowed_;  // profiles ("" = none) allowed a password without TLS
};

}  // namespace app
