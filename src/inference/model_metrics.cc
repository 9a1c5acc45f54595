#include "inference/model_metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <span>

#include "inference/prom_text_internal.h"

namespace torii::inference {

std::optional<Engine> engineFromName(std::string_view name) {
  if (name == "vllm") return Engine::kVllm;
  if (name == "sglang") return Engine::kSglang;
  if (name == "trtllm-serve") return Engine::kTrtllmServe;
  if (name == "triton-trtllm") return Engine::kTritonTrtllm;
  if (name == "triton") return Engine::kTriton;
  return std::nullopt;
}

std::string_view engineName(Engine engine) {
  switch (engine) {
    case Engine::kVllm:
      return "vllm";
    case Engine::kSglang:
      return "sglang";
    case Engine::kTrtllmServe:
      return "trtllm-serve";
    case Engine::kTritonTrtllm:
      return "triton-trtllm";
    case Engine::kTriton:
      return "triton";
  }
  return "unknown";
}

namespace {

// Which signal a sample feeds. A metric is identified by its name and, for Triton's TRT-LLM
// backend, one selector label (request_type / kv_cache_block_type).
enum class Signal {
  kWaiting,
  kRunning,
  kKv,
  kKvFallback,  // vllm:gpu_cache_usage_perc, used only when vllm:kv_cache_usage_perc is absent
  kLoraInfo,
  kCacheInfo,  // info metric: block size and block count in labels
  kBlockSize,  // block size as the value
  kNumBlocks,  // block count as the value
};

struct MetricDef {
  std::string_view name;
  Signal signal;
  std::string_view selector_label;  // "" = none
  std::string_view selector_value;
};

// inference.md §4 (RTR pkg/epp/framework/plugins/datalayer/extractor/metrics/factories.go).
constexpr MetricDef kVllm[] = {
    {"vllm:num_requests_waiting", Signal::kWaiting, {}, {}},
    {"vllm:num_requests_running", Signal::kRunning, {}, {}},
    {"vllm:kv_cache_usage_perc", Signal::kKv, {}, {}},
    {"vllm:gpu_cache_usage_perc", Signal::kKvFallback, {}, {}},
    {"vllm:lora_requests_info", Signal::kLoraInfo, {}, {}},
    {"vllm:cache_config_info", Signal::kCacheInfo, {}, {}},
};
constexpr MetricDef kSglang[] = {
    {"sglang:num_queue_reqs", Signal::kWaiting, {}, {}},
    {"sglang:num_running_reqs", Signal::kRunning, {}, {}},
    {"sglang:token_usage", Signal::kKv, {}, {}},
    {"sglang:cache_config_info", Signal::kCacheInfo, {}, {}},
};
constexpr MetricDef kTrtllmServe[] = {
    {"trtllm_num_requests_waiting", Signal::kWaiting, {}, {}},
    {"trtllm_num_requests_running", Signal::kRunning, {}, {}},
    {"trtllm_kv_cache_utilization", Signal::kKv, {}, {}},
    {"trtllm_kv_cache_tokens_per_block", Signal::kBlockSize, {}, {}},
    {"trtllm_kv_cache_max_blocks", Signal::kNumBlocks, {}, {}},
};
constexpr MetricDef kTritonTrtllm[] = {
    {"nv_trt_llm_request_metrics", Signal::kWaiting, "request_type", "waiting"},
    {"nv_trt_llm_request_metrics", Signal::kRunning, "request_type", "scheduled"},
    {"nv_trt_llm_kv_cache_block_metrics", Signal::kKv, "kv_cache_block_type", "fraction"},
    {"nv_trt_llm_kv_cache_block_metrics", Signal::kBlockSize, "kv_cache_block_type", "tokens_per"},
    {"nv_trt_llm_kv_cache_block_metrics", Signal::kNumBlocks, "kv_cache_block_type", "max"},
};
constexpr MetricDef kTriton[] = {
    {"nv_inference_pending_request_count", Signal::kWaiting, {}, {}},
    {"nv_inference_exec_count", Signal::kRunning, {}, {}},
};

std::span<const MetricDef> defsFor(Engine engine) {
  switch (engine) {
    case Engine::kVllm:
      return kVllm;
    case Engine::kSglang:
      return kSglang;
    case Engine::kTrtllmServe:
      return kTrtllmServe;
    case Engine::kTritonTrtllm:
      return kTritonTrtllm;
    case Engine::kTriton:
      return kTriton;
  }
  return {};
}

const std::string* label(const Sample& s, std::string_view name) { return findLabel(s, name); }

// Finite and non-negative, else 0: a hostile or broken server must not poison the scores.
double sane(double v) { return std::isfinite(v) && v > 0 ? v : 0; }

int64_t parseInt(const std::string* s) {
  if (!s) return 0;
  int64_t v = 0;
  auto r = std::from_chars(s->data(), s->data() + s->size(), v);
  if (r.ec != std::errc() || r.ptr != s->data() + s->size() || v < 0) return 0;
  return v;
}

std::vector<std::string> splitList(const std::string* s) {
  std::vector<std::string> out;
  if (!s) return out;
  std::string_view rest = *s;
  while (!rest.empty()) {
    size_t comma = rest.find(',');
    std::string_view item = rest.substr(0, comma);
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    if (!item.empty() && std::find(out.begin(), out.end(), item) == out.end())
      out.emplace_back(item);
  }
  return out;
}

}  // namespace

Result<EndpointMetrics> extractMetrics(Engine engine, std::string_view prometheus_text) {
  std::span<const MetricDef> defs = defsFor(engine);
  EndpointMetrics m;
  bool seen_waiting = false, seen_running = false, seen_kv = false, seen_kv_fallback = false;
  double kv = 0, kv_fallback = 0;
  double lora_latest = -std::numeric_limits<double>::infinity();

  auto want = [&](std::string_view name) {
    for (const MetricDef& d : defs)
      if (d.name == name) return true;
    return false;
  };
  auto emit = [&](Sample& s) {
    for (const MetricDef& d : defs) {
      if (d.name != s.name) continue;
      if (!d.selector_label.empty()) {
        const std::string* sel = label(s, d.selector_label);
        if (!sel || *sel != d.selector_value) continue;
      }
      // Models are taken from the scheduling gauges only: vLLM labels them with the served
      // (base) model name, while counters also carry LoRA adapter names.
      if (d.signal == Signal::kWaiting || d.signal == Signal::kRunning || d.signal == Signal::kKv ||
          d.signal == Signal::kKvFallback) {
        if (const std::string* model = label(s, "model_name"); model && !model->empty()) {
          if (std::find(m.models.begin(), m.models.end(), *model) == m.models.end())
            m.models.push_back(*model);
        }
      }
      switch (d.signal) {
        case Signal::kWaiting:
          seen_waiting = true;
          m.waiting += sane(s.value);  // one series per model_name: sum them
          break;
        case Signal::kRunning:
          seen_running = true;
          m.running += sane(s.value);
          break;
        case Signal::kKv:
          // Usage is a fraction of one shared cache: several series (per model or engine) take the
          // max rather than the sum, which could exceed 1.
          seen_kv = true;
          kv = std::max(kv, sane(s.value));
          break;
        case Signal::kKvFallback:
          seen_kv_fallback = true;
          kv_fallback = std::max(kv_fallback, sane(s.value));
          break;
        case Signal::kLoraInfo:
          // The value is the unix time of the last change; the newest series is current
          // (inference.md §4). Ties keep the later line.
          if (std::isnan(s.value) || s.value < lora_latest) break;
          lora_latest = s.value;
          m.max_lora = int(std::min<int64_t>(parseInt(label(s, "max_lora")), 1 << 20));
          m.running_loras = splitList(label(s, "running_lora_adapters"));
          m.waiting_loras = splitList(label(s, "waiting_lora_adapters"));
          break;
        case Signal::kCacheInfo:
          if (engine == Engine::kSglang) {
            m.block_size = int(std::min<int64_t>(parseInt(label(s, "page_size")), 1 << 30));
            m.num_blocks = parseInt(label(s, "num_pages"));
          } else {
            m.block_size = int(std::min<int64_t>(parseInt(label(s, "block_size")), 1 << 30));
            m.num_blocks = parseInt(label(s, "num_gpu_blocks"));
          }
          break;
        case Signal::kBlockSize:
          m.block_size = int(std::min(sane(s.value), double(1 << 30)));
          break;
        case Signal::kNumBlocks:
          m.num_blocks = int64_t(std::min(sane(s.value), 9.0e18));
          break;
      }
    }
  };
  std::string err = detail::forEachSample(prometheus_text, want, emit);
  if (!err.empty()) return Error{"metrics: " + err};
  if (!seen_waiting && !seen_running && !seen_kv && !seen_kv_fallback)
    return Error{"metrics: no " + std::string(engineName(engine)) +
                 " queue or KV-cache metric found"};
  m.kv_usage = std::min(1.0, seen_kv ? kv : kv_fallback);
  m.ok = true;
  return m;
}

}  // namespace torii::inference
