#include "metrics.h"

#include <algorithm>
#include <charconv>
#include <cmath>

namespace torii::llmsim {

void Histogram::observe(double v) {
  size_t i =
      std::lower_bound(bounds_.begin(), bounds_.end(), v) - bounds_.begin();  // le: v <= bound
  ++counts_[i];
  sum_ += v;
  ++count_;
}

std::vector<double> ttftBuckets() {
  return {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
          1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0};
}
std::vector<double> tpotBuckets() {
  return {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2,  0.3,  0.4, 0.5,
          0.75, 1.0,   2.5,  5.0,   7.5, 10.0, 20.0, 40.0, 80.0};
}
std::vector<double> requestLatencyBuckets() {
  return {0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
          30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
}
std::vector<double> tokenBuckets(int max) {
  std::vector<double> out;
  for (double exp = 1;; exp *= 10) {
    for (double m : {1.0, 2.0, 5.0}) {
      if (m * exp > max) return out;
      out.push_back(m * exp);
    }
  }
}

std::string formatValue(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

std::string escapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

namespace {

enum class Hist {
  kTtft,
  kTpot,
  kItl,
  kE2e,
  kQueue,
  kInference,
  kPrefill,
  kDecode,
  kReqTpot,
  kPromptTokens,
  kGenTokens,
  kMaxGenTokens,
  kParamsMaxTokens,
  kCount
};

struct HistDef {
  const char* name;
  const char* help;
};

constexpr HistDef kHistDefs[] = {
    {"vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds."},
    {"vllm:time_per_output_token_seconds", "Histogram of time per output token in seconds."},
    {"vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds."},
    {"vllm:e2e_request_latency_seconds", "Histogram of end to end request latency in seconds."},
    {"vllm:request_queue_time_seconds", "Histogram of time spent in WAITING phase for request."},
    {"vllm:request_inference_time_seconds",
     "Histogram of time spent in RUNNING phase for request."},
    {"vllm:request_prefill_time_seconds", "Histogram of time spent in PREFILL phase for request."},
    {"vllm:request_decode_time_seconds", "Histogram of time spent in DECODE phase for request."},
    {"vllm:request_time_per_output_token_seconds",
     "Histogram of time_per_output_token_seconds per request."},
    {"vllm:request_prompt_tokens", "Number of prefill tokens processed."},
    {"vllm:request_generation_tokens", "Number of generation tokens processed."},
    {"vllm:max_num_generation_tokens",
     "Histogram of maximum number of requested generation tokens."},
    {"vllm:request_params_max_tokens", "Histogram of the max_tokens request parameter."},
};
static_assert(std::size(kHistDefs) == size_t(Hist::kCount));

std::vector<double> bucketsFor(Hist h, int max_model_len) {
  switch (h) {
    case Hist::kTtft:
      return ttftBuckets();
    case Hist::kTpot:
    case Hist::kItl:
    case Hist::kReqTpot:
      return tpotBuckets();
    case Hist::kPromptTokens:
    case Hist::kGenTokens:
    case Hist::kMaxGenTokens:
    case Hist::kParamsMaxTokens:
      return tokenBuckets(max_model_len);
    default:
      return requestLatencyBuckets();
  }
}

void header(std::string& out, const char* name, const char* help, const char* type) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

void sample(std::string& out, const std::string& name, const std::string& labels, double v) {
  out += name;
  if (!labels.empty()) out += "{" + labels + "}";
  out += ' ';
  out += formatValue(v);
  out += '\n';
}

template <typename M>
Histogram& hist(M& m, Hist which) {
  return m.hists[size_t(which)];
}

std::string modelLabel(const std::string& model) {
  return "model_name=\"" + escapeLabel(model) + "\"";
}

std::string join(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
  return out;
}

}  // namespace

Metrics::PerModel::PerModel(int max_model_len) {
  for (size_t i = 0; i < size_t(Hist::kCount); ++i)
    hists.emplace_back(bucketsFor(Hist(i), max_model_len));
}

Metrics::PerModel& Metrics::model(const std::string& name) {
  auto it = models_.find(name);
  if (it == models_.end()) it = models_.emplace(name, PerModel(max_model_len_)).first;
  return it->second;
}

void Metrics::recordRequest(const RequestRecord& r) {
  PerModel& m = model(r.model);
  m.prompt_tokens += r.prompt_tokens;
  m.generation_tokens += r.generation_tokens;
  m.prefix_queries += r.prompt_tokens;
  m.prefix_hits += r.cached_tokens;
  ++m.success[r.finish_reason];
  hist(m, Hist::kTtft).observe(r.queue_s + r.prefill_s);
  hist(m, Hist::kE2e).observe(r.queue_s + r.prefill_s + r.decode_s);
  hist(m, Hist::kQueue).observe(r.queue_s);
  hist(m, Hist::kInference).observe(r.prefill_s + r.decode_s);
  hist(m, Hist::kPrefill).observe(r.prefill_s);
  hist(m, Hist::kDecode).observe(r.decode_s);
  if (r.generation_tokens > 1)
    hist(m, Hist::kReqTpot).observe(r.decode_s / (r.generation_tokens - 1));
  hist(m, Hist::kPromptTokens).observe(r.prompt_tokens);
  hist(m, Hist::kGenTokens).observe(r.generation_tokens);
  hist(m, Hist::kMaxGenTokens).observe(r.max_tokens >= 0 ? r.max_tokens : r.generation_tokens);
  if (r.max_tokens >= 0) hist(m, Hist::kParamsMaxTokens).observe(r.max_tokens);
}

void Metrics::recordInterToken(const std::string& name, double seconds) {
  PerModel& m = model(name);
  hist(m, Hist::kTpot).observe(seconds);
  hist(m, Hist::kItl).observe(seconds);
}

std::string Metrics::render(const EngineGauges& g) const {
  std::string out;
  std::string ml = modelLabel(g.model);
  header(out, "vllm:num_requests_running", "Number of requests currently running on GPU.", "gauge");
  sample(out, "vllm:num_requests_running", ml, g.running);
  header(out, "vllm:num_requests_waiting", "Number of requests waiting to be processed.", "gauge");
  sample(out, "vllm:num_requests_waiting", ml, g.waiting);
  header(out, "vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.", "gauge");
  sample(out, "vllm:kv_cache_usage_perc", ml, g.kv_usage);
  // The pre-0.10 name, still what GIE v1.0.0 scrapes by default (reference §4).
  header(out, "vllm:gpu_cache_usage_perc", "GPU KV-cache usage. 1 means 100 percent usage.",
         "gauge");
  sample(out, "vllm:gpu_cache_usage_perc", ml, g.kv_usage);
  header(out, "vllm:lora_requests_info", "Running stats on lora requests.", "gauge");
  sample(out, "vllm:lora_requests_info",
         "max_lora=\"" + std::to_string(g.max_loras) + "\",running_lora_adapters=\"" +
             escapeLabel(join(g.running_loras)) + "\",waiting_lora_adapters=\"" +
             escapeLabel(join(g.waiting_loras)) + "\"",
         g.lora_info_timestamp);
  header(out, "vllm:cache_config_info", "Information of the LLMEngine CacheConfig", "gauge");
  sample(out, "vllm:cache_config_info",
         "block_size=\"" + std::to_string(g.block_size) + "\",num_gpu_blocks=\"" +
             std::to_string(g.num_gpu_blocks) + "\"",
         1);

  struct Counter {
    const char* name;
    const char* help;
    uint64_t PerModel::*field;
  };
  const Counter counters[] = {
      {"vllm:prompt_tokens_total", "Number of prefill tokens processed.", &PerModel::prompt_tokens},
      {"vllm:generation_tokens_total", "Number of generation tokens processed.",
       &PerModel::generation_tokens},
      {"vllm:prefix_cache_queries_total",
       "Prefix cache queries, in terms of number of queried tokens.", &PerModel::prefix_queries},
      {"vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.",
       &PerModel::prefix_hits},
  };
  for (const auto& c : counters) {
    header(out, c.name, c.help, "counter");
    if (models_.empty()) sample(out, c.name, ml, 0);
    for (const auto& [name, m] : models_) sample(out, c.name, modelLabel(name), double(m.*c.field));
  }
  header(out, "vllm:request_success_total", "Count of successfully processed requests.", "counter");
  for (const auto& [name, m] : models_) {
    for (const auto& [reason, n] : m.success) {
      sample(out, "vllm:request_success_total",
             modelLabel(name) + ",finish_reason=\"" + escapeLabel(reason) + "\"", double(n));
    }
  }

  for (size_t i = 0; i < size_t(Hist::kCount); ++i) {
    const HistDef& d = kHistDefs[i];
    header(out, d.name, d.help, "histogram");
    for (const auto& [name, m] : models_) {
      const Histogram& h = m.hists[i];
      std::string labels = modelLabel(name);
      uint64_t cumulative = 0;
      for (size_t b = 0; b < h.bounds().size(); ++b) {
        cumulative += h.counts()[b];
        sample(out, std::string(d.name) + "_bucket",
               labels + ",le=\"" + formatValue(h.bounds()[b]) + "\"", double(cumulative));
      }
      sample(out, std::string(d.name) + "_bucket", labels + ",le=\"+Inf\"", double(h.count()));
      sample(out, std::string(d.name) + "_sum", labels, h.sum());
      sample(out, std::string(d.name) + "_count", labels, double(h.count()));
    }
  }
  return out;
}

}  // namespace torii::llmsim
