// Which spooled INSERTs stage1ctl replay-spool loads with COPY, and their COPY data (internal to
// db/spool/spool_batches.cpp; the value rules are in db/spool/copy_rows.hpp).
//
// A target takes COPY like INSERT when it is an ordinary or partitioned table without rules (COPY
// skips them) or row security (COPY FROM refuses it), and no column of the list is GENERATED
// ALWAYS (COPY would write it, the INSERT is refused). The plan asks the server about each target
// and ::type name once, in learn(), before the batches start: pipeline mode allows no other query.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/spool/copy_rows.hpp"
#include "db/pg/pg.hpp"
#include "db/spool/sql_splitter.hpp"

namespace db {

class SpoolCopyPlan {
  public:
    // Off when `enabled` is false or the server reads '...' with backslash escapes
    // (standard_conforming_strings off).
    SpoolCopyPlan(Connection& conn, bool enabled);

    bool enabled() const { return enabled_; }
    // Looks up this INSERT's target and ::type names, those not seen before. Throws Error only when
    // the connection is lost.
    void learn(const InsertValuesParts& parts);
    // "COPY <schema>.<table> (<columns>) FROM STDIN", every name quoted by the server, for a head
    // whose target takes COPY like INSERT; nullptr otherwise.
    const std::string* copyCommand(std::string_view head) const;
    // Appends the statement's rows as COPY lines; false (nothing appended) when it must go as INSERT.
    bool appendLines(const InsertValuesParts& parts, std::string& out) const;

  private:
    struct Target {
        std::string command;
        std::vector<TypeOid> columns;
    };
    std::optional<Target> lookUpTarget(std::string_view head);
    std::optional<TypeOid> lookUpCast(std::string_view castType);

    Connection& conn_;
    bool enabled_;
    std::map<std::string, std::optional<Target>, std::less<>> targets_;  // by head text
    CastTypes casts_;
};

}  // namespace db
