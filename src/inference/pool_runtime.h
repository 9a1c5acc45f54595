#pragma once
// The gateway-side runtime of InferencePools: what outlives one snapshot (in-flight counts per
// endpoint, the latest model-server metrics) and how a snapshot's pool cluster sees it.
//
// Threading (DESIGN.md §5): the Registry, PoolRuntime::endpoints and PoolRuntime::metrics belong
// to the main thread (translation, publishing and the scraper run there). Workers read a
// snapshot's PoolView (immutable) and the metrics rounds posted to them; the only shared mutable
// state is EndpointRuntime's relaxed atomics (in-flight and served counts).
#include <netinet/in.h>

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "config/ir.h"
#include "inference/model_metrics.h"
#include "inference/scheduler.h"

namespace torii::config {
struct Snapshot;
}

namespace torii::inference {

struct EndpointRuntime {
  uint64_t key = 0;  // (ipv4 << 16) | port, as config::ClusterEndpoint::key
  std::string text;  // "ip:port"
  std::string pod;   // "namespace/name"
  sockaddr_in addr{};
  Engine engine = Engine::kVllm;
  // Requests the gateway has sent to this endpoint and not yet finished. Workers increment when
  // they send and decrement when the exchange ends (relaxed: a scoring signal, not a lock).
  std::atomic<int64_t> inflight{0};
  std::atomic<uint64_t> requests{0};         // requests sent here (every worker)
  std::atomic<uint64_t> scrape_failures{0};  // written by the main thread only
};

// Every endpoint's metrics from the scraper at one moment, immutable once published.
struct MetricsRound {
  std::unordered_map<uint64_t, EndpointMetrics> by_key;
};

// One InferencePool ("namespace/name") across snapshots.
struct PoolRuntime {
  std::string name;
  uint64_t id = 0;  // unique for the process lifetime (workers key their state by it)
  int64_t scrape_interval_ms = 50;
  // Main thread only.
  bool live = true;  // still named by the newest snapshot (the scraper stops when false)
  std::map<uint64_t, std::shared_ptr<EndpointRuntime>> endpoints;
  MetricsRound metrics;  // latest per endpoint, updated as scrapes complete
};

// A pool as one snapshot sees it; shared by every worker, immutable.
struct PoolView {
  std::shared_ptr<PoolRuntime> runtime;
  // Parallel to config::Cluster::endpoints.
  std::vector<std::shared_ptr<EndpointRuntime>> endpoints;
  SchedulerConfig scheduler;
  std::shared_ptr<const config::IrInferencePool> ir;
};

// Scheduler configuration from the translated pool (policy, weights, thresholds).
SchedulerConfig schedulerConfig(const config::IrInferencePool& pool);

class Registry {
 public:
  // Builds the PoolView of every InferencePool cluster of `snap` (config::Cluster::pool), reusing
  // the runtime (and the endpoints' counters) of pools and endpoints seen before. Runtimes no
  // longer named are dropped from the registry (views in old snapshots keep them alive until those
  // snapshots are released). Returns the ids of the dropped pools.
  std::vector<uint64_t> bind(config::Snapshot& snap);
  const std::map<std::string, std::shared_ptr<PoolRuntime>>& pools() const { return pools_; }

 private:
  std::map<std::string, std::shared_ptr<PoolRuntime>> pools_;
  uint64_t next_id_ = 1;
};

// Prometheus text for the pools' endpoints (gateway counts and the latest scraped signals).
std::string renderPoolMetrics(const Registry& registry);

}  // namespace torii::inference
