#pragma once
// Per-worker counters. Each Stats shard is written by exactly one worker thread and read by the
// admin thread: relaxed atomics make those reads well-defined without any ordering cost.
#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace torii {

// The formatter does not settle on this macro's layout; it is kept as written.
// clang-format off
#define TORII_COUNTERS(X) \
  X(downstream_cx_total, "Downstream connections accepted") \
  X(downstream_cx_overflow, "Downstream connections closed at once: per-worker limit reached") \
  X(downstream_cx_rebalanced, "Downstream connections accepted by this worker and handed to a less loaded one") \
  X(downstream_rq_total, "Requests received") \
  X(downstream_rq_bad, "Malformed or disallowed requests answered with a 4xx/5xx by the codec") \
  X(downstream_rq_header_timeout, "Requests whose head did not arrive in time (408)") \
  X(downstream_rq_too_large, "Requests whose head exceeded a limit (431)") \
  X(downstream_rq_no_route, "Requests that matched no route (404)") \
  X(downstream_rs_1xx, "Responses 1xx") \
  X(downstream_rs_2xx, "Responses 2xx") \
  X(downstream_rs_3xx, "Responses 3xx") \
  X(downstream_rs_4xx, "Responses 4xx") \
  X(downstream_rs_5xx, "Responses 5xx") \
  X(upstream_cx_total, "Upstream connections opened") \
  X(upstream_cx_connect_fail, "Upstream connection failures (503)") \
  X(upstream_cx_reused, "Requests sent on a pooled upstream connection") \
  X(upstream_rq_retry, "Requests retried on a fresh connection after a stale pooled one failed") \
  X(upstream_rq_reset, "Upstream resets or invalid responses (502)") \
  X(upstream_rq_timeout, "Upstream response timeouts (504)") \
  X(inference_rq_total, "Requests routed to an InferencePool") \
  X(inference_rq_shed, "InferencePool requests shed because the pool is saturated (429)") \
  X(inference_rq_no_endpoint, "InferencePool requests with no endpoint to serve them (503)") \
  X(inference_rq_fallback, "InferencePool requests sent to the next endpoint after one failed") \
  X(inference_rq_body_too_large, "InferencePool requests whose body exceeded the limit (413)") \
  X(inference_rq_bad_body, "InferencePool requests whose body could not be parsed (400)")
// clang-format on

struct Stats {
#define TORII_DECLARE(name, help) std::atomic<uint64_t> name{0};
  TORII_COUNTERS(TORII_DECLARE)
#undef TORII_DECLARE
  std::atomic<int64_t> downstream_cx_active{0};
  std::atomic<int64_t> upstream_cx_active{0};

  static void inc(std::atomic<uint64_t>& c) {
    c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
  }
  static void add(std::atomic<int64_t>& g, int64_t d) {
    g.store(g.load(std::memory_order_relaxed) + d, std::memory_order_relaxed);
  }
};

// Prometheus text exposition of the sum of all shards.
std::string renderPrometheus(const std::vector<const Stats*>& shards);

}  // namespace torii
