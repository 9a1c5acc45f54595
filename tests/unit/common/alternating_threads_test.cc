#include "common/alternating_threads.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace torii {
namespace {

TEST(AlternatingThreads, TakesTurnsAndWaitsForTheTask) {
  AlternatingThreads threads("test");
  std::vector<std::thread::id> ran;
  for (int i = 0; i < 5; ++i) {
    int value = 0;
    threads.run([&] {
      ran.push_back(std::this_thread::get_id());
      value = i + 1;
    });
    EXPECT_EQ(value, i + 1);  // done (and visible) when run() returns
  }
  ASSERT_EQ(ran.size(), 5u);
  EXPECT_NE(ran[0], std::this_thread::get_id());
  EXPECT_NE(ran[1], std::this_thread::get_id());
  EXPECT_NE(ran[0], ran[1]);
  EXPECT_EQ(ran[0], ran[2]);
  EXPECT_EQ(ran[1], ran[3]);
  EXPECT_EQ(ran[0], ran[4]);
}

TEST(AlternatingThreads, UnusedOrHalfUsedStopsCleanly) {
  { AlternatingThreads unused("test"); }
  AlternatingThreads once("a-rather-long-thread-name");
  bool ran = false;
  once.run([&] { ran = true; });
  EXPECT_TRUE(ran);
}

}  // namespace
}  // namespace torii
