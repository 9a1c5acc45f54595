#include "inference/scheduler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <vector>

namespace torii::inference {
namespace {

using Order = std::vector<uint32_t>;
constexpr int64_t kNow = 10'000;

EndpointMetrics metrics(double waiting, double kv, int64_t inflight_at_scrape = 0,
                        int64_t updated_ms = kNow - 10) {
  EndpointMetrics m;
  m.ok = true;
  m.updated_ms = updated_ms;
  m.inflight_at_scrape = inflight_at_scrape;
  m.waiting = waiting;
  m.kv_usage = kv;
  m.models = {"base"};
  return m;
}

SchedulerConfig only(double w_queue, double w_kv, double w_prefix, double w_lora) {
  SchedulerConfig c;
  c.w_queue = w_queue;
  c.w_kv = w_kv;
  c.w_prefix = w_prefix;
  c.w_lora = w_lora;
  return c;
}

PickInput input(std::string_view model = "base", std::span<const uint64_t> hashes = {},
                int priority = 0) {
  PickInput in;
  in.model = model;
  in.prefix_hashes = hashes;
  in.priority = priority;
  in.now_ms = kNow;
  return in;
}

TEST(Scheduler, NoCandidatesIsNoEndpoint) {
  Scheduler s{SchedulerConfig{}};
  auto r = s.pick({}, input(), 1);
  EXPECT_EQ(r.outcome, PickResult::Outcome::kNoEndpoint);
  EXPECT_TRUE(r.order.empty());
  r = s.pick({}, input("base", {}, -1), 1);
  EXPECT_EQ(r.outcome, PickResult::Outcome::kNoEndpoint);
}

TEST(Scheduler, QueueScorerNormalisesAcrossCandidates) {
  // Queue only: 0, 5, 10 waiting → scores 1, 0.5, 0.
  EndpointMetrics a = metrics(10, 0), b = metrics(0, 0), c = metrics(5, 0);
  std::vector<Candidate> cands = {{1, &a, 0}, {2, &b, 0}, {3, &c, 0}};
  Scheduler s(only(1, 0, 0, 0));
  for (uint64_t seed = 0; seed < 20; ++seed)
    EXPECT_EQ(s.pick(cands, input(), seed).order, (Order{1, 2, 0}));
}

TEST(Scheduler, QueueAndKvScoresAreWeighted) {
  // Default weights queue 2, kv 2: A q=0 kv=.9 → 2+0.2=2.2; B q=5 kv=.2 → 1+1.6=2.6;
  // C q=10 kv=0 → 0+2=2.
  EndpointMetrics a = metrics(0, 0.9), b = metrics(5, 0.2), c = metrics(10, 0);
  std::vector<Candidate> cands = {{1, &a, 0}, {2, &b, 0}, {3, &c, 0}};
  Scheduler s{SchedulerConfig{}};
  EXPECT_EQ(s.pick(cands, input(), 7).order, (Order{1, 0, 2}));
  // KV only: 1 − kv.
  Scheduler kv(only(0, 1, 0, 0));
  EXPECT_EQ(kv.pick(cands, input(), 7).order, (Order{2, 1, 0}));
  // If A's kv were .99 (score 2.02) it would still beat C (2.0): exact arithmetic matters.
  a.kv_usage = 0.99;
  EXPECT_EQ(s.pick(cands, input(), 7).order, (Order{1, 0, 2}));
  a.kv_usage = 1.0;  // 2.0 ties with C: either order, B first
  EXPECT_EQ(s.pick(cands, input(), 7).order[0], 1u);
}

TEST(Scheduler, EffectiveQueueCountsRequestsSentSinceTheScrape) {
  // A reported 0 waiting, but the gateway sent 4 more since (inflight 6 vs 2 at scrape): q = 4.
  // B reported 3 waiting and nothing was sent since: q = 3 → B wins on queue.
  EndpointMetrics a = metrics(0, 0, /*inflight_at_scrape=*/2), b = metrics(3, 0, 5);
  std::vector<Candidate> cands = {{1, &a, 6}, {2, &b, 5}};
  Scheduler s(only(1, 0, 0, 0));
  EXPECT_EQ(s.pick(cands, input(), 0).order, (Order{1, 0}));
  // Fewer in flight than at the scrape never reduces the queue below the reported value.
  std::vector<Candidate> fewer = {{1, &a, 0}, {2, &b, 0}};
  EXPECT_EQ(s.pick(fewer, input(), 0).order, (Order{0, 1}));
}

TEST(Scheduler, StaleOrMissingMetricsUseInflightAndZeroKv) {
  EndpointMetrics stale = metrics(0, 1.0, 0, kNow - 201);  // older than 200 ms
  EndpointMetrics bad = metrics(0, 1.0);
  bad.ok = false;
  EndpointMetrics fresh = metrics(2, 0.5);
  // KV only: stale and bad count as kv 0 → score 1; fresh 0.5.
  std::vector<Candidate> cands = {{1, &fresh, 0}, {2, &stale, 0}};
  Scheduler kv(only(0, 1, 0, 0));
  EXPECT_EQ(kv.pick(cands, input(), 3).order, (Order{1, 0}));
  cands = {{1, &fresh, 0}, {2, &bad, 0}};
  EXPECT_EQ(kv.pick(cands, input(), 3).order, (Order{1, 0}));
  // Queue only: unscraped endpoint with 3 in flight (q=3) loses to fresh q=2; with 1 it wins.
  Scheduler q(only(1, 0, 0, 0));
  cands = {{1, &fresh, 0}, {2, nullptr, 3}};
  EXPECT_EQ(q.pick(cands, input(), 3).order, (Order{0, 1}));
  cands = {{1, &fresh, 0}, {2, nullptr, 1}};
  EXPECT_EQ(q.pick(cands, input(), 3).order, (Order{1, 0}));
  // Exactly at the staleness bound is still fresh.
  EndpointMetrics edge = metrics(0, 1.0, 0, kNow - 200);
  cands = {{1, &fresh, 0}, {2, &edge, 0}};
  EXPECT_EQ(kv.pick(cands, input(), 3).order, (Order{0, 1}));
}

TEST(Scheduler, PrefixScorerPrefersLongestMatch) {
  EndpointMetrics m = metrics(0, 0);
  std::vector<Candidate> cands = {{1, &m, 0}, {2, &m, 0}, {3, &m, 0}};
  std::vector<uint64_t> hashes = {100, 101, 102, 103};
  Scheduler s(only(0, 0, 1, 0));
  s.recordPrefix(2, std::span<const uint64_t>(hashes).first(1));
  s.recordPrefix(3, hashes);
  auto r = s.pick(cands, input("base", hashes), 9);
  EXPECT_EQ(r.order, (Order{2, 1, 0}));
  EXPECT_EQ(r.prefix_matched_blocks, 4u);
  // Prefix (3 × 1.0 = 3) outweighs a worse queue (2 × 1.0) with default weights.
  EndpointMetrics busy = metrics(10, 0), idle = metrics(0, 0);
  std::vector<Candidate> mixed = {{1, &idle, 0}, {3, &busy, 0}};
  Scheduler d{SchedulerConfig{}};
  d.recordPrefix(3, hashes);
  r = d.pick(mixed, input("base", hashes), 9);
  EXPECT_EQ(r.order, (Order{1, 0}));
  EXPECT_EQ(r.prefix_matched_blocks, 4u);
  // Half the blocks (1.5) no longer does.
  Scheduler h{SchedulerConfig{}};
  h.recordPrefix(3, std::span<const uint64_t>(hashes).first(2));
  r = h.pick(mixed, input("base", hashes), 9);
  EXPECT_EQ(r.order, (Order{0, 1}));
  EXPECT_EQ(r.prefix_matched_blocks, 0u);
  // No hashes: prefix scores 0 for everyone.
  r = d.pick(mixed, input("base", {}), 9);
  EXPECT_EQ(r.order, (Order{0, 1}));
}

TEST(Scheduler, LoraAffinity) {
  auto lora = [](std::vector<std::string> running, std::vector<std::string> waiting) {
    EndpointMetrics m = metrics(0, 0);
    m.max_lora = 2;
    m.running_loras = std::move(running);
    m.waiting_loras = std::move(waiting);
    return m;
  };
  EndpointMetrics active = lora({"x", "a"}, {});     // 1.0
  EndpointMetrics free_slot = lora({"x"}, {"a"});    // 0.8 (free slot beats waiting)
  EndpointMetrics queued = lora({"x", "y"}, {"a"});  // 0.6
  EndpointMetrics full = lora({"x", "y"}, {"z"});    // 0
  std::vector<Candidate> cands = {
      {1, &full, 0}, {2, &queued, 0}, {3, &free_slot, 0}, {4, &active, 0}};
  Scheduler s(only(0, 0, 0, 1));
  EXPECT_EQ(s.pick(cands, input("a"), 5).order, (Order{3, 2, 1, 0}));
  // 0.8 vs 0.6 with queue weight 0.3 against: free slot q=… check exact boundaries via kv.
  // kv weight 1: active kv .25 → 1.75; free kv 0 → 1.8 → free slot first.
  active.kv_usage = 0.25;
  Scheduler lk(only(0, 1, 0, 1));
  std::vector<Candidate> two = {{3, &free_slot, 0}, {4, &active, 0}};
  EXPECT_EQ(lk.pick(two, input("a"), 5).order, (Order{0, 1}));
  active.kv_usage = 0.15;  // 1.85 > 1.8
  EXPECT_EQ(lk.pick(two, input("a"), 5).order, (Order{1, 0}));
  // A base-model request scores 1.0 everywhere: the full endpoint is not penalised.
  std::map<uint32_t, int> first;
  for (uint64_t seed = 0; seed < 400; ++seed) ++first[s.pick(cands, input("base"), seed).order[0]];
  EXPECT_EQ(first.size(), 4u);
  // Endpoints without LoRA slots (max_lora 0) or without metrics score 1.0 too.
  EndpointMetrics no_lora = metrics(0, 0);
  std::vector<Candidate> mixed = {{1, &full, 0}, {5, &no_lora, 0}, {6, nullptr, 0}};
  auto r = s.pick(mixed, input("a"), 1);
  EXPECT_EQ(r.order.back(), 0u);
}

TEST(Scheduler, TieBreakIsRandomButDeterministicPerSeed) {
  EndpointMetrics m = metrics(1, 0.5);
  std::vector<Candidate> cands = {{1, &m, 0}, {2, &m, 0}, {3, &m, 0}, {4, &m, 0}};
  Scheduler s{SchedulerConfig{}};
  std::map<uint32_t, int> first;
  for (uint64_t seed = 0; seed < 4000; ++seed) ++first[s.pick(cands, input(), seed).order[0]];
  ASSERT_EQ(first.size(), 4u);
  for (auto& [idx, count] : first) {
    EXPECT_GT(count, 850) << idx;
    EXPECT_LT(count, 1150) << idx;
  }
  EXPECT_EQ(s.pick(cands, input(), 42).order, s.pick(cands, input(), 42).order);
  auto order = s.pick(cands, input(), 42).order;
  std::sort(order.begin(), order.end());
  EXPECT_EQ(order, (Order{0, 1, 2, 3}));  // every candidate once: the fallback list
}

TEST(Scheduler, PoolSaturation) {
  SchedulerConfig cfg;
  EndpointMetrics ok = metrics(5, 0.8);  // exactly at both thresholds: not saturated
  EndpointMetrics deep = metrics(6, 0.1), full = metrics(0, 0.81);
  EndpointMetrics stale = metrics(0, 0, 0, kNow - 500);
  std::vector<Candidate> cands = {{1, &ok, 0}};
  EXPECT_FALSE(poolSaturated(cands, cfg, kNow));
  cands = {{1, &ok, 1}};  // one sent since the scrape: q = 6
  EXPECT_TRUE(poolSaturated(cands, cfg, kNow));
  cands = {{1, &deep, 0}, {2, &full, 0}, {3, &stale, 0}, {4, nullptr, 0}};
  EXPECT_TRUE(poolSaturated(cands, cfg, kNow));
  cands.push_back({5, &ok, 0});
  EXPECT_FALSE(poolSaturated(cands, cfg, kNow));
  EXPECT_TRUE(poolSaturated({}, cfg, kNow));
}

TEST(Scheduler, ShedsOnlySheddableRequestsWhenSaturated) {
  EndpointMetrics deep = metrics(50, 0.95);
  // The unscraped endpoint counts as q = 1 (its in-flight), kv 0: it does not un-saturate.
  std::vector<Candidate> cands = {{1, &deep, 0}, {2, nullptr, 1}};
  Scheduler s{SchedulerConfig{}};
  auto r = s.pick(cands, input("base", {}, -1), 1);
  EXPECT_EQ(r.outcome, PickResult::Outcome::kShed);
  EXPECT_TRUE(r.order.empty());
  r = s.pick(cands, input("base", {}, 0), 1);
  EXPECT_EQ(r.outcome, PickResult::Outcome::kOk);
  EXPECT_EQ(r.order.size(), 2u);
  EndpointMetrics light = metrics(0, 0);
  cands.push_back({3, &light, 0});
  for (uint64_t seed = 0; seed < 50; ++seed) {
    r = s.pick(cands, input("base", {}, -5), seed);
    EXPECT_EQ(r.outcome, PickResult::Outcome::kOk);
    EXPECT_EQ(r.order, (Order{2, 1, 0}));  // 5 > 4.96 (q 1 of max 50) > 1.1
  }
}

TEST(Scheduler, RoundRobinRotates) {
  SchedulerConfig cfg;
  cfg.policy = SchedulerConfig::Policy::kRoundRobin;
  Scheduler s(cfg);
  EndpointMetrics busy = metrics(100, 1);
  std::vector<Candidate> cands = {{1, &busy, 50}, {2, nullptr, 0}, {3, nullptr, 0}};
  EXPECT_EQ(s.pick(cands, input(), 9).order, (Order{0, 1, 2}));
  EXPECT_EQ(s.pick(cands, input(), 9).order, (Order{1, 2, 0}));
  EXPECT_EQ(s.pick(cands, input(), 9).order, (Order{2, 0, 1}));
  EXPECT_EQ(s.pick(cands, input(), 9).order, (Order{0, 1, 2}));
  EXPECT_EQ(s.pick(cands, input(), 9).outcome, PickResult::Outcome::kOk);
}

TEST(Scheduler, LeastRequest) {
  SchedulerConfig cfg;
  cfg.policy = SchedulerConfig::Policy::kLeastRequest;
  Scheduler s(cfg);
  EndpointMetrics idle = metrics(0, 0);
  std::vector<Candidate> cands = {{1, &idle, 3}, {2, nullptr, 1}, {3, &idle, 2}};
  EXPECT_EQ(s.pick(cands, input(), 1).order, (Order{1, 2, 0}));
  cands = {{1, nullptr, 1}, {2, nullptr, 1}, {3, nullptr, 0}};
  std::map<uint32_t, int> second;
  for (uint64_t seed = 0; seed < 200; ++seed) {
    auto r = s.pick(cands, input(), seed);
    EXPECT_EQ(r.order[0], 2u);
    ++second[r.order[1]];
  }
  EXPECT_EQ(second.size(), 2u);
  EXPECT_GT(second[0], 60);
  EXPECT_GT(second[1], 60);
}

TEST(Scheduler, NonFiniteMetricsDoNotBreakOrdering) {
  EndpointMetrics nan = metrics(NAN, NAN), inf = metrics(INFINITY, -INFINITY), ok = metrics(1, 0.5);
  std::vector<Candidate> cands;
  for (int i = 0; i < 40; ++i)
    cands.push_back({uint64_t(i), i % 3 == 0 ? &nan : i % 3 == 1 ? &inf : &ok, i});
  Scheduler s{SchedulerConfig{}};
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto r = s.pick(cands, input(), seed);
    ASSERT_EQ(r.outcome, PickResult::Outcome::kOk);
    auto sorted = r.order;
    std::sort(sorted.begin(), sorted.end());
    for (uint32_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i);
  }
  // NaN/Inf read as 0 waiting and 0 KV: an endpoint with NaN and no in-flight is not saturated.
  std::vector<Candidate> one = {{1, &nan, 0}};
  EXPECT_FALSE(poolSaturated(one, SchedulerConfig{}, kNow));
}

// No model: least loaded first (in-flight plus reported queue), whatever the policy.
TEST(Scheduler, RequestWithoutModelGoesLeastLoaded) {
  EndpointMetrics a = metrics(4, 0), b = metrics(0, 0.9), c = metrics(1, 0);
  std::vector<Candidate> cands = {{1, &a, 0}, {2, &b, 3}, {3, &c, 1}, {4, nullptr, 0}};
  for (auto policy : {SchedulerConfig::Policy::kScored, SchedulerConfig::Policy::kRoundRobin}) {
    SchedulerConfig cfg;
    cfg.policy = policy;
    Scheduler s(cfg);
    auto r = s.pick(cands, input(""), 7);
    ASSERT_EQ(r.outcome, PickResult::Outcome::kOk);
    EXPECT_EQ(r.order, (Order{3, 2, 1, 0}));  // loads 4, 3, 2, 0
  }
}

}  // namespace
}  // namespace torii::inference
