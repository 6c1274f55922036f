#include "app/cli/interrupt.hpp"

#include <atomic>
#include <csignal>

namespace app {

namespace {

// Written by the main thread, read by the handler: a lock-free pointer swap is all a handler may do.
std::atomic<PGcancel*> armed{nullptr};

void onInterrupt(int) {
    std::signal(SIGINT, SIG_DFL);  // the next Ctrl-C ends the process
    if (PGcancel* cancel = armed.load()) {
        char error[256];
        PQcancel(cancel, error, sizeof error);
    }
}

}  // namespace

void installInterruptHandler() {
    std::signal(SIGINT, onInterrupt);
}

void cancelOnInterrupt(PGconn* conn) {
    PGcancel* next = conn ? PQgetCancel(conn) : nullptr;
    if (PGcancel* previous = armed.exchange(next)) PQfreeCancel(previous);
}

}  // namespace app
