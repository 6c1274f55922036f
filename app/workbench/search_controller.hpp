// Finding runs by what they are (the query language, db/search/run_query.hpp) and jumping to any id
// or name (db/search/find.hpp), for the search bar above the tree and the Ctrl+L box. A query that
// does not parse is refused here, before anything is sent. Writes WorkbenchState::search; opening a
// result goes through the tree's intents.
#pragma once

#include <string>

#include "app/workbench/event_log.hpp"
#include "app/workbench/hierarchy_controller.hpp"
#include "app/workbench/request_runner.hpp"
#include "app/workbench/workbench_state.hpp"

namespace app {

class SearchController {
  public:
    SearchController(WorkbenchState& state, RequestRunner& runner, EventLog& log,
                     HierarchyController& hierarchy);

    const SearchState& state() const { return search_; }
    void run(const std::string& query);  // the first page of its results
    void loadMore();                     // the next page, when there is one
    void clear();                        // Esc: back to the tree
    void open(size_t row);               // a result shown and selected in the tree
    std::string resultsCsv() const;      // the loaded results, with a header row
    void jump(const std::string& text);  // one match is revealed at once; several are listed
    void reveal(const db::search::FindMatch& match);
    void reset();  // a new connection: nothing found yet (the history stays)

  private:
    void loadPage(bool append);
    bool connected() const { return connection_.phase == ConnectionPhase::Connected; }

    SearchState& search_;
    const ConnectionStatus& connection_;
    RequestRunner& runner_;
    EventLog& log_;
    HierarchyController& hierarchy_;
    db::search::CompiledQuery compiled_;  // of search_.query
};

}  // namespace app
