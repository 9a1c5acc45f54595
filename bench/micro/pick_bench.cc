// The inference EndpointPicker's per-request cost (inference.md §3): one full pick — prefix match
// against a warm per-endpoint LRU, queue / KV / prefix / LoRA scoring and the sorted fallback
// order — at 8, 64 and 256 endpoints. Prefix hashing of the prompt and body parsing are measured
// separately. Target: a pick at 64 endpoints well under 20 µs.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "inference/openai_request.h"
#include "inference/prefix.h"
#include "inference/scheduler.h"

namespace {

using namespace torii::inference;

constexpr int64_t kNow = 1'000'000;

// ~4 KiB chat-like prompts: a shared 1 KiB system prompt per "customer" plus a unique 3 KiB
// question, so endpoints hold overlapping chains as in a shared-prefix workload.
std::vector<std::string> prompts(size_t count, std::mt19937_64& rng) {
  std::vector<std::string> out;
  std::uniform_int_distribution<int> letter('a', 'z');
  std::vector<std::string> systems(16);
  for (auto& s : systems)
    for (int i = 0; i < 1024; ++i) s += char(letter(rng));
  for (size_t p = 0; p < count; ++p) {
    std::string s = systems[p % systems.size()];
    for (int i = 0; i < 3072; ++i) s += char(letter(rng));
    out.push_back(std::move(s));
  }
  return out;
}

struct Fixture {
  std::vector<EndpointMetrics> metrics;
  std::vector<Candidate> candidates;
  std::vector<std::vector<uint64_t>> hashes;
  Scheduler scheduler{SchedulerConfig{}};

  explicit Fixture(size_t endpoints, size_t full_chain_blocks = 0) {
    std::mt19937_64 rng(42);
    metrics.resize(endpoints);
    for (size_t i = 0; i < endpoints; ++i) {
      EndpointMetrics& m = metrics[i];
      m.ok = true;
      m.updated_ms = kNow - 30;
      m.inflight_at_scrape = int64_t(rng() % 8);
      m.waiting = double(rng() % 6);
      m.running = double(rng() % 16);
      m.kv_usage = double(rng() % 90) / 100.0;
      m.max_lora = 4;
      m.running_loras = {"adapter-" + std::to_string(rng() % 8),
                         "adapter-" + std::to_string(rng() % 8)};
      m.waiting_loras = {"adapter-" + std::to_string(rng() % 8)};
      m.models = {"Qwen/Qwen3-32B"};
      m.block_size = 16;
      m.num_blocks = 20000;
      candidates.push_back(
          {0x0a000000'1f40ull + i * 65536, &m, m.inflight_at_scrape + int64_t(rng() % 3)});
    }
    PrefixConfig pc;
    if (full_chain_blocks) {
      // Worst case: every endpoint holds the whole 256-block chain of the request.
      std::string p(pc.block_chars * full_chain_blocks, 'x');
      hashes.push_back(prefixHashes("Qwen/Qwen3-32B", p, pc));
      for (const Candidate& c : candidates) scheduler.recordPrefix(c.key, hashes[0]);
      return;
    }
    auto ps = prompts(512, rng);
    for (const auto& p : ps) hashes.push_back(prefixHashes("Qwen/Qwen3-32B", p, pc));
    // Warm the index: each prompt was served a few times by random endpoints.
    for (int round = 0; round < 4; ++round)
      for (const auto& h : hashes) scheduler.recordPrefix(candidates[rng() % endpoints].key, h);
  }
};

void BM_Pick(benchmark::State& state) {
  Fixture f(size_t(state.range(0)));
  uint64_t i = 0;
  for (auto _ : state) {
    PickInput in;
    in.model = (i & 7) == 0 ? std::string_view("adapter-3") : std::string_view("Qwen/Qwen3-32B");
    in.prefix_hashes = f.hashes[i % f.hashes.size()];
    in.now_ms = kNow;
    PickResult r = f.scheduler.pick(f.candidates, in, i * 0x9e3779b97f4a7c15ull);
    benchmark::DoNotOptimize(r);
    ++i;
  }
  state.SetItemsProcessed(int64_t(state.iterations()));
}
BENCHMARK(BM_Pick)->Arg(8)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);

// Pick plus the PreRequest hook (recording the chain on the chosen endpoint), as the proxy does.
void BM_PickAndRecord(benchmark::State& state) {
  Fixture f(size_t(state.range(0)));
  uint64_t i = 0;
  for (auto _ : state) {
    PickInput in;
    in.model = "Qwen/Qwen3-32B";
    in.prefix_hashes = f.hashes[i % f.hashes.size()];
    in.now_ms = kNow;
    PickResult r = f.scheduler.pick(f.candidates, in, i * 0x9e3779b97f4a7c15ull);
    f.scheduler.recordPrefix(f.candidates[r.order[0]].key, in.prefix_hashes);
    ++i;
  }
}
BENCHMARK(BM_PickAndRecord)->Arg(8)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);

// Worst case for the prefix match: 256 blocks, every endpoint matches all of them.
void BM_PickFullMatch256Blocks(benchmark::State& state) {
  Fixture f(size_t(state.range(0)), 256);
  uint64_t i = 0;
  for (auto _ : state) {
    PickInput in;
    in.model = "Qwen/Qwen3-32B";
    in.prefix_hashes = f.hashes[0];
    in.now_ms = kNow;
    PickResult r = f.scheduler.pick(f.candidates, in, ++i);
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_PickFullMatch256Blocks)->Arg(8)->Arg(64)->Arg(256)->Unit(benchmark::kMicrosecond);

void BM_PrefixHash4KiB(benchmark::State& state) {
  std::mt19937_64 rng(1);
  auto ps = prompts(1, rng);
  PrefixConfig pc;
  for (auto _ : state) benchmark::DoNotOptimize(prefixHashes("Qwen/Qwen3-32B", ps[0], pc));
  state.SetBytesProcessed(int64_t(state.iterations() * ps[0].size()));
}
BENCHMARK(BM_PrefixHash4KiB)->Unit(benchmark::kMicrosecond);

void BM_ParseChatBody4KiB(benchmark::State& state) {
  std::mt19937_64 rng(2);
  auto ps = prompts(1, rng);
  std::string body = R"({"model":"Qwen/Qwen3-32B","stream":true,"max_tokens":200,"messages":[)"
                     R"({"role":"system","content":")" +
                     ps[0].substr(0, 1024) + R"("},{"role":"user","content":")" +
                     ps[0].substr(1024) + R"("}]})";
  for (auto _ : state) {
    auto r = parseOpenAiRequest("/v1/chat/completions", body);
    benchmark::DoNotOptimize(r);
  }
  state.SetBytesProcessed(int64_t(state.iterations() * body.size()));
}
BENCHMARK(BM_ParseChatBody4KiB)->Unit(benchmark::kMicrosecond);

}  // namespace
