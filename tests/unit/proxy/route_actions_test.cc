#include "proxy/route_actions.h"

#include <gtest/gtest.h>
#include <re2/re2.h>

namespace torii::proxy {
namespace {

TEST(RouteActions, HeaderModifierOrder) {
  HeaderMap h;
  h.add("X-Keep", "1");
  h.add("x-set", "old");
  h.add("X-Set", "older");
  h.add("X-Add", "a");
  h.add("X-Remove", "r");
  config::IrHeaderModifier m;
  m.set = {{"X-Set", "new"}, {"X-Fresh", "f"}};
  m.add = {{"X-Add", "b"}};
  m.remove = {"x-remove", "X-Absent"};
  applyHeaderModifier(h, m);
  EXPECT_EQ(h.count("x-set"), 1u);
  EXPECT_EQ(h.get("x-set"), "new");
  EXPECT_EQ(h.get("x-fresh"), "f");
  EXPECT_EQ(h.count("x-add"), 2u);
  EXPECT_FALSE(h.has("x-remove"));
  EXPECT_EQ(h.get("x-keep"), "1");
}

TEST(RouteActions, ReplacePrefix) {
  EXPECT_EQ(replacePrefix("/foo/bar", "/foo", "/xyz"), "/xyz/bar");
  EXPECT_EQ(replacePrefix("/foo", "/foo", "/xyz"), "/xyz");
  EXPECT_EQ(replacePrefix("/foo/", "/foo", "/xyz"), "/xyz/");
  EXPECT_EQ(replacePrefix("/foo/bar", "/foo", "/"), "/bar");
  EXPECT_EQ(replacePrefix("/foo", "/foo", "/"), "/");
  EXPECT_EQ(replacePrefix("/foo/bar", "/foo/", "/xyz/"), "/xyz/bar");
  EXPECT_EQ(replacePrefix("/anything", "", "/prefix"), "/prefix/anything");
}

TEST(RouteActions, RedirectPortRules) {
  RedirectRequest req;
  req.host = "example.com:8080";
  req.listener_port = 8080;
  req.path = "/a";
  config::IrRedirect r;
  EXPECT_EQ(redirectLocation(r, req), "http://example.com:8080/a");  // listener port kept
  r.scheme = "https";
  EXPECT_EQ(redirectLocation(r, req), "https://example.com/a");  // scheme change: well-known port
  r.port = 8443;
  EXPECT_EQ(redirectLocation(r, req), "https://example.com:8443/a");
  r.scheme.reset();
  r.port = 80;
  EXPECT_EQ(redirectLocation(r, req), "http://example.com/a");
  req.listener_port = 80;
  config::IrRedirect plain;
  EXPECT_EQ(redirectLocation(plain, req), "http://example.com/a");
}

TEST(RouteActions, RedirectHostPathAndQuery) {
  RedirectRequest req;
  req.host = "example.com";
  req.path = "/original/prefix/rest";
  req.query = "x=1";
  req.matched_prefix = "/original/prefix";
  config::IrRedirect r;
  r.hostname = "other.example.org";
  r.path = config::IrPathModifier{config::IrPathModifier::Type::kReplacePrefixMatch, "/new"};
  EXPECT_EQ(redirectLocation(r, req), "http://other.example.org/new/rest?x=1");
  r.path = config::IrPathModifier{config::IrPathModifier::Type::kReplaceFullPath, "/full"};
  EXPECT_EQ(redirectLocation(r, req), "http://other.example.org/full?x=1");
}

TEST(RouteActions, CorsOrigins) {
  config::IrCors c;
  c.allow_origins = {"https://www.foo.com", "https://*.bar.com"};
  EXPECT_TRUE(corsOriginAllowed(c, "https://www.foo.com"));
  EXPECT_TRUE(corsOriginAllowed(c, "https://www.bar.com"));
  EXPECT_TRUE(corsOriginAllowed(c, "https://xpto.www.bar.com"));
  EXPECT_FALSE(corsOriginAllowed(c, "https://bar.com"));
  EXPECT_FALSE(corsOriginAllowed(c, "https://foobar.com"));
  EXPECT_FALSE(corsOriginAllowed(c, ""));
  c.allow_origins = {"*"};
  EXPECT_TRUE(corsOriginAllowed(c, "https://foobar.com:12345"));
}

TEST(RouteActions, CorsPreflight) {
  config::IrCors c;
  c.allow_origins = {"*"};
  c.allow_methods = {"GET", "OPTIONS"};
  c.allow_headers = {"x-header-1", "x-header-2"};
  c.expose_headers = {"x-header-3"};
  c.allow_credentials = true;
  c.max_age = 3600;
  std::string h = corsPreflightHeaders(c, "https://a.example", "GET", "x-header-1");
  EXPECT_NE(h.find("access-control-allow-origin: https://a.example\r\n"), std::string::npos);
  EXPECT_NE(h.find("access-control-allow-methods: GET, OPTIONS\r\n"), std::string::npos);
  EXPECT_NE(h.find("access-control-allow-headers: x-header-1, x-header-2\r\n"), std::string::npos);
  EXPECT_NE(h.find("access-control-expose-headers: x-header-3\r\n"), std::string::npos);
  EXPECT_NE(h.find("access-control-max-age: 3600\r\n"), std::string::npos);
  EXPECT_NE(h.find("access-control-allow-credentials: true\r\n"), std::string::npos);
  c.allow_methods = {"*"};
  c.allow_headers = {"*"};
  c.allow_credentials = false;
  h = corsPreflightHeaders(c, "https://a.example", "PUT", "x-a, x-b");
  EXPECT_NE(h.find("access-control-allow-methods: PUT\r\n"), std::string::npos);
  EXPECT_NE(h.find("access-control-allow-headers: x-a, x-b\r\n"), std::string::npos);
  EXPECT_EQ(h.find("credentials"), std::string::npos);
  HeaderMap resp;
  addCorsResponseHeaders(resp, c, "https://a.example");
  EXPECT_EQ(resp.get("access-control-allow-origin"), "https://a.example");
  EXPECT_FALSE(resp.has("access-control-allow-credentials"));
}

TEST(RouteActions, RegexRewriteWithCaptureGroups) {
  re2::RE2 re("^/service/([^/]+)(/.*)$");
  EXPECT_EQ(regexRewrite("/service/foo/v1/api", re, "\\2/instance/\\1"), "/v1/api/instance/foo");
  EXPECT_EQ(regexRewrite("/other", re, "\\2"), "/other");  // no match: unchanged
  re2::RE2 all("o");
  EXPECT_EQ(regexRewrite("/foo/boo", all, "0"), "/f00/b00");  // every match
  re2::RE2 bad("(");
  EXPECT_EQ(regexRewrite("/x", bad, "y"), "/x");
}

TEST(RouteActions, HostWithoutPort) {
  EXPECT_EQ(hostWithoutPort("a.example:80"), "a.example");
  EXPECT_EQ(hostWithoutPort("a.example"), "a.example");
  EXPECT_EQ(hostWithoutPort("[::1]:80"), "[::1]");
}

}  // namespace
}  // namespace torii::proxy
