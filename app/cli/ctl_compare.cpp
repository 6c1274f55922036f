// stage1ctl compare <run_id> <run_id>...: 2 to 12 runs side by side (app/runconfig/run_compare.hpp),
// only the rows where they differ unless --all, then their feature sets. Ids that are not UUIDs are
// refused before anything is sent; ids that name no run are refused after the one query. Both exit
// 2 naming every such id.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "app/cli/ctl_commands.hpp"
#include "app/runconfig/run_compare.hpp"
#include "db/browse/run_facts.hpp"

namespace app {

namespace {

using nlohmann::json;

constexpr const char* kMissing = "\xe2\x80\x94";  // an em dash: the run has no such key

std::string joined(const std::vector<std::string>& items, const char* separator = ", ") {
    std::string text;
    for (const auto& item : items) text += (text.empty() ? "" : separator) + item;
    return text;
}

int refuseUnknown(const ParsedArgs& args, CtlIo& io, const std::vector<std::string>& ids, const char* why) {
    printFailure(jsonOutput(args), io,
                 Failure{"not_found",
                         "compare: " + std::string(ids.size() == 1 ? "no run " : "no runs ") + joined(ids) +
                             " (" + why + "); nothing compared",
                         std::nullopt, std::nullopt, ""});
    return kExitUsage;
}

// Counts and integral values as JSON integers, the rest as doubles: 8 stays 8, 0.1 stays 0.1.
json cellJson(const CompareCell& cell) {
    if (!cell.text) return nullptr;
    if (!cell.number) return *cell.text;
    const double n = *cell.number;
    if (n == std::floor(n) && std::fabs(n) < 9007199254740992.0) return static_cast<long long>(n);
    return n;
}

// Display width in code points, so slugs with non-ASCII letters and the em dash line up.
size_t width(const std::string& text) {
    size_t n = 0;
    for (unsigned char c : text) n += (c & 0xC0) != 0x80;
    return n;
}

void printAligned(std::ostream& out, const std::vector<std::vector<std::string>>& lines) {
    std::vector<size_t> widths;
    for (const auto& line : lines)
        for (size_t c = 0; c < line.size(); ++c) {
            if (widths.size() <= c) widths.push_back(0);
            widths[c] = std::max(widths[c], width(line[c]));
        }
    for (const auto& line : lines) {
        std::string text;
        for (size_t c = 0; c < line.size(); ++c) {
            text += line[c];
            if (c + 1 < line.size()) text += std::string(widths[c] - width(line[c]) + 2, ' ');
        }
        out << text << "\n";
    }
}

void printText(std::ostream& out, const RunComparison& comparison, bool all) {
    std::vector<std::vector<std::string>> lines;
    std::vector<std::string> header = {"key"};
    for (const auto& id : comparison.runIds) header.push_back(id.substr(0, 8));
    lines.push_back(header);
    for (const auto& row : comparison.rows) {
        if (!all && !row.differs) continue;
        std::vector<std::string> line = {row.key};
        for (const auto& cell : row.cells) line.push_back(cell.text.value_or(kMissing));
        lines.push_back(std::move(line));
    }
    printAligned(out, lines);
    const size_t equal = comparison.rows.size() - comparison.differing();
    if (!all)
        out << "(" << equal << " equal row" << (equal == 1 ? "" : "s") << " hidden; --all shows them)\n";
    const auto& features = comparison.features;
    out << "\nfeatures in every run (" << features.common.size()
        << "): " << (features.common.empty() ? kMissing : joined(features.common)) << "\n";
    for (size_t i = 0; i < comparison.runIds.size(); ++i)
        out << "only in " << comparison.runIds[i].substr(0, 8) << " (" << features.only[i].size()
            << "): " << (features.only[i].empty() ? kMissing : joined(features.only[i])) << "\n";
}

json comparisonJson(const RunComparison& comparison, bool all) {
    json rows = json::array();
    for (const auto& row : comparison.rows) {
        if (!all && !row.differs) continue;
        json values = json::array();
        for (const auto& cell : row.cells) values.push_back(cellJson(cell));
        rows.push_back({{"key", row.key}, {"values", values}, {"differs", row.differs}});
    }
    json only = json::object();
    for (size_t i = 0; i < comparison.runIds.size(); ++i)
        only[comparison.runIds[i]] = comparison.features.only[i];
    return {{"runs", comparison.runIds},
            {"rows", rows},
            {"features", {{"common", comparison.features.common}, {"only", only}}}};
}

int runCompare(const ParsedArgs& args, CtlIo& io) {
    const auto& ids = args.positional;
    if (ids.size() < 2 || ids.size() > db::kMaxCompareRuns)
        throw UsageError("needs 2 to " + std::to_string(db::kMaxCompareRuns) + " run ids, got " +
                         std::to_string(ids.size()));
    std::vector<std::string> malformed;
    for (const auto& id : ids)
        if (!db::looksLikeUuid(id)) malformed.push_back("'" + id + "'");
    if (!malformed.empty()) return refuseUnknown(args, io, malformed, "not a UUID");
    std::set<std::string> distinct;
    for (auto id : ids) {
        for (char& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        distinct.insert(id);
    }
    if (distinct.size() < 2) throw UsageError("needs 2 different runs; every id given names the same one");

    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    const db::RunFactsResult facts = db::loadRunFacts(*conn, ids);
    if (!facts.unknown.empty()) return refuseUnknown(args, io, facts.unknown, "not found");

    const RunComparison comparison = compareRuns(facts.runs);
    const bool all = args.has("all");
    if (jsonOutput(args))
        io.out << comparisonJson(comparison, all).dump(2) << "\n";
    else
        printText(io.out, comparison, all);
    return kExitOk;
}

}  // namespace

CtlCommand compareCommand() {
    return {
        "compare",
        "2 to 12 runs side by side: the rows where they differ (--all: every row), and their feature sets",
        {{"run_id", false, "a run to compare; 2 to 12 of them", true, true},
         {"all", false, "also show the rows where every run agrees"}},
        runCompare};
}

}  // namespace app
