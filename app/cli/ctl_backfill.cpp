// stage1ctl backfill-dataset: a placeholder dataset for a slug seen in the logs / QuestDB.
#include <nlohmann/json.hpp>

#include "app/cli/ctl_commands.hpp"
#include "db/browse/stage1_queries.hpp"

namespace app {

namespace {

int runBackfill(const ParsedArgs& args, CtlIo& io) {
    auto slug = args.value("slug");
    if (!slug) throw UsageError("--slug <dataset slug> is required (e.g. --slug btc_2025_4h)");
    if (auto problem = db::datasetSlugProblem(*slug)) throw UsageError(*problem);  // nothing is sent
    auto uuid = args.uuid("uuid");
    auto symbol = args.value("symbol");

    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    db::PlaceholderResult result;
    try {
        result = db::upsertPlaceholderDataset(*conn, *slug, uuid, symbol);
    } catch (const db::Error& e) {
        return reportFailure(args, io, "rejected", e.info().describe(), e.info());
    }
    if (jsonOutput(args)) {
        io.out << nlohmann::json{{"dataset_id", result.datasetId},
                                 {"inserted", result.inserted},
                                 {"note", result.note}}
                      .dump(2)
               << "\n";
    } else {
        io.out << (result.inserted ? "created" : "already present") << ": " << *slug << " "
               << result.datasetId << "\n";
        io.err << result.note << "\n";
    }
    return kExitOk;
}

}  // namespace

CtlCommand backfillDatasetCommand() {
    return {"backfill-dataset",
            "create a placeholder dataset for a slug (granularity 'unknown', source 'laptop_imgui'); repeat "
            "is a no-op",
            {{"slug", true, "dataset slug, e.g. btc_2025_4h (required)"},
             {"uuid", true, "dataset UUID (default: derived from the slug)"},
             {"symbol", true, "symbol (default: the slug's leading letters, upper-cased)"}},
            runBackfill};
}

}  // namespace app
