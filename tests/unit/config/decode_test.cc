#include "config/decode.h"

#include <gtest/gtest.h>

namespace torii::config {
namespace {

TEST(Decode, GatewayAndRoute) {
  auto r = decodeManifests(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: infra}
spec:
  gatewayClassName: torii
  listeners:
  - {name: http, protocol: HTTP, port: 80, hostname: "*.example.com"}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  parentRefs: [{name: gw, namespace: infra, sectionName: http}]
  hostnames: [a.example.com]
  rules:
  - matches: [{path: {type: Exact, value: /x}}]
    backendRefs: [{name: svc, port: 8080, weight: 0}]
)", "mem");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.objects.size(), 2u);
  auto& gw = std::get<Gateway>(r.objects[0]);
  EXPECT_EQ(gw.meta.namespace_, "infra");
  EXPECT_EQ(gw.listeners[0].hostname.value(), "*.example.com");
  auto& rt = std::get<HTTPRoute>(r.objects[1]);
  EXPECT_EQ(rt.meta.namespace_, "default");
  EXPECT_EQ(rt.rules[0].matches[0].path.type, "Exact");
  EXPECT_EQ(rt.rules[0].backend_refs[0].weight, 0);
  EXPECT_EQ(rt.parent_refs[0].section_name.value(), "http");
}

TEST(Decode, ErrorsNameSourceDocumentAndField) {
  auto r = decodeManifests(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw}
spec:
  gatewayClassName: torii
  listeners:
  - {name: http, protocol: HTTP, port: eighty}
---
apiVersion: v1
kind: Service
metadata: {name: ok}
spec:
  ports: [{port: 80, targetPort: 8080}]
)", "dir/file.yaml");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "dir/file.yaml doc 0: spec.listeners[0].port: must be an integer");
  ASSERT_EQ(r.objects.size(), 1u);  // the good document still loads
}

TEST(Decode, PortRangeAndMissingFields) {
  auto r = decodeManifests(R"(
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  ports: [{port: 70000}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {}
spec: {}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: e}
addressType: IPv4
)", "f");
  ASSERT_EQ(r.errors.size(), 3u);
  EXPECT_EQ(r.errors[0], "f doc 0: spec.ports[0].port: must be between 1 and 65535");
  EXPECT_EQ(r.errors[1], "f doc 1: metadata.name: required field is missing");
  EXPECT_EQ(r.errors[2], "f doc 2: metadata.labels: kubernetes.io/service-name label is required");
}

TEST(Decode, InvalidYamlAndUnknownKinds) {
  auto bad = decodeManifests("a: [unclosed", "broken.yaml");
  ASSERT_EQ(bad.errors.size(), 1u);
  EXPECT_NE(bad.errors[0].find("broken.yaml: invalid YAML"), std::string::npos);
  auto ign = decodeManifests("apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n", "x");
  EXPECT_TRUE(ign.errors.empty());
  ASSERT_EQ(ign.ignored.size(), 1u);
  auto notmap = decodeManifests("- a\n- b\n", "y");
  ASSERT_EQ(notmap.errors.size(), 1u);
}

TEST(Decode, PathValidation) {
  auto r = decodeManifests(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules:
  - matches: [{path: {type: Prefix, value: /x}}]
)", "f");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "f doc 0: spec.rules[0].matches[0].path.type: must be Exact, PathPrefix or RegularExpression");
}

}  // namespace
}  // namespace torii::config
