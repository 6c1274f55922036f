// Reading stage1ctl's help text in tests: the lines of one section.
#pragma once

#include <sstream>
#include <string>
#include <vector>

namespace testsupport {

// The lines of a section ("commands:", "options:", "Environment:") up to the next blank line.
inline std::vector<std::string> helpSection(const std::string& text, const std::string& heading) {
    std::istringstream lines(text);
    std::vector<std::string> out;
    bool inside = false;
    for (std::string line; std::getline(lines, line);) {
        if (line == heading)
            inside = true;
        else if (inside && line.empty())
            break;
        else if (inside)
            out.push_back(line);
    }
    return out;
}

}  // namespace testsupport
