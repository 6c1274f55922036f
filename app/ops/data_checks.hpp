// The data checks `stage1ctl validate` and the window's Checks panel both run (the PostgreSQL checks
// of db/checks/validation.hpp, then the references in the desktop's spool file), and what the window
// offers to fix with one click: a placeholder dataset for each dataset the rows need but lack.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "app/ops/placeholder_dataset.hpp"
#include "db/checks/validation.hpp"

namespace app {

struct SpoolInput {
    std::string path;                 // "" = the spool is not checked
    std::optional<std::string> text;  // nullopt: no file there (nothing is waiting) or unreadable
    std::string problem;              // why it could not be read; "" when it was read or is absent
};

// A missing file is an empty spool (the replay removes the file once it is applied); a folder or
// an unreadable file is a problem ("<path> is a folder, not a file", "<path> cannot be read: ...").
SpoolInput readSpoolFile(const std::string& path);

// PostgreSQL checks, then, when spool.path is set, the spool checks: an absent file passes as
// "nothing is waiting", an unreadable one fails spool_statements. The datasets runs_missing_dataset
// lists get the slug the spool gives their id. Throws db::Error when options.cancelled turns true.
std::vector<db::CheckResult> runDataChecks(db::Connection& conn, const std::vector<db::Migration>& catalog,
                                           const db::ValidationOptions& options, const SpoolInput& spool);

// Names runs_missing_dataset's missing datasets after the spooled dataset rows with the same id.
void nameMissingDatasetsFromSpool(std::vector<db::CheckResult>& checks, const db::SpoolScan& scan);

// What "Backfill placeholder" sends for one missing dataset. The slug is the known one; when nothing
// names the dataset, its id itself (a lower-case UUID passes the slug rule). The id the rows
// reference is always sent, so they attach to the new row.
struct PlaceholderFix {
    std::size_t check = 0;  // index in the checks
    std::string checkName;
    int row = 0;  // the row of that check it fixes
    std::string slug;
    std::string datasetId;    // "" = derived from the slug (the rows name the dataset by slug)
    bool slugKnown = true;    // false: the slug is the id, until someone records the real tag
    PreviewResult preview;    // what fn_upsert_placeholder_dataset will insert
    std::string key() const;  // "<check name>.<id or slug>": unique in a panel, its test tag
};
std::vector<PlaceholderFix> placeholderFixes(const std::vector<db::CheckResult>& checks);

}  // namespace app
