#include "llm-sim/engine.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

using namespace std::chrono_literals;

Options baseOptions() {
  Options o;
  o.model = "m";
  o.served_model_names = {"m"};
  o.max_num_seqs = 1;
  o.max_waiting_queue_length = 1;
  o.max_model_len = 2048;
  o.enable_kvcache = true;
  o.kv_cache_size = 64;
  o.block_size = 16;
  o.seed = 1;
  o.seed_given = true;
  o.lora_modules = {{"a", "", ""}};
  o.latency.calculator = LatencyConfig::Calculator::kPerToken;
  o.latency.prefill_overhead = 10ms;
  o.latency.prefill_time_per_token = 1ms;
  o.latency.max_num_seqs = 1;
  return o;
}

CompletionRequest prompt(const std::string& model, const std::string& text, int max_tokens = 4) {
  CompletionRequest r;
  r.model = model;
  r.prompt_text = r.echo_text = text;
  r.max_tokens = max_tokens;
  return r;
}

std::string longText() {
  std::string s;
  for (int i = 0; i < 60; ++i) s += "word" + std::to_string(i) + " ";
  return s;
}

TEST(Engine, RejectsUnknownModelAndLongPrompts) {
  Options o = baseOptions();
  Engine e(o);
  auto r = e.prepare(prompt("nope", "x"), Api::kCompletion);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 404);
  EXPECT_EQ(std::get<ApiError>(r).message, "The model `nope` does not exist.");
  r = e.prepare(prompt("m", "x", 5000), Api::kCompletion);
  ASSERT_TRUE(std::holds_alternative<ApiError>(r));
  EXPECT_EQ(std::get<ApiError>(r).status, 400);
  r = e.prepare(prompt("a", "x"), Api::kCompletion);
  ASSERT_TRUE(std::holds_alternative<Job>(r));
  EXPECT_EQ(std::get<Job>(r).lora, "a");
}

TEST(Engine, RepeatedPromptHitsTheCacheAndSkipsPrefill) {
  Options o = baseOptions();
  Engine e(o);
  auto now = std::chrono::steady_clock::now();
  Job j1 = std::get<Job>(e.prepare(prompt("m", longText()), Api::kCompletion));
  ASSERT_GT(j1.promptTokens(), 100);
  ASSERT_EQ(e.submit(j1, now), Scheduler::Admission::kStarted);
  Nanos cold = e.startPrefill(j1, now);
  EXPECT_EQ(j1.cached_tokens, 0);
  EXPECT_EQ(cold, 10ms + 1ms * j1.promptTokens());
  EXPECT_GT(e.kvCache().usedBlocks(), 0);

  Job j2 = std::get<Job>(e.prepare(prompt("m", longText()), Api::kCompletion));
  EXPECT_EQ(e.submit(j2, now), Scheduler::Admission::kQueued);
  Job j3 = std::get<Job>(e.prepare(prompt("m", "x"), Api::kCompletion));
  EXPECT_EQ(e.submit(j3, now), Scheduler::Admission::kRejected);

  j1.first_token_at = now;
  EXPECT_EQ(e.finish(j1, true, now), std::vector<uint64_t>{j2.id});
  Nanos warm = e.startPrefill(j2, now);
  EXPECT_EQ(j2.cached_tokens, (j2.promptTokens() - 1) / 16 * 16);
  EXPECT_LT(warm, cold);
  std::string m = e.metricsText();
  EXPECT_NE(m.find("vllm:num_requests_running{model_name=\"m\"} 1\n"), std::string::npos);
  EXPECT_NE(m.find("vllm:prefix_cache_queries_total{model_name=\"m\"} " +
                   std::to_string(j1.promptTokens())),
            std::string::npos);
  j2.first_token_at = now;
  e.finish(j2, true, now);
  EXPECT_EQ(e.kvCache().usedBlocks(), 0);
  m = e.metricsText();
  EXPECT_NE(m.find("vllm:kv_cache_usage_perc{model_name=\"m\"} 0\n"), std::string::npos);
  EXPECT_NE(
      m.find("vllm:prefix_cache_hits_total{model_name=\"m\"} " + std::to_string(j2.cached_tokens)),
      std::string::npos);
}

TEST(Engine, EchoMode) {
  Options o = baseOptions();
  o.mode = "echo";
  Engine e(o);
  Job j = std::get<Job>(e.prepare(prompt("m", "say this back", -1), Api::kChat));
  std::string text;
  for (const auto& t : j.output) text += t;
  EXPECT_EQ(text, "say this back");
  EXPECT_EQ(j.finish_reason, "stop");
  j = std::get<Job>(e.prepare(prompt("m", "say this back", 2), Api::kChat));
  EXPECT_EQ(j.output.size(), 2u);
  EXPECT_EQ(j.finish_reason, "length");
}

}  // namespace
}  // namespace torii::llmsim
