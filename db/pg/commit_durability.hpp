// Whether the server may lose a commit it has acknowledged: synchronous_commit = off. Read in the
// session, because a role or a database can set it (ALTER ROLE/DATABASE ... SET) apart from
// postgresql.conf. Used by `stage1ctl doctor` (a warning step) and `stage1ctl replay-spool`.
#pragma once

#include <string>

#include "db/pg/pg.hpp"

namespace db {

struct CommitDurability {
    std::string synchronousCommit;  // the session's value: on, off, local, remote_write, remote_apply
    // Only `off` acknowledges a commit before its WAL is flushed to the server's own disk, so a
    // server crash (or an immediate stop) loses the last acknowledged transactions. `local`,
    // `remote_write` and `remote_apply` flush locally first and differ only in what they wait for
    // from standbys: a crash of this server loses nothing they acknowledged.
    bool asynchronous() const { return synchronousCommit == "off"; }
};

CommitDurability readCommitDurability(Connection& conn);

// The warning both commands print, one sentence, naming the setting and where it may come from.
std::string asynchronousCommitWarning(const CommitDurability& durability);

}  // namespace db
