#pragma once
// RequestMirror: a fire-and-forget copy of a request to another backend. The mirror never delays
// or fails the main request: it runs as its own coroutine on the worker, its response is read and
// discarded, and any error only counts.
#include <string>

#include "config/snapshot.h"
#include "proxy/worker_state.h"

namespace torii::proxy {

// Sends `request` (a complete serialised HTTP/1.1 request) to `ep`. Called on the worker thread.
void startMirror(WorkerState& w, const config::ClusterEndpoint& ep, std::string request);

}  // namespace torii::proxy
