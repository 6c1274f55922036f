// Which spooled INSERTs stage1ctl replay-spool may load with COPY: the server is asked about their
// targets and ::type names (the value rules are in db/spool/copy_rows.hpp, the batches that use
// the answers in db/spool/spool_plan.hpp).
//
// A target takes COPY like INSERT when it is an ordinary or partitioned table without rules (COPY
// skips them) or row security (COPY FROM refuses it), and no column of the list is GENERATED
// ALWAYS (COPY would write it, the INSERT is refused). Each target and ::type name is asked about
// once, in learn(), before the batches start: pipeline mode allows no other query. So is each
// table's foreign keys, triggers and defaults, which say whether its rows may load ahead of their
// place in the file (db/spool/copy_order.hpp).
#pragma once

#include <map>
#include <optional>
#include <string_view>

#include "db/pg/pg.hpp"
#include "db/spool/copy_rows.hpp"
#include "db/spool/spool_grammar.hpp"

namespace db {

class CopyTargetLookup {
  public:
    // Off when `enabled` is false or the server reads '...' with backslash escapes
    // (standard_conforming_strings off).
    CopyTargetLookup(Connection& conn, bool enabled);

    bool enabled() const { return enabled_; }
    // Looks up this INSERT's target and ::type names, those not seen before. Throws Error only when
    // the connection is lost.
    void learn(const SpoolInsert& insert);
    // Whether learn() would ask the server nothing for this INSERT.
    bool knows(const SpoolInsert& insert) const;
    const CopyTargets& targets() const { return targets_; }

  private:
    std::optional<CopyTarget> lookUpTarget(const SpoolInsert& insert);
    std::optional<TypeOid> lookUpCast(std::string_view castType);
    CopyTableTraits lookUpTable(TypeOid relation);

    Connection& conn_;
    bool enabled_;
    CopyTargets targets_;
    std::map<TypeOid, CopyTableTraits> tables_;
};

}  // namespace db
