#include "db/pg/session.hpp"

namespace db {

Session::Session(SessionOptions options, Mailbox& mailbox)
    : options_(std::move(options)), mailbox_(mailbox), worker_([this] { workerLoop(); }) {}

Session::~Session() {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        stopping_ = true;
    }
    cancelAll();
    wake_.notify_all();
    worker_.join();
    for (auto& t : cancellers_) t.join();
}

RequestId Session::enqueue(Job job) {
    RequestId id;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        id = job.id = nextId_++;
        queue_.push_back(std::move(job));
    }
    wake_.notify_all();
    return id;
}

Connection& Session::requireConnection() {
    if (!conn_ || PQstatus(conn_->raw()) != CONNECTION_OK) {
        connected_ = false;
        throw Error(DbError{"", "not connected", "", ""});
    }
    return *conn_;
}

RequestId Session::connect(std::function<void(Outcome<ServerFacts>)> done) {
    return connect(std::nullopt, std::move(done));
}

RequestId Session::connect(SessionOptions options, std::function<void(Outcome<ServerFacts>)> done) {
    return connect(std::optional<SessionOptions>(std::move(options)), std::move(done));
}

RequestId Session::disconnect(std::function<void(Outcome<bool>)> done) {
    auto shared = std::make_shared<std::function<void(Outcome<bool>)>>(std::move(done));
    Job job;
    job.run = [this, shared](RequestId id, const std::atomic<bool>&) {
        {
            std::lock_guard<std::mutex> lock(mutex_);
            cancelHandle_.reset();
        }
        conn_.reset();
        connected_ = false;
        options_ = SessionOptions{};  // forget the password, and release what prepare() holds (a tunnel)
        Outcome<bool> outcome;
        outcome.id = id;
        outcome.value = true;
        return deliver<bool>(*shared, std::move(outcome));
    };
    job.dropped = droppedOutcome<bool>(shared);
    return enqueue(std::move(job));
}

RequestId Session::connect(std::optional<SessionOptions> replacement,
                           std::function<void(Outcome<ServerFacts>)> done) {
    auto shared = std::make_shared<std::function<void(Outcome<ServerFacts>)>>(std::move(done));
    Job job;
    job.run = [this, shared, replacement = std::move(replacement)](RequestId id,
                                                                   const std::atomic<bool>& cancelled) {
        Outcome<ServerFacts> outcome;
        outcome.id = id;
        auto started = std::chrono::steady_clock::now();
        if (replacement) options_ = *replacement;
        try {
            outcome.value = openConnection(cancelled);
        } catch (...) {
            recordFailure(outcome);  // also what the prepare step threw (e.g. the tunnel's own error)
        }
        outcome.cancelled = !outcome.value && cancelled.load();
        outcome.elapsedMs =
            std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - started).count();
        return deliver<ServerFacts>(*shared, std::move(outcome));
    };
    job.dropped = droppedOutcome<ServerFacts>(shared);
    return enqueue(std::move(job));
}

ServerFacts Session::openConnection(const std::atomic<bool>& cancelled) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        cancelHandle_.reset();
    }
    conn_.reset();
    connected_ = false;
    ConnectParams params = options_.params;
    if (options_.prepare) options_.prepare(params, cancelled);
    auto conn = std::make_unique<Connection>(Connection::openCancellable(params, cancelled));
    ServerFacts facts;
    facts.serverVersion = conn->serverVersion();
    if (options_.postgresServer) {
        // Through a pooler nothing is set on the shared server session: the timeout goes with
        // each statement instead (Connection::setStatementTimeout).
        if (options_.statementTimeoutMs > 0) conn->setStatementTimeout(options_.statementTimeoutMs);
        Result r = conn->query(
            "SELECT current_user, current_setting('server_version_num')::int, "
            "coalesce(host(inet_client_addr()), '')");
        facts.currentUser = std::string(r.text(0, 0));
        facts.serverVersionNum = static_cast<int>(r.integer(0, 1));
        facts.clientAddress = std::string(r.text(0, 2));
        facts.throughPooler = conn->throughPooler();
    }
    facts.tls = readTlsFacts(conn->raw());
    {
        std::lock_guard<std::mutex> lock(mutex_);
        cancelHandle_ = std::shared_ptr<PGcancel>(PQgetCancel(conn->raw()), PQfreeCancel);
    }
    conn_ = std::move(conn);
    connected_ = true;
    return facts;
}

Connection& Session::connectionWith(const SessionOptions& options, const std::atomic<bool>& cancelled) {
    const bool reusable = conn_ && PQstatus(conn_->raw()) == CONNECTION_OK &&
                          options.params.entries() == options_.params.entries() &&
                          options.postgresServer == options_.postgresServer;
    if (!reusable) {
        options_ = options;
        openConnection(cancelled);
    }
    return *conn_;
}

RequestId Session::ping(std::function<void(Outcome<bool>)> done) {
    return submit<bool>([](Connection& conn) { return conn.query("SELECT 1").rows() == 1; }, std::move(done));
}

void Session::cancel(RequestId id) {
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto it = queue_.begin(); it != queue_.end(); ++it) {
        if (it->id == id) {
            mailbox_.post(it->dropped(id));
            queue_.erase(it);
            return;
        }
    }
    if (runningId_ != id) return;
    runningCancelled_ = true;  // a connect in progress polls this flag
    if (cancelHandle_) {
        std::shared_ptr<PGcancel> handle = cancelHandle_;
        cancellers_.emplace_back([handle] {
            char error[256];
            PQcancel(handle.get(), error, sizeof error);  // a failed cancel leaves the query to finish
        });
    }
}

void Session::cancelAll() {
    std::vector<RequestId> ids;
    {
        std::lock_guard<std::mutex> lock(mutex_);
        for (const auto& job : queue_) ids.push_back(job.id);
        if (runningId_) ids.push_back(runningId_);
    }
    for (RequestId id : ids) cancel(id);
}

void Session::workerLoop() {
    while (true) {
        Job job;
        {
            std::unique_lock<std::mutex> lock(mutex_);
            wake_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_ && queue_.empty()) break;
            job = std::move(queue_.front());
            queue_.pop_front();
            runningId_ = job.id;
            runningCancelled_ = false;
        }
        std::function<void()> delivery = job.run(job.id, runningCancelled_);
        // A statement that failed because the server or the network went away leaves the
        // connection BAD: say so before the outcome is delivered, so callers can reconnect.
        if (conn_ && PQstatus(conn_->raw()) != CONNECTION_OK) connected_ = false;
        {
            std::lock_guard<std::mutex> lock(mutex_);
            runningId_ = 0;
        }
        mailbox_.post(std::move(delivery));
    }
    conn_.reset();
}

}  // namespace db
