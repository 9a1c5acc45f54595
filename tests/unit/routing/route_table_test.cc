#include "routing/route_table.h"

#include <gtest/gtest.h>

#include "common/header_map.h"

namespace torii::routing {
namespace {

config::IrRoute route(const std::string& type, const std::string& path, int cluster,
                      int weight = 1) {
  config::IrRoute r;
  r.path_type = type;
  r.path_value = path;
  config::IrBackend b;
  b.cluster = cluster;
  b.weight = weight;
  r.backends.push_back(b);
  return r;
}

config::IrBackend backend(int cluster, int weight) {
  config::IrBackend b;
  b.cluster = cluster;
  b.weight = weight;
  return b;
}

RouteTable table() {
  config::IrListener l;
  config::IrVirtualHost any{"*", {route("PathPrefix", "/", 0)}};
  config::IrVirtualHost exact{
      "a.example.com",
      {route("PathPrefix", "/api/", 1), route("Exact", "/api", 2), route("PathPrefix", "/", 3)}};
  config::IrVirtualHost wild{"*.example.com", {route("PathPrefix", "/", 4)}};
  l.vhosts = {any, exact, wild};
  return RouteTable::compile(l);
}

int clusterOf(const Route* r) { return r ? r->backends[0].cluster : -99; }

TEST(RouteTable, HostPrecedence) {
  auto t = table();
  EXPECT_EQ(clusterOf(t.match("a.example.com", "/x", {})), 3);
  EXPECT_EQ(clusterOf(t.match("A.Example.COM:8080", "/x", {})), 3);
  EXPECT_EQ(clusterOf(t.match("b.example.com", "/x", {})), 4);
  EXPECT_EQ(clusterOf(t.match("example.com", "/x", {})), 0);
  EXPECT_EQ(clusterOf(t.match("", "/x", {})), 0);
}

TEST(RouteTable, PathPrecedenceAndSegments) {
  auto t = table();
  EXPECT_EQ(clusterOf(t.match("a.example.com", "/api", {})), 2);  // exact beats prefix
  EXPECT_EQ(clusterOf(t.match("a.example.com", "/api/v1", {})), 1);
  EXPECT_EQ(clusterOf(t.match("a.example.com", "/apiv1", {})), 3);  // prefix matches whole segments
}

TEST(RouteTable, RoutesShareTheListenerTheyWereCompiledFrom) {
  auto l = std::make_shared<config::IrListener>();
  l->vhosts = {{"*", {route("Exact", "/a", 1), route("PathPrefix", "/", 2)}}};
  std::shared_ptr<const config::IrListener> shared = l;
  auto t = RouteTable::compile(shared);
  const Route* r = t.match("x", "/a", {});
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->ir.get(), &l->vhosts[0].routes[0]);  // no copy per match
  l.reset();
  shared.reset();  // the table keeps the listener alive
  EXPECT_EQ(r->ir->path_value, "/a");
  EXPECT_EQ(r->ir->backends[0].cluster, 1);
}

TEST(RouteTable, NoHostNoRoute) {
  config::IrListener l;
  l.vhosts = {{"a.example.com", {route("Exact", "/only", 1)}}};
  auto t = RouteTable::compile(l);
  EXPECT_EQ(t.match("b.example.com", "/only", {}), nullptr);
  EXPECT_EQ(t.match("a.example.com", "/other", {}), nullptr);
  EXPECT_NE(t.match("a.example.com", "/only", {}), nullptr);
}

TEST(RouteTable, WeightsAndZeroWeight) {
  config::IrListener l;
  config::IrRoute r = route("PathPrefix", "/", 1, 1);
  r.backends.push_back(backend(2, 3));
  r.backends.push_back(backend(3, 0));
  config::IrRoute zero = route("Exact", "/zero", 5, 0);
  l.vhosts = {{"*", {r, zero}}};
  auto t = RouteTable::compile(l);
  const Route* m = t.match("h", "/x", {});
  ASSERT_NE(m, nullptr);
  int counts[4] = {};
  for (uint32_t i = 0; i < 4000; ++i) counts[m->pick(i)->cluster]++;
  EXPECT_EQ(counts[1], 1000);
  EXPECT_EQ(counts[2], 3000);
  EXPECT_EQ(counts[3], 0);
  EXPECT_EQ(t.match("h", "/zero", {})->pick(7), nullptr);  // all weights zero: no backend (500)
}

TEST(RouteTable, BackendIndexSkipsZeroWeights) {
  config::IrListener l;
  config::IrRoute r = route("PathPrefix", "/", 1, 0);
  r.backends.push_back(backend(2, 1));
  l.vhosts = {{"*", {r}}};
  auto t = RouteTable::compile(l);
  const Route* m = t.match("h", "/", {});
  ASSERT_NE(m, nullptr);
  ASSERT_EQ(m->backends.size(), 1u);
  EXPECT_EQ(m->backends[0].index, 1);
  EXPECT_EQ(m->ir->backends[1].cluster, 2);
}

config::IrStringMatch sm(const std::string& name, const std::string& value, bool regex = false) {
  return {regex ? config::IrStringMatch::Type::kRegex : config::IrStringMatch::Type::kExact, name,
          value};
}

TEST(RouteTable, HeaderQueryMethodMatches) {
  config::IrListener l;
  config::IrRoute hdr = route("PathPrefix", "/", 1);
  hdr.headers = {sm("Version", "two")};
  config::IrRoute hdr_re = route("PathPrefix", "/", 2);
  hdr_re.headers = {sm("version", "v[0-9]+", true)};
  config::IrRoute q = route("PathPrefix", "/", 3);
  q.query_params = {sm("animal", "whale")};
  config::IrRoute meth = route("PathPrefix", "/", 4);
  meth.method = "POST";
  config::IrRoute fallback = route("PathPrefix", "/", 5);
  l.vhosts = {{"*", {fallback, q, hdr, hdr_re, meth}}};
  auto t = RouteTable::compile(l);
  HeaderMap h;
  h.add("VERSION", "two");
  EXPECT_EQ(clusterOf(t.match("x", "/", {"GET", &h, ""})), 1);
  HeaderMap h2;
  h2.add("version", "v12");
  EXPECT_EQ(clusterOf(t.match("x", "/", {"GET", &h2, ""})), 2);
  HeaderMap h3;
  h3.add("version", "v12x");  // regular expressions match the whole value
  EXPECT_EQ(clusterOf(t.match("x", "/", {"GET", &h3, ""})), 5);
  EXPECT_EQ(clusterOf(t.match("x", "/", {"GET", nullptr, "color=blue&animal=whale"})), 3);
  EXPECT_EQ(clusterOf(t.match("x", "/", {"GET", nullptr, "animal=wha%6ce"})), 3);
  EXPECT_EQ(clusterOf(t.match("x", "/", {"GET", nullptr, "animal=dolphin"})), 5);
  EXPECT_EQ(clusterOf(t.match("x", "/", {"POST", nullptr, ""})), 4);  // method beats headers
  EXPECT_EQ(clusterOf(t.match("x", "/", {"POST", &h, ""})), 4);
}

TEST(RouteTable, RegexPathAfterPrefixes) {
  config::IrListener l;
  config::IrRoute re = route("RegularExpression", "/v[0-9]+/.*", 1);
  config::IrRoute prefix = route("PathPrefix", "/v1", 2);
  config::IrRoute exact = route("Exact", "/v1/x", 3);
  l.vhosts = {{"*", {re, prefix, exact}}};
  auto t = RouteTable::compile(l);
  EXPECT_EQ(clusterOf(t.match("h", "/v1/x", {})), 3);
  EXPECT_EQ(clusterOf(t.match("h", "/v1/y", {})), 2);
  EXPECT_EQ(clusterOf(t.match("h", "/v2/y", {})), 1);
  EXPECT_EQ(t.match("h", "/v2", {}), nullptr);  // full match only
}

TEST(RouteTable, TiesByAgeThenNameThenRuleOrder) {
  config::IrListener l;
  auto mk = [](int cluster, const char* name, const char* ts, int rule) {
    config::IrRoute r = route("PathPrefix", "/", cluster);
    r.route = name;
    r.creation_timestamp = ts;
    r.rule_index = rule;
    return r;
  };
  l.vhosts = {{"*",
               {mk(1, "ns/b", "2026-01-02T00:00:00Z", 0), mk(2, "ns/a", "2026-01-02T00:00:00Z", 1),
                mk(3, "ns/a", "2026-01-02T00:00:00Z", 0)}}};
  auto t = RouteTable::compile(l);
  EXPECT_EQ(clusterOf(t.match("h", "/", {})), 3);
  l.vhosts[0].routes.push_back(mk(4, "ns/z", "2025-01-01T00:00:00Z", 3));
  auto t2 = RouteTable::compile(l);
  EXPECT_EQ(clusterOf(t2.match("h", "/", {})), 4);
}

TEST(RouteTable, QueryParamHelper) {
  std::string v;
  EXPECT_TRUE(queryParam("a=1&b=2", "b", &v));
  EXPECT_EQ(v, "2");
  EXPECT_TRUE(queryParam("a=1&a=2", "a", &v));
  EXPECT_EQ(v, "1");  // the first one
  EXPECT_TRUE(queryParam("flag", "flag", &v));
  EXPECT_EQ(v, "");
  EXPECT_FALSE(queryParam("ab=1", "a", &v));
  EXPECT_FALSE(queryParam("", "a", &v));
  EXPECT_TRUE(queryParam("x=%zz", "x", &v));  // invalid escapes are kept as they are
  EXPECT_EQ(v, "%zz");
}

TEST(RouteTable, ListenerIsolation) {
  config::IrListener l;
  auto vh = [](const std::string& lhost, const std::string& host, int cluster) {
    config::IrVirtualHost v;
    v.listener_hostname = lhost;
    v.hostname = host;
    v.routes = {route("PathPrefix", "/", cluster)};
    return v;
  };
  // A route on the hostname-less listener names *.example.com, but the *.example.com listener
  // takes those requests: only its own routes are searched.
  l.vhosts = {vh("*", "bar.com", 1), vh("*", "*.example.com", 2),
              vh("*.example.com", "*.example.com", 3), vh("abc.example.com", "abc.example.com", 4)};
  auto t = RouteTable::compile(l);
  EXPECT_EQ(clusterOf(t.match("bar.com", "/", {})), 1);
  EXPECT_EQ(clusterOf(t.match("x.example.com", "/", {})), 3);
  EXPECT_EQ(clusterOf(t.match("abc.example.com", "/", {})), 4);
  EXPECT_EQ(t.match("other.org", "/", {}), nullptr);  // its listener has no route for it
}

}  // namespace
}  // namespace torii::routing
