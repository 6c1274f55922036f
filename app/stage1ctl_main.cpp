// stage1ctl: the operator CLI. Everything lives in runStage1ctl so tests exercise the same code.
#include <iostream>

#include "app/ctl_commands.hpp"

int main(int argc, char** argv) {
    std::vector<std::string> args(argv + 1, argv + argc);
    return app::runStage1ctl(args, app::CtlIo{std::cout, std::cerr, app::processEnvironment()});
}
