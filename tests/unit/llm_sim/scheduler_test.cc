#include "llm-sim/scheduler.h"

#include <gtest/gtest.h>

namespace torii::llmsim {
namespace {

using A = Scheduler::Admission;

TEST(Scheduler, QueueAdmissionAndRejection) {
  LoraSlots loras(1);
  Scheduler s(1, 1, loras);
  EXPECT_EQ(s.submit(1, ""), A::kStarted);
  EXPECT_EQ(s.submit(2, ""), A::kQueued);
  EXPECT_EQ(s.submit(3, ""), A::kRejected);  // 429
  EXPECT_EQ(s.running(), 1);
  EXPECT_EQ(s.waiting(), 1);
  EXPECT_EQ(s.finish(1), std::vector<uint64_t>{2});
  EXPECT_TRUE(s.isRunning(2));
  EXPECT_EQ(s.waiting(), 0);
  EXPECT_EQ(s.submit(4, ""), A::kQueued);
  EXPECT_TRUE(s.finish(4).empty());  // a waiting request cancelled
  EXPECT_EQ(s.waiting(), 0);
  EXPECT_TRUE(s.finish(2).empty());
  EXPECT_EQ(s.running(), 0);
}

TEST(Scheduler, ZeroQueueRejectsWhenBusy) {
  LoraSlots loras(1);
  Scheduler s(2, 0, loras);
  EXPECT_EQ(s.submit(1, ""), A::kStarted);
  EXPECT_EQ(s.submit(2, ""), A::kStarted);
  EXPECT_EQ(s.submit(3, ""), A::kRejected);
}

TEST(Scheduler, LoraBlockedRequestsWaitAndLoadedAdaptersGoFirst) {
  LoraSlots loras(1);
  Scheduler s(3, 10, loras);
  EXPECT_EQ(s.submit(1, "a"), A::kStarted);
  EXPECT_EQ(s.submit(2, "b"), A::kQueued);   // free slot, but b cannot be loaded while a runs
  EXPECT_EQ(s.submit(3, ""), A::kStarted);   // the base model needs no adapter
  EXPECT_EQ(s.submit(4, "a"), A::kStarted);  // a is loaded
  EXPECT_EQ(s.runningAdapters(), std::vector<std::string>{"a"});
  EXPECT_EQ(s.waitingAdapters(), std::vector<std::string>{"b"});
  // All slots busy now; queue a request for loaded adapter a behind b.
  EXPECT_EQ(s.submit(5, "a"), A::kQueued);
  // One slot frees while a still runs: a's queued request goes before b's (no swap needed).
  EXPECT_EQ(s.finish(3), std::vector<uint64_t>{5});
  EXPECT_TRUE(s.finish(1).empty());  // a still running (4, 5): b waits
  EXPECT_TRUE(s.finish(4).empty());
  EXPECT_EQ(s.finish(5), std::vector<uint64_t>{2});  // a idle: evicted, b loaded
  EXPECT_TRUE(loras.isLoaded("b"));
  EXPECT_FALSE(loras.isLoaded("a"));
}

}  // namespace
}  // namespace torii::llmsim
