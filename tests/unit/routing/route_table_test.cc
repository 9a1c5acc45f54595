#include "routing/route_table.h"

#include <gtest/gtest.h>

namespace torii::routing {
namespace {

config::IrRoute route(const std::string& type, const std::string& path, int cluster, int weight = 1) {
  config::IrRoute r;
  r.path_type = type;
  r.path_value = path;
  r.backends.push_back({cluster, weight});
  return r;
}

RouteTable table() {
  config::IrListener l;
  config::IrVirtualHost any{"*", {route("PathPrefix", "/", 0)}};
  config::IrVirtualHost exact{"a.example.com",
                              {route("PathPrefix", "/api/", 1), route("Exact", "/api", 2), route("PathPrefix", "/", 3)}};
  config::IrVirtualHost wild{"*.example.com", {route("PathPrefix", "/", 4)}};
  l.vhosts = {any, exact, wild};
  return RouteTable::compile(l);
}

int clusterOf(const Route* r) { return r ? r->backends[0].cluster : -99; }

TEST(RouteTable, HostPrecedence) {
  auto t = table();
  EXPECT_EQ(clusterOf(t.match("a.example.com", "/x")), 3);
  EXPECT_EQ(clusterOf(t.match("A.Example.COM:8080", "/x")), 3);
  EXPECT_EQ(clusterOf(t.match("b.example.com", "/x")), 4);
  EXPECT_EQ(clusterOf(t.match("example.com", "/x")), 0);
  EXPECT_EQ(clusterOf(t.match("", "/x")), 0);
}

TEST(RouteTable, PathPrecedenceAndSegments) {
  auto t = table();
  EXPECT_EQ(clusterOf(t.match("a.example.com", "/api")), 2);      // exact beats prefix
  EXPECT_EQ(clusterOf(t.match("a.example.com", "/api/v1")), 1);
  EXPECT_EQ(clusterOf(t.match("a.example.com", "/apiv1")), 3);    // prefix matches whole segments
}

TEST(RouteTable, NoHostNoRoute) {
  config::IrListener l;
  l.vhosts = {{"a.example.com", {route("Exact", "/only", 1)}}};
  auto t = RouteTable::compile(l);
  EXPECT_EQ(t.match("b.example.com", "/only"), nullptr);
  EXPECT_EQ(t.match("a.example.com", "/other"), nullptr);
  EXPECT_NE(t.match("a.example.com", "/only"), nullptr);
}

TEST(RouteTable, WeightsAndZeroWeight) {
  config::IrListener l;
  config::IrRoute r = route("PathPrefix", "/", 1, 1);
  r.backends.push_back({2, 3});
  r.backends.push_back({3, 0});
  config::IrRoute zero = route("Exact", "/zero", 5, 0);
  l.vhosts = {{"*", {r, zero}}};
  auto t = RouteTable::compile(l);
  const Route* m = t.match("h", "/x");
  ASSERT_NE(m, nullptr);
  int counts[4] = {};
  for (uint32_t i = 0; i < 4000; ++i) counts[m->pick(i)->cluster]++;
  EXPECT_EQ(counts[1], 1000);
  EXPECT_EQ(counts[2], 3000);
  EXPECT_EQ(counts[3], 0);
  EXPECT_EQ(t.match("h", "/zero")->pick(7), nullptr);  // all weights zero: no backend (500)
}

}  // namespace
}  // namespace torii::routing
