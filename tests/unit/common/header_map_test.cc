#include "common/header_map.h"

#include <gtest/gtest.h>

namespace torii {
namespace {

TEST(HeaderMap, AddGetCaseInsensitive) {
  HeaderMap m;
  m.add("Content-Type", "text/plain");
  m.add("X-A", "1");
  m.add("x-a", "2");
  EXPECT_EQ(m.get("content-type"), "text/plain");
  EXPECT_EQ(m.count("X-A"), 2u);
  EXPECT_EQ(m.get("x-a"), "1");
  EXPECT_FALSE(m.has("missing"));
  EXPECT_EQ(m.size(), 3u);
}

TEST(HeaderMap, RemoveAndSet) {
  HeaderMap m;
  m.add("A", "1");
  m.add("B", "2");
  m.add("a", "3");
  EXPECT_EQ(m.remove("A"), 2u);
  EXPECT_EQ(m.size(), 1u);
  m.set("B", "9");
  EXPECT_EQ(m.get("b"), "9");
  EXPECT_EQ(m.count("b"), 1u);
}

TEST(HeaderMap, IncrementalPieces) {
  HeaderMap m;
  m.beginField();
  m.appendName("Ho");
  m.appendName("st");
  m.beginValue();
  m.appendValue("exa");
  m.appendValue("mple.com");
  EXPECT_EQ(m.get("host"), "example.com");
  m.clear();
  EXPECT_TRUE(m.empty());
}

}  // namespace
}  // namespace torii
