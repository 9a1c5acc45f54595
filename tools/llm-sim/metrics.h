#pragma once
// vLLM's Prometheus metrics as llm-d-inference-sim exposes them (docs/metrics.md): gauges the
// endpoint picker scrapes (running, waiting, KV usage, LoRA info, cache config), token and
// request counters, and the latency / size histograms with vLLM's bucket bounds.
#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

namespace torii::llmsim {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void observe(double v);
  const std::vector<double>& bounds() const { return bounds_; }
  // Non-cumulative count per bucket; the last one is (last bound, +Inf).
  const std::vector<uint64_t>& counts() const { return counts_; }
  double sum() const { return sum_; }
  uint64_t count() const { return count_; }

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;
  double sum_ = 0;
  uint64_t count_ = 0;
};

// vLLM's bucket bounds.
std::vector<double> ttftBuckets();
std::vector<double> tpotBuckets();
std::vector<double> requestLatencyBuckets();
// 1, 2, 5, 10, 20, 50, … up to max (vLLM's build_1_2_5_buckets).
std::vector<double> tokenBuckets(int max);

// The engine state the gauges show, gathered at scrape time.
struct EngineGauges {
  std::string model;  // label model_name
  int running = 0;
  int waiting = 0;
  double kv_usage = 0;  // 0..1
  int block_size = 16;
  int num_gpu_blocks = 0;
  int max_loras = 0;
  std::vector<std::string> running_loras, waiting_loras;
  double lora_info_timestamp = 0;  // unix seconds of the last change of the LoRA lists
};

// Everything measured about one finished request.
struct RequestRecord {
  std::string model;  // the model or adapter the client named
  std::string finish_reason;
  int prompt_tokens = 0, cached_tokens = 0, generation_tokens = 0;
  int max_tokens = -1;                              // -1: not given
  double queue_s = 0, prefill_s = 0, decode_s = 0;  // e2e = queue + prefill + decode
};

class Metrics {
 public:
  explicit Metrics(int max_model_len) : max_model_len_(max_model_len) {}

  // Called once per finished request and once per emitted token after the first.
  void recordRequest(const RequestRecord& r);
  void recordInterToken(const std::string& model, double seconds);

  // Prometheus text exposition format 0.0.4.
  std::string render(const EngineGauges& g) const;

 private:
  struct PerModel {
    explicit PerModel(int max_model_len);
    std::vector<Histogram> hists;  // indexed by the Hist enum in metrics.cc
    uint64_t prompt_tokens = 0, generation_tokens = 0, prefix_queries = 0, prefix_hits = 0;
    std::map<std::string, uint64_t> success;  // by finish_reason
  };
  PerModel& model(const std::string& name);

  int max_model_len_;
  std::map<std::string, PerModel> models_;
};

// A Prometheus sample value: integers without a fraction, others in shortest round-trip form.
std::string formatValue(double v);
std::string escapeLabel(const std::string& v);

}  // namespace torii::llmsim
