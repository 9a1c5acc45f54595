#pragma once
// Data-plane limits and timeouts. Set from the command line; defaults follow the issue and what
// Envoy/NGINX users expect.
#include <chrono>
#include <cstddef>

#include "http/http1/parser.h"

namespace torii::proxy {

using Duration = std::chrono::nanoseconds;

struct ProxyOptions {
  http1::Limits limits;                                         // 60 KiB head, 100 headers → 431
  Duration request_headers_timeout = std::chrono::seconds(10);  // → 408
  Duration idle_timeout = std::chrono::seconds(60);             // keep-alive idle: silent close
  Duration connect_timeout = std::chrono::seconds(5);           // → 503
  Duration response_timeout = std::chrono::seconds(15);         // upstream response head → 504
  Duration upstream_idle_timeout = std::chrono::seconds(60);
  Duration drain_timeout = std::chrono::seconds(30);
  size_t max_connections_per_worker = 16384;
  size_t upstream_max_requests = 10000;  // per upstream connection, then it is closed
  // Read buffers. A connection keeps only its client buffer while idle; the upstream buffer is
  // borrowed from the worker for the duration of one exchange. Together they bound the memory a
  // stream can hold, whatever its body size (request heads are copied out as they are parsed, so
  // the head limit does not depend on these sizes).
  size_t client_buffer_size = 16 * 1024;
  size_t upstream_buffer_size = 64 * 1024;
  bool access_log = false;
  // Even out downstream connections across workers (rebalanceTarget in server.cc).
  bool balance_connections = true;
};

}  // namespace torii::proxy
