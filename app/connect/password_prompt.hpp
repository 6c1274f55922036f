// Asks for a password on the controlling terminal with echo off. The answer lives in memory only.
#pragma once

#include <optional>
#include <string>

namespace app {

// nullopt when there is no terminal (cron, pipes) or the user gave an empty answer.
std::optional<std::string> askPasswordOnTerminal(const std::string& prompt);

}  // namespace app
