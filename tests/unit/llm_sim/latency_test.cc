#include "llm-sim/latency.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

using namespace std::chrono_literals;

LatencyConfig perToken() {
  LatencyConfig c;
  c.calculator = LatencyConfig::Calculator::kPerToken;
  c.prefill_overhead = 30ms;
  c.prefill_time_per_token = 250us;
  c.inter_token_latency = 12ms;
  c.max_num_seqs = 16;
  c.time_factor_under_load = 2.0;
  return c;
}

TEST(Latency, PerTokenTtftSkipsCachedTokens) {
  LatencyConfig c = perToken();
  Random rng(1);
  LatencyModel m(c, rng);
  EXPECT_EQ(m.timeToFirstToken(100, 0, 1), 30ms + 25ms);
  EXPECT_EQ(m.timeToFirstToken(100, 64, 1), 30ms + 9ms);
  EXPECT_EQ(m.timeToFirstToken(100, 200, 1), 30ms);  // never negative
  EXPECT_EQ(m.interTokenLatency(1), 12ms);
}

TEST(Latency, ConstantAndAutoCalculator) {
  LatencyConfig c;
  c.time_to_first_token = 110ms;
  c.prefill_time_per_token = 1ms;
  Random rng(1);
  LatencyModel m(c, rng);
  EXPECT_FALSE(m.perToken());  // auto: TTFT given => constant
  EXPECT_EQ(m.timeToFirstToken(1000, 0, 1), 110ms);
  c.time_to_first_token = 0ms;
  EXPECT_TRUE(m.perToken());
  c.calculator = LatencyConfig::Calculator::kConstant;
  EXPECT_FALSE(m.perToken());
}

TEST(Latency, LoadFactorGrowsLinearlyWithRunning) {
  LatencyConfig c = perToken();
  Random rng(1);
  LatencyModel m(c, rng);
  EXPECT_DOUBLE_EQ(m.loadFactor(1), 1.0);
  EXPECT_DOUBLE_EQ(m.loadFactor(16), 2.0);
  EXPECT_DOUBLE_EQ(m.loadFactor(6), 1.0 + 5.0 / 15.0);
  EXPECT_EQ(m.interTokenLatency(16), 24ms);
  c.max_num_seqs = 1;
  EXPECT_DOUBLE_EQ(m.loadFactor(5), 1.0);
}

TEST(Latency, JitterIsBoundedAndSeeded) {
  LatencyConfig c = perToken();
  c.inter_token_latency_std_dev = 100ms;  // capped at 30% of the mean
  Random a(42), b(42), other(43);
  LatencyModel ma(c, a), mb(c, b), mo(c, other);
  bool differs = false, varies = false;
  Nanos first = ma.interTokenLatency(1);
  Nanos again = mb.interTokenLatency(1);
  EXPECT_EQ(first, again);
  differs |= mo.interTokenLatency(1) != first;
  for (int i = 0; i < 2000; ++i) {
    Nanos x = ma.interTokenLatency(1);
    EXPECT_EQ(x, mb.interTokenLatency(1));
    EXPECT_GE(x, Nanos(int64_t(0.3 * 12e6)));
    EXPECT_LE(x, Nanos(int64_t(1.7 * 12e6)));
    varies |= x != first;
    differs |= mo.interTokenLatency(1) != x;
  }
  EXPECT_TRUE(varies);
  EXPECT_TRUE(differs);
}

TEST(Latency, ParseLatencyFlags) {
  Nanos d;
  ASSERT_TRUE(parseLatency("12ms", d));
  EXPECT_EQ(d, 12ms);
  ASSERT_TRUE(parseLatency("250us", d));
  EXPECT_EQ(d, 250us);
  ASSERT_TRUE(parseLatency("100", d));  // bare integer: milliseconds
  EXPECT_EQ(d, 100ms);
  EXPECT_FALSE(parseLatency("fast", d));
  EXPECT_FALSE(parseLatency("", d));
}

}  // namespace
}  // namespace torii::llmsim
