#include "inference/scheduler.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace torii::inference {

namespace {

using detail::Ranked;

// Cheap local PRNG for tie-breaks: splitmix64 seeded by the caller's random value.
struct SplitMix {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
};

// Fills `order` with all indices sorted by score, highest first, ties in random order. Equivalent
// to the max-score picker's shuffle + stable sort (inference.md §3.1) but sorts contiguous
// (score, random) pairs instead of chasing indices, which is several times faster at 256
// endpoints. NaN scores sort last (and keep the comparator a strict weak order).
void rankDescending(std::span<const double> score, SplitMix& rng, std::vector<Ranked>& scratch,
                    std::vector<uint32_t>& order) {
  const uint32_t n = uint32_t(score.size());
  scratch.resize(n);
  for (uint32_t i = 0; i < n; ++i) {
    double s = score[i];
    if (std::isnan(s)) s = -std::numeric_limits<double>::infinity();
    scratch[i] = Ranked{s, uint32_t(rng.next()), i};
  }
  std::sort(scratch.begin(), scratch.end(), [](const Ranked& a, const Ranked& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.tie != b.tie) return a.tie < b.tie;
    return a.index < b.index;
  });
  order.resize(n);
  for (uint32_t i = 0; i < n; ++i) order[i] = scratch[i].index;
}

// Finite and non-negative, else 0: metrics are untrusted input.
double sane(double v) { return std::isfinite(v) && v > 0 ? v : 0; }

bool fresh(const EndpointMetrics* m, const SchedulerConfig& config, int64_t now_ms) {
  return m && m->ok && now_ms - m->updated_ms <= config.staleness_ms;
}

// Effective queue (inference.md §3.2 queue-scorer input): the model server's waiting count plus
// the requests this gateway sent since the scrape, so decisions do not wait for the next scrape.
// Without fresh metrics the gateway's own in-flight count is all we know.
double effectiveQueue(const Candidate& c, bool is_fresh) {
  if (!is_fresh) return double(std::max<int64_t>(0, c.inflight));
  return sane(c.metrics->waiting) +
         double(std::max<int64_t>(0, c.inflight - c.metrics->inflight_at_scrape));
}

// inference.md §3.2 lora-affinity-scorer: 1.0 adapter active, 0.8 free slot, 0.6 queued, 0 full.
// Applies only when the requested model is an adapter on that endpoint (not a served base model)
// and the server reports LoRA slots; otherwise every endpoint scores 1.0 so base-model requests are
// not skewed.
double loraScore(std::string_view model, const EndpointMetrics* m) {
  if (model.empty() || !m || !m->ok || m->max_lora <= 0) return 1.0;
  for (const std::string& base : m->models)
    if (base == model) return 1.0;
  for (const std::string& a : m->running_loras)
    if (a == model) return 1.0;
  if (m->running_loras.size() < size_t(m->max_lora)) return 0.8;
  for (const std::string& a : m->waiting_loras)
    if (a == model) return 0.6;
  return 0.0;
}

}  // namespace

bool poolSaturated(std::span<const Candidate> candidates, const SchedulerConfig& config,
                   int64_t now_ms) {
  // Legacy GIE detector (inference.md §3.3): saturated iff no endpoint has fresh metrics with
  // queue ≤ threshold and KV ≤ threshold; no endpoints ⇒ saturated.
  for (const Candidate& c : candidates) {
    if (!fresh(c.metrics, config, now_ms)) continue;
    if (effectiveQueue(c, true) <= config.queue_threshold &&
        sane(c.metrics->kv_usage) <= config.kv_threshold)
      return false;
  }
  return true;
}

Scheduler::Scheduler(SchedulerConfig config)
    : config_(config), prefix_(config.prefix.lru_capacity) {}

void Scheduler::recordPrefix(uint64_t key, std::span<const uint64_t> hashes) {
  prefix_.add(key, hashes);
}

PickResult Scheduler::pick(std::span<const Candidate> candidates, const PickInput& input,
                           uint64_t random) {
  PickResult result;
  const uint32_t n = uint32_t(std::min<size_t>(candidates.size(), UINT32_MAX));
  if (n == 0) return result;  // kNoEndpoint (503)
  // Admission (inference.md §3.3): sheddable requests (priority < 0) get 429 when saturated.
  if (input.priority < 0 && poolSaturated(candidates, config_, input.now_ms)) {
    result.outcome = PickResult::Outcome::kShed;
    return result;
  }
  result.outcome = PickResult::Outcome::kOk;
  SplitMix rng{random};

  // A request without a model (no body, GET /v1/models, …) has nothing to score, whatever the
  // policy: the least-loaded endpoint (the gateway's in-flight count plus the server's last
  // reported queue), ties broken at random.
  if (input.model.empty()) {
    scores_.resize(n);
    for (uint32_t i = 0; i < n; ++i) {
      const Candidate& c = candidates[i];
      double q = double(std::max<int64_t>(0, c.inflight));
      if (c.metrics && c.metrics->ok) q += sane(c.metrics->waiting);
      scores_[i] = -q;
    }
    rankDescending(scores_, rng, ranked_, result.order);
    return result;
  }

  switch (config_.policy) {
    case SchedulerConfig::Policy::kRoundRobin: {
      uint32_t start = uint32_t(rr_next_++ % n);
      result.order.resize(n);
      for (uint32_t i = 0; i < n; ++i) result.order[i] = (start + i) % n;
      return result;
    }
    case SchedulerConfig::Policy::kLeastRequest: {
      scores_.resize(n);
      for (uint32_t i = 0; i < n; ++i) scores_[i] = -double(candidates[i].inflight);
      rankDescending(scores_, rng, ranked_, result.order);
      return result;
    }
    case SchedulerConfig::Policy::kScored:
      break;
  }

  // Weighted scorers, each in [0,1] (inference.md §3.1/§3.2); score = Σ weight·score.
  scores_.assign(n, 0.0);
  queue_.resize(n);
  double min_q = std::numeric_limits<double>::infinity();
  double max_q = -std::numeric_limits<double>::infinity();
  for (uint32_t i = 0; i < n; ++i) {
    const Candidate& c = candidates[i];
    bool f = fresh(c.metrics, config_, input.now_ms);
    double q = effectiveQueue(c, f);
    queue_[i] = q;
    min_q = std::min(min_q, q);
    max_q = std::max(max_q, q);
    double kv = f ? std::min(1.0, sane(c.metrics->kv_usage)) : 0.0;
    scores_[i] = config_.w_kv * (1.0 - kv);  // kv-cache-utilization-scorer
    if (config_.w_lora != 0) scores_[i] += config_.w_lora * loraScore(input.model, c.metrics);
  }
  // queue-scorer: (maxQ − q)/(maxQ − minQ); all equal ⇒ 1.
  for (uint32_t i = 0; i < n; ++i) {
    double s = max_q > min_q ? (max_q - queue_[i]) / (max_q - min_q) : 1.0;
    scores_[i] += config_.w_queue * s;
  }
  // prefix-cache-scorer: matchedBlocks / totalBlocks (inference.md §3.4); 0 without hashes.
  matched_.assign(n, 0);
  if (!input.prefix_hashes.empty()) {
    keys_.resize(n);
    for (uint32_t i = 0; i < n; ++i) keys_[i] = candidates[i].key;
    prefix_.match(input.prefix_hashes, keys_, matched_);
    if (config_.w_prefix != 0) {
      const double total = double(input.prefix_hashes.size());
      for (uint32_t i = 0; i < n; ++i) scores_[i] += config_.w_prefix * (matched_[i] / total);
    }
  }
  // max-score picker: highest score first, random tie-break.
  rankDescending(scores_, rng, ranked_, result.order);
  result.prefix_matched_blocks = matched_[result.order[0]];
  return result;
}

}  // namespace torii::inference
