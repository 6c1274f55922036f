// stage1ctl: the operator CLI. Everything lives in runStage1ctl so tests exercise the same code.
#include <unistd.h>

#include <iostream>

#include "app/cli/ctl_commands.hpp"
#include "app/cli/interrupt.hpp"
#include "app/connect/password_prompt.hpp"

int main(int argc, char** argv) {
    std::ios::sync_with_stdio(false);
    std::vector<std::string> args(argv + 1, argv + argc);
    app::CtlIo io{std::cin, std::cout, std::cerr, app::processEnvironment(), nullptr};
    // Only an interactive user can answer a prompt; cron and pipes get the diagnosis instead.
    if (isatty(STDIN_FILENO)) io.askPassword = app::askPasswordOnTerminal;
    app::installInterruptHandler();
    int code = app::runStage1ctl(args, io);
    app::cancelOnInterrupt(nullptr);
    std::cout.flush();
    return code;
}
