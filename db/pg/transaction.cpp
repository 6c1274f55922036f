#include "db/pg/transaction.hpp"

namespace db {

Transaction::Transaction(Connection& conn, Mode mode) : conn_(conn) {
    conn_.exec(mode == Mode::ReadOnlySnapshot ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN");
    conn_.applyLocalTimeouts();  // through a pooler the timeout lives only as long as the transaction
}

Transaction::~Transaction() {
    rollback();
}

void Transaction::commit() {
    conn_.exec("COMMIT");
    open_ = false;
}

void Transaction::rollback() {
    if (!open_) return;
    open_ = false;
    try {
        conn_.exec("ROLLBACK");
    } catch (const Error&) {
        // The connection is gone; the server ends the transaction itself.
    }
}

}  // namespace db
