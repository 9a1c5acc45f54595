#include "config/translator.h"

#include <gtest/gtest.h>

#include "config/decode.h"

namespace torii::config {
namespace {

const char* kBase = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: torii}
spec: {controllerName: torii.dev/gateway-controller}
---
apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {name: other}
spec: {controllerName: example.com/other}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw, namespace: ns}
spec:
  gatewayClassName: torii
  addresses: [{type: IPAddress, value: 127.0.0.1}]
  listeners:
  - {name: a, protocol: HTTP, port: 80, hostname: "*.example.com"}
  - {name: b, protocol: HTTP, port: 8080}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: foreign, namespace: ns}
spec:
  gatewayClassName: other
  listeners: [{name: a, protocol: HTTP, port: 81}]
---
apiVersion: v1
kind: Service
metadata: {name: svc, namespace: ns}
spec:
  ports: [{name: web, port: 80, targetPort: 3000}]
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: svc-1, namespace: ns, labels: {kubernetes.io/service-name: svc}}
addressType: IPv4
endpoints:
- addresses: [10.0.0.1]
- addresses: [10.0.0.2]
  conditions: {ready: false}
ports: [{name: web, port: 3000}]
)";

TranslateResult translateYaml(const std::string& extra, int offset = 0) {
  auto d = decodeManifests(std::string(kBase) + "---\n" + extra, "t");
  EXPECT_TRUE(d.errors.empty()) << (d.errors.empty() ? "" : d.errors[0]);
  TranslateOptions o;
  o.port_offset = offset;
  return translate(d.objects, o);
}

TEST(Translator, ListenersOnlyForOurClass) {
  auto r = translateYaml("", 10000);
  ASSERT_EQ(r.ir.listeners.size(), 2u);
  for (const auto& l : r.ir.listeners) {
    EXPECT_EQ(l.address, "127.0.0.1");
    EXPECT_EQ(l.bind_port, l.port + 10000);
    EXPECT_NE(l.port, 81);
  }
}

TEST(Translator, RouteAttachesWithHostnameIntersection) {
  auto r = translateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: ns}
spec:
  parentRefs: [{name: gw, sectionName: a}]
  hostnames: [foo.example.com, other.org]
  rules:
  - backendRefs: [{name: svc, port: 80}]
)");
  ASSERT_EQ(r.ir.listeners.size(), 2u);
  const IrListener* l80 = r.ir.listeners[0].port == 80 ? &r.ir.listeners[0] : &r.ir.listeners[1];
  ASSERT_EQ(l80->vhosts.size(), 1u);
  EXPECT_EQ(l80->vhosts[0].hostname, "foo.example.com");
  ASSERT_EQ(r.ir.clusters.size(), 1u);
  ASSERT_EQ(r.ir.clusters[0].endpoints.size(), 1u);  // not-ready endpoint dropped
  EXPECT_EQ(r.ir.clusters[0].endpoints[0].port, 3000);
}

TEST(Translator, MissingServiceIsInvalidBackend) {
  auto r = translateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: ns}
spec:
  parentRefs: [{name: gw, port: 8080}]
  rules:
  - backendRefs: [{name: nope, port: 80}, {name: svc, port: 99}]
)");
  ASSERT_EQ(r.messages.size(), 2u);
  EXPECT_NE(r.messages[0].find("Service ns/nope not found"), std::string::npos);
  EXPECT_NE(r.messages[1].find("has no port 99"), std::string::npos);
  const IrListener* l = r.ir.listeners[0].port == 8080 ? &r.ir.listeners[0] : &r.ir.listeners[1];
  ASSERT_EQ(l->vhosts.size(), 1u);
  EXPECT_EQ(l->vhosts[0].hostname, "*");
  EXPECT_EQ(l->vhosts[0].routes[0].backends[0].cluster, -1);
}

TEST(Translator, Hostnames) {
  EXPECT_TRUE(hostnameMatches("*.example.com", "a.example.com"));
  EXPECT_TRUE(hostnameMatches("*.example.com", "a.b.example.com"));
  EXPECT_FALSE(hostnameMatches("*.example.com", "example.com"));
  EXPECT_EQ(intersectHostnames("", ""), "*");
  EXPECT_EQ(intersectHostnames("*.example.com", "a.example.com"), "a.example.com");
  EXPECT_EQ(intersectHostnames("a.example.com", "*.example.com"), "a.example.com");
  EXPECT_EQ(intersectHostnames("a.example.com", "b.example.com"), "");
}

}  // namespace
}  // namespace torii::config
