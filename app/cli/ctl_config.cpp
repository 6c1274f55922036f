// stage1ctl config show / check / find: the serialized configs analysts copy and paste.
#include <nlohmann/json.hpp>

#include <iterator>

#include "app/cli/ctl_commands.hpp"
#include "app/runconfig/run_config.hpp"
#include "db/browse/stage1_queries.hpp"

namespace app {

namespace {

using nlohmann::json;

// Reads stdin up to one byte past the limit, so an oversized paste is reported, not truncated.
std::string readInput(std::istream& in) {
    std::string text;
    char buffer[65536];
    while (in && text.size() <= kMaxRunConfigBytes) {
        in.read(buffer, sizeof buffer);
        text.append(buffer, static_cast<size_t>(in.gcount()));
    }
    return text;
}

const char* formName(ConfigForm form) {
    switch (form) {
        case ConfigForm::Current:
            return "current";
        case ConfigForm::Legacy:
            return "legacy";
        case ConfigForm::JsonObject:
            break;
    }
    return "json";
}

json parseErrorJson(const ParseError& e) {
    return {{"line", e.line},
            {"column", e.column},
            {"expected", e.expected},
            {"found", e.found},
            {"message", e.message()}};
}

// Prints the parse error; returns nullopt so callers can exit 1.
std::optional<ParsedConfig> parseInput(const ParsedArgs& args, CtlIo& io, json& report) {
    ParseResult result = parseRunConfig(readInput(io.in));
    if (result.error) {
        report["valid"] = false;
        report["error"] = parseErrorJson(*result.error);
        if (jsonOutput(args)) io.out << report.dump(2) << "\n";
        io.err << "stage1ctl: not a valid run config: " << result.error->message() << "\n";
        return std::nullopt;
    }
    report["valid"] = true;
    report["form"] = formName(result.ok->form);
    report["hash"] = runConfigHash(result.ok->config);
    return result.ok;
}

int runShow(const ParsedArgs& args, CtlIo& io) {
    auto run = args.uuid("run"), simulation = args.uuid("simulation");
    if (run.has_value() == simulation.has_value())
        throw UsageError("give exactly one of --run <uuid> or --simulation <uuid>");
    const std::string id = run ? *run : *simulation;
    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    auto stored = run ? db::loadRunConfig(*conn, id) : db::loadSimulationConfig(*conn, id);
    if (!stored)
        return reportFailure(args, io, "not_found", std::string(run ? "no run " : "no simulation ") + id);
    const bool derived = !stored->serializedConfig;
    const std::string& text = derived ? stored->legacyText : *stored->serializedConfig;
    if (derived)
        io.err << "stage1ctl: serialized_config is NULL; printed the legacy form derived from the JSONB "
                  "columns\n";
    if (jsonOutput(args)) {
        io.out << json{{"kind", run ? "run" : "simulation"},
                       {"id", id},
                       {"serialized_config",
                        stored->serializedConfig ? json(*stored->serializedConfig) : json(nullptr)},
                       {"derived_from_jsonb", derived},
                       {"text", text}}
                      .dump(2)
               << "\n";
    } else {
        io.out.write(text.data(),
                     static_cast<std::streamsize>(text.size()));  // byte for byte, no newline added
    }
    return kExitOk;
}

int runCheck(const ParsedArgs& args, CtlIo& io) {
    json report;
    auto parsed = parseInput(args, io, report);
    if (!parsed) return kExitFailed;
    if (jsonOutput(args))
        io.out << report.dump(2) << "\n";
    else
        io.out << "valid " << formName(parsed->form) << " run config"
               << (parsed->config.simulationParameters ? " (with simulation parameters)" : "") << "\nhash "
               << report["hash"].get<std::string>() << "\n";
    return kExitOk;
}

int runFind(const ParsedArgs& args, CtlIo& io) {
    int limit = static_cast<int>(args.integer("limit", 100, 1, 10000));
    json report;
    auto parsed = parseInput(args, io, report);
    if (!parsed) return kExitFailed;
    auto conn = connectForCommand(args, io);
    if (!conn) return kExitConnection;
    const RunConfig& c = parsed->config;
    std::optional<std::string> parameters;
    if (c.simulationParameters) parameters = c.simulationParameters->dump();
    auto matches = db::findIdenticalConfigs(*conn, c.featureColumns.dump(), c.hyperparameters.dump(),
                                            c.walkConfig.dump(), parameters, limit);
    if (jsonOutput(args)) {
        json rows = json::array();
        for (const auto& m : matches)
            rows.push_back({{"kind", m.kind},
                            {"id", m.id},
                            {"run_id", m.runId},
                            {"dataset", m.datasetSlug},
                            {"name", m.name},
                            {"created_at", m.createdAt}});
        report["matches"] = rows;
        io.out << report.dump(2) << "\n";
    } else {
        for (const auto& m : matches)
            io.out << m.kind << "  " << m.id << "  " << m.datasetSlug << "  " << m.name << "  " << m.createdAt
                   << "\n";
        io.out << "(" << matches.size() << (matches.size() == 1 ? " match" : " matches") << ")\n";
    }
    return matches.empty() ? kExitFailed : kExitOk;
}

}  // namespace

CtlCommand configShowCommand() {
    return {"config show",
            "print a run's or simulation's serialized_config byte for byte (NULL: the derived legacy form)",
            {{"run", true, "run UUID"}, {"simulation", true, "simulation UUID"}},
            runShow};
}

CtlCommand configCheckCommand() {
    return {"config check",
            "validate a config read from stdin (no connection needed); exit 1 with line:column",
            {},
            runCheck};
}

CtlCommand configFindCommand() {
    return {"config find",
            "read a config from stdin and list the runs (or simulations) whose config is identical",
            {{"limit", true, "most matches to list (default 100)"}},
            runFind};
}

}  // namespace app
