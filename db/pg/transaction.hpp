// The one way to open a transaction: BEGIN in the constructor, ROLLBACK in the destructor unless
// commit() ran. A lost connection in the destructor is not an error: the server ends the
// transaction itself.
#pragma once

#include <string>

#include "db/pg/pg.hpp"

namespace db {

class Transaction {
  public:
    enum class Mode { ReadWrite, ReadOnlySnapshot };  // ReadOnlySnapshot: REPEATABLE READ READ ONLY

    explicit Transaction(Connection& conn, Mode mode = Mode::ReadWrite);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;

    void commit();
    // Ends it now (for callers that go on with the connection); a failure is swallowed.
    void rollback();
    bool open() const { return open_; }

  private:
    Connection& conn_;
    bool open_ = true;
};

}  // namespace db
