#pragma once
// The latency model of llm-d-inference-sim (reference/inference.md §5):
//   TTFT, "constant":  time-to-first-token (± std-dev)
//   TTFT, "per-token": prefill-overhead + (prompt − cached)·prefill-time-per-token (± std-dev)
//   inter-token latency: inter-token-latency (± std-dev)
// Both are multiplied by the load factor 1 + (f − 1)·(running − 1)/(max-num-seqs − 1), which models
// a GPU slowing down as the batch grows. Jitter is Normal(mean, std) with std capped at 30% of
// the mean and the draw clamped to [0.3, 1.7]·mean, so a latency is never negative or absurd.
#include <chrono>
#include <cstdint>
#include <string>

#include "random.h"

namespace torii::llmsim {

using Nanos = std::chrono::nanoseconds;

struct LatencyConfig {
  // kAuto (flag unset): "constant" when --time-to-first-token is set, else "per-token" — the
  // original's legacy precedence, so old command lines keep their meaning.
  enum class Calculator { kAuto, kConstant, kPerToken };
  Calculator calculator = Calculator::kAuto;
  Nanos time_to_first_token{0}, time_to_first_token_std_dev{0};
  Nanos inter_token_latency{0}, inter_token_latency_std_dev{0};
  Nanos prefill_overhead{0}, prefill_time_per_token{0}, prefill_time_std_dev{0};
  double time_factor_under_load = 1.0;
  int max_num_seqs = 5;
};

class LatencyModel {
 public:
  LatencyModel(const LatencyConfig& cfg, Random& rng) : cfg_(cfg), rng_(rng) {}

  // Multiplier for a batch of `running` requests (including the one being timed).
  double loadFactor(int running) const;
  // Time to first token for a prompt of `prompt_tokens` of which `cached_tokens` hit the KV cache.
  Nanos timeToFirstToken(int prompt_tokens, int cached_tokens, int running);
  // Delay before each token after the first.
  Nanos interTokenLatency(int running);
  bool perToken() const;

 private:
  Nanos jitter(Nanos mean, Nanos std);
  const LatencyConfig& cfg_;
  Random& rng_;
};

// Parses a latency flag value: Go-style durations ("12ms", "250us", "1.5s") or a bare integer,
// which means milliseconds as in the original's older integer flags.
bool parseLatency(const std::string& s, Nanos& out);

}  // namespace torii::llmsim
