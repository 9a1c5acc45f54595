#pragma once
// Data-plane limits and timeouts. Set from the command line; defaults follow the issue and what
// Envoy/NGINX users expect.
#include <chrono>
#include <cstddef>

#include "http/http1/parser.h"

namespace torii::proxy {

using Duration = std::chrono::nanoseconds;

struct ProxyOptions {
  http1::Limits limits;                                    // 60 KiB head, 100 headers → 431
  Duration request_headers_timeout = std::chrono::seconds(10);  // → 408
  Duration idle_timeout = std::chrono::seconds(60);        // keep-alive idle: silent close
  Duration connect_timeout = std::chrono::seconds(5);      // → 503
  Duration response_timeout = std::chrono::seconds(15);    // upstream response head → 504
  Duration upstream_idle_timeout = std::chrono::seconds(60);
  Duration drain_timeout = std::chrono::seconds(30);
  size_t max_connections_per_worker = 16384;
  size_t upstream_max_requests = 10000;  // per upstream connection, then it is closed
  size_t buffer_size = 64 * 1024;        // per-direction read buffer: bounds memory per stream
  bool access_log = false;
};

}  // namespace torii::proxy
