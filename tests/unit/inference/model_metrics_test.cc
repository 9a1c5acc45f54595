#include "inference/model_metrics.h"

#include <gtest/gtest.h>

#include "llm-sim/metrics.h"

namespace torii::inference {
namespace {

using Strings = std::vector<std::string>;

TEST(ModelMetrics, EngineNames) {
  EXPECT_EQ(engineFromName("vllm"), Engine::kVllm);
  EXPECT_EQ(engineFromName("sglang"), Engine::kSglang);
  EXPECT_EQ(engineFromName("trtllm-serve"), Engine::kTrtllmServe);
  EXPECT_EQ(engineFromName("triton-trtllm"), Engine::kTritonTrtllm);
  EXPECT_EQ(engineFromName("triton"), Engine::kTriton);
  EXPECT_EQ(engineFromName("VLLM"), std::nullopt);
  EXPECT_EQ(engineFromName(""), std::nullopt);
  for (Engine e : {Engine::kVllm, Engine::kSglang, Engine::kTrtllmServe, Engine::kTritonTrtllm,
                   Engine::kTriton})
    EXPECT_EQ(engineFromName(engineName(e)), e);
}

TEST(ModelMetrics, VllmFromSimulatorOutput) {
  llmsim::Metrics metrics(1024);
  llmsim::RequestRecord rec;
  rec.model = "food-review-1";  // an adapter: must not show up in `models`
  rec.finish_reason = "stop";
  rec.prompt_tokens = 10;
  rec.generation_tokens = 5;
  metrics.recordRequest(rec);
  llmsim::EngineGauges g;
  g.model = "Qwen/Qwen3-32B";
  g.running = 3;
  g.waiting = 7;
  g.kv_usage = 0.375;
  g.block_size = 16;
  g.num_gpu_blocks = 2048;
  g.max_loras = 2;
  g.running_loras = {"food-review-1", "sql-lora"};
  g.waiting_loras = {"tweet-summary"};
  g.lora_info_timestamp = 1700000000.5;
  std::string text = metrics.render(g);

  auto r = extractMetrics(Engine::kVllm, text);
  ASSERT_TRUE(r.ok()) << r.error();
  const EndpointMetrics& m = *r;
  EXPECT_TRUE(m.ok);
  EXPECT_EQ(m.waiting, 7);
  EXPECT_EQ(m.running, 3);
  EXPECT_EQ(m.kv_usage, 0.375);
  EXPECT_EQ(m.max_lora, 2);
  EXPECT_EQ(m.running_loras, (Strings{"food-review-1", "sql-lora"}));
  EXPECT_EQ(m.waiting_loras, (Strings{"tweet-summary"}));
  EXPECT_EQ(m.models, (Strings{"Qwen/Qwen3-32B"}));
  EXPECT_EQ(m.block_size, 16);
  EXPECT_EQ(m.num_blocks, 2048);
  EXPECT_EQ(m.updated_ms, 0);  // stamped by the caller
  EXPECT_EQ(m.inflight_at_scrape, 0);
}

TEST(ModelMetrics, VllmSumsSeriesAndPicksLatestLoraInfo) {
  auto r = extractMetrics(Engine::kVllm, R"(
vllm:num_requests_waiting{model_name="a"} 2
vllm:num_requests_waiting{model_name="b"} 3
vllm:num_requests_running{model_name="a"} 1
vllm:num_requests_running{model_name="b"} 4
vllm:kv_cache_usage_perc{model_name="a"} 0.25
vllm:kv_cache_usage_perc{model_name="b"} 0.5
vllm:gpu_cache_usage_perc{model_name="a"} 0.9
vllm:lora_requests_info{max_lora="4",running_lora_adapters="old",waiting_lora_adapters=""} 1700000100
vllm:lora_requests_info{max_lora="4",running_lora_adapters="x, y,,x",waiting_lora_adapters="z"} 1700000200
vllm:lora_requests_info{max_lora="3",running_lora_adapters="older",waiting_lora_adapters=""} 1700000000
vllm:cache_config_info{block_size="32",num_gpu_blocks="999",other="1"} 1
)");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->waiting, 5);
  EXPECT_EQ(r->running, 5);
  EXPECT_EQ(r->kv_usage, 0.5);  // kv_cache_usage_perc wins over the old name; max of series
  EXPECT_EQ(r->max_lora, 4);
  EXPECT_EQ(r->running_loras, (Strings{"x", "y"}));
  EXPECT_EQ(r->waiting_loras, (Strings{"z"}));
  EXPECT_EQ(r->models, (Strings{"a", "b"}));
  EXPECT_EQ(r->block_size, 32);
  EXPECT_EQ(r->num_blocks, 999);
}

TEST(ModelMetrics, VllmFallsBackToGpuCacheUsage) {
  auto r = extractMetrics(Engine::kVllm,
                          "vllm:num_requests_waiting 1\nvllm:gpu_cache_usage_perc 0.625\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->kv_usage, 0.625);
  EXPECT_EQ(r->waiting, 1);
  EXPECT_TRUE(r->models.empty());
  EXPECT_EQ(r->max_lora, 0);
}

TEST(ModelMetrics, SanitisesHostileValues) {
  auto r = extractMetrics(Engine::kVllm,
                          "vllm:num_requests_waiting NaN\nvllm:num_requests_running -3\n"
                          "vllm:kv_cache_usage_perc 7\n"
                          "vllm:lora_requests_info{max_lora=\"-5\"} 1\n"
                          "vllm:cache_config_info{block_size=\"x\",num_gpu_blocks=\"1e9\"} 1\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->waiting, 0);
  EXPECT_EQ(r->running, 0);
  EXPECT_EQ(r->kv_usage, 1.0);
  EXPECT_EQ(r->max_lora, 0);
  EXPECT_EQ(r->block_size, 0);
  EXPECT_EQ(r->num_blocks, 0);
  r = extractMetrics(Engine::kVllm, "vllm:kv_cache_usage_perc +Inf\n");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->kv_usage, 0);
}

TEST(ModelMetrics, Sglang) {
  auto r = extractMetrics(
      Engine::kSglang, R"(# HELP sglang:num_queue_reqs The number of requests in the waiting queue
# TYPE sglang:num_queue_reqs gauge
sglang:num_queue_reqs{model_name="meta-llama/Llama-3.1-8B"} 12.0
sglang:num_running_reqs{model_name="meta-llama/Llama-3.1-8B"} 30.0
sglang:token_usage{model_name="meta-llama/Llama-3.1-8B"} 0.42
sglang:cache_config_info{page_size="1",num_pages="500000"} 1.0
vllm:num_requests_waiting 99
)");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->waiting, 12);
  EXPECT_EQ(r->running, 30);
  EXPECT_EQ(r->kv_usage, 0.42);
  EXPECT_EQ(r->block_size, 1);
  EXPECT_EQ(r->num_blocks, 500000);
  EXPECT_EQ(r->models, (Strings{"meta-llama/Llama-3.1-8B"}));
  EXPECT_EQ(r->max_lora, 0);
}

TEST(ModelMetrics, TrtllmServeAndTriton) {
  auto r = extractMetrics(Engine::kTrtllmServe,
                          "trtllm_num_requests_waiting 4\ntrtllm_num_requests_running 2\n"
                          "trtllm_kv_cache_utilization 0.5\ntrtllm_kv_cache_tokens_per_block 32\n"
                          "trtllm_kv_cache_max_blocks 4096\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->waiting, 4);
  EXPECT_EQ(r->running, 2);
  EXPECT_EQ(r->kv_usage, 0.5);
  EXPECT_EQ(r->block_size, 32);
  EXPECT_EQ(r->num_blocks, 4096);

  r = extractMetrics(Engine::kTritonTrtllm, R"(
nv_trt_llm_request_metrics{model="ensemble",request_type="waiting",version="1"} 6
nv_trt_llm_request_metrics{model="ensemble",request_type="scheduled",version="1"} 8
nv_trt_llm_request_metrics{model="ensemble",request_type="context",version="1"} 100
nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="fraction",model="ensemble"} 0.75
nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="tokens_per",model="ensemble"} 64
nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="max",model="ensemble"} 1000
nv_trt_llm_kv_cache_block_metrics{kv_cache_block_type="used",model="ensemble"} 750
)");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->waiting, 6);
  EXPECT_EQ(r->running, 8);
  EXPECT_EQ(r->kv_usage, 0.75);
  EXPECT_EQ(r->block_size, 64);
  EXPECT_EQ(r->num_blocks, 1000);

  r = extractMetrics(Engine::kTriton,
                     "nv_inference_pending_request_count{model=\"m\",version=\"1\"} 3\n"
                     "nv_inference_pending_request_count{model=\"n\",version=\"1\"} 2\n"
                     "nv_inference_exec_count{model=\"m\",version=\"1\"} 9\n");
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ(r->waiting, 5);
  EXPECT_EQ(r->running, 9);
  EXPECT_EQ(r->kv_usage, 0);
}

TEST(ModelMetrics, Errors) {
  auto r = extractMetrics(Engine::kVllm, "vllm:num_requests_waiting 1\nbroken{ 2\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "metrics: line 2: expected a label name");
  r = extractMetrics(Engine::kVllm, "# nothing\nprocess_cpu_seconds_total 12\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "metrics: no vllm queue or KV-cache metric found");
  r = extractMetrics(Engine::kSglang, "vllm:num_requests_waiting 1\n");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "metrics: no sglang queue or KV-cache metric found");
  r = extractMetrics(Engine::kVllm, "<html><body>404</body></html>");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "metrics: line 1: expected a metric name");
}

}  // namespace
}  // namespace torii::inference
