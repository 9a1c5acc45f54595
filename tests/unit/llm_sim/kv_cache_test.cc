#include "llm-sim/kv_cache.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

TEST(KvCache, PrefixReuseAfterFinish) {
  KvCache kv(8, 16);
  EXPECT_EQ(kv.startRequest(1, "m", {10, 11, 12}), 0);
  EXPECT_EQ(kv.usedBlocks(), 3);
  EXPECT_DOUBLE_EQ(kv.usage(), 3.0 / 8);
  // A concurrent request sharing two blocks hits them and shares references.
  EXPECT_EQ(kv.startRequest(2, "m", {10, 11, 20}), 2);
  EXPECT_EQ(kv.usedBlocks(), 4);
  kv.finishRequest(1);
  kv.finishRequest(2);
  EXPECT_EQ(kv.usedBlocks(), 0);      // usage counts referenced blocks only
  EXPECT_EQ(kv.residentBlocks(), 4);  // but they stay cached
  EXPECT_EQ(kv.startRequest(3, "m", {10, 11, 12, 13}), 3);
  // Only the leading run counts as a hit.
  kv.finishRequest(3);
  EXPECT_EQ(kv.startRequest(4, "m", {99, 11, 12}), 0);
}

TEST(KvCache, EvictsOldestIdleBlocksFirst) {
  KvCache kv(4, 16);
  kv.startRequest(1, "m", {1, 2});
  kv.finishRequest(1);  // 1, 2 idle (older)
  kv.startRequest(2, "m", {3, 4});
  kv.finishRequest(2);  // 3, 4 idle (newer)
  kv.startRequest(3, "m", {5});
  EXPECT_FALSE(kv.contains(1));
  EXPECT_TRUE(kv.contains(2));
  kv.startRequest(4, "m", {3});  // hit: 3 becomes referenced, so not evictable
  kv.startRequest(5, "m", {6, 7});
  EXPECT_FALSE(kv.contains(2));
  EXPECT_FALSE(kv.contains(4));
  EXPECT_TRUE(kv.contains(3));
  EXPECT_EQ(kv.residentBlocks(), 4);
}

TEST(KvCache, FullOfReferencedBlocksStillRuns) {
  KvCache kv(2, 16);
  EXPECT_EQ(kv.startRequest(1, "m", {1, 2}), 0);
  EXPECT_EQ(kv.startRequest(2, "m", {3, 4}), 0);  // nothing evictable: not cached
  EXPECT_EQ(kv.usedBlocks(), 2);
  EXPECT_DOUBLE_EQ(kv.usage(), 1.0);
  kv.finishRequest(2);
  kv.finishRequest(1);
  EXPECT_EQ(kv.usedBlocks(), 0);
  kv.finishRequest(1);  // twice: no effect
  EXPECT_EQ(kv.usedBlocks(), 0);
}

TEST(KvCache, UnloadedAdapterBlocksEvictedFirst) {
  KvCache kv(3, 16);
  bool a_loaded = true;
  kv.setLoadedPredicate([&](const std::string& owner) { return owner != "a" || a_loaded; });
  kv.startRequest(1, "base", {1});
  kv.finishRequest(1);  // oldest
  kv.startRequest(2, "a", {2});
  kv.finishRequest(2);
  kv.startRequest(3, "base", {3});
  kv.finishRequest(3);
  a_loaded = false;
  kv.startRequest(4, "base", {4});
  EXPECT_FALSE(kv.contains(2));  // adapter a's block went first although block 1 is older
  EXPECT_TRUE(kv.contains(1));
}

}  // namespace
}  // namespace torii::llmsim
