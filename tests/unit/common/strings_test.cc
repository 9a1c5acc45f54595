#include "common/strings.h"

#include <gtest/gtest.h>

namespace torii {
namespace {

using namespace std::chrono_literals;

TEST(Strings, Iequals) {
  EXPECT_TRUE(iequals("Content-Length", "content-length"));
  EXPECT_FALSE(iequals("Host", "Hosts"));
}

TEST(Strings, ListContainsToken) {
  EXPECT_TRUE(listContainsToken("keep-alive, Upgrade", "upgrade"));
  EXPECT_FALSE(listContainsToken("keep-alive-ish", "keep-alive"));
  EXPECT_TRUE(listContainsToken(" close ", "close"));
}

TEST(Strings, ParseDuration) {
  EXPECT_EQ(parseDuration("10s"), std::chrono::nanoseconds(10s));
  EXPECT_EQ(parseDuration("250ms"), std::chrono::nanoseconds(250ms));
  EXPECT_EQ(parseDuration("1m30s"), std::chrono::nanoseconds(90s));
  EXPECT_EQ(parseDuration("100us"), std::chrono::nanoseconds(100us));
  EXPECT_EQ(parseDuration("1.5s"), std::chrono::nanoseconds(1500ms));
  EXPECT_EQ(parseDuration("7"), std::chrono::nanoseconds(7s));
  EXPECT_FALSE(parseDuration(""));
  EXPECT_FALSE(parseDuration("10x"));
  EXPECT_FALSE(parseDuration("s"));
  EXPECT_FALSE(parseDuration("-1s"));
}

TEST(Strings, ParseUint) {
  EXPECT_EQ(parseUint("42"), 42u);
  EXPECT_FALSE(parseUint("4 2"));
  EXPECT_FALSE(parseUint("-1"));
  EXPECT_FALSE(parseUint("99999999999999999999999"));
}

TEST(Strings, SplitList) {
  auto v = splitList(" a, b ,,c", ',');
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[0], "a");
  EXPECT_EQ(v[1], "b");
  EXPECT_EQ(v[2], "");
  EXPECT_EQ(v[3], "c");
}

}  // namespace
}  // namespace torii
