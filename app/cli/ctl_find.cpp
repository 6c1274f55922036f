// stage1ctl find <text>: what a run_id, simulation_id, dataset_id, slug, measurement or namespace is,
// and where it sits in the tree (db/search/find.hpp). Exit 1 when nothing matches, like grep, so a
// script can test for it.
#include <nlohmann/json.hpp>

#include "app/cli/ctl_commands.hpp"
#include "db/search/find.hpp"

namespace app {

namespace {

using nlohmann::json;

int runFind(const ParsedArgs& args, CtlIo& io) {
    if (args.positional.empty() || args.positional[0].empty())
        throw UsageError(
            "find needs the text to look up: a run_id, simulation_id, dataset_id, slug, "
            "prediction_measurement or questdb_namespace");
    const std::string text = args.positional[0];
    if (auto problem = db::search::findTextProblem(text)) throw UsageError(*problem);
    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    const auto matches = db::search::findExact(*conn, text);
    if (jsonOutput(args)) {
        json list = json::array();
        for (const auto& m : matches)
            list.push_back({{"kind", db::search::matchKindName(m.kind)},
                            {"id", m.id},
                            {"matched_by", m.matchedBy},
                            {"label", m.label},
                            {"dataset_id", m.datasetId},
                            {"run_id", m.runId.empty() ? json(nullptr) : json(m.runId)}});
        io.out << json{{"query", text}, {"matches", list}}.dump(2) << "\n";
    } else {
        for (const auto& m : matches)
            io.out << db::search::matchKindName(m.kind) << "  " << m.id << "  " << m.label << "  (by "
                   << m.matchedBy << ")\n";
        if (matches.empty()) io.err << "nothing is called '" << text << "'\n";
    }
    return matches.empty() ? kExitFailed : kExitOk;
}

}  // namespace

CtlCommand findCommand() {
    return {"find",
            "what a run_id, simulation_id, dataset_id, slug, measurement or namespace is (exact, indexed)",
            {{"text", false, "the id or name to look up", true}},
            runFind};
}

}  // namespace app
