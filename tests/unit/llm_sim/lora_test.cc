#include "llm-sim/lora.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

TEST(LoraSlots, LoadsUpToMaxAndEvictsIdleLeastRecentlyUsed) {
  LoraSlots s(2);
  EXPECT_TRUE(s.acquire("a"));
  EXPECT_TRUE(s.acquire("b"));
  EXPECT_EQ(s.loads(), 2u);
  EXPECT_FALSE(s.canAcquire("c"));  // both in use
  EXPECT_FALSE(s.acquire("c"));
  EXPECT_TRUE(s.canAcquire("a"));  // already loaded
  s.release("a");
  s.release("b");
  EXPECT_TRUE(s.acquire("b"));  // b most recently used now
  s.release("b");
  EXPECT_TRUE(s.acquire("c"));  // evicts a (least recently used, idle)
  EXPECT_FALSE(s.isLoaded("a"));
  EXPECT_TRUE(s.isLoaded("b"));
  EXPECT_EQ(s.loaded(), (std::vector<std::string>{"b", "c"}));
  EXPECT_EQ(s.loads(), 3u);
}

TEST(LoraSlots, RefcountsAndRegistration) {
  LoraSlots s(1);
  s.registerAdapter({"a", "/p/a", ""});
  ASSERT_NE(s.find("a"), nullptr);
  EXPECT_EQ(s.find("a")->path, "/p/a");
  EXPECT_TRUE(s.acquire("a"));
  EXPECT_TRUE(s.acquire("a"));
  EXPECT_EQ(s.refs("a"), 2);
  EXPECT_FALSE(s.unregisterAdapter("a"));  // in use
  s.release("a");
  s.release("a");
  EXPECT_TRUE(s.isLoaded("a"));  // stays loaded while idle
  EXPECT_TRUE(s.unregisterAdapter("a"));
  EXPECT_FALSE(s.isLoaded("a"));
  EXPECT_FALSE(s.unregisterAdapter("a"));
}

}  // namespace
}  // namespace torii::llmsim
