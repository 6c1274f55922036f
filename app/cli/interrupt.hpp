// Ctrl-C in stage1ctl cancels the running statement on the server (PQcancel is safe in a signal
// handler) instead of leaving it running after the client is gone; a second Ctrl-C exits at once.
#pragma once

#include <libpq-fe.h>

namespace app {

void installInterruptHandler();
// The connection whose statement Ctrl-C cancels from now on (nullptr: none).
void cancelOnInterrupt(PGconn* conn);

}  // namespace app
