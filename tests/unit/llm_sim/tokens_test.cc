#include "llm-sim/tokens.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

TEST(Tokens, PiecesRoundTripAndRules) {
  std::string text = "Hello, wonderful world!  é日本語テキスト\n";
  auto pieces = tokenPieces(text);
  std::string joined;
  for (auto p : pieces) joined += p;
  EXPECT_EQ(joined, text);
  EXPECT_EQ(pieces[0], "Hell");
  EXPECT_EQ(pieces[1], "o");
  EXPECT_EQ(pieces[2], ",");
  EXPECT_EQ(pieces[3], " wond");
  // Code points are never split.
  for (auto p : pieces) {
    unsigned char last = p.back();
    EXPECT_FALSE((last & 0xC0) == 0xC0) << "piece ends inside a UTF-8 sequence";
  }
  EXPECT_EQ(countTokens(""), 0);
  EXPECT_EQ(countTokens("a b c"), 3);
}

TEST(Tokens, DeterministicAndPrefixStable) {
  std::string a = "The quick brown fox jumps over the lazy dog.";
  EXPECT_EQ(tokenIds(a), tokenIds(a));
  auto full = tokenIds(a + " And then it sleeps.");
  auto pre = tokenIds(a);
  ASSERT_LT(pre.size(), full.size());
  EXPECT_TRUE(std::equal(pre.begin(), pre.end(), full.begin()));
  EXPECT_NE(tokenIds("cat"), tokenIds("dog"));
}

TEST(Tokens, BlockHashesChainAndIncludeModel) {
  std::vector<uint32_t> t(40);
  for (size_t i = 0; i < t.size(); ++i) t[i] = uint32_t(i);
  auto h = blockHashes("m", t, 16);
  ASSERT_EQ(h.size(), 2u);  // the partial third block is not cacheable
  auto other_model = blockHashes("lora", t, 16);
  EXPECT_NE(h[0], other_model[0]);
  auto t2 = t;
  t2[0] = 999;  // a change in block 0 changes every later hash
  auto h2 = blockHashes("m", t2, 16);
  EXPECT_NE(h[0], h2[0]);
  EXPECT_NE(h[1], h2[1]);
  t2 = t;
  t2[20] = 999;  // a change in block 1 keeps block 0
  h2 = blockHashes("m", t2, 16);
  EXPECT_EQ(h[0], h2[0]);
  EXPECT_NE(h[1], h2[1]);
}

}  // namespace
}  // namespace torii::llmsim
