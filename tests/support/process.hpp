// Run a child process and collect its exit code, stdout and stderr (tests drive the real binaries).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace testsupport {

struct ProcessResult {
    int exitCode = -1;  // 128+signal when killed by a signal
    std::string out;
    std::string err;
};

// env entries are added to (or replace in) the current environment; an empty value removes it.
ProcessResult runProcess(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         const std::string& stdinData = "");

// Paths handed over by CTest (tests/CMakeLists.txt); fail loudly when missing.
std::string requiredEnv(const char* name);

// The built stage1ctl (STAGE1CTL) with these arguments, as an operator's shell runs it.
ProcessResult runStage1ctl(const std::vector<std::string>& args,
                           const std::map<std::string, std::string>& env = {},
                           const std::string& stdinData = "");

}  // namespace testsupport
