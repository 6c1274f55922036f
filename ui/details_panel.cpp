// The details panel: what the tree row says about the selection, and for runs and simulations
// the stored config exactly as the server holds it (what Copy copies), flagged when it is the
// legacy form, derived from NULL, or does not parse.
#include "ui/details_panel.hpp"

#include <algorithm>
#include <cstdio>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "ui/folds_section.hpp"
#include "ui/hierarchy_panel.hpp"
#include "ui/questdb_section.hpp"
#include "ui/test_tags.hpp"
#include "ui/widgets.hpp"
#include "ui/window_shell.hpp"
#include "ui/window_state.hpp"

namespace ui {

namespace {

using app::Selection;

const ImVec4 kTitleColor(0.62f, 0.78f, 1.00f, 1.0f);
constexpr float kLabelWidthEm = 7.5f;
constexpr int kMaxConfigLines = 18;  // taller configs scroll inside their box
constexpr size_t kShortHash = 12;

// The stored text split for drawing, and the documents pretty-printed, once per loaded config.
std::string WithThousands(long long n) {
    std::string digits = std::to_string(n < 0 ? -n : n), out;
    for (size_t i = 0; i < digits.size(); ++i) {
        if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
        out += digits[i];
    }
    return n < 0 ? "-" + out : out;
}

std::string Pretty(const nlohmann::json& j) {
    return j.dump(2);
}

// The JSONB column text pretty-printed (jsonb text always parses; shown as is if not).
std::string PrettyColumn(const std::string& jsonbText) {
    nlohmann::json j = nlohmann::json::parse(jsonbText, nullptr, false);
    return j.is_discarded() ? jsonbText : j.dump(2);
}

std::string CountOf(size_t n, const char* what) {
    return std::to_string(n) + " " + what;
}

void BuildView(ConfigView& view, const app::DetailsState& details) {
    view = ConfigView{};
    view.request = details.request.id;
    view.built = true;
    view.text = details.shownText;
    std::string_view text = view.text;
    view.finalNewline = !text.empty() && text.back() == '\n';
    if (view.finalNewline) text.remove_suffix(1);
    view.carriageReturns = text.find('\r') != std::string_view::npos;
    for (size_t start = 0;;) {
        const size_t end = text.find('\n', start);
        view.lines.push_back(
            text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos) break;
        start = end + 1;
    }
    // The parsed config when the text parses; else the JSONB columns, the structured truth.
    const db::StoredConfig& stored = *details.stored;
    if (details.parsed) {
        const app::RunConfig& c = details.parsed->config;
        view.sections.push_back(
            {"Features (" + std::to_string(c.featureColumns.size()) + ")", Pretty(c.featureColumns)});
        view.sections.push_back({"Hyperparameters (" + CountOf(c.hyperparameters.size(), "keys") + ")",
                                 Pretty(c.hyperparameters)});
        view.sections.push_back(
            {"Walk (" + CountOf(c.walkConfig.size(), "keys") + ")", Pretty(c.walkConfig)});
        if (c.simulationParameters)
            view.sections.push_back(
                {"Simulation parameters (" + CountOf(c.simulationParameters->size(), "keys") + ")",
                 Pretty(*c.simulationParameters)});
    } else {
        view.sections.push_back({"Features (JSONB column)", PrettyColumn(stored.featureColumns)});
        view.sections.push_back({"Hyperparameters (JSONB column)", PrettyColumn(stored.hyperparameters)});
        view.sections.push_back({"Walk (JSONB column)", PrettyColumn(stored.walkConfig)});
    }
    const bool hasSimulation = details.parsed && details.parsed->config.simulationParameters;
    if (!hasSimulation && stored.simulationParameters)  // legacy text leaves out parameters {}
        view.sections.push_back(
            {"Simulation parameters (JSONB column)", PrettyColumn(*stored.simulationParameters)});
}

ConfigView& ViewOf(const app::DetailsState& details, ConfigView& view) {
    // Request ids restart with a new session: the text decides too (a memcmp, even at 1 MiB).
    const bool same = view.built && view.request == details.request.id && view.text == details.shownText;
    if (details.stored && !same) BuildView(view, details);
    return view;
}

void SectionHeading(const char* title) {
    ImGui::Dummy(ImVec2(0.0f, em(0.3f)));
    ImGui::TextColored(kTitleColor, "%s", title);
    ImGui::Separator();
}

// "label    value [Copy]": values line up in one column; Copy puts the value on the clipboard.
void Field(app::Workbench& wb, UiContext& ctx, const char* label, const std::string& value,
           bool copyable = false) {
    const float x0 = ImGui::GetCursorPosX();
    TextMuted(label);
    ImGui::SameLine(x0 + em(kLabelWidthEm));
    if (value.empty()) {
        TextMuted("\xE2\x80\x94");
        return;
    }
    ImGui::TextUnformatted(value.c_str());
    if (!copyable) return;
    ImGui::SameLine();
    ImGui::PushID(label);
    if (ImGui::SmallButton("Copy")) {
        ctx.setClipboard(value);
        wb.log(app::LogEntry::Level::Info, std::string("copied ") + label + " " + value);
    }
    ImGui::PopID();
}

void DrawDataset(app::Workbench& wb, UiContext& ctx, const app::DatasetNode* node) {
    const Selection& s = wb.state().selection;
    if (node == nullptr) {
        Hint("This dataset is not in the loaded tree (filtered out?).");
        Field(wb, ctx, "dataset_id", s.datasetId, true);
        return;
    }
    const db::DatasetRow& d = node->row;
    ImGui::TextColored(kTitleColor, "%s", d.slug.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("dataset");
    ImGui::Separator();
    Field(wb, ctx, "slug", d.slug, true);
    Field(wb, ctx, "dataset_id", d.datasetId, true);
    Field(wb, ctx, "symbol", d.symbol);
    Field(wb, ctx, "granularity", d.granularity);
    Field(wb, ctx, "source", d.source);
    Field(wb, ctx, "rows", WithThousands(d.rowCount));
    Field(wb, ctx, "first bar", d.firstBarTs.value_or(""));
    Field(wb, ctx, "last bar", d.lastBarTs.value_or(""));
    Field(wb, ctx, "created_at", d.createdAt);
    Field(wb, ctx, "runs", WithThousands(d.runCount));
}

void Title(const std::string& name, const char* kind, const std::string& status) {
    ImGui::TextColored(kTitleColor, "%s", name.c_str());
    ImGui::SameLine();
    ImGui::TextDisabled("%s", kind);
    if (status.empty()) return;
    ImGui::SameLine();
    ImGui::TextColored(RunStatusColor(status), "%s", status.c_str());
}

void DrawRunHeader(app::Workbench& wb, UiContext& ctx, const SelectedNodes& nodes) {
    const Selection& s = wb.state().selection;
    const db::RunRow* run = nodes.run ? &nodes.run->row : nullptr;
    const std::string slug = nodes.dataset ? nodes.dataset->row.slug : "";
    if (s.kind == Selection::Kind::Simulation) {
        const db::SimulationRow* sim = nodes.simulation;
        Title(sim ? sim->namespaceName : s.simulationId, "simulation", sim ? sim->status : "");
        ImGui::Separator();
        Field(wb, ctx, "simulation_id", s.simulationId, true);
        Field(wb, ctx, "run", run ? run->measurement : "");
        Field(wb, ctx, "run_id", s.runId, true);
        Field(wb, ctx, "dataset", slug);
        Field(wb, ctx, "created_at", sim ? sim->createdAt : "");
        return;
    }
    Title(run ? run->measurement : s.runId, "walk-forward run", run ? run->status : "");
    ImGui::Separator();
    Field(wb, ctx, "run_id", s.runId, true);
    Field(wb, ctx, "dataset", slug);
    Field(wb, ctx, "dataset_id", s.datasetId, true);
    Field(wb, ctx, "created_at", run ? run->createdAt : "");
    Field(wb, ctx, "folds", run ? WithThousands(run->foldCount) : "");
    Field(wb, ctx, "simulations", run ? WithThousands(run->simulationCount) : "");
}

// The simulation's parameters as a table, from the JSONB column (the structured truth).
void DrawSimulationParameters(const app::DetailsState& details) {
    SectionHeading("Parameters");
    if (!details.stored || !details.stored->simulationParameters) {
        TextMuted(details.request.running() ? "loading\xE2\x80\xA6" : "\xE2\x80\x94");
        return;
    }
    DrawParameterTable("##sim_parameters", *details.stored->simulationParameters, "details.parameters");
}

// Copy, Copy as JSON, the form and the hash, on one line.
void DrawConfigToolbar(app::Workbench& wb, UiContext& ctx) {
    const app::DetailsState& details = wb.state().details;
    const bool enabled = wb.configs().canCopy();
    if (ButtonDisablable("Copy", enabled)) CopySelectedConfig(wb, ctx);
    TagLastItem("details.copy");
    TooltipIfHovered("the stored text, byte for byte (Ctrl+C)");
    ImGui::SameLine();
    if (ButtonDisablable("Copy as JSON", enabled)) {
        const std::string json = wb.configs().copyAsJson();
        ctx.setClipboard(json);
        wb.log(app::LogEntry::Level::Info, "copied " + std::to_string(json.size()) + " bytes of " +
                                               DescribeSelection(wb.state(), ctx.window().details.hints) +
                                               "'s config as JSON");
    }
    TagLastItem("details.copy_json");
    TooltipIfHovered("the JSONB documents, pretty-printed");
    if (!details.stored) return;
    if (details.parsed) {
        ImGui::SameLine();
        ConfigFormBadge(details.parsed->form);
    }
    if (!details.hash.empty()) {
        ImGui::SameLine();
        ImGui::TextDisabled("sha256 %s", details.hash.substr(0, kShortHash).c_str());
        TooltipIfHovered(("content hash (same for any form of the same config)\n" + details.hash).c_str());
    }
}

// Loading, failed, cancelled or gone; true when there is a config to draw.
bool DrawConfigState(app::Workbench& wb, UiContext& ctx) {
    const app::DetailsState& details = wb.state().details;
    const app::RequestStatus& request = details.request;
    if (request.running()) {
        RequestProgress(wb, "loading the config\xE2\x80\xA6", request, ctx, "details.cancel");
        return false;
    }
    if (request.phase == app::RequestPhase::Failed) {
        FailureLine(request, "loading the config failed");
        if (request.failure) Hint(request.failure->explanation.c_str());
        return false;
    }
    if (request.phase == app::RequestPhase::Cancelled) {
        Hint("Loading was cancelled: select another row and this one again to reload.");
        return false;
    }
    if (!details.stored) {
        if (request.phase == app::RequestPhase::Done) Hint("This row no longer exists on the server.");
        return false;
    }
    return true;
}

void DrawFlags(const app::DetailsState& details) {
    if (details.derivedFromJsonb) {
        Badge("serialized_config is NULL \xE2\x80\x94 shown as derived from the JSONB columns",
              StatusColor(Status::Warn),
              "A row written before serialized_config existed: this is the legacy text migration 0003 "
              "would store, built on the server from feature_columns, hyperparameters, walk_config and "
              "parameters.");
    }
    if (details.parseError) {
        ImGui::PushTextWrapPos(0.0f);
        ImGui::TextColored(StatusColor(Status::Warn), "The stored text does not parse: %s",
                           details.parseError->message().c_str());
        ImGui::PopTextWrapPos();
    }
}

// One stored line; a '\r' (ImGui would draw nothing) shows as a muted \r.
void ConfigLine(std::string_view line) {
    for (size_t start = 0;;) {
        const size_t cr = line.find('\r', start);
        const std::string_view piece =
            line.substr(start, cr == std::string_view::npos ? line.npos : cr - start);
        ImGui::TextUnformatted(piece.data(), piece.data() + piece.size());
        if (cr == std::string_view::npos) return;
        ImGui::SameLine(0.0f, 0.0f);
        ImGui::TextDisabled("\\r");
        ImGui::SameLine(0.0f, 0.0f);
        start = cr + 1;
    }
}

// The stored bytes, read-only, with line numbers; long lines scroll sideways.
void DrawConfigText(ConfigView& view, const app::DetailsState& details, const UiContext& ctx) {
    if (ctx.mono) ImGui::PushFont(ctx.mono);
    const float line = ImGui::GetTextLineHeight();
    const ImGuiStyle& style = ImGui::GetStyle();
    const int shown = std::min(static_cast<int>(view.lines.size()), kMaxConfigLines);
    const int errorLine = details.parseError ? details.parseError->line : -1;
    char number[16];
    std::snprintf(number, sizeof number, "%zu", view.lines.size());
    const float gutter = ImGui::CalcTextSize(number).x + em(0.8f);
    if (view.widest < 0.0f) {
        view.widest = 0.0f;
        for (std::string_view l : view.lines)
            view.widest = std::max(view.widest, ImGui::CalcTextSize(l.data(), l.data() + l.size()).x);
    }
    const bool sideways =
        gutter + view.widest + style.WindowPadding.x * 2.0f > ImGui::GetContentRegionAvail().x;
    const float height = line * static_cast<float>(shown) + style.WindowPadding.y * 2.0f +
                         (sideways ? style.ScrollbarSize : 0.0f);

    ImGui::BeginChild("##config_text", ImVec2(0.0f, height), true, ImGuiWindowFlags_HorizontalScrollbar);
    ImGui::PushStyleVar(ImGuiStyleVar_ItemSpacing, ImVec2(style.ItemSpacing.x, 0.0f));
    ImGuiListClipper clipper;
    clipper.Begin(static_cast<int>(view.lines.size()), line);
    while (clipper.Step()) {
        for (int i = clipper.DisplayStart; i < clipper.DisplayEnd; ++i) {
            const float x0 = ImGui::GetCursorPosX();
            std::snprintf(number, sizeof number, "%d", i + 1);
            if (i + 1 == errorLine)
                ImGui::TextColored(StatusColor(Status::Warn), "%s", number);
            else
                ImGui::TextDisabled("%s", number);
            ImGui::SameLine(x0 + gutter);
            ConfigLine(view.lines[static_cast<size_t>(i)]);
        }
    }
    ImGui::PopStyleVar();
    ImGui::EndChild();
    if (ctx.mono) ImGui::PopFont();
    TagLastItem("details.config_text");

    std::string facts = CountOf(view.lines.size(), view.lines.size() == 1 ? "line" : "lines") + " \xC2\xB7 " +
                        WithThousands(static_cast<long long>(view.text.size())) + " bytes";
    if (!view.finalNewline) facts += " \xC2\xB7 no final newline";
    if (view.carriageReturns) facts += " \xC2\xB7 has \\r (CR) bytes";
    TextMuted(facts.c_str());
}

void DrawSections(const ConfigView& view, const UiContext& ctx) {
    for (const auto& section : view.sections) {
        // "###" + the section's first word: the id (and so the open state) survives new counts.
        const std::string label = section.title + "###" + section.title.substr(0, section.title.find(' '));
        if (!ImGui::CollapsingHeader(label.c_str())) continue;
        ImGui::Indent(em(0.6f));
        if (ctx.mono) ImGui::PushFont(ctx.mono);
        ImGui::TextUnformatted(section.json.c_str());
        if (ctx.mono) ImGui::PopFont();
        ImGui::Unindent(em(0.6f));
    }
}

template <typename Item, typename IdOf>
const Item* FindWithHint(const std::vector<Item>& items, size_t& hint, const std::string& id, IdOf idOf) {
    if (hint < items.size() && idOf(items[hint]) == id) return &items[hint];
    for (size_t i = 0; i < items.size(); ++i) {
        if (idOf(items[i]) != id) continue;
        hint = i;
        return &items[i];
    }
    return nullptr;
}

}  // namespace

SelectedNodes FindSelectedNodes(const app::WorkbenchState& state, SelectionHints& hints) {
    // Where the nodes were last time: checked first, so a dataset of 100k loaded runs costs a
    // comparison per frame, not a scan.
    SelectedNodes nodes;
    const Selection& s = state.selection;
    if (s.kind == Selection::Kind::None) return nodes;
    nodes.dataset =
        FindWithHint(state.hierarchy.datasets.items, hints.dataset, s.datasetId,
                     [](const app::DatasetNode& n) -> const std::string& { return n.row.datasetId; });
    if (nodes.dataset == nullptr || s.runId.empty()) return nodes;
    nodes.run = FindWithHint(nodes.dataset->runs.items, hints.run, s.runId,
                             [](const app::RunNode& n) -> const std::string& { return n.row.runId; });
    if (nodes.run == nullptr || s.simulationId.empty()) return nodes;
    nodes.simulation =
        FindWithHint(nodes.run->simulations().items, hints.simulation, s.simulationId,
                     [](const db::SimulationRow& row) -> const std::string& { return row.simulationId; });
    return nodes;
}

std::string DescribeSelection(const app::WorkbenchState& state, SelectionHints& hints) {
    const Selection& s = state.selection;
    const SelectedNodes nodes = FindSelectedNodes(state, hints);
    switch (s.kind) {
        case Selection::Kind::None:
            return "";
        case Selection::Kind::Dataset:
            return "dataset " + (nodes.dataset ? nodes.dataset->row.slug : s.datasetId);
        case Selection::Kind::Run:
            return "run " + (nodes.run ? nodes.run->row.measurement : s.runId);
        case Selection::Kind::Simulation:
            return "simulation " + (nodes.simulation ? nodes.simulation->namespaceName : s.simulationId);
    }
    return "";
}

void ConfigFormBadge(app::ConfigForm form) {
    const char* label = form == app::ConfigForm::Legacy       ? "legacy"
                        : form == app::ConfigForm::JsonObject ? "JSON"
                                                              : "v1";
    Badge(label, StatusColor(form == app::ConfigForm::Legacy ? Status::Warn : Status::Ok),
          app::describe(form));
}

void CopySelectedConfig(app::Workbench& wb, UiContext& ctx) {
    if (!wb.configs().canCopy()) {
        wb.log(app::LogEntry::Level::Warning,
               "nothing to copy: select a run or simulation and let its config load");
        return;
    }
    const std::string text = wb.configs().copyText();
    ctx.setClipboard(text);
    std::string line = "copied " + std::to_string(text.size()) + " bytes of " +
                       DescribeSelection(wb.state(), ctx.window().details.hints) + "'s serialized_config";
    if (wb.state().details.derivedFromJsonb)
        line += " (NULL: the legacy text derived from the JSONB columns)";
    wb.log(app::LogEntry::Level::Info, line);
}

void DrawDetailsPanel(app::Workbench& wb, UiContext& ctx) {
    const app::WorkbenchState& state = wb.state();
    const Selection& s = state.selection;
    if (s.kind == Selection::Kind::None) {
        Hint("Select a dataset, run or simulation in the tree to see its details.");
        return;
    }
    const SelectedNodes nodes = FindSelectedNodes(state, ctx.window().details.hints);
    if (s.kind == Selection::Kind::Dataset) {
        DrawDataset(wb, ctx, nodes.dataset);
        return DrawQuestDbSection(wb, ctx);
    }
    DrawRunHeader(wb, ctx, nodes);
    DrawQuestDbSection(wb, ctx);
    if (s.kind == Selection::Kind::Run) DrawFoldsSection(wb, ctx);
    if (s.kind == Selection::Kind::Simulation) DrawSimulationParameters(state.details);

    SectionHeading(s.kind == Selection::Kind::Simulation ? "Simulation config" : "Run config");
    DrawConfigToolbar(wb, ctx);
    if (!DrawConfigState(wb, ctx)) return;
    ConfigView& view = ViewOf(state.details, ctx.window().details.config);
    DrawFlags(state.details);
    DrawConfigText(view, state.details, ctx);
    DrawSections(view, ctx);
}

}  // namespace ui
