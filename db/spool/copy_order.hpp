// Which rows of one COPY batch may load ahead of rows that come before them in the spool file
// (stage1ctl replay-spool; the batches are planned in db/spool/spool_plan.hpp).
//
// Desktops spool a run, then its folds and simulations, then the next run. Loaded in file order that
// is three COPY commands for every eight rows, and each command costs a round trip and a statement's
// start-up on the server. One transaction may instead load each table's rows with one COPY, parents
// first, wherever that changes no statement's outcome. Row B (later in the file) may load before
// row A (earlier) when:
// - they go to different tables: within a table the order stays, so a unique violation and a
//   sequence's next value still fall on the same rows;
// - neither table has triggers of its own, or a default or CHECK that calls a function of ours
//   (either could read the other table), and their defaults draw from no common sequence;
// - A does not refer to B by a foreign key (in file order A's check would not find B and A would be
//   deferred; moved, it would pass), nor B to A (moved, B's check would run before A exists).
// Keys are compared as the server compares them: uuid in any of its spellings, integers, text under
// a deterministic collation. Any other key is taken to match every key, so a doubtful row stays in
// file order. When a batch fails anyway, it goes again as INSERTs in file order, so the failing
// statement is still named by its own error.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <unordered_set>
#include <vector>

#include "db/spool/spool_grammar.hpp"

namespace db {

using TypeOid = unsigned int;
struct CopyTarget;

// How the values of a foreign key's column pair are compared (the server says which, per pair).
enum class KeyForm { Uuid, Integer, Text, Other };

struct ForeignKeyLink {
    TypeOid child = 0, parent = 0;                 // the referencing and the referenced table
    std::vector<int> childColumns, parentColumns;  // attribute numbers, in the constraint's order
    std::vector<KeyForm> forms;                    // one per column pair
};
using ForeignKeyLinks = std::map<TypeOid, ForeignKeyLink>;  // by the constraint's oid

// What decides whether a table's rows may move past another table's (the server says, once).
struct CopyTableTraits {
    TypeOid relation = 0;
    bool reorderable = false;        // no triggers of its own, no default or CHECK calling our functions
    std::vector<TypeOid> sequences;  // the sequences its column defaults draw from
};

// One value of a key column, as the comparison sees it.
struct KeyValue {
    enum class Kind { Null, Known, Unknown };
    Kind kind = Kind::Unknown;
    std::string text;  // Known: the value in one spelling (equal values, equal text)
};
KeyValue keyValue(const SpoolValue& value, KeyForm form);

// A key of a statement's rows under one foreign key; nullopt: unknown, matches every key.
struct LinkKey {
    TypeOid constraint = 0;
    std::optional<std::string> key;
};
struct CopyRowKeys {
    std::vector<LinkKey> refersTo;   // as the referencing side (rows with a NULL in the key refer to nothing)
    std::vector<LinkKey> referable;  // as the referenced side
};

// The keys of an INSERT's rows into `relation`, whose column list has these attribute numbers. A key
// column the list lacks gets its default, which is unknown here.
CopyRowKeys copyRowKeys(const std::vector<std::vector<SpoolValue>>& rows, TypeOid relation,
                        const std::vector<int>& attnums, const ForeignKeyLinks& links);

// The COPY commands of one batch, in the order they run, built one statement at a time in file order.
class CopyBatchLayout {
  public:
    struct Placement {
        size_t command = 0;
        bool created = false;  // a new command at the end
    };
    // The rows join the latest command of their target when loading them there, ahead of the later
    // commands' rows, changes no outcome (see above); otherwise they start a new command at the end,
    // which moves nothing.
    Placement place(const CopyTarget* target, const CopyTableTraits& table, const CopyRowKeys& keys);

  private:
    struct KeySet {
        std::unordered_set<std::string> keys;
        bool unknown = false;
        bool matches(const LinkKey& key) const;
        void add(const LinkKey& key);
    };
    using KeySets = std::map<TypeOid, KeySet>;  // by constraint
    struct Command {
        const CopyTarget* target = nullptr;
        const CopyTableTraits* table = nullptr;
        KeySets refersTo, referable;
    };
    static bool anyMatch(const KeySets& sets, const std::vector<LinkKey>& keys);
    bool mayJoin(size_t command, const CopyTableTraits& table, const CopyRowKeys& keys) const;

    std::vector<Command> commands_;
};

}  // namespace db
