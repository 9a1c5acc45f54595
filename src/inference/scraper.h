#pragma once
// Scraper: polls every InferencePool endpoint's Prometheus `/metrics` (HTTP/1.1 keep-alive,
// default every 50 ms; shared/reference/inference.md §4) on the main thread's event loop, keeps
// the latest signals in PoolRuntime::metrics and hands a copy to the workers once per interval.
// Main thread only.
#include <functional>
#include <memory>
#include <set>
#include <utility>

#include "event/asio.h"
#include "inference/pool_runtime.h"

namespace torii::inference {

class Scraper {
 public:
  // `publish` runs on the main thread once per pool interval with that pool's latest round.
  using Publish = std::function<void(const PoolRuntime&, std::shared_ptr<const MetricsRound>)>;
  Scraper(asio::io_context& io, Publish publish);
  ~Scraper();

  // Starts loops for pools and endpoints of `registry` not scraped yet. Loops of endpoints and
  // pools that left the registry end by themselves.
  void sync(const Registry& registry);
  // Ends every loop (at shutdown).
  void stop();

 private:
  struct State;
  awaitable<void> endpointLoop(std::shared_ptr<State> st, std::weak_ptr<PoolRuntime> pool,
                               std::weak_ptr<EndpointRuntime> ep);
  awaitable<void> publishLoop(std::shared_ptr<State> st, std::weak_ptr<PoolRuntime> pool);

  asio::io_context& io_;
  std::shared_ptr<State> state_;
};

}  // namespace torii::inference
