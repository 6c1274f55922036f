// Jump to anything: one text (a run_id, simulation_id or dataset_id, a dataset slug, a
// prediction_measurement or a questdb_namespace) resolved with exact, indexed lookups only (the
// primary keys, the slug's unique key and 0004's lookup indexes), so it costs the same on a million
// runs as on ten. Used by `stage1ctl find` and the window's jump box (Ctrl+L).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/pg/pg.hpp"

namespace db::search {

// In the order find lists them; find.cpp's statement returns these numbers (its rank column).
enum class MatchKind { Dataset = 0, Run = 1, Simulation = 2 };
const char* matchKindName(MatchKind kind);  // "dataset", "run", "simulation": stable, in --json

struct FindMatch {
    MatchKind kind = MatchKind::Run;
    std::string id;         // the dataset_id, run_id or simulation_id
    std::string matchedBy;  // the column the text equals: run_id, slug, prediction_measurement, ...
    std::string label;      // slug, measurement or namespace, for people
    std::string datasetId;  // where it sits in the tree
    std::string runId;      // "" for a dataset
};

// No id or name is longer than a filter may be (kMaxFilterBytes) or holds a NUL byte: such text is
// refused before anything is sent. nullopt when the text may be looked up.
std::optional<std::string> findTextProblem(const std::string& text);

// Every exact match, datasets first, then runs, then simulations (at most `limit`). Empty text
// finds nothing without asking the server; findTextProblem() text throws Error (22023, nothing sent).
std::vector<FindMatch> findExact(Connection& conn, const std::string& text, int limit = 50);

}  // namespace db::search
