#include "http/http1/parser.h"

#include <gtest/gtest.h>

#include <string>

namespace torii::http1 {
namespace {
using namespace std::literals;

struct Parsed {
  bool error = false;
  int status = 0;
  int messages = 0;
  std::string body;
  Head head;  // of the first message
};

// Feeds `input` in pieces of `step` bytes (0: all at once) and collects every message.
Parsed parseRequests(const std::string& input, size_t step = 0, Limits limits = {}) {
  Parser p(Parser::Type::kRequest, limits);
  Parsed out;
  size_t pos = 0;
  std::string pending;
  while (pos < input.size() || !pending.empty()) {
    if (step == 0) {
      pending.append(input.substr(pos));
      pos = input.size();
    } else if (pos < input.size()) {
      pending.append(input.substr(pos, step));
      pos += std::min(step, input.size() - pos);
    }
    bool progressed = false;
    while (!pending.empty()) {
      auto r = p.parse(pending.data(), pending.size());
      for (auto piece : p.body()) {
        if (out.messages == 0) out.body.append(piece);
      }
      if (r.error) {
        out.error = true;
        out.status = p.errorStatus();
        return out;
      }
      if (r.headers_complete && out.messages == 0) out.head.method = p.head().method;
      if (r.message_complete) {
        if (out.messages == 0) {
          out.head.target = p.head().target;
          out.head.content_length = p.head().content_length;
          out.head.chunked = p.head().chunked;
          out.head.keep_alive = p.head().keep_alive;
          out.head.expect_continue = p.head().expect_continue;
          out.head.version_minor = p.head().version_minor;
        }
        ++out.messages;
      }
      pending.erase(0, r.consumed);
      if (r.consumed == 0 && !r.message_complete) break;
      progressed = true;
    }
    if (pos >= input.size() && !progressed) break;
  }
  return out;
}

TEST(Http1Parser, SimpleGet) {
  auto r = parseRequests("GET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n");
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.messages, 1);
  EXPECT_EQ(r.head.method, "GET");
  EXPECT_EQ(r.head.target, "/a?b=1");
  EXPECT_TRUE(r.head.keep_alive);
}

TEST(Http1Parser, HeadersAreKept) {
  Parser p(Parser::Type::kRequest);
  std::string in = "GET / HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\nx-a:  two \r\nEmpty:\r\n\r\n";
  auto r = p.parse(in.data(), in.size());
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(p.head().headers.get("host"), "example.com");
  EXPECT_EQ(p.head().headers.count("X-A"), 2u);
  EXPECT_TRUE(p.head().headers.has("empty"));
  EXPECT_EQ(p.head().headers.get("empty"), "");
}

TEST(Http1Parser, ByteAtATime) {
  std::string in =
      "POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-T: 1\r\n\r\n";
  auto r = parseRequests(in, 1);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.messages, 1);
  EXPECT_EQ(r.body, "hello world");
  EXPECT_TRUE(r.head.chunked);
}

TEST(Http1Parser, PipelinedStopsAfterEachMessage) {
  std::string in =
      "GET /1 HTTP/1.1\r\nHost: x\r\n\r\nPOST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: "
      "3\r\n\r\nabc"
      "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n";
  Parser p(Parser::Type::kRequest);
  size_t off = 0;
  std::vector<std::string> targets;
  while (off < in.size()) {
    auto r = p.parse(in.data() + off, in.size() - off);
    ASSERT_FALSE(r.error);
    off += r.consumed;
    if (r.message_complete) targets.push_back(p.head().target);
    if (r.consumed == 0 && !r.message_complete) break;
  }
  EXPECT_EQ(targets, (std::vector<std::string>{"/1", "/2", "/3"}));
}

TEST(Http1Parser, ContentLengthBody) {
  auto r = parseRequests("PUT / HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nabcd");
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.body, "abcd");
  EXPECT_EQ(r.head.content_length, 4);
}

TEST(Http1Parser, Http10DefaultsToClose) {
  auto r = parseRequests("GET / HTTP/1.0\r\n\r\n");
  ASSERT_FALSE(r.error);
  EXPECT_FALSE(r.head.keep_alive);
  auto k = parseRequests("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
  EXPECT_TRUE(k.head.keep_alive);
}

TEST(Http1Parser, ConnectionClose) {
  auto r = parseRequests("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(r.head.keep_alive);
}

TEST(Http1Parser, ExpectContinue) {
  auto r = parseRequests(
      "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 1\r\n\r\nz");
  ASSERT_FALSE(r.error);
  EXPECT_TRUE(r.head.expect_continue);
}

TEST(Http1Parser, HeadLimitExactly) {
  Limits lim;
  lim.max_head_bytes = 100;
  std::string head = "GET / HTTP/1.1\r\nHost: x\r\nX: ";
  std::string ok = head + std::string(100 - head.size() - 4, 'a') + "\r\n\r\n";
  ASSERT_EQ(ok.size(), 100u);
  EXPECT_FALSE(parseRequests(ok, 0, lim).error);
  EXPECT_FALSE(parseRequests(ok, 7, lim).error);
  std::string big = head + std::string(100 - head.size() - 3, 'a') + "\r\n\r\n";
  auto r = parseRequests(big, 0, lim);
  EXPECT_TRUE(r.error);
  EXPECT_EQ(r.status, 431);
  auto r2 = parseRequests(big, 3, lim);
  EXPECT_TRUE(r2.error);
  EXPECT_EQ(r2.status, 431);
}

TEST(Http1Parser, DefaultHeadLimitIs60KiB) {
  std::string req =
      "GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(61 * 1024, 'b') + "\r\n\r\n";
  auto r = parseRequests(req, 4096);
  EXPECT_TRUE(r.error);
  EXPECT_EQ(r.status, 431);
}

TEST(Http1Parser, HeaderCountLimit) {
  std::string req = "GET / HTTP/1.1\r\nHost: x\r\n";
  for (int i = 0; i < 99; ++i) req += "X-" + std::to_string(i) + ": v\r\n";
  EXPECT_FALSE(parseRequests(req + "\r\n").error);  // exactly 100 fields
  auto r = parseRequests(req + "X-Last: v\r\n\r\n");
  EXPECT_TRUE(r.error);
  EXPECT_EQ(r.status, 431);
}

TEST(Http1Parser, BodyLargerThanHeadLimitIsFine) {
  Limits lim;
  lim.max_head_bytes = 64;
  std::string body(10000, 'z');
  auto r = parseRequests("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10000\r\n\r\n" + body, 1000,
                         lim);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.body.size(), 10000u);
}

TEST(Http1Parser, ResponseChunkedAndHead) {
  Parser p(Parser::Type::kResponse);
  std::string in = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n";
  auto r = p.parse(in.data(), in.size());
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(p.head().status, 200);
  EXPECT_TRUE(p.head().chunked);

  Parser h(Parser::Type::kResponse);
  h.setNoBody(true);
  std::string hin = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
  auto hr = h.parse(hin.data(), hin.size());
  EXPECT_TRUE(hr.message_complete);
  EXPECT_EQ(hr.consumed, hin.size());
}

TEST(Http1Parser, ResponseCloseDelimited) {
  Parser p(Parser::Type::kResponse);
  std::string in = "HTTP/1.1 200 OK\r\n\r\nsome body";
  auto r = p.parse(in.data(), in.size());
  EXPECT_TRUE(r.headers_complete);
  EXPECT_FALSE(r.message_complete);
  EXPECT_TRUE(p.head().close_delimited);
  EXPECT_TRUE(p.finish());
}

TEST(Http1Parser, ResponseTruncatedBody) {
  Parser p(Parser::Type::kResponse);
  std::string in = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
  auto r = p.parse(in.data(), in.size());
  EXPECT_FALSE(r.message_complete);
  EXPECT_FALSE(p.finish());
}

TEST(Http1Parser, InformationalThenFinal) {
  Parser p(Parser::Type::kResponse);
  std::string in = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
  auto r = p.parse(in.data(), in.size());
  ASSERT_TRUE(r.message_complete);
  EXPECT_EQ(p.head().status, 100);
  auto r2 = p.parse(in.data() + r.consumed, in.size() - r.consumed);
  ASSERT_TRUE(r2.message_complete);
  EXPECT_EQ(p.head().status, 204);
}

TEST(Http1Parser, UpgradeRequestStaysHttp) {
  std::string in =
      "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n"
      "GET /next HTTP/1.1\r\nHost: x\r\n\r\n";
  auto r = parseRequests(in);
  ASSERT_FALSE(r.error);
  EXPECT_EQ(r.messages, 2);
}

// ---- Request smuggling and malformed input corpus (RFC 9112 §6.3, §11.2) ----
struct BadCase {
  const char* name;
  std::string_view input;
  int status;
};

class SmugglingCorpus : public ::testing::TestWithParam<BadCase> {};

TEST_P(SmugglingCorpus, RejectedWithStatus) {
  const BadCase& c = GetParam();
  for (size_t step : {size_t(0), size_t(1), size_t(5)}) {
    auto r = parseRequests(std::string(c.input), step);
    EXPECT_TRUE(r.error) << c.name << " step=" << step;
    EXPECT_EQ(r.status, c.status) << c.name << " step=" << step;
  }
}

const BadCase kBadCases[] = {
    {"cl_and_te",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: "
     "chunked\r\n\r\n0\r\n\r\n",
     400},
    {"te_and_cl",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: "
     "5\r\n\r\n0\r\n\r\n",
     400},
    {"cl_conflicting",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400},
    {"cl_duplicate_same",
     "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello", 400},
    {"cl_list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello", 400},
    {"cl_negative", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n", 400},
    {"cl_plus", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello", 400},
    {"cl_hex", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0x5\r\n\r\nhello", 400},
    {"cl_letters", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: five\r\n\r\n", 400},
    {"cl_overflow", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999999999999999\r\n\r\n",
     400},
    {"cl_space_inside", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1 2\r\n\r\n", 400},
    {"te_gzip_only", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 400},
    {"te_chunked_not_last",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", 400},
    {"te_chunked_twice",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n", 400},
    {"te_unknown_coding",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501},
    {"te_misspelled", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunkd\r\n\r\n", 400},
    {"te_http10", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400},
    {"te_split_headers_gzip_last",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: gzip\r\n\r\n",
     400},
    {"obs_fold", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n two\r\n\r\n", 400},
    {"obs_fold_tab", "GET / HTTP/1.1\r\nHost: x\r\nX-A: one\r\n\ttwo\r\n\r\n", 400},
    {"space_before_colon", "GET / HTTP/1.1\r\nHost: x\r\nContent-Length : 5\r\n\r\nhello", 400},
    {"header_name_bad_char", "GET / HTTP/1.1\r\nHost: x\r\nX(A): b\r\n\r\n", 400},
    {"header_name_space", "GET / HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n", 400},
    {"header_value_nul", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\0b\r\n\r\n"sv, 400},
    {"header_value_bare_cr", "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n", 400},
    {"header_value_ctl",
     "GET / HTTP/1.1\r\nHost: x\r\nX-A: a\x01"
     "b\r\n\r\n",
     400},
    {"chunk_size_bad",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n",
     400},
    {"chunk_size_overflow",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: "
     "chunked\r\n\r\nfffffffffffffffff1\r\nhello\r\n0\r\n\r\n",
     400},
    {"chunk_size_negative",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n",
     400},
    {"chunk_data_too_long",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n",
     400},
    {"chunk_missing_crlf",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n", 400},
    {"chunk_size_space_prefix",
     "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n 5\r\nhello\r\n0\r\n\r\n",
     400},
    {"missing_host", "GET / HTTP/1.1\r\n\r\n", 400},
    {"two_hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400},
    {"bad_version", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505},
    {"http2_version", "GET / HTTP/2.0\r\nHost: x\r\n\r\n", 505},
    {"garbage_version", "GET / HTXP/1.1\r\nHost: x\r\n\r\n", 400},
    {"space_in_target", "GET /a b HTTP/1.1\r\nHost: x\r\n\r\n", 400},
    {"ctl_in_target", "GET /a\x01 HTTP/1.1\r\nHost: x\r\n\r\n", 400},
    {"lowercase_method", "get / HTTP/1.1\r\nHost: x\r\n\r\n", 501},
    {"unknown_expect", "GET / HTTP/1.1\r\nHost: x\r\nExpect: magic\r\n\r\n", 417},
    {"header_line_without_colon", "GET / HTTP/1.1\r\nHost: x\r\nNoColonHere\r\n\r\n", 400},
};

INSTANTIATE_TEST_SUITE_P(Corpus, SmugglingCorpus, ::testing::ValuesIn(kBadCases),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(Http1Parser, DeadParserStaysDead) {
  Parser p(Parser::Type::kRequest);
  std::string bad = "GET / HTTP/1.1\r\nHost: x\r\nX A: b\r\n\r\n";
  EXPECT_TRUE(p.parse(bad.data(), bad.size()).error);
  std::string good = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";
  EXPECT_TRUE(p.parse(good.data(), good.size()).error);
}

}  // namespace
}  // namespace torii::http1
