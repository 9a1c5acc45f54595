#pragma once
// Per-worker pool of idle upstream HTTP/1.1 connections, keyed by endpoint. Worker-local: no
// locks. A pooled connection is checked before reuse so a request never goes out on a connection
// the upstream has already closed.
#include <netinet/in.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "event/asio.h"

namespace torii::upstream {

struct UpstreamConn {
  explicit UpstreamConn(asio::io_context& io) : sock(io) {}
  tcp::socket sock;
  uint64_t key = 0;
  uint32_t requests = 0;
  std::chrono::steady_clock::time_point idle_since;
};

// Connects `c` to `addr`. On success the connection is counted (upstream_cx_total, _active) and
// set up for the proxy (TCP_NODELAY, non-blocking for synchronous-first writes); on failure
// upstream_cx_connect_fail is counted and the error returned. Worker thread only.
awaitable<boost::system::error_code> connect(UpstreamConn& c, const sockaddr_in& addr,
                                             Stats& stats);
// Closes a connection that is not going back to a pool, and uncounts it.
void close(UpstreamConn& c, Stats& stats);

class ConnPool {
 public:
  // `now` is the worker's coarse clock (see WorkerState::now); it must outlive the pool.
  ConnPool(Stats& stats, std::chrono::nanoseconds idle_timeout,
           const std::chrono::steady_clock::time_point& now)
      : stats_(stats), idle_timeout_(idle_timeout), now_(now) {}
  ~ConnPool();
  // An idle connection to `key`, or nullptr. With `verify`, the connection is first checked with a
  // non-blocking peek (one syscall) so that a request that cannot be replayed never goes out on a
  // connection the upstream already closed; replayable requests skip the check and are retried
  // once on a fresh connection instead.
  std::unique_ptr<UpstreamConn> acquire(uint64_t key, bool verify);
  // Returns a connection whose last response completed cleanly.
  void release(std::unique_ptr<UpstreamConn> conn);
  // Closes connections idle longer than the idle timeout. Called from the worker's tick.
  void sweep(std::chrono::steady_clock::time_point now);
  void closeAll();
  size_t idleCount() const;

 private:
  Stats& stats_;
  std::chrono::nanoseconds idle_timeout_;
  const std::chrono::steady_clock::time_point& now_;
  std::unordered_map<uint64_t, std::vector<std::unique_ptr<UpstreamConn>>> idle_;
};

}  // namespace torii::upstream
