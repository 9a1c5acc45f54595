#include "inference/prom_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace torii::inference {
namespace {

TEST(PromText, ParsesSamplesSkippingComments) {
  auto r = parsePrometheusText(
      "# HELP vllm:num_requests_running Number of requests.\n"
      "# TYPE vllm:num_requests_running gauge\n"
      "vllm:num_requests_running{model_name=\"m1\"} 3\n"
      "\n"
      "   # indented comment\n"
      "up 1\n"
      "temp_total{a=\"x\",b=\"y\",} 2.5e3 1700000000000\n");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->size(), 3u);
  const Sample& s0 = (*r)[0];
  EXPECT_EQ(s0.name, "vllm:num_requests_running");
  ASSERT_EQ(s0.labels.size(), 1u);
  EXPECT_EQ(s0.labels[0].first, "model_name");
  EXPECT_EQ(s0.labels[0].second, "m1");
  EXPECT_EQ(s0.value, 3);
  EXPECT_EQ((*r)[1].name, "up");
  EXPECT_TRUE((*r)[1].labels.empty());
  EXPECT_EQ((*r)[1].value, 1);
  EXPECT_EQ((*r)[2].labels.size(), 2u);
  EXPECT_EQ((*r)[2].value, 2500);
  ASSERT_NE(findLabel((*r)[2], "b"), nullptr);
  EXPECT_EQ(*findLabel((*r)[2], "b"), "y");
  EXPECT_EQ(findLabel((*r)[2], "c"), nullptr);
}

TEST(PromText, UnescapesLabelValues) {
  auto r = parsePrometheusText(R"(m{v="a\\b\"c\nd",w="}{,="} 1)");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->size(), 1u);
  EXPECT_EQ((*r)[0].labels[0].second, "a\\b\"c\nd");
  EXPECT_EQ((*r)[0].labels[1].second, "}{,=");
}

TEST(PromText, SpecialValuesAndTimestamps) {
  auto r = parsePrometheusText(
      "a NaN\nb +Inf\nc -Inf\nd -0.5 -12\ne 1e400\nf 1e-400\ng Inf\nh 0x10\r\n");
  // 0x10 is not a Prometheus float.
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error(), "line 8: invalid sample value");
  r = parsePrometheusText("a NaN\nb +Inf\nc -Inf\nd -0.5 -12\ne 1e400\nf 1e-400\ng Inf\r\n");
  ASSERT_TRUE(r.ok()) << r.error();
  ASSERT_EQ(r->size(), 7u);
  EXPECT_TRUE(std::isnan((*r)[0].value));
  EXPECT_EQ((*r)[1].value, INFINITY);
  EXPECT_EQ((*r)[2].value, -INFINITY);
  EXPECT_EQ((*r)[3].value, -0.5);
  EXPECT_EQ((*r)[4].value, INFINITY);
  EXPECT_EQ((*r)[5].value, 0);
  EXPECT_EQ((*r)[6].value, INFINITY);
}

TEST(PromText, EmptyInput) {
  auto r = parsePrometheusText("");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
  r = parsePrometheusText("# only a comment\n\n\n");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST(PromText, MalformedLinesNameTheLine) {
  struct Case {
    std::string text;
    std::string error;
  };
  const Case cases[] = {
      {"ok 1\n{a=\"b\"} 1\n", "line 2: expected a metric name"},
      {"ok 1\n# c\n9metric 1\n", "line 3: expected a metric name"},
      {"m{a=\"b\" 1\n", "line 1: expected ',' or '}' after label value"},
      {"m{a=\"b\n", "line 1: unterminated label value"},
      {"m{a=\"b\\", "line 1: unterminated label value"},
      {"m{a=\"\\t\"} 1\n", "line 1: invalid escape in label value"},
      {"m{a:b=\"x\"} 1\n", "line 1: expected '=' after label name"},
      {"m{=\"x\"} 1\n", "line 1: expected a label name"},
      {"m{a=x} 1\n", "line 1: expected '\"' to open the label value"},
      {"m\n", "line 1: invalid sample value"},
      {"m 1 2 3\n", "line 1: unexpected text after the timestamp"},
      {"m 1 1.5\n", "line 1: invalid timestamp"},
      {"m abc\n", "line 1: invalid sample value"},
      {"m{a=\"x\"}1\n", "line 1: expected a space before the value"},
      {"m- 1\n", "line 1: expected a space before the value"},
      {"a 1\nb 2\nc 3\nd 4\ne\n", "line 5: invalid sample value"},
      {"m ++1\n", "line 1: invalid sample value"},
      {"m +\n", "line 1: invalid sample value"},
  };
  for (const Case& c : cases) {
    auto r = parsePrometheusText(c.text);
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.error(), c.error) << c.text;
  }
}

TEST(PromText, HostileInputDoesNotCrash) {
  std::string many_labels = "m{";
  for (int i = 0; i < 10000; ++i) many_labels += "l" + std::to_string(i) + "=\"v\",";
  many_labels += "} 1\n";
  auto r = parsePrometheusText(many_labels);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ((*r)[0].labels.size(), 10000u);

  std::string nul("m{a=\"\0\"} 1\n", 11);
  r = parsePrometheusText(nul);
  ASSERT_TRUE(r.ok()) << r.error();
  EXPECT_EQ((*r)[0].labels[0].second, std::string(1, '\0'));

  // Every prefix of a valid exposition either parses or fails cleanly.
  std::string text = "# TYPE x gauge\nx{a=\"1\\\"\",b=\"\\\\\"} 1.25 17\ny -Inf\n";
  for (size_t i = 0; i <= text.size(); ++i) (void)parsePrometheusText(text.substr(0, i));
  // Binary garbage.
  std::string junk;
  for (int i = 0; i < 4096; ++i) junk += char((i * 131 + 7) & 0xff);
  (void)parsePrometheusText(junk);
}

}  // namespace
}  // namespace torii::inference
