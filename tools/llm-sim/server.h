#pragma once
// The HTTP/1.1 front of torii-llm-sim: listens, parses requests, drives each completion through
// the Engine on one asio io_context (single thread), and stops on SIGINT/SIGTERM.
#include "options.h"

namespace torii::llmsim {

// Serves until a signal arrives. Returns the process exit code.
int runServer(const Options& opts);

}  // namespace torii::llmsim
