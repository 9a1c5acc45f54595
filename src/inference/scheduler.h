#pragma once
// The inference EndpointPicker (DESIGN.md §3): filters → weighted scorers → max-score picker over a
// snapshot of model-server metrics plus the gateway's own in-flight counts (inference.md §3).
//
// Pure and per worker: a Scheduler (and its PrefixIndex) lives on one worker thread per pool and is
// never shared; the EndpointMetrics it reads are immutable snapshots published by the scraper.
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "inference/model_metrics.h"
#include "inference/prefix.h"

namespace torii::inference {

struct SchedulerConfig {
  enum class Policy { kScored, kRoundRobin, kLeastRequest };
  Policy policy = Policy::kScored;
  // RTR defaults (inference.md §3.1): queue 2, kv 2, prefix 3; LoRA affinity 1.
  double w_queue = 2, w_kv = 2, w_prefix = 3, w_lora = 1;
  // Legacy saturation detector (inference.md §3.3).
  double queue_threshold = 5, kv_threshold = 0.8;
  int64_t staleness_ms = 200;
  PrefixConfig prefix;
  bool operator==(const SchedulerConfig&) const = default;
};

struct Candidate {
  uint64_t key;
  const EndpointMetrics* metrics;  // nullable: never scraped
  int64_t inflight;                // gateway's own count now
};

struct PickInput {
  std::string_view model;  // after rewrites; "" = no model: least-loaded order
  std::span<const uint64_t> prefix_hashes;
  int priority = 0;
  int64_t now_ms = 0;
};

struct PickResult {
  enum class Outcome { kOk, kShed /*429*/, kNoEndpoint /*503*/ };
  Outcome outcome = Outcome::kNoEndpoint;
  std::vector<uint32_t> order;         // indices into candidates, best first: the fallback list
  uint32_t prefix_matched_blocks = 0;  // of order[0], for logs
};

namespace detail {
// A candidate's score with its random tie-break, sorted contiguously by pick().
struct Ranked {
  double score;
  uint32_t tie;
  uint32_t index;
};
}  // namespace detail

class Scheduler {
 public:
  explicit Scheduler(SchedulerConfig config);
  const SchedulerConfig& config() const { return config_; }

  // Picks for one request. `random` seeds the tie-break (the caller's per-worker PRNG output).
  // Called on the owning worker thread; does not block or allocate beyond scratch buffers.
  PickResult pick(std::span<const Candidate> candidates, const PickInput& input, uint64_t random);

  // After the proxy sent the request to `key`: remember its prefix (PreRequest hook).
  void recordPrefix(uint64_t key, std::span<const uint64_t> hashes);

  PrefixIndex& prefixIndex() { return prefix_; }

 private:
  SchedulerConfig config_;
  PrefixIndex prefix_;
  uint64_t rr_next_ = 0;
  // Scratch reused across picks (per worker, so no sharing).
  std::vector<uint64_t> keys_;
  std::vector<uint32_t> matched_;
  std::vector<double> scores_, queue_;
  std::vector<detail::Ranked> ranked_;
};

// Legacy GIE saturation detector (inference.md §3.3): saturated iff no candidate has fresh metrics
// (ok and not older than staleness_ms) with effective queue ≤ queue_threshold and kv ≤
// kv_threshold. No candidates ⇒ saturated.
bool poolSaturated(std::span<const Candidate> candidates, const SchedulerConfig& config,
                   int64_t now_ms);

}  // namespace torii::inference
