#pragma once
// Per-engine extraction of the scheduling signals from a model server's /metrics text
// (inference.md §4 table: vLLM, SGLang, trtllm-serve, Triton TRT-LLM, Triton).
//
// extractMetrics is pure: the scraper (main thread) calls it on each scrape and stamps
// `updated_ms` and `inflight_at_scrape` itself. The resulting EndpointMetrics is immutable once
// published to workers.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace torii::inference {

enum class Engine { kVllm, kSglang, kTrtllmServe, kTritonTrtllm, kTriton };

// "vllm", "sglang", "trtllm-serve", "triton-trtllm", "triton" (the `llm-d.ai/engine-type` label
// values); nullopt for anything else.
std::optional<Engine> engineFromName(std::string_view name);
std::string_view engineName(Engine engine);

// Steady-clock milliseconds: the time base of EndpointMetrics::updated_ms and PickInput::now_ms.
inline int64_t steadyNowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct EndpointMetrics {
  bool ok = false;                 // last scrape parsed
  int64_t updated_ms = 0;          // steady-clock ms of the scrape (set by the caller)
  int64_t inflight_at_scrape = 0;  // gateway's in-flight count when scraped (set by the caller)
  double waiting = 0, running = 0, kv_usage = 0;  // kv_usage in [0,1]
  int max_lora = 0;
  std::vector<std::string> running_loras, waiting_loras;
  std::vector<std::string> models;  // distinct `model_name` label values seen
  int block_size = 0;
  int64_t num_blocks = 0;
};

// Parses `prometheus_text` and extracts the signals of `engine`. Gauges with several series (one
// per model_name) are summed (KV usage takes the max). Missing metrics leave their fields at 0;
// a parse error, or text with none of the engine's queue/running/KV gauges, is an error (the
// caller then keeps ok = false so the endpoint counts as unscraped). Non-finite or negative values
// read as 0; kv_usage is clamped to [0,1]. The returned value has ok = true.
Result<EndpointMetrics> extractMetrics(Engine engine, std::string_view prometheus_text);

}  // namespace torii::inference
