#include "app/runconfig/run_compare.hpp"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>

#include "app/runconfig/json_paths.hpp"

namespace app {

namespace {

using nlohmann::json;

// What one run has under each row key (the identity rows are added apart).
using Values = std::map<std::string, CompareCell>;

CompareCell leafCell(const json& value) {
    if (value.is_string()) return {value.get<std::string>(), std::nullopt};
    // dump() writes a number the shortest way that reads back the same (0.1 stays 0.1).
    if (value.is_number()) return {value.dump(), value.get<double>()};
    return {value.dump(), std::nullopt};  // true, null, arrays: compact JSON
}

// Every leaf under its query path ("hp.model.depth"; app/runconfig/json_paths.hpp).
void flatten(const json& document, const std::string& prefix, Values& out) {
    if (document.is_discarded()) return;
    for (const auto& [path, leaf] : flattenJson(document, prefix)) out[path] = leafCell(leaf);
}

std::string meanText(double mean) {
    char out[32];
    std::snprintf(out, sizeof out, "%.6g", mean);
    return out;
}

CompareCell textCell(const std::string& text) {
    return {text, std::nullopt};
}

CompareCell countCell(long long count) {
    return {std::to_string(count), static_cast<double>(count)};
}

std::set<std::string> featureSet(const db::RunFacts& run) {
    std::set<std::string> names;
    const json features = json::parse(run.featureColumns, nullptr, false);
    if (!features.is_array()) return names;
    for (const auto& f : features) names.insert(f.is_string() ? f.get<std::string>() : f.dump());
    return names;
}

std::optional<CompareCell> featureCount(const db::RunFacts& run) {
    const json features = json::parse(run.featureColumns, nullptr, false);
    if (!features.is_array()) return std::nullopt;
    return countCell(static_cast<long long>(features.size()));
}

// Every run's values of one family (fold., hp., walk.), as rows sorted by key.
void addFamily(const std::vector<Values>& perRun, std::vector<CompareRow>& rows) {
    std::set<std::string> keys;
    for (const auto& values : perRun)
        for (const auto& entry : values) keys.insert(entry.first);
    for (const auto& key : keys) {
        CompareRow row{key, {}, false};
        for (const auto& values : perRun) {
            auto hit = values.find(key);
            row.cells.push_back(hit == values.end() ? CompareCell{} : hit->second);
        }
        rows.push_back(std::move(row));
    }
}

// The number 100 and the string "100" print alike but are different values.
void markDifferences(CompareRow& row) {
    const CompareCell& first = row.cells.front();
    for (const auto& cell : row.cells)
        if (cell.text != first.text || cell.number.has_value() != first.number.has_value())
            row.differs = true;
}

std::vector<std::string> sortedDifference(const std::set<std::string>& a, const std::set<std::string>& b) {
    std::vector<std::string> out;
    std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
    return out;
}

FeatureSets featureSets(const std::vector<db::RunFacts>& runs) {
    FeatureSets sets;
    std::vector<std::set<std::string>> perRun;
    for (const auto& run : runs) perRun.push_back(featureSet(run));
    std::map<std::string, size_t> holders;  // feature -> how many runs have it
    for (const auto& names : perRun)
        for (const auto& name : names) ++holders[name];
    for (const auto& [name, count] : holders)
        if (count == runs.size()) sets.common.push_back(name);
    for (const auto& names : perRun) {
        std::vector<std::string> only;
        for (const auto& name : names)
            if (holders[name] == 1) only.push_back(name);
        sets.only.push_back(std::move(only));
    }
    return sets;
}

std::vector<const CompareRow*> shownRows(const RunComparison& comparison, bool onlyDifferences) {
    std::vector<const CompareRow*> rows;
    for (const auto& row : comparison.rows)
        if (!onlyDifferences || row.differs) rows.push_back(&row);
    return rows;
}

std::string tsvField(const std::string& text) {
    std::string out = text;
    for (char& c : out)
        if (c == '\t' || c == '\n' || c == '\r') c = ' ';
    return out;
}

std::string markdownField(const std::string& text) {
    std::string out;
    for (char c : text) {
        if (c == '|')
            out += "\\|";
        else if (c == '\n' || c == '\r')
            out += ' ';  // a table row is one line
        else
            out += c;
    }
    return out;
}

}  // namespace

size_t RunComparison::differing() const {
    return static_cast<size_t>(
        std::count_if(rows.begin(), rows.end(), [](const auto& r) { return r.differs; }));
}

RunComparison compareRuns(const std::vector<db::RunFacts>& runs) {
    RunComparison comparison;
    for (const auto& run : runs) comparison.runIds.push_back(run.runId);

    auto identityRow = [&](const std::string& key, auto cellOf) {
        CompareRow row{key, {}, false};
        for (const auto& run : runs) row.cells.push_back(cellOf(run));
        comparison.rows.push_back(std::move(row));
    };
    identityRow("dataset", [](const db::RunFacts& r) { return textCell(r.datasetSlug); });
    identityRow("measurement", [](const db::RunFacts& r) { return textCell(r.measurement); });
    identityRow("status", [](const db::RunFacts& r) { return textCell(r.status); });
    identityRow("created", [](const db::RunFacts& r) { return textCell(r.createdAt); });
    identityRow("folds", [](const db::RunFacts& r) { return countCell(r.foldCount); });
    identityRow("simulations", [](const db::RunFacts& r) { return countCell(r.simulationCount); });
    identityRow("features", [](const db::RunFacts& r) { return featureCount(r).value_or(CompareCell{}); });

    std::vector<Values> means, hyper, walk;
    for (const auto& run : runs) {
        Values m;
        for (const auto& [name, mean] : run.metricMeans)
            m["fold." + queryPathStep(name)] = {meanText(mean), mean};
        means.push_back(std::move(m));
        Values h, w;
        flatten(json::parse(run.hyperparameters, nullptr, false), "hp", h);
        flatten(json::parse(run.walkConfig, nullptr, false), "walk", w);
        hyper.push_back(std::move(h));
        walk.push_back(std::move(w));
    }
    addFamily(means, comparison.rows);
    addFamily(hyper, comparison.rows);
    addFamily(walk, comparison.rows);
    for (auto& row : comparison.rows) markDifferences(row);
    comparison.features = featureSets(runs);
    return comparison;
}

std::optional<double> deltaAgainst(const CompareRow& row, size_t column, size_t reference) {
    if (column == reference || column >= row.cells.size() || reference >= row.cells.size())
        return std::nullopt;
    const auto& a = row.cells[column].number;
    const auto& b = row.cells[reference].number;
    if (!a || !b) return std::nullopt;
    return *a - *b;
}

FeatureDelta featuresAgainst(const std::vector<db::RunFacts>& runs, size_t column, size_t reference) {
    if (column >= runs.size() || reference >= runs.size()) return {};
    const auto mine = featureSet(runs[column]);
    const auto theirs = featureSet(runs[reference]);
    return {sortedDifference(mine, theirs), sortedDifference(theirs, mine)};
}

std::string compareAsTsv(const RunComparison& comparison, bool onlyDifferences) {
    std::string out = "key";
    for (const auto& id : comparison.runIds) out += "\t" + tsvField(id);
    out += "\n";
    for (const auto* row : shownRows(comparison, onlyDifferences)) {
        out += tsvField(row->key);
        for (const auto& cell : row->cells) out += "\t" + tsvField(cell.text.value_or(""));
        out += "\n";
    }
    return out;
}

std::string compareAsMarkdown(const RunComparison& comparison, bool onlyDifferences) {
    std::string out = "| key |";
    std::string rule = "| --- |";
    for (const auto& id : comparison.runIds) {
        out += " " + markdownField(id) + " |";
        rule += " --- |";
    }
    out += "\n" + rule + "\n";
    for (const auto* row : shownRows(comparison, onlyDifferences)) {
        out += "| " + markdownField(row->key) + " |";
        for (const auto& cell : row->cells) out += " " + markdownField(cell.text.value_or("")) + " |";
        out += "\n";
    }
    return out;
}

std::string featuresAsTsv(const std::vector<db::RunFacts>& runs) {
    std::vector<std::set<std::string>> perRun;
    std::set<std::string> all;
    for (const auto& run : runs) {
        perRun.push_back(featureSet(run));
        all.insert(perRun.back().begin(), perRun.back().end());
    }
    std::string out = "feature";
    for (const auto& run : runs) out += "\t" + tsvField(run.runId);
    out += "\n";
    for (const std::string& feature : all) {
        out += tsvField(feature);
        for (const auto& features : perRun) out += features.count(feature) ? "\t1" : "\t";
        out += "\n";
    }
    return out;
}

}  // namespace app
