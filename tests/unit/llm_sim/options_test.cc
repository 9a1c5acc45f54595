#include "llm-sim/options.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

using namespace std::chrono_literals;

TEST(Options, OriginalFlagNamesAndDurations) {
  auto o = parseOptions({"--model",
                         "Qwen/Qwen3-32B",
                         "--port=9000",
                         "--max-num-seqs",
                         "16",
                         "--max-waiting-queue-length",
                         "7",
                         "--max-loras",
                         "2",
                         "--lora-modules",
                         "{\"name\":\"food-review-1\"}",
                         "{\"name\":\"b\",\"path\":\"/p\"}",
                         "--latency-calculator",
                         "per-token",
                         "--inter-token-latency",
                         "12ms",
                         "--prefill-overhead",
                         "30ms",
                         "--prefill-time-per-token",
                         "250us",
                         "--time-factor-under-load",
                         "2.0",
                         "--enable-kvcache",
                         "--kv-cache-size",
                         "64",
                         "--block-size",
                         "8",
                         "--seed",
                         "42",
                         "--time-to-first-token",
                         "100"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->model, "Qwen/Qwen3-32B");
  EXPECT_EQ(o->served_model_names, std::vector<std::string>{"Qwen/Qwen3-32B"});
  EXPECT_EQ(o->port, 9000);
  EXPECT_EQ(o->max_num_seqs, 16);
  EXPECT_EQ(o->latency.max_num_seqs, 16);
  EXPECT_EQ(o->max_waiting_queue_length, 7);
  EXPECT_EQ(o->max_loras, 2);
  ASSERT_EQ(o->lora_modules.size(), 2u);
  EXPECT_EQ(o->lora_modules[0].name, "food-review-1");
  EXPECT_EQ(o->lora_modules[1].path, "/p");
  EXPECT_EQ(o->latency.calculator, LatencyConfig::Calculator::kPerToken);
  EXPECT_EQ(o->latency.inter_token_latency, 12ms);
  EXPECT_EQ(o->latency.prefill_time_per_token, 250us);
  EXPECT_EQ(o->latency.time_to_first_token, 100ms);
  EXPECT_DOUBLE_EQ(o->latency.time_factor_under_load, 2.0);
  EXPECT_TRUE(o->enable_kvcache);
  EXPECT_EQ(o->kv_cache_size, 64);
  EXPECT_EQ(o->block_size, 8);
  EXPECT_TRUE(o->seed_given);
  EXPECT_EQ(o->seed, 42u);
}

TEST(Options, ListenOverridesPort) {
  auto o =
      parseOptions({"--model", "m", "--listen", "127.0.1.7:8100", "--served-model-name", "x", "y"});
  ASSERT_TRUE(o) << o.error();
  EXPECT_EQ(o->host, "127.0.1.7");
  EXPECT_EQ(o->port, 8100);
  EXPECT_EQ(o->served_model_names, (std::vector<std::string>{"x", "y"}));
  EXPECT_EQ(o->baseName(), "x");
}

TEST(Options, Errors) {
  EXPECT_FALSE(parseOptions({}));  // --model required (unless SIM_MODEL)
  EXPECT_NE(parseOptions({"--model", "m", "--bogus", "1"}).error().find("--bogus"),
            std::string::npos);
  EXPECT_FALSE(parseOptions({"--model", "m", "--max-num-seqs", "0"}));
  EXPECT_FALSE(parseOptions({"--model", "m", "--inter-token-latency", "soon"}));
  EXPECT_FALSE(parseOptions({"--model", "m", "--time-factor-under-load", "0.5"}));
  EXPECT_FALSE(parseOptions({"--model", "m", "--listen", "nope"}));
  EXPECT_FALSE(parseOptions({"--model", "m", "--lora-modules", "{bad json"}));
  EXPECT_FALSE(parseOptions({"--model", "m", "--lora-modules", "{\"path\":\"x\"}"}));
  EXPECT_FALSE(parseOptions({"--model"}));
  EXPECT_EQ(parseOptions({"--help"}).error(), "help");
}

TEST(Options, LoraShorthand) {
  auto m = parseLoraModules("sql=/models/sql");
  ASSERT_TRUE(m);
  EXPECT_EQ((*m)[0].name, "sql");
  EXPECT_EQ((*m)[0].path, "/models/sql");
  auto list = parseLoraModules("[{\"name\":\"a\"},{\"name\":\"b\",\"base_model_name\":\"m\"}]");
  ASSERT_TRUE(list);
  EXPECT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[1].base_model_name, "m");
}

}  // namespace
}  // namespace torii::llmsim
