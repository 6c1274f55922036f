// Runs marked for comparison (Ctrl/Shift-click in the tree or the search results) and the Compare
// tab's table: loaded in one request, then only-differences, the reference column and copying are
// local. Writes WorkbenchState::compare.
#pragma once

#include <string>
#include <vector>

#include "app/workbench/event_log.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class CompareController {
  public:
    CompareController(WorkbenchState& state, RequestRunner& runner, EventLog& log);

    // A click on a run in a list whose runs, top to bottom, are `listed`: plain marks only it,
    // Ctrl toggles it, Shift marks the range from the anchor (Ctrl+Shift adds the range).
    void click(const std::string& runId, bool ctrl, bool shift, const std::vector<std::string>& listed);
    bool isMarked(const std::string& runId) const;
    void unmarkAll();
    // Loads the marked runs (2 to db::kMaxCompareRuns) into the Compare table.
    bool canCompare() const;
    std::string whyNotCompare() const;  // "" when canCompare()
    void compare();
    void compare(const std::vector<std::string>& runIds);  // marks exactly these, then compares
    void setReference(size_t column);
    void setOnlyDifferences(bool on) { compare_.onlyDifferences = on; }
    void removeColumn(size_t column);  // unmarks that run; the table follows without a request
    std::string copyTsv() const;
    std::string copyMarkdown() const;
    void reset();  // a new connection: the table goes, the marks stay (ids outlive connections)

  private:
    void rebuild();

    CompareState& compare_;
    const ConnectionStatus& connection_;
    RequestRunner& runner_;
    EventLog& log_;
};

}  // namespace app
