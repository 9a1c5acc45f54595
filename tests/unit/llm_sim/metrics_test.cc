#include "llm-sim/metrics.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

bool has(const std::string& text, const std::string& line) {
  return text.find(line + "\n") != std::string::npos;
}

TEST(Metrics, HistogramBuckets) {
  Histogram h({0.1, 1.0});
  h.observe(0.1);  // le is inclusive
  h.observe(0.5);
  h.observe(5);
  EXPECT_EQ(h.counts(), (std::vector<uint64_t>{1, 1, 1}));
  EXPECT_DOUBLE_EQ(h.sum(), 5.6);
  EXPECT_EQ(tokenBuckets(1024), (std::vector<double>{1, 2, 5, 10, 20, 50, 100, 200, 500, 1000}));
  EXPECT_EQ(ttftBuckets().back(), 2560.0);
}

TEST(Metrics, FormatValue) {
  EXPECT_EQ(formatValue(3), "3");
  EXPECT_EQ(formatValue(0.25), "0.25");
  EXPECT_EQ(formatValue(1.0 / 0.0), "+Inf");
  EXPECT_EQ(escapeLabel("a\"b\\c"), "a\\\"b\\\\c");
}

TEST(Metrics, RendersGaugesAndRequests) {
  Metrics m(1024);
  EngineGauges g;
  g.model = "meta/llama";
  g.running = 2;
  g.waiting = 3;
  g.kv_usage = 0.125;
  g.block_size = 16;
  g.num_gpu_blocks = 1024;
  g.max_loras = 2;
  g.running_loras = {"a", "b"};
  g.waiting_loras = {"c"};
  g.lora_info_timestamp = 1700000000.5;
  std::string t = m.render(g);
  EXPECT_TRUE(has(t, "# TYPE vllm:num_requests_running gauge"));
  EXPECT_TRUE(has(t, "vllm:num_requests_running{model_name=\"meta/llama\"} 2"));
  EXPECT_TRUE(has(t, "vllm:num_requests_waiting{model_name=\"meta/llama\"} 3"));
  EXPECT_TRUE(has(t, "vllm:kv_cache_usage_perc{model_name=\"meta/llama\"} 0.125"));
  EXPECT_TRUE(has(t,
                  "vllm:lora_requests_info{max_lora=\"2\",running_lora_adapters=\"a,b\","
                  "waiting_lora_adapters=\"c\"} 1700000000.5"));
  EXPECT_TRUE(has(t, "vllm:cache_config_info{block_size=\"16\",num_gpu_blocks=\"1024\"} 1"));
  EXPECT_TRUE(has(t, "vllm:prompt_tokens_total{model_name=\"meta/llama\"} 0"));

  RequestRecord r;
  r.model = "meta/llama";
  r.finish_reason = "stop";
  r.prompt_tokens = 100;
  r.cached_tokens = 64;
  r.generation_tokens = 11;
  r.max_tokens = 20;
  r.queue_s = 0.5;
  r.prefill_s = 0.05;
  r.decode_s = 0.1;
  m.recordRequest(r);
  m.recordInterToken("meta/llama", 0.01);
  t = m.render(g);
  EXPECT_TRUE(has(t, "vllm:prompt_tokens_total{model_name=\"meta/llama\"} 100"));
  EXPECT_TRUE(has(t, "vllm:generation_tokens_total{model_name=\"meta/llama\"} 11"));
  EXPECT_TRUE(has(t, "vllm:prefix_cache_hits_total{model_name=\"meta/llama\"} 64"));
  EXPECT_TRUE(has(t, "vllm:prefix_cache_queries_total{model_name=\"meta/llama\"} 100"));
  EXPECT_TRUE(
      has(t, "vllm:request_success_total{model_name=\"meta/llama\",finish_reason=\"stop\"} 1"));
  EXPECT_TRUE(has(t, "# TYPE vllm:time_to_first_token_seconds histogram"));
  // TTFT seen by the client = queue + prefill = 0.55 s.
  EXPECT_TRUE(
      has(t, "vllm:time_to_first_token_seconds_bucket{model_name=\"meta/llama\",le=\"0.5\"} 0"));
  EXPECT_TRUE(
      has(t, "vllm:time_to_first_token_seconds_bucket{model_name=\"meta/llama\",le=\"0.75\"} 1"));
  EXPECT_TRUE(
      has(t, "vllm:time_to_first_token_seconds_bucket{model_name=\"meta/llama\",le=\"+Inf\"} 1"));
  EXPECT_TRUE(has(t, "vllm:time_to_first_token_seconds_count{model_name=\"meta/llama\"} 1"));
  EXPECT_TRUE(has(t, "vllm:request_queue_time_seconds_sum{model_name=\"meta/llama\"} 0.5"));
  EXPECT_TRUE(
      has(t, "vllm:inter_token_latency_seconds_bucket{model_name=\"meta/llama\",le=\"0.01\"} 1"));
  EXPECT_TRUE(
      has(t, "vllm:request_params_max_tokens_bucket{model_name=\"meta/llama\",le=\"20\"} 1"));
  EXPECT_TRUE(
      has(t, "vllm:request_generation_tokens_bucket{model_name=\"meta/llama\",le=\"10\"} 0"));
  // Every non-comment line is "name[{labels}] value".
  size_t pos = 0;
  while (pos < t.size()) {
    size_t nl = t.find('\n', pos);
    ASSERT_NE(nl, std::string::npos);
    std::string line = t.substr(pos, nl - pos);
    pos = nl + 1;
    if (line.rfind("# ", 0) == 0) continue;
    EXPECT_EQ(line.rfind("vllm:", 0), 0u) << line;
    EXPECT_NE(line.rfind(' '), std::string::npos) << line;
  }
}

}  // namespace
}  // namespace torii::llmsim
