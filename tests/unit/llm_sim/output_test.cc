#include "llm-sim/output.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

TEST(Output, WithMaxTokensStaysInRangeAndFollowsBuckets) {
  Random rng(7);
  int at_max = 0, small = 0;
  for (int i = 0; i < 4000; ++i) {
    auto p = planOutput(rng, 1000, false, 10, 4096);
    ASSERT_GE(p.tokens, 1);
    ASSERT_LE(p.tokens, 1000);
    EXPECT_EQ(p.finish_reason, p.tokens == 1000 ? "length" : "stop");
    at_max += p.tokens > 980;
    small += p.tokens <= 20;
  }
  EXPECT_NEAR(small / 4000.0, 0.20, 0.04);   // bucket 1
  EXPECT_NEAR(at_max / 4000.0, 0.15, 0.04);  // bucket 6
  for (int i = 0; i < 500; ++i) {
    auto p = planOutput(rng, 3, false, 10, 4096);
    ASSERT_GE(p.tokens, 1);
    ASSERT_LE(p.tokens, 3);
  }
}

TEST(Output, IgnoreEosAndNoLimit) {
  Random rng(7);
  EXPECT_EQ(planOutput(rng, 50, true, 10, 1024).tokens, 50);
  EXPECT_EQ(planOutput(rng, 50, true, 10, 1024).finish_reason, "length");
  for (int i = 0; i < 500; ++i) {
    auto p = planOutput(rng, -1, false, 1000, 1024);  // 24 tokens of room
    ASSERT_GE(p.tokens, 1);
    ASSERT_LE(p.tokens, 24);
    p = planOutput(rng, -1, false, 1020, 1024);  // under 20: uniform
    ASSERT_LE(p.tokens, 4);
  }
}

TEST(Output, SeededAndTokenised) {
  Random a(3), b(3);
  for (int i = 0; i < 50; ++i)
    EXPECT_EQ(planOutput(a, 200, false, 1, 1024).tokens, planOutput(b, 200, false, 1, 1024).tokens);
  auto words = randomTokens(a, 5);
  ASSERT_EQ(words.size(), 5u);
  EXPECT_NE(words[0][0], ' ');
  EXPECT_EQ(words[1][0], ' ');
}

}  // namespace
}  // namespace torii::llmsim
