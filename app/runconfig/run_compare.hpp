// Compare runs side by side: one row per thing a run has, one column per run, rows where every run
// agrees hideable; features as sets. Row keys are the query language's field names (db/search/
// run_query.hpp), so a key can be pasted into a search: dataset, measurement, status, created,
// folds, simulations, features (the count), fold.<metric> (the mean over folds), hp.<path>,
// walk.<path> (nested objects flattened, keys joined by '.'; a key that is not an identifier is
// quoted as the query language quotes it). Pure: tested without a server.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "db/browse/run_facts.hpp"

namespace app {

struct CompareCell {
    std::optional<std::string> text;  // nullopt: the run has no such key ("—" when drawn)
    std::optional<double> number;     // the value is a number (JSON number, count or mean)
};

struct CompareRow {
    std::string key;                 // "hp.max_depth"
    std::vector<CompareCell> cells;  // one per run, in run order
    bool differs = false;            // not every run has the same text (a missing key differs), or a
                                     // number where another has a string of the same text
};

struct FeatureSets {
    std::vector<std::string> common;             // in every run, sorted
    std::vector<std::vector<std::string>> only;  // per run: what no other compared run has, sorted
};

struct RunComparison {
    std::vector<std::string> runIds;  // the columns, in order
    std::vector<CompareRow> rows;     // identity rows first, then fold.*, hp.*, walk.* (each sorted)
    FeatureSets features;
    size_t differing() const;  // rows with differs set
};

RunComparison compareRuns(const std::vector<db::RunFacts>& runs);

// cells[column].number - cells[reference].number, when both are numbers and column != reference.
std::optional<double> deltaAgainst(const CompareRow& row, size_t column, size_t reference);

// Features a run has and the reference lacks (added) and the reference has and it lacks (removed).
struct FeatureDelta {
    std::vector<std::string> added, removed;  // sorted
};
FeatureDelta featuresAgainst(const std::vector<db::RunFacts>& runs, size_t column, size_t reference);

// The table as text, header row first ("key" then one column per run id), rows in order; with
// onlyDifferences the rows where every run agrees are left out. TSV escapes nothing but replaces
// tab and newline inside a value with a space; Markdown escapes '|'. Missing values are empty.
std::string compareAsTsv(const RunComparison& comparison, bool onlyDifferences);
std::string compareAsMarkdown(const RunComparison& comparison, bool onlyDifferences);

// Every feature of any run, sorted, one row each: "feature" then one column per run id, "1" where
// the run has it and empty where not (a spreadsheet filters it; the window shows only the first
// few hundred names of a long set).
std::string featuresAsTsv(const std::vector<db::RunFacts>& runs);

}  // namespace app
