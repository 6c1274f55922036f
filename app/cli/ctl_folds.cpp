// stage1ctl folds --run <id>: a run's folds and what is wrong with how they were cut
// (app/runconfig/fold_findings.hpp). Findings are data: exit 0 with or without them.
#include <nlohmann/json.hpp>

#include "app/cli/ctl_commands.hpp"
#include "app/runconfig/fold_findings.hpp"
#include "db/browse/run_facts.hpp"

namespace app {

namespace {

using nlohmann::json;

json metricsJson(const db::FoldRow& fold) {
    json metrics = json::parse(fold.metrics, nullptr, false);
    return metrics.is_discarded() ? json(fold.metrics) : metrics;
}

// A metric as its JSON text (0.1234 as stored), empty when the fold lacks it or it is no number.
std::string metricText(const json& metrics, const std::string& name) {
    if (!metrics.is_object()) return "";
    auto it = metrics.find(name);
    return it != metrics.end() && it->is_number() ? it->dump() : "";
}

std::string foldList(const std::vector<int>& folds) {
    std::string text;
    for (int f : folds) text += (text.empty() ? "" : ",") + std::to_string(f);
    return text.empty() ? "-" : text;
}

void printText(std::ostream& out, const db::RunFolds& run, const std::vector<FoldFinding>& findings) {
    const auto metricNames = foldMetricNames(run.folds);
    std::vector<std::string> header = {"fold", "train_start", "train_end", "test_start", "test_end"};
    header.insert(header.end(), metricNames.begin(), metricNames.end());
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : run.folds) {
        std::vector<std::string> row = {std::to_string(f.foldIndex), f.trainStart, f.trainEnd, f.testStart,
                                        f.testEnd};
        const json metrics = metricsJson(f);
        for (const auto& name : metricNames) row.push_back(metricText(metrics, name));
        rows.push_back(std::move(row));
    }
    out << "run " << run.runId << "  dataset " << run.datasetSlug << " (" << run.granularity << ")\n";
    printTable(out, header, rows, std::nullopt);
    out << "\n";
    if (findings.empty()) {
        out << "no findings\n";
        return;
    }
    std::vector<std::vector<std::string>> lines;
    for (const auto& finding : findings)
        lines.push_back({finding.kind, foldList(finding.folds), finding.message});
    out << findings.size() << " finding" << (findings.size() == 1 ? "" : "s") << ":\n";
    printTable(out, {"kind", "folds", "message"}, lines, std::nullopt);
}

json foldsJson(const db::RunFolds& run, const std::vector<FoldFinding>& findings) {
    json folds = json::array();
    for (const auto& f : run.folds)
        folds.push_back({{"fold_index", f.foldIndex},
                         {"train_start", f.trainStart},
                         {"train_end", f.trainEnd},
                         {"test_start", f.testStart},
                         {"test_end", f.testEnd},
                         {"metrics", metricsJson(f)}});
    json list = json::array();
    for (const auto& finding : findings)
        list.push_back({{"kind", finding.kind}, {"folds", finding.folds}, {"message", finding.message}});
    return {{"run_id", run.runId}, {"folds", folds}, {"findings", list}};
}

int runFolds(const ParsedArgs& args, CtlIo& io) {
    const auto runId = args.uuid("run");
    if (!runId) throw UsageError("--run <uuid> is required");
    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    const auto run = db::loadRunFolds(*conn, *runId);
    if (!run) {
        printFailure(jsonOutput(args), io,
                     Failure{"not_found", "folds: no run " + *runId, std::nullopt, std::nullopt, ""});
        return kExitUsage;
    }
    const auto findings = findFoldProblems(*run);
    if (jsonOutput(args))
        io.out << foldsJson(*run, findings).dump(2) << "\n";
    else
        printText(io.out, *run, findings);
    return kExitOk;
}

}  // namespace

CtlCommand foldsCommand() {
    return {"folds",
            "a run's folds (train and test windows, metrics) and what is wrong with how they were cut",
            {{"run", true, "the run (UUID)"}},
            runFolds};
}

}  // namespace app
