#include "db/pg/pg.hpp"

#include <poll.h>

#include <cstdlib>

namespace db {

namespace {

std::string field(const PGresult* r, int code) {
    const char* v = PQresultErrorField(r, code);
    return v ? v : "";
}

std::string trimTrailingNewlines(std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
    return s;
}

// libpq takes C strings: a NUL byte inside a value would cut it short there, and the server would
// get a different value than the caller gave (PostgreSQL's text cannot hold 0x00 anyway). Such a
// value is refused before anything is sent, with the SQLSTATE the server uses for that byte.
void refuseNulByte(std::string_view value, const std::string& what) {
    const size_t at = value.find('\0');
    if (at == std::string_view::npos) return;
    throw Error(DbError{"22021",
                        what + " contains a NUL byte (0x00) at byte " + std::to_string(at + 1) + " of " +
                            std::to_string(value.size()) +
                            "; PostgreSQL text cannot hold it, so nothing was sent",
                        "", "Remove the NUL byte from the value."});
}

std::vector<const char*> parameterValues(const Params& params) {
    std::vector<const char*> values;
    values.reserve(params.size());
    for (size_t i = 0; i < params.size(); ++i) {
        if (!params[i]) {
            values.push_back(nullptr);
            continue;
        }
        refuseNulByte(*params[i], "parameter $" + std::to_string(i + 1));
        values.push_back(params[i]->c_str());
    }
    return values;
}

std::pair<std::vector<const char*>, std::vector<const char*>> keywordArrays(const ConnectParams& params) {
    std::vector<const char*> keys, values;
    for (const auto& [k, v] : params.entries()) {
        // The value is not named: it may be the password.
        refuseNulByte(v, "the connection setting '" + k + "'");
        keys.push_back(k.c_str());
        values.push_back(v.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    return {keys, values};
}

}  // namespace

std::string DbError::describe() const {
    std::string out = message;
    if (!detail.empty()) out += "\nDETAIL: " + detail;
    if (!hint.empty()) out += "\nHINT: " + hint;
    return out;
}

Error::Error(DbError error) : std::runtime_error(error.describe()), error_(std::move(error)) {}

DbError errorFromResult(const PGresult* result, PGconn* conn) {
    DbError e;
    if (result) {
        e.sqlstate = field(result, PG_DIAG_SQLSTATE);
        e.message = field(result, PG_DIAG_MESSAGE_PRIMARY);
        e.detail = field(result, PG_DIAG_MESSAGE_DETAIL);
        e.hint = field(result, PG_DIAG_MESSAGE_HINT);
    }
    if (e.message.empty() && conn) e.message = trimTrailingNewlines(PQerrorMessage(conn));
    if (e.message.empty()) e.message = "unknown libpq error";
    return e;
}

std::string_view Result::text(int row, int column) const {
    return std::string_view(PQgetvalue(raw_.get(), row, column),
                            static_cast<size_t>(PQgetlength(raw_.get(), row, column)));
}

std::optional<std::string> Result::optionalText(int row, int column) const {
    if (isNull(row, column)) return std::nullopt;
    return std::string(text(row, column));
}

long long Result::integer(int row, int column) const {
    return std::strtoll(PQgetvalue(raw_.get(), row, column), nullptr, 10);
}

int Result::columnIndex(const char* name) const {
    int i = PQfnumber(raw_.get(), name);
    if (i < 0) throw std::logic_error(std::string("result has no column ") + name);
    return i;
}

void ConnectParams::set(const std::string& keyword, const std::string& value) {
    for (auto& [k, v] : entries_) {
        if (k == keyword) {
            v = value;
            return;
        }
    }
    entries_.emplace_back(keyword, value);
}

const std::string* ConnectParams::find(const std::string& keyword) const {
    for (const auto& [k, v] : entries_)
        if (k == keyword) return &v;
    return nullptr;
}

std::string ConnectParams::describe() const {
    auto get = [&](const char* k, const char* fallback) {
        const std::string* v = find(k);
        return v && !v->empty() ? *v : std::string(fallback);
    };
    return get("user", "(default user)") + "@" + get("host", "(default host)") + ":" +
           get("port", "(default port)") + "/" + get("dbname", "(default database)");
}

Connection::Connection(PGconn* raw) : conn_(raw) {}

Connection Connection::open(const ConnectParams& params) {
    auto [keys, values] = keywordArrays(params);
    // expand_dbname=0: a "dbname" entry is a database name, never a connection string; callers
    // expand DSNs explicitly so every source is layered in one place.
    PGconn* raw = PQconnectdbParams(keys.data(), values.data(), 0);
    Connection conn(raw);
    if (!raw || PQstatus(raw) != CONNECTION_OK) {
        DbError e;
        e.message = raw ? trimTrailingNewlines(PQerrorMessage(raw)) : "out of memory creating a connection";
        throw Error(std::move(e));
    }
    return conn;
}

Connection Connection::openCancellable(const ConnectParams& params, const std::atomic<bool>& cancelled) {
    auto [keys, values] = keywordArrays(params);
    PGconn* raw = PQconnectStartParams(keys.data(), values.data(), 0);
    Connection conn(raw);
    auto fail = [&](std::string message) {
        DbError e;
        e.message = std::move(message);
        throw Error(std::move(e));
    };
    if (!raw) fail("out of memory creating a connection");
    // libpq's state machine: wait for the socket in the direction it asks for, in short slices so
    // a cancel is noticed quickly. connect_timeout is still enforced by libpq itself.
    PostgresPollingStatusType state = PGRES_POLLING_WRITING;
    while (PQstatus(raw) != CONNECTION_BAD) {
        if (state == PGRES_POLLING_OK) return conn;
        if (cancelled.load()) fail("cancelled");
        pollfd fd{PQsocket(raw), static_cast<short>(state == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
        if (fd.fd < 0) break;
        int ready = ::poll(&fd, 1, 50);
        if (ready == 0) continue;
        state = PQconnectPoll(raw);
        if (state == PGRES_POLLING_FAILED) break;
    }
    fail(trimTrailingNewlines(PQerrorMessage(raw)));
    return conn;  // not reached
}

Result Connection::check(PGresult* raw, ExecStatusType expected) {
    Result result(raw);
    if (!raw || PQresultStatus(raw) != expected) throw Error(errorFromResult(raw, conn_.get()));
    return result;
}

Result Connection::exec(std::string_view sql) {
    // PQexec returns only the last statement's result; an error in any statement stops there and
    // is what we get back.
    refuseNulByte(sql, "the SQL text");
    std::string text(sql);
    PGresult* raw = PQexec(conn_.get(), text.c_str());
    ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK || status == PGRES_EMPTY_QUERY)
        return Result(raw);
    return check(raw, PGRES_COMMAND_OK);
}

Result Connection::query(const std::string& sql, const Params& params) {
    refuseNulByte(sql, "the SQL text");
    const std::vector<const char*> values = parameterValues(params);
    if (localStatementTimeoutMs_ && PQtransactionStatus(conn_.get()) == PQTRANS_IDLE)
        return queryWithLocalTimeout(sql, values);
    PGresult* raw = PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr,
                                 values.data(), nullptr, nullptr, 0);
    ExecStatusType status = raw ? PQresultStatus(raw) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) return Result(raw);
    return check(raw, PGRES_TUPLES_OK);
}

// set_config(..., true) and the statement, pipelined with one sync point: one implicit transaction,
// so the setting holds for the statement and is gone at its end (a pooler hands the server
// connection to the next client clean). One round trip, like PQexecParams.
Result Connection::queryWithLocalTimeout(const std::string& sql, const std::vector<const char*>& values) {
    PGconn* c = conn_.get();
    if (PQenterPipelineMode(c) != 1) throw Error(errorFromResult(nullptr, c));
    const std::string timeout = std::to_string(*localStatementTimeoutMs_) + "ms";
    const char* timeoutValue[] = {timeout.c_str()};
    const bool sent = PQsendQueryParams(c, "SELECT set_config('statement_timeout', $1, true)", 1, nullptr,
                                        timeoutValue, nullptr, nullptr, 0) == 1 &&
                      PQsendQueryParams(c, sql.c_str(), static_cast<int>(values.size()), nullptr,
                                        values.data(), nullptr, nullptr, 0) == 1 &&
                      PQpipelineSync(c) == 1;
    std::optional<DbError> failure;
    if (!sent) failure = errorFromResult(nullptr, c);
    std::optional<Result> answer;
    // Results: set_config's, NULL, the statement's, NULL, then the sync. A lost connection ends it
    // early (NULL after NULL).
    int commandResults = 0;
    int nullsInARow = 0;
    while (sent && nullsInARow < 2) {
        PGresult* r = PQgetResult(c);
        if (!r) {
            ++nullsInARow;
            continue;
        }
        nullsInARow = 0;
        const ExecStatusType status = PQresultStatus(r);
        if (status == PGRES_PIPELINE_SYNC) {
            PQclear(r);
            break;
        }
        if (status == PGRES_FATAL_ERROR && !failure) failure = errorFromResult(r, c);
        if (commandResults++ == 1 && (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK))
            answer.emplace(r);
        else
            PQclear(r);
    }
    PQexitPipelineMode(c);
    if (failure) throw Error(*failure);
    if (!answer) throw Error(errorFromResult(nullptr, c));
    return std::move(*answer);
}

bool Connection::throughPooler() {
    if (!throughPooler_) {
        const long long serverPid = query("SELECT pg_backend_pid()").integer(0, 0);
        throughPooler_ = serverPid != PQbackendPID(conn_.get());
    }
    return *throughPooler_;
}

// Through a pooler, exec() outside a transaction (admin SQL such as CREATE DATABASE, which cannot
// run inside one) runs under the server's or the role's own statement_timeout.
void Connection::setStatementTimeout(int ms) {
    const std::string value = std::to_string(ms) + "ms";
    if (!throughPooler_) {
        // One statement both tells a pooler apart and, only on a direct connection, sets the session's
        // timeout (set_config is volatile: CASE never evaluates it for a pooler).
        Result r = query(
            "SELECT pg_backend_pid() <> $2::int, CASE WHEN pg_backend_pid() = $2::int THEN "
            "set_config('statement_timeout', $1, false) END",
            {value, std::to_string(PQbackendPID(conn_.get()))});
        throughPooler_ = r.boolean(0, 0);
    } else if (!*throughPooler_) {
        query("SELECT set_config('statement_timeout', $1, false)", {value});
    }
    if (*throughPooler_)
        localStatementTimeoutMs_ = ms;
    else
        localStatementTimeoutMs_.reset();
}

void Connection::applyLocalTimeouts() {
    if (!localStatementTimeoutMs_) return;
    query("SELECT set_config('statement_timeout', $1, true)",
          {std::to_string(*localStatementTimeoutMs_) + "ms"});
}

void Connection::copyBegin(const std::string& copySql) {
    check(PQexec(conn_.get(), copySql.c_str()), PGRES_COPY_IN);
}

void Connection::copyWrite(std::string_view data) {
    if (PQputCopyData(conn_.get(), data.data(), static_cast<int>(data.size())) != 1)
        throw Error(errorFromResult(nullptr, conn_.get()));
}

long long Connection::copyEnd(const std::function<bool()>& whileWaiting) {
    PGconn* c = conn_.get();
    if (PQputCopyEnd(c, nullptr) != 1) throw Error(errorFromResult(nullptr, c));
    // A failure to read is left for PQgetResult to report.
    while (whileWaiting && PQconsumeInput(c) == 1 && PQisBusy(c)) {
        if (whileWaiting()) continue;
        pollfd fd{PQsocket(c), POLLIN, 0};
        ::poll(&fd, 1, 1000);
    }
    Result result = check(PQgetResult(conn_.get()), PGRES_COMMAND_OK);
    long long copied = std::strtoll(PQcmdTuples(result.raw()), nullptr, 10);
    while (PGresult* extra = PQgetResult(conn_.get())) PQclear(extra);
    return copied;
}

void Connection::onNotice(std::function<void(const std::string&)> handler) {
    notice_ = std::make_unique<std::function<void(const std::string&)>>(std::move(handler));
    PQsetNoticeProcessor(
        conn_.get(),
        [](void* arg, const char* message) {
            auto* fn = static_cast<std::function<void(const std::string&)>*>(arg);
            (*fn)(trimTrailingNewlines(message));
        },
        notice_.get());
}

std::string Connection::serverVersion() const {
    const char* v = PQparameterStatus(conn_.get(), "server_version");
    return v ? v : "";
}

int Connection::serverMajor() const {
    return PQserverVersion(conn_.get()) / 10000;
}

// ---- Pipeline mode ----

bool PipelineSyncResult::ok() const {
    if (syncError) return false;
    for (const auto& c : commands)
        if (c.status != PipelineOutcome::Status::Ok) return false;
    return true;
}

Pipeline::Pipeline(Connection& conn) : conn_(conn.raw()) {
    if (PQenterPipelineMode(conn_) != 1) throw Error(errorFromResult(nullptr, conn_));
}

Pipeline::~Pipeline() {
    if (unsynced_ == 0 && segments_.empty() && PQstatus(conn_) == CONNECTION_OK) PQexitPipelineMode(conn_);
}

void Pipeline::send(const std::string& sql, const Params& params) {
    refuseNulByte(sql, "the SQL text");
    const std::vector<const char*> values = parameterValues(params);
    if (PQsendQueryParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                          nullptr, nullptr, 0) != 1)
        throw Error(errorFromResult(nullptr, conn_));
    ++unsynced_;
}

void Pipeline::markSync() {
    if (PQpipelineSync(conn_) != 1) {
        unsynced_ = 0;
        segments_.clear();
        throw Error(errorFromResult(nullptr, conn_));
    }
    segments_.push_back(unsynced_);
    unsynced_ = 0;
}

PipelineSyncResult Pipeline::sync() {
    markSync();
    return next();
}

PipelineSyncResult Pipeline::next() {
    if (segments_.empty()) throw std::logic_error("Pipeline::next without a sync point");
    const size_t commands = segments_.front();
    // A lost connection surfaces as an error result (the server's FATAL, or libpq's own text) and
    // then CONNECTION_BAD: report the most telling of them.
    std::optional<DbError> lastError;
    auto lost = [&]() -> Error {
        unsynced_ = 0;
        segments_.clear();
        if (lastError && !lastError->sqlstate.empty()) return Error(*lastError);
        return Error(errorFromResult(nullptr, conn_));
    };
    PipelineSyncResult out;
    out.commands.reserve(commands);
    for (size_t k = 0; k < commands; ++k) {
        PipelineOutcome outcome;
        bool seen = false;
        // Each command: one or more results, then NULL.
        while (PGresult* raw = PQgetResult(conn_)) {
            Result result(raw);
            seen = true;
            ExecStatusType status = PQresultStatus(raw);
            if (status == PGRES_PIPELINE_ABORTED && outcome.status == PipelineOutcome::Status::Ok) {
                outcome.status = PipelineOutcome::Status::Skipped;
            } else if (status == PGRES_FATAL_ERROR || status == PGRES_NONFATAL_ERROR) {
                outcome.status = PipelineOutcome::Status::Failed;
                outcome.error = errorFromResult(raw, conn_);
                lastError = outcome.error;
            }
        }
        if (PQstatus(conn_) != CONNECTION_OK || !seen) throw lost();
        out.commands.push_back(std::move(outcome));
    }
    segments_.pop_front();
    // The sync point: PGRES_PIPELINE_SYNC, after an error when the implicit COMMIT failed.
    for (int nulls = 0; nulls < 2;) {
        PGresult* raw = PQgetResult(conn_);
        if (!raw) {
            if (PQstatus(conn_) != CONNECTION_OK) throw lost();
            ++nulls;
            continue;
        }
        Result result(raw);
        ExecStatusType status = PQresultStatus(raw);
        if (status == PGRES_PIPELINE_SYNC) return out;
        if (status == PGRES_FATAL_ERROR) {
            lastError = errorFromResult(raw, conn_);
            out.syncError = lastError;
        }
        if (PQstatus(conn_) != CONNECTION_OK) throw lost();
    }
    throw lost();
}

}  // namespace db
