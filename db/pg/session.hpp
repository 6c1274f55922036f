// One worker thread owns one PGconn. Callers submit requests and get each outcome through a
// Mailbox; nothing here ever blocks the caller on the network. Every request can be cancelled:
// a queued one is dropped, a running query gets PQcancel, a connect in progress is abandoned.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "db/pg/mailbox.hpp"
#include "db/pg/pg.hpp"
#include "db/pg/tls.hpp"

namespace db {

using RequestId = std::uint64_t;

template <typename T>
struct Outcome {
    RequestId id = 0;
    std::optional<T> value;        // set on success
    std::optional<DbError> error;  // set on failure (also when cancelled: SQLSTATE 57014 or "cancelled")
    bool cancelled = false;
    double elapsedMs = 0;  // from start of execution on the worker to the result
    // The exception the work threw, whatever its type: callers above this layer recover their own
    // typed errors (a TunnelError from a connect's prepare step) with causeAs<E>().
    std::exception_ptr cause;
    bool ok() const { return value.has_value(); }

    template <typename E>
    const E* causeAs() const {
        if (!cause) return nullptr;
        try {
            std::rethrow_exception(cause);
        } catch (const E& e) {
            return &e;  // the exception object lives as long as `cause` holds it
        } catch (...) {
            return nullptr;
        }
    }
};

// Fills an outcome's error and cause from the exception being handled (call inside a catch).
template <typename T>
void recordFailure(Outcome<T>& outcome) {
    outcome.cause = std::current_exception();
    try {
        throw;
    } catch (const Error& e) {
        outcome.error = e.info();
    } catch (const std::exception& e) {
        outcome.error = DbError{"", e.what(), "", ""};
    } catch (...) {
        outcome.error = DbError{"", "unknown failure", "", ""};
    }
}

struct ServerFacts {
    std::string serverVersion;  // server_version parameter, e.g. "15.18 (Debian ...)"
    int serverVersionNum = 0;   // e.g. 150018
    std::string currentUser;
    std::string clientAddress;   // inet_client_addr(); "" over a unix socket
    bool throughPooler = false;  // a connection pooler (PgBouncer) in between (Connection::throughPooler)
    TlsFacts tls;                // what protects the connection (db/pg/tls.hpp)
};

struct SessionOptions {
    ConnectParams params;
    int statementTimeoutMs = 15000;  // Connection::setStatementTimeout right after connecting; 0 = none
    // Runs on the worker before every connect; may adjust the params (e.g. bring up the SSH
    // tunnel and point the port at it). Throws Error to fail the connect.
    std::function<void(ConnectParams& params, const std::atomic<bool>& cancelled)> prepare = nullptr;
    // False for a server that speaks PostgreSQL's wire protocol but not its catalog (QuestDB):
    // connecting then sends no SQL of its own (no statement_timeout, no server facts but the
    // version libpq reports), so only the SQL the work itself runs reaches the server.
    bool postgresServer = true;
};

class Session {
  public:
    Session(SessionOptions options, Mailbox& mailbox);
    ~Session();  // cancels everything and joins the worker
    Session(const Session&) = delete;
    Session& operator=(const Session&) = delete;

    // Opens (or reopens) the connection, sets statement_timeout, reads the server facts.
    RequestId connect(std::function<void(Outcome<ServerFacts>)> done);
    // The same with new settings (the window's Connect after the form changed).
    RequestId connect(SessionOptions options, std::function<void(Outcome<ServerFacts>)> done);
    // Closes the connection after the requests queued before it, and forgets the options.
    RequestId disconnect(std::function<void(Outcome<bool>)> done);
    // Runs work on the worker with the connection; done() runs wherever the mailbox is drained.
    template <typename T>
    RequestId submit(std::function<T(Connection&)> work, std::function<void(Outcome<T>)> done);
    // The same for work of several statements: `cancelled` turns true on cancel, so it can stop
    // between statements (PQcancel only reaches the one running).
    template <typename T>
    RequestId submitCancellable(std::function<T(Connection&, const std::atomic<bool>& cancelled)> work,
                                std::function<void(Outcome<T>)> done);
    // Work on a connection made with `options`: the one the session holds when it was made with the
    // same params and is still good, else a new one (the old is closed). Connecting and the work are
    // one request: one outcome (a connect failure is its error), one cancel for both.
    template <typename T>
    RequestId submitWith(SessionOptions options,
                         std::function<T(Connection&, const std::atomic<bool>& cancelled)> work,
                         std::function<void(Outcome<T>)> done);
    // A cheap round trip (SELECT 1); the outcome's elapsedMs is the latency.
    RequestId ping(std::function<void(Outcome<bool>)> done);

    void cancel(RequestId id);  // any thread
    void cancelAll();
    bool connected() const { return connected_.load(); }

  private:
    struct Job {
        RequestId id;
        // Runs on the worker; returns the delivery to post. `cancelled` tells it a cancel arrived.
        std::function<std::function<void()>(RequestId, const std::atomic<bool>& cancelled)> run;
        std::function<std::function<void()>(RequestId)> dropped;  // a job cancelled while queued
    };

    RequestId enqueue(Job job);
    RequestId connect(std::optional<SessionOptions> replacement,
                      std::function<void(Outcome<ServerFacts>)> done);
    void workerLoop();
    template <typename T>
    static std::function<void()> deliver(std::function<void(Outcome<T>)> done, Outcome<T> outcome);
    // The outcome of a job cancelled while it was still queued.
    template <typename T>
    static std::function<std::function<void()>(RequestId)> droppedOutcome(
        std::shared_ptr<std::function<void(Outcome<T>)>> done);
    Connection& requireConnection();
    // Worker only: closes the connection and opens one with options_ (throws Error on failure).
    ServerFacts openConnection(const std::atomic<bool>& cancelled);
    // Worker only: the connection submitWith's work runs on.
    Connection& connectionWith(const SessionOptions& options, const std::atomic<bool>& cancelled);
    template <typename T>
    RequestId enqueueWork(std::optional<SessionOptions> connectWith,
                          std::function<T(Connection&, const std::atomic<bool>&)> work,
                          std::function<void(Outcome<T>)> done);

    SessionOptions options_;  // worker thread only once the session runs
    Mailbox& mailbox_;
    std::unique_ptr<Connection> conn_;  // worker thread only
    std::atomic<bool> connected_{false};

    std::mutex mutex_;
    std::condition_variable wake_;
    std::deque<Job> queue_;
    bool stopping_ = false;
    RequestId nextId_ = 1;
    RequestId runningId_ = 0;
    std::atomic<bool> runningCancelled_{false};
    std::shared_ptr<PGcancel> cancelHandle_;  // guarded by mutex_; for the current connection
    std::vector<std::thread> cancellers_;     // PQcancel blocks on the network, so never on the caller

    std::thread worker_;
};

template <typename T>
std::function<void()> Session::deliver(std::function<void(Outcome<T>)> done, Outcome<T> outcome) {
    return [done = std::move(done), outcome = std::move(outcome)]() mutable { done(std::move(outcome)); };
}

template <typename T>
std::function<std::function<void()>(RequestId)> Session::droppedOutcome(
    std::shared_ptr<std::function<void(Outcome<T>)>> done) {
    return [done](RequestId id) {
        Outcome<T> outcome;
        outcome.id = id;
        outcome.cancelled = true;
        outcome.error = DbError{"", "cancelled before it started", "", ""};
        return deliver<T>(*done, std::move(outcome));
    };
}

template <typename T>
RequestId Session::submit(std::function<T(Connection&)> work, std::function<void(Outcome<T>)> done) {
    return submitCancellable<T>(
        [work = std::move(work)](Connection& conn, const std::atomic<bool>&) { return work(conn); },
        std::move(done));
}

template <typename T>
RequestId Session::submitCancellable(std::function<T(Connection&, const std::atomic<bool>&)> work,
                                     std::function<void(Outcome<T>)> done) {
    return enqueueWork<T>(std::nullopt, std::move(work), std::move(done));
}

template <typename T>
RequestId Session::submitWith(SessionOptions options,
                              std::function<T(Connection&, const std::atomic<bool>&)> work,
                              std::function<void(Outcome<T>)> done) {
    return enqueueWork<T>(std::move(options), std::move(work), std::move(done));
}

template <typename T>
RequestId Session::enqueueWork(std::optional<SessionOptions> connectWith,
                               std::function<T(Connection&, const std::atomic<bool>&)> work,
                               std::function<void(Outcome<T>)> done) {
    auto shared = std::make_shared<std::function<void(Outcome<T>)>>(std::move(done));
    Job job;
    job.run = [this, work = std::move(work), shared, connectWith = std::move(connectWith)](
                  RequestId id, const std::atomic<bool>& cancelled) {
        Outcome<T> outcome;
        outcome.id = id;
        auto started = std::chrono::steady_clock::now();
        try {
            Connection& conn = connectWith ? connectionWith(*connectWith, cancelled) : requireConnection();
            outcome.value = work(conn, cancelled);
        } catch (...) {
            recordFailure(outcome);
        }
        outcome.cancelled = !outcome.value && cancelled.load();
        outcome.elapsedMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        return deliver<T>(*shared, std::move(outcome));
    };
    job.dropped = droppedOutcome<T>(shared);
    return enqueue(std::move(job));
}

}  // namespace db
