// The one libpq wrapper: RAII handles, bound parameters, errors that keep their SQLSTATE.
#pragma once

#include <libpq-fe.h>

#include <atomic>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace db {

// What the server (or libpq) said, split into the fields callers branch on.
struct DbError {
    std::string sqlstate;  // empty when libpq failed before the server answered
    std::string message;
    std::string detail;
    std::string hint;

    // "message\nDETAIL: ...\nHINT: ..." for humans.
    std::string describe() const;
};

class Error : public std::runtime_error {
  public:
    explicit Error(DbError error);
    const DbError& info() const { return error_; }

  private:
    DbError error_;
};

// A bound parameter: a value in text form, or SQL NULL.
using Param = std::optional<std::string>;
using Params = std::vector<Param>;

struct ResultDeleter {
    void operator()(PGresult* r) const { PQclear(r); }
};

class Result {
  public:
    explicit Result(PGresult* raw) : raw_(raw) {}

    int rows() const { return PQntuples(raw_.get()); }
    int columns() const { return PQnfields(raw_.get()); }
    bool isNull(int row, int column) const { return PQgetisnull(raw_.get(), row, column) != 0; }
    // Text value; "" for NULL (check isNull when that matters).
    std::string_view text(int row, int column) const;
    std::optional<std::string> optionalText(int row, int column) const;
    long long integer(int row, int column) const;
    bool boolean(int row, int column) const { return text(row, column) == "t"; }
    int columnIndex(const char* name) const;  // throws when the column is missing
    const char* columnName(int column) const { return PQfname(raw_.get(), column); }
    PGresult* raw() const { return raw_.get(); }

  private:
    std::unique_ptr<PGresult, ResultDeleter> raw_;
};

// Ordered libpq connection keywords. Passed to PQconnectdbParams as arrays, so values never need
// quoting; a later set() of the same keyword replaces the earlier value.
class ConnectParams {
  public:
    void set(const std::string& keyword, const std::string& value);
    const std::string* find(const std::string& keyword) const;
    const std::vector<std::pair<std::string, std::string>>& entries() const { return entries_; }
    // "user@host:port/dbname" for logs and titles; never includes the password.
    std::string describe() const;

  private:
    std::vector<std::pair<std::string, std::string>> entries_;
};

struct ConnDeleter {
    void operator()(PGconn* c) const { PQfinish(c); }
};

class Connection {
  public:
    // Blocking connect: call it from a worker thread or a CLI, never from the UI thread.
    static Connection open(const ConnectParams& params);
    // Same, but gives up (throws Error with message "cancelled") as soon as *cancelled turns true.
    static Connection openCancellable(const ConnectParams& params, const std::atomic<bool>& cancelled);

    // Simple query protocol; the text may hold several statements (migration files). Never pass
    // user input here: use query() with parameters.
    Result exec(std::string_view sql);
    // Extended protocol with every value bound ($1, $2, ...).
    Result query(const std::string& sql, const Params& params = {});

    // COPY ... FROM STDIN: start, stream rows, finish (returns rows copied). While the server loads
    // the rows, copyEnd calls `whileWaiting` as long as it returns true (it found work to do) and
    // otherwise waits for the answer; it must not use this connection.
    void copyBegin(const std::string& copySql);
    void copyWrite(std::string_view data);
    long long copyEnd(const std::function<bool()>& whileWaiting = {});

    // Server NOTICE/WARNING messages go here (default: dropped).
    void onNotice(std::function<void(const std::string&)> handler);

    // Whether a connection pooler (PgBouncer) sits between us and PostgreSQL: libpq's backend pid
    // comes from the startup BackendKeyData, which a pooler makes up, while pg_backend_pid() is the
    // server's own; they are equal on a direct or SSH-tunnelled connection. One round trip the first
    // time, remembered after that.
    bool throughPooler();
    // statement_timeout for everything this connection runs (0 = none). Direct: once, for the
    // session. Through a pooler the session is shared with other clients, so nothing is set on it:
    // each statement run outside a transaction carries SET LOCAL in the same implicit transaction
    // (one round trip, pipelined), and a Transaction sets it after its BEGIN (applyLocalTimeouts).
    void setStatementTimeout(int ms);
    // Inside a transaction just begun: SET LOCAL what setStatementTimeout asked for, when it could
    // not be set for the session (through a pooler). Nothing otherwise.
    void applyLocalTimeouts();

    PGconn* raw() const { return conn_.get(); }
    std::string serverVersion() const;  // "14.23", as the server reports it
    int serverMajor() const;            // 14 for 14.23 (PQserverVersion / 10000)

  private:
    explicit Connection(PGconn* raw);
    Result check(PGresult* raw, ExecStatusType expected);
    Result queryWithLocalTimeout(const std::string& sql, const std::vector<const char*>& values);

    std::unique_ptr<PGconn, ConnDeleter> conn_;
    std::optional<bool> throughPooler_;
    std::optional<int> localStatementTimeoutMs_;  // set only through a pooler
    std::unique_ptr<std::function<void(const std::string&)>> notice_;
};

// The PostgreSQL majors every migration, query and check is tested on (./dev test runs 14, 15 and
// 18; docs/RUNBOOK.md). Older servers lack what the migrations use; newer ones are untested.
constexpr int kOldestSupportedMajor = 14;
constexpr int kNewestTestedMajor = 18;

// Errors from a failed PGresult (SQLSTATE, primary, detail, hint) or from the connection text.
DbError errorFromResult(const PGresult* result, PGconn* conn);

// ---- Pipeline mode (libpq 14+). Added for stage1ctl replay-spool; nothing above depends on it. ----
// Many commands per round trip. Without an explicit BEGIN, the commands between two sync points are
// one implicit transaction: it commits at the sync, or, when a command fails, the server skips the
// rest up to the sync and rolls everything since the previous sync back.

struct PipelineOutcome {
    enum class Status { Ok, Failed, Skipped };  // Skipped: an earlier command of the same sync failed
    Status status = Status::Ok;
    DbError error;  // when Failed
};

struct PipelineSyncResult {
    std::vector<PipelineOutcome> commands;  // one per send() since the previous sync, in order
    std::optional<DbError> syncError;       // every command succeeded but the implicit COMMIT failed
    bool ok() const;                        // every command succeeded and the transaction committed
};

class Pipeline {
  public:
    // Throws Error when libpq cannot enter pipeline mode (a command is still running).
    explicit Pipeline(Connection& conn);
    // Leaves pipeline mode when nothing is pending (otherwise the connection is being abandoned).
    ~Pipeline();
    Pipeline(const Pipeline&) = delete;
    Pipeline& operator=(const Pipeline&) = delete;

    // Queues one command (extended protocol: exactly one statement, values bound).
    void send(const std::string& sql, const Params& params = {});
    // Marks a sync point and sends what was queued: the commands since the previous sync point are
    // one segment (one implicit transaction). Several segments may be in flight at once.
    void markSync();
    // Reads the results of the oldest segment not read yet, through its sync point. Throws Error
    // when the connection is lost (its sqlstate is the server's reason when it gave one, e.g.
    // 57P01, otherwise empty).
    PipelineSyncResult next();
    // markSync(), then next().
    PipelineSyncResult sync();

  private:
    PGconn* conn_;
    size_t unsynced_ = 0;          // commands sent since the last sync point
    std::deque<size_t> segments_;  // commands per sync point whose results are not read yet
};

}  // namespace db
