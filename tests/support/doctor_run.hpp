// `stage1ctl doctor --json` as a test runs it: the exit code, the parsed report and stderr, with
// ~/.pgpass out of the way so only what the test gives counts.
#pragma once

#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <map>
#include <string>
#include <vector>

#include "tests/support/process.hpp"

namespace testsupport {

struct DoctorRun {
    int exitCode = -1;
    nlohmann::json report;
    std::string err;
};

inline DoctorRun runDoctorJson(const std::vector<std::string>& args,
                               std::map<std::string, std::string> env = {}) {
    std::vector<std::string> argv = {"doctor", "--json"};
    argv.insert(argv.end(), args.begin(), args.end());
    env.emplace("PGPASSFILE", "/nonexistent");
    ProcessResult r = runStage1ctl(argv, env);
    INFO(r.out << r.err);
    nlohmann::json report = nlohmann::json::parse(r.out, nullptr, false);
    REQUIRE_FALSE(report.is_discarded());
    return {r.exitCode, report, r.err};
}

// The step of that name, or nullptr.
inline const nlohmann::json* doctorStep(const DoctorRun& run, const std::string& name) {
    for (const auto& s : run.report["steps"])
        if (s["name"] == name) return &s;
    return nullptr;
}

}  // namespace testsupport
