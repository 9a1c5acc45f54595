#pragma once
// Everything one worker owns for proxying: its snapshot pointer, listeners, connection list,
// upstream pool and stats shard. Touched only on the worker's thread (except `stats`, read by the
// admin thread through relaxed atomics).
#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/stats.h"
#include "config/snapshot.h"
#include "event/asio.h"
#include "event/worker.h"
#include "inference/pool_runtime.h"
#include "proxy/options.h"
#include "upstream/conn_pool.h"

namespace torii::proxy {

class DownstreamConn;

struct ListenerKey {
  std::string address;
  int port = 0;  // spec port
  auto operator<=>(const ListenerKey&) const = default;
};

// A worker's own state for one InferencePool: its picker (with its prefix index) and the latest
// model-server metrics the main thread posted to it.
struct InferencePoolState {
  std::unique_ptr<inference::Scheduler> scheduler;
  std::shared_ptr<const inference::MetricsRound> metrics;
};

struct WorkerState {
  WorkerState(event::Worker& w, const ProxyOptions& o, Stats& s)
      : worker(w), opts(o), stats(s), pool(s, o.upstream_idle_timeout, now) {}

  // Coarse clock for deadlines, advanced by the worker's 100 ms tick: reading the real clock
  // several times per request is measurable on virtual machines, and timeouts of a second or more
  // need no finer grain. Declared before `pool`, which keeps a reference to it.
  std::chrono::steady_clock::time_point now = std::chrono::steady_clock::now();

  event::Worker& worker;
  const ProxyOptions& opts;
  Stats& stats;
  upstream::ConnPool pool;
  std::shared_ptr<const config::Snapshot> snapshot;
  std::map<ListenerKey, std::unique_ptr<tcp::acceptor>> acceptors;
  // Intrusive list of live connections, scanned by the tick for deadlines and on drain.
  DownstreamConn* conns = nullptr;
  size_t conn_count = 0;
  // conn_count plus connections handed to this worker and not yet started: read by the other
  // workers' accept loops to balance connections (relaxed: a hint, not a lock).
  std::atomic<uint32_t> load{0};
  bool draining = false;
  // InferencePools by PoolRuntime::id (worker thread only).
  std::unordered_map<uint64_t, InferencePoolState> inference;
  // Every worker of the server (this one included), to share prefix-index updates by post().
  std::vector<WorkerState*> peers;
  uint64_t rng = 0x9E3779B97F4A7C15ull;
  uint64_t rr = 0;

  // Upstream read buffers are lent per exchange so idle connections hold none; a few are kept for
  // reuse to avoid allocating on every request.
  std::vector<char> takeBuffer() {
    if (free_buffers.empty()) return std::vector<char>(opts.upstream_buffer_size);
    std::vector<char> b = std::move(free_buffers.back());
    free_buffers.pop_back();
    return b;
  }
  void returnBuffer(std::vector<char>&& b) {
    if (b.size() == opts.upstream_buffer_size && free_buffers.size() < 64)
      free_buffers.push_back(std::move(b));
    b = std::vector<char>();
  }
  std::vector<std::vector<char>> free_buffers;

  uint64_t random() {
    // xorshift64*: cheap, worker-local, good enough for weights and request ids.
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return rng * 2685821657736338717ull;
  }
  const config::ListenerConfig* listener(const ListenerKey& key) const {
    if (!snapshot) return nullptr;
    for (const auto& l : snapshot->listeners) {
      if (l.port == key.port && l.address == key.address) return &l;
    }
    return nullptr;
  }
};

}  // namespace torii::proxy
