#include "db/pg/commit_durability.hpp"

namespace db {

CommitDurability readCommitDurability(Connection& conn) {
    return {std::string(conn.query("SELECT current_setting('synchronous_commit')").text(0, 0))};
}

std::string asynchronousCommitWarning(const CommitDurability& durability) {
    return "the server commits asynchronously (synchronous_commit = " + durability.synchronousCommit +
           " for this session, from postgresql.conf or ALTER SYSTEM/DATABASE/ROLE ... SET): a server crash "
           "loses the transactions it acknowledged in the last moments (up to 3 x wal_writer_delay), and "
           "nothing retries them";
}

}  // namespace db
