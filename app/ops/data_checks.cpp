#include "app/ops/data_checks.hpp"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

namespace app {

SpoolInput readSpoolFile(const std::string& path) {
    SpoolInput input;
    input.path = path;
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec)) {
        input.problem = path + " is a folder, not a file";
        return input;
    }
    std::ifstream in(path, std::ios::binary);
    if (!in) {
        if (errno != ENOENT) input.problem = path + " cannot be read: " + std::strerror(errno);
        return input;
    }
    std::ostringstream text;
    text << in.rdbuf();
    input.text = text.str();
    return input;
}

std::vector<db::CheckResult> runDataChecks(db::Connection& conn, const std::vector<db::Migration>& catalog,
                                           const db::ValidationOptions& options, const SpoolInput& spool) {
    std::vector<db::CheckResult> checks = db::runPostgresChecks(conn, catalog, options);
    if (spool.path.empty()) return checks;
    if (!spool.problem.empty()) {
        db::CheckResult c;
        c.name = "spool_statements";
        c.ok = false;
        c.summary = "cannot read the spool file: " + spool.problem;
        c.fix = "Point the check at the spool file (STAGE1_SPOOL_PATH), or fix its permissions.";
        checks.push_back(c);
        return checks;
    }
    const db::SpoolScan scan = db::scanSpool(spool.text.value_or(""));
    std::vector<db::CheckResult> spoolChecks = db::checkSpoolReferences(conn, scan, options);
    if (!spool.text) spoolChecks.front().summary = "no spool file at " + spool.path + ": nothing is waiting";
    checks.insert(checks.end(), spoolChecks.begin(), spoolChecks.end());
    nameMissingDatasetsFromSpool(checks, scan);
    return checks;
}

void nameMissingDatasetsFromSpool(std::vector<db::CheckResult>& checks, const db::SpoolScan& scan) {
    std::map<std::string, std::string> slugOfId;
    for (const auto& d : scan.datasets)
        if (!d.datasetId.empty()) slugOfId[d.datasetId] = d.slug;
    for (auto& c : checks) {
        if (c.name != "runs_missing_dataset") continue;
        for (auto& m : c.missingDatasets) {
            auto it = slugOfId.find(db::asciiLower(m.datasetId));
            if (!m.slug && it != slugOfId.end()) m.slug = it->second;
        }
    }
}

std::string PlaceholderFix::key() const {
    return checkName + "." + (datasetId.empty() ? slug : datasetId);
}

std::vector<PlaceholderFix> placeholderFixes(const std::vector<db::CheckResult>& checks) {
    std::vector<PlaceholderFix> out;
    for (std::size_t i = 0; i < checks.size(); ++i) {
        for (const auto& m : checks[i].missingDatasets) {
            PlaceholderFix fix;
            fix.check = i;
            fix.checkName = checks[i].name;
            fix.row = m.row;
            fix.datasetId = db::asciiLower(m.datasetId);
            fix.slugKnown = m.slug.has_value();
            fix.slug = m.slug ? *m.slug : fix.datasetId;
            if (fix.slug.empty()) continue;  // neither: nothing to send
            fix.preview = previewPlaceholder(fix.slug, fix.datasetId, "");
            out.push_back(std::move(fix));
        }
    }
    return out;
}

}  // namespace app
