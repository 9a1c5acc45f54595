#include "config/translator.h"

#include <gtest/gtest.h>

#include <set>

#include "config/decode.h"
#include "config/snapshot.h"
#include "config/status.h"

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

const ObjectStatus* find(const TranslateResult& r, const std::string& kind,
                         const std::string& name) {
  for (const auto& o : r.status.objects) {
    if (o.kind == kind && o.name == name) return &o;
  }
  return nullptr;
}

const Condition* condition(const std::vector<Condition>& cs, const std::string& type) {
  for (const auto& c : cs) {
    if (c.type == type) return &c;
  }
  return nullptr;
}

std::string cs(const std::vector<Condition>& cs, const std::string& type) {
  const Condition* c = condition(cs, type);
  return c ? c->status + "/" + c->reason : "absent";
}

const char* kRoute = R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r, namespace: ns, generation: 3}
spec:
  parentRefs: [{name: gw, sectionName: b}]
  rules:
  - backendRefs: [{name: svc, port: 80}]
)";

TEST(TranslatorStatus, GatewayClassGatewayListenersAndRoute) {
  auto r = translateYaml(kRoute);
  const ObjectStatus* gc = find(r, "GatewayClass", "torii");
  ASSERT_NE(gc, nullptr);
  EXPECT_EQ(cs(gc->conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(find(r, "GatewayClass", "other"), nullptr);  // not ours
  EXPECT_EQ(find(r, "Gateway", "foreign"), nullptr);
  const ObjectStatus* gw = find(r, "Gateway", "gw");
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(cs(gw->conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(cs(gw->conditions, "Programmed"), "True/Programmed");
  ASSERT_EQ(gw->addresses.size(), 1u);
  EXPECT_EQ(gw->addresses[0].value, "127.0.0.1");
  ASSERT_EQ(gw->listeners.size(), 2u);
  EXPECT_EQ(gw->listeners[0].attached_routes, 0);
  EXPECT_EQ(gw->listeners[1].attached_routes, 1);
  EXPECT_EQ(gw->listeners[1].supported_kinds.size(), 1u);
  EXPECT_EQ(cs(gw->listeners[1].conditions, "Conflicted"), "False/NoConflicts");
  const ObjectStatus* rt = find(r, "HTTPRoute", "r");
  ASSERT_NE(rt, nullptr);
  ASSERT_EQ(rt->parents.size(), 1u);
  EXPECT_EQ(rt->parents[0].controller_name, kControllerName);
  EXPECT_EQ(cs(rt->parents[0].conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(cs(rt->parents[0].conditions, "ResolvedRefs"), "True/ResolvedRefs");
  EXPECT_EQ(condition(rt->parents[0].conditions, "Accepted")->observed_generation, 3);
  EXPECT_FALSE(hasProblems(r.status));
}

TEST(TranslatorStatus, RouteRejections) {
  auto r = translateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: nosection, namespace: ns}
spec:
  parentRefs: [{name: gw, sectionName: nope}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: otherns, namespace: elsewhere}
spec:
  parentRefs: [{name: gw, namespace: ns}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: nohost, namespace: ns}
spec:
  parentRefs: [{name: gw, sectionName: a}]
  hostnames: [example.org]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: badport, namespace: ns}
spec:
  parentRefs: [{name: gw, port: 9999}]
)");
  EXPECT_EQ(cs(find(r, "HTTPRoute", "nosection")->parents[0].conditions, "Accepted"),
            "False/NoMatchingParent");
  EXPECT_EQ(cs(find(r, "HTTPRoute", "otherns")->parents[0].conditions, "Accepted"),
            "False/NotAllowedByListeners");
  EXPECT_EQ(cs(find(r, "HTTPRoute", "nohost")->parents[0].conditions, "Accepted"),
            "False/NoMatchingListenerHostname");
  EXPECT_EQ(cs(find(r, "HTTPRoute", "badport")->parents[0].conditions, "Accepted"),
            "False/NoMatchingParent");
  for (const auto& l : find(r, "Gateway", "gw")->listeners) EXPECT_EQ(l.attached_routes, 0);
  EXPECT_TRUE(hasProblems(r.status));
}

TEST(TranslatorStatus, BackendReasonsAndReferenceGrant) {
  const std::string routes = R"(
apiVersion: v1
kind: Service
metadata: {name: far, namespace: other}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: grpc, namespace: ns}
spec: {ports: [{port: 80, appProtocol: grpc}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: kind, namespace: ns}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{group: example.com, kind: Thing, name: x}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: cross, namespace: ns}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: far, namespace: other, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: missing, namespace: ns}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: nope, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: proto, namespace: ns}
spec:
  parentRefs: [{name: gw}]
  rules: [{backendRefs: [{name: grpc, port: 80}]}]
)";
  auto r = translateYaml(routes);
  auto reason = [&](const char* name) {
    return cs(find(r, "HTTPRoute", name)->parents[0].conditions, "ResolvedRefs");
  };
  EXPECT_EQ(reason("kind"), "False/InvalidKind");
  EXPECT_EQ(reason("cross"), "False/RefNotPermitted");
  EXPECT_EQ(reason("missing"), "False/BackendNotFound");
  EXPECT_EQ(reason("proto"), "False/UnsupportedProtocol");
  EXPECT_EQ(cs(find(r, "HTTPRoute", "cross")->parents[0].conditions, "Accepted"), "True/Accepted");

  auto granted = translateYaml(routes + R"(
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ns}]
  to: [{group: "", kind: Service}]
)");
  EXPECT_EQ(cs(find(granted, "HTTPRoute", "cross")->parents[0].conditions, "ResolvedRefs"),
            "True/ResolvedRefs");
}

TEST(TranslatorStatus, ListenerValidation) {
  auto r = translateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: odd, namespace: ns}
spec:
  gatewayClassName: torii
  listeners:
  - {name: udp, protocol: UDP, port: 53}
  - name: kinds
    protocol: HTTP
    port: 80
    allowedRoutes: {kinds: [{kind: HTTPRoute}, {kind: TCPRoute}]}
  - {name: dup, protocol: HTTP, port: 80}
  - {name: tls, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: nope}]}}
  - {name: proto, protocol: HTTPS, port: 80, hostname: x.org, tls: {certificateRefs: [{name: nope}]}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: params, namespace: ns}
spec:
  gatewayClassName: torii
  infrastructure: {parametersRef: {group: x.io, kind: P, name: p}}
  listeners: [{name: http, protocol: HTTP, port: 80}]
)");
  const ObjectStatus* gw = find(r, "Gateway", "odd");
  ASSERT_EQ(gw->listeners.size(), 5u);
  EXPECT_EQ(cs(gw->listeners[0].conditions, "Accepted"), "False/UnsupportedProtocol");
  EXPECT_TRUE(gw->listeners[0].supported_kinds.empty());
  EXPECT_EQ(cs(gw->listeners[1].conditions, "ResolvedRefs"), "False/InvalidRouteKinds");
  EXPECT_EQ(gw->listeners[1].supported_kinds.size(), 1u);
  EXPECT_EQ(cs(gw->listeners[2].conditions, "Conflicted"), "True/HostnameConflict");
  EXPECT_EQ(cs(gw->listeners[3].conditions, "ResolvedRefs"), "False/InvalidCertificateRef");
  EXPECT_EQ(cs(gw->listeners[3].conditions, "Programmed"), "False/Invalid");
  EXPECT_EQ(cs(gw->listeners[4].conditions, "Conflicted"), "True/ProtocolConflict");
  EXPECT_EQ(cs(gw->conditions, "Accepted"), "True/ListenersNotValid");
  EXPECT_EQ(cs(find(r, "Gateway", "params")->conditions, "Accepted"), "False/InvalidParameters");
}

TEST(TranslatorStatus, AssignedAddressAndSelector) {
  auto d = decodeManifests(std::string(kBase) + R"(
---
apiVersion: v1
kind: Namespace
metadata: {name: team, labels: {expose: "yes"}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: pooled, namespace: ns}
spec:
  gatewayClassName: torii
  listeners:
  - name: http
    protocol: HTTP
    port: 80
    allowedRoutes: {namespaces: {from: Selector, selector: {matchLabels: {expose: "yes"}}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: a, namespace: team}
spec: {parentRefs: [{name: pooled, namespace: ns}]}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: b, namespace: ns}
spec: {parentRefs: [{name: pooled}]}
)",
                           "t");
  ASSERT_TRUE(d.errors.empty()) << d.errors[0];
  EXPECT_EQ(gatewaysNeedingAddress(d.objects), std::vector<std::string>{"ns/pooled"});
  TranslateOptions o;
  o.assigned_addresses["ns/pooled"] = "127.0.1.7";
  auto r = translate(d.objects, o);
  const ObjectStatus* gw = find(r, "Gateway", "pooled");
  ASSERT_EQ(gw->addresses.size(), 1u);
  EXPECT_EQ(gw->addresses[0].value, "127.0.1.7");
  EXPECT_EQ(gw->listeners[0].attached_routes, 1);
  EXPECT_EQ(cs(find(r, "HTTPRoute", "a")->parents[0].conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(cs(find(r, "HTTPRoute", "b")->parents[0].conditions, "Accepted"),
            "False/NotAllowedByListeners");
  bool bound = false;
  for (const auto& l : r.ir.listeners) bound |= l.address == "127.0.1.7";
  EXPECT_TRUE(bound);
  // Pool exhausted: the Gateway is accepted but not programmed, and nothing is bound for it.
  TranslateOptions none;
  none.address_pool = true;
  auto x = translate(d.objects, none);
  EXPECT_EQ(cs(find(x, "Gateway", "pooled")->conditions, "Programmed"), "False/AddressNotAssigned");
  for (const auto& l : x.ir.listeners) EXPECT_EQ(l.address, "127.0.0.1");
}

TEST(TranslatorStatus, InvalidRegexIsUnsupportedValue) {
  auto r = translateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: re, namespace: ns}
spec:
  parentRefs: [{name: gw, sectionName: b}]
  rules:
  - matches: [{path: {type: RegularExpression, value: "/(unclosed"}}]
    backendRefs: [{name: svc, port: 80}]
)");
  EXPECT_EQ(cs(find(r, "HTTPRoute", "re")->parents[0].conditions, "Accepted"),
            "False/UnsupportedValue");
}

TEST(TranslatorStatus, Durations) {
  EXPECT_EQ(parseGatewayDuration("10s"), 10000);
  EXPECT_EQ(parseGatewayDuration("1m30s"), 90000);
  EXPECT_EQ(parseGatewayDuration("500ms"), 500);
  EXPECT_EQ(parseGatewayDuration("1h"), 3600000);
  EXPECT_EQ(parseGatewayDuration("0s"), 0);
  EXPECT_FALSE(parseGatewayDuration(""));
  EXPECT_FALSE(parseGatewayDuration("10"));
  EXPECT_FALSE(parseGatewayDuration("1x"));
  EXPECT_FALSE(parseGatewayDuration("123456s"));
}

TEST(TranslatorStatus, JsonAndTransitions) {
  auto r = translateYaml(kRoute);
  stampTransitions(r.status, nullptr, "2026-01-01T00:00:00Z");
  auto again = translateYaml(kRoute);
  stampTransitions(again.status, &r.status, "2026-01-02T00:00:00Z");
  EXPECT_EQ(find(again, "Gateway", "gw")->conditions[0].last_transition_time,
            "2026-01-01T00:00:00Z");
  std::string json = statusToJson(again.status);
  EXPECT_NE(json.find(R"("kind":"List")"), std::string::npos);
  EXPECT_NE(json.find(R"("attachedRoutes":1)"), std::string::npos);
  EXPECT_NE(json.find(R"("controllerName":"torii.dev/gateway-controller")"), std::string::npos);
  std::string yaml = jsonToYaml(json);
  EXPECT_NE(yaml.find("kind: List"), std::string::npos);
  EXPECT_NE(yaml.find("status: \"True\""), std::string::npos);
  EXPECT_NE(jsonToYaml("{").find("invalid JSON"), std::string::npos);
}

TEST(TranslatorStatus, ListenerSets) {
  auto r = translateYaml(R"(
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: host, namespace: ns}
spec:
  gatewayClassName: torii
  allowedListeners: {namespaces: {from: Same}}
  listeners: [{name: main, protocol: HTTP, port: 80, hostname: main.com}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ok, namespace: ns}
spec:
  parentRef: {name: host}
  listeners:
  - {name: extra, protocol: HTTP, port: 80, hostname: extra.com}
  - {name: clash, protocol: HTTP, port: 80, hostname: main.com}
  - {name: tcp, protocol: TCP, port: 80}
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: far, namespace: elsewhere}
spec:
  parentRef: {name: host, namespace: ns}
  listeners: [{name: l, protocol: HTTP, port: 81}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: via-set, namespace: ns}
spec:
  parentRefs: [{kind: ListenerSet, name: ok, sectionName: extra}]
  rules: [{backendRefs: [{name: svc, port: 80}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: via-gateway, namespace: ns}
spec:
  parentRefs: [{name: host, sectionName: extra}]
)");
  const ObjectStatus* gw = find(r, "Gateway", "host");
  EXPECT_EQ(gw->attached_listeners, 1);
  ASSERT_EQ(gw->listeners.size(), 1u);  // ListenerSet listeners are reported on the ListenerSet
  const ObjectStatus* ok = find(r, "ListenerSet", "ok");
  ASSERT_NE(ok, nullptr);
  EXPECT_EQ(cs(ok->conditions, "Accepted"), "True/ListenersNotValid");
  EXPECT_EQ(cs(ok->conditions, "Programmed"), "True/Programmed");
  EXPECT_EQ(cs(ok->listeners[0].conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(ok->listeners[0].attached_routes, 1);
  EXPECT_EQ(cs(ok->listeners[1].conditions, "Conflicted"), "True/HostnameConflict");
  EXPECT_EQ(cs(ok->listeners[1].conditions, "Programmed"), "False/HostnameConflict");
  EXPECT_EQ(cs(ok->listeners[2].conditions, "Accepted"), "False/ProtocolConflict");
  const ObjectStatus* far = find(r, "ListenerSet", "far");
  EXPECT_EQ(cs(far->conditions, "Accepted"), "False/NotAllowed");
  EXPECT_EQ(cs(far->conditions, "Programmed"), "False/NotAllowed");
  EXPECT_EQ(cs(find(r, "HTTPRoute", "via-set")->parents[0].conditions, "Accepted"),
            "True/Accepted");
  EXPECT_EQ(find(r, "HTTPRoute", "via-set")->parents[0].parent_ref.namespace_.value(), "ns");
  // A Gateway parentRef sees only the Gateway's own listeners.
  EXPECT_EQ(cs(find(r, "HTTPRoute", "via-gateway")->parents[0].conditions, "Accepted"),
            "False/NoMatchingParent");
  bool extra = false;
  for (const auto& l : r.ir.listeners) {
    for (const auto& vh : l.vhosts) extra |= vh.hostname == "extra.com";
  }
  EXPECT_TRUE(extra);
}

TEST(TranslatorIr, FiltersTimeoutsRetryAndExtensionRefs) {
  auto r = translateYaml(R"(
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: HTTPRouteFilter
metadata: {name: direct, namespace: ns}
spec: {directResponse: {statusCode: 503, body: {type: Inline, inline: down}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: f, namespace: ns}
spec:
  parentRefs: [{name: gw, sectionName: b}]
  rules:
  - matches: [{path: {type: PathPrefix, value: /a}}]
    filters:
    - {type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: X-A, value: "1"}]}}
    - {type: RequestMirror, requestMirror: {backendRef: {name: svc, port: 80}, percent: 25}}
    - {type: URLRewrite, urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /b}}}
    backendRefs:
    - name: svc
      port: 80
      filters: [{type: RequestHeaderModifier, requestHeaderModifier: {add: [{name: X-B, value: "2"}]}}]
    timeouts: {request: 2s, backendRequest: 500ms}
    retry: {codes: [503], attempts: 2, backoff: 10ms}
  - matches: [{path: {type: Exact, value: /r}}]
    filters: [{type: RequestRedirect, requestRedirect: {hostname: x.org, statusCode: 301}}]
  - matches: [{path: {type: Exact, value: /d}}]
    filters: [{type: ExtensionRef, extensionRef: {group: gateway.envoyproxy.io, kind: HTTPRouteFilter, name: direct}}]
  - matches: [{path: {type: Exact, value: /missing}}]
    filters: [{type: ExtensionRef, extensionRef: {group: gateway.envoyproxy.io, kind: HTTPRouteFilter, name: nope}}]
)");
  const IrListener* l = r.ir.listeners[0].port == 8080 ? &r.ir.listeners[0] : &r.ir.listeners[1];
  ASSERT_EQ(l->vhosts.size(), 1u);
  const auto& routes = l->vhosts[0].routes;
  ASSERT_EQ(routes.size(), 4u);
  const IrRoute& a = routes[0];
  EXPECT_EQ(a.filters.request_headers.set[0].first, "X-A");
  ASSERT_EQ(a.filters.mirrors.size(), 1u);
  EXPECT_EQ(a.filters.mirrors[0].numerator, 25u);
  EXPECT_EQ(a.filters.mirrors[0].denominator, 100u);
  EXPECT_EQ(a.filters.mirrors[0].cluster, a.backends[0].cluster);
  EXPECT_EQ(a.filters.rewrite->path->type, IrPathModifier::Type::kReplacePrefixMatch);
  EXPECT_EQ(a.backends[0].request_headers.add[0].second, "2");
  EXPECT_EQ(a.request_timeout_ms.value(), 2000);
  EXPECT_EQ(a.backend_request_timeout_ms.value(), 500);
  EXPECT_EQ(a.retry->attempts, 2);
  EXPECT_EQ(a.retry->backoff_ms, 10);
  EXPECT_EQ(routes[1].filters.redirect->status_code, 301);
  EXPECT_EQ(routes[1].filters.redirect->hostname.value(), "x.org");
  EXPECT_EQ(routes[2].filters.direct_response->status, 503);
  EXPECT_EQ(routes[2].filters.direct_response->body, "down");
  EXPECT_EQ(routes[3].filters.direct_response->status, 500);  // unresolved filter: 500
  EXPECT_EQ(cs(find(r, "HTTPRoute", "f")->parents[0].conditions, "ResolvedRefs"),
            "False/BackendNotFound");
}

// --- InferencePool backends (shared/reference/inference.md §1, conformance/inference/cases.md) ---

const char* kPods = R"(
apiVersion: v1
kind: Pod
metadata: {name: p-b, namespace: ns, labels: {app: m, llm-d.ai/engine-type: sglang}}
status: {phase: Running, podIP: 10.1.0.2}
---
apiVersion: v1
kind: Pod
metadata: {name: p-a, namespace: ns, labels: {app: m, extra: x}}
status: {podIP: 10.1.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: p-c, namespace: ns, labels: {app: m, inference.networking.k8s.io/engine-type: trtllm-serve}}
status: {phase: Running, podIP: 10.1.0.3}
---
apiVersion: v1
kind: Pod
metadata: {name: pending, namespace: ns, labels: {app: m}}
status: {phase: Pending, podIP: 10.1.0.9}
---
apiVersion: v1
kind: Pod
metadata: {name: leaving, namespace: ns, labels: {app: m}, deletionTimestamp: "2026-01-01T00:00:00Z"}
status: {phase: Running, podIP: 10.1.0.8}
---
apiVersion: v1
kind: Pod
metadata: {name: noip, namespace: ns, labels: {app: m}}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: ns, labels: {app: n}}
status: {podIP: 10.1.0.7}
---
apiVersion: v1
kind: Pod
metadata: {name: elsewhere, namespace: other, labels: {app: m}}
status: {podIP: 10.2.0.1}
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool, namespace: ns}
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 8002}, {number: 8000}]
  appProtocol: kubernetes.io/h2c
)";

std::string poolRoute(const std::string& name, const std::string& backends,
                      const std::string& parent = "{name: gw, sectionName: b}") {
  return "apiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: " + name +
         ", namespace: ns}\nspec:\n  parentRefs: [" + parent +
         "]\n  rules:\n  - backendRefs: " + backends + "\n";
}

const IrCluster* clusterNamed(const TranslateResult& r, const std::string& name) {
  for (const auto& c : r.ir.clusters) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

const IrRoute& firstRoute(const TranslateResult& r, int port = 8080) {
  for (const auto& l : r.ir.listeners) {
    if (l.port == port && !l.vhosts.empty()) return l.vhosts[0].routes[0];
  }
  static const IrRoute kNone;
  ADD_FAILURE() << "no route on port " << port;
  return kNone;
}

TEST(TranslatorInference, PoolEndpointsEnginesAndProtocol) {
  auto r = translateYaml(std::string(kPods) + "---\n" +
                         poolRoute("r",
                                   "[{group: inference.networking.k8s.io, kind: "
                                   "InferencePool, name: pool, port: 9999}]"));
  const IrCluster* c = clusterNamed(r, "ns/pool");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->app_protocol, "kubernetes.io/h2c");
  ASSERT_TRUE(c->inference);
  const IrInferencePool& inf = *c->inference;
  EXPECT_EQ(inf.name, "ns/pool");
  std::vector<std::string> eps;
  for (const auto& e : c->endpoints) eps.push_back(e.address + ":" + std::to_string(e.port));
  // Running (or phase-less) pods with a podIP and every selector label, by name, then port.
  EXPECT_EQ(eps, (std::vector<std::string>{"10.1.0.1:8000", "10.1.0.1:8002", "10.1.0.2:8000",
                                           "10.1.0.2:8002", "10.1.0.3:8000", "10.1.0.3:8002"}));
  EXPECT_EQ(inf.endpoint_pods,
            (std::vector<std::string>{"ns/p-a", "ns/p-a", "ns/p-b", "ns/p-b", "ns/p-c", "ns/p-c"}));
  EXPECT_EQ(inf.endpoint_engines, (std::vector<std::string>{"vllm", "vllm", "sglang", "sglang",
                                                            "trtllm-serve", "trtllm-serve"}));
  // Defaults without annotations.
  EXPECT_EQ(inf.policy, "scored");
  EXPECT_EQ(inf.weight_prefix, 3);
  EXPECT_EQ(inf.scrape_interval_ms, 50);
  EXPECT_EQ(inf.max_body_bytes, 4 * 1024 * 1024);
  // The backendRef port is ignored; the route resolves.
  EXPECT_EQ(firstRoute(r).backends[0].cluster, int(c - r.ir.clusters.data()));
  const ObjectStatus* rt = find(r, "HTTPRoute", "r");
  EXPECT_EQ(cs(rt->parents[0].conditions, "ResolvedRefs"), "True/ResolvedRefs");
  EXPECT_FALSE(hasProblems(r.status)) << statusToJson(r.status);
  // The older group and a groupless reference (as in GIE's samples) find the same pool.
  auto x = translateYaml(
      std::string(kPods) + "---\n" +
      poolRoute("r",
                "[{group: inference.networking.x-k8s.io, kind: InferencePool, name: pool}, "
                "{kind: InferencePool, name: pool}]"));
  EXPECT_EQ(x.ir.clusters.size(), 1u);
  EXPECT_EQ(firstRoute(x).backends[1].cluster, 0);
}

TEST(TranslatorInference, Annotations) {
  auto pool = [](const std::string& annotations) {
    return R"(
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: ann
  namespace: ns
  annotations: )" +
           annotations + R"(
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 8000}]
---
)" + poolRoute("r", "[{group: inference.networking.k8s.io, kind: InferencePool, name: ann}]");
  };
  auto good = translateYaml(pool(R"({torii.dev/endpoint-picker: least-request,
    torii.dev/scorer-weights: "queue=1, prefix=0.5",
    torii.dev/saturation: "kv-cache=0.9,staleness=1s",
    torii.dev/metrics-interval: 20ms,
    torii.dev/max-body-bytes: "1024"})"));
  ASSERT_EQ(good.ir.clusters.size(), 1u);
  const IrInferencePool& g = *good.ir.clusters[0].inference;
  EXPECT_EQ(g.policy, "least-request");
  EXPECT_EQ(g.weight_queue, 1);
  EXPECT_EQ(g.weight_kv_cache, 2);  // not given: default
  EXPECT_EQ(g.weight_prefix, 0.5);
  EXPECT_EQ(g.weight_lora, 1);
  EXPECT_EQ(g.saturation_queue, 5);
  EXPECT_EQ(g.saturation_kv_cache, 0.9);
  EXPECT_EQ(g.staleness_ms, 1000);
  EXPECT_EQ(g.scrape_interval_ms, 20);
  EXPECT_EQ(g.max_body_bytes, 1024);
  const ObjectStatus* gp = find(good, "InferencePool", "ann");
  ASSERT_EQ(gp->parents.size(), 1u);
  EXPECT_EQ(condition(gp->parents[0].conditions, "Accepted")->message.find("annotation"),
            std::string::npos);

  auto bad = translateYaml(pool(R"({torii.dev/endpoint-picker: random,
    torii.dev/scorer-weights: "queue=1,speed=2",
    torii.dev/saturation: "kv-cache=1.5",
    torii.dev/metrics-interval: "0s",
    torii.dev/max-body-bytes: "-1",
    torii.dev/typo: "x"})"));
  ASSERT_EQ(bad.ir.clusters.size(), 1u);  // still usable, with defaults
  const IrInferencePool& b = *bad.ir.clusters[0].inference;
  EXPECT_EQ(b.policy, "scored");
  EXPECT_EQ(b.weight_queue, 2);  // all of a bad annotation is ignored
  EXPECT_EQ(b.saturation_kv_cache, 0.8);
  EXPECT_EQ(b.scrape_interval_ms, 50);
  EXPECT_EQ(b.max_body_bytes, 4 * 1024 * 1024);
  const ObjectStatus* bp = find(bad, "InferencePool", "ann");
  ASSERT_EQ(bp->parents.size(), 1u);
  const Condition* acc = condition(bp->parents[0].conditions, "Accepted");
  EXPECT_EQ(acc->status + "/" + acc->reason, "True/SupportedByParent");
  for (const char* a :
       {"torii.dev/endpoint-picker", "torii.dev/scorer-weights", "torii.dev/saturation",
        "torii.dev/metrics-interval", "torii.dev/max-body-bytes", "torii.dev/typo"}) {
    EXPECT_NE(acc->message.find(a), std::string::npos) << a << ": " << acc->message;
  }
  EXPECT_FALSE(hasProblems(bad.status));  // warnings, not failures
}

TEST(TranslatorInference, ObjectivesRewritesAndModels) {
  auto r = translateYaml(std::string(kPods) + R"(---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceObjective
metadata: {name: critical, namespace: ns}
spec: {priority: 10, poolRef: {name: pool}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: batch, namespace: ns}
spec: {poolRef: {group: inference.networking.k8s.io, name: pool}}
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceObjective
metadata: {name: lost, namespace: ns, generation: 4}
spec: {priority: 1, poolRef: {name: nope}}
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceModelRewrite
metadata: {name: newer, namespace: ns, creationTimestamp: "2026-02-01T00:00:00Z"}
spec:
  poolRef: {name: pool}
  rules: [{targets: [{modelRewrite: catch-all}]}]
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModelRewrite
metadata: {name: older, namespace: ns, creationTimestamp: "2026-01-01T00:00:00Z"}
spec:
  poolRef: {name: pool}
  rules:
  - matches: [{model: {value: small}}]
    targets: [{modelRewrite: small-v1, weight: 90}, {modelRewrite: small-v2, weight: 10}]
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceModelRewrite
metadata: {name: stray, namespace: ns}
spec:
  poolRef: {name: missing-pool}
  rules: [{targets: [{modelRewrite: x}]}]
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModel
metadata: {name: food, namespace: ns}
spec:
  modelName: food-review
  criticality: Sheddable
  poolRef: {group: inference.networking.k8s.io, name: pool}
  targetModels: [{name: food-review-1}, {name: food-review-2}]
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModel
metadata: {name: base, namespace: ns}
spec: {modelName: llama, criticality: Critical, poolRef: {name: pool}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModel
metadata: {name: plain, namespace: ns}
spec: {modelName: plain, poolRef: {name: pool}}
---
)" + poolRoute("r", "[{group: inference.networking.k8s.io, kind: InferencePool, name: pool}]"));
  const IrCluster* c = clusterNamed(r, "ns/pool");
  ASSERT_NE(c, nullptr);
  const IrInferencePool& inf = *c->inference;
  EXPECT_EQ(inf.objectives,
            (std::vector<std::pair<std::string, int>>{{"batch", 0}, {"critical", 10}}));
  EXPECT_EQ(inf.model_priorities, (std::vector<std::pair<std::string, int>>{
                                      {"food-review", -1}, {"llama", 1}, {"plain", 0}}));
  ASSERT_EQ(inf.rewrites.size(), 3u);
  // Oldest InferenceModelRewrite first, then the newer one, then InferenceModel targetModels.
  EXPECT_EQ(inf.rewrites[0].models, std::vector<std::string>{"small"});
  ASSERT_EQ(inf.rewrites[0].targets.size(), 2u);
  EXPECT_EQ(inf.rewrites[0].targets[0].model, "small-v1");
  EXPECT_EQ(inf.rewrites[0].targets[0].weight, 90u);
  EXPECT_TRUE(inf.rewrites[1].models.empty());
  EXPECT_EQ(inf.rewrites[1].targets[0].model, "catch-all");
  EXPECT_EQ(inf.rewrites[2].models, std::vector<std::string>{"food-review"});
  ASSERT_EQ(inf.rewrites[2].targets.size(), 2u);
  EXPECT_EQ(inf.rewrites[2].targets[1].model, "food-review-2");
  EXPECT_EQ(inf.rewrites[2].targets[1].weight, 1u);

  EXPECT_EQ(cs(find(r, "InferenceObjective", "critical")->conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(cs(find(r, "InferenceModelRewrite", "older")->conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(cs(find(r, "InferenceModel", "food")->conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(find(r, "InferenceModelRewrite", "older")->api_version,
            "inference.networking.x-k8s.io/v1alpha2");
  const ObjectStatus* lost = find(r, "InferenceObjective", "lost");
  const Condition* lc = condition(lost->conditions, "Accepted");
  EXPECT_EQ(lc->status + "/" + lc->reason, "False/PoolNotFound");
  EXPECT_NE(lc->message.find("nope"), std::string::npos);
  EXPECT_EQ(lc->observed_generation, 4);
  EXPECT_EQ(cs(find(r, "InferenceModelRewrite", "stray")->conditions, "Accepted"),
            "False/PoolNotFound");
  EXPECT_TRUE(hasProblems(r.status));  // `torii validate` exits 1
}

TEST(TranslatorInference, WeightsAcrossTwoPoolsAndSharedCluster) {
  const std::string two =
      std::string(kPods) + R"(---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: pool2, namespace: ns}
spec:
  selector: {matchLabels: {app: n}}
  targetPorts: [{number: 3000}]
---
)" +
      poolRoute("w",
                "[{group: inference.networking.k8s.io, kind: InferencePool, name: pool, "
                "weight: 70}, {group: inference.networking.k8s.io, kind: InferencePool, "
                "name: pool2, weight: 30}, {name: svc, port: 80, weight: 0}]") +
      "---\n" +
      poolRoute("again",
                "[{group: inference.networking.k8s.io, kind: InferencePool, "
                "name: pool}]",
                "{name: gw, sectionName: a}");
  auto r = translateYaml(two);
  ASSERT_EQ(r.ir.clusters.size(), 3u);  // pool, pool2, svc: one cluster per pool
  const IrRoute& w = firstRoute(r, 8080);
  ASSERT_EQ(w.backends.size(), 3u);
  EXPECT_EQ(r.ir.clusters[w.backends[0].cluster].name, "ns/pool");
  EXPECT_EQ(w.backends[0].weight, 70);
  EXPECT_EQ(r.ir.clusters[w.backends[1].cluster].name, "ns/pool2");
  EXPECT_EQ(w.backends[1].weight, 30);
  EXPECT_EQ(r.ir.clusters[w.backends[2].cluster].name, "ns/svc:80");
  EXPECT_EQ(r.ir.clusters[w.backends[1].cluster].endpoints.size(), 1u);  // pod "other"
  EXPECT_EQ(firstRoute(r, 80).backends[0].cluster, w.backends[0].cluster);
  EXPECT_EQ(r.ir.clusters[w.backends[2].cluster].inference, nullptr);
}

TEST(TranslatorInference, MissingPoolIsBackendNotFound) {
  auto r = translateYaml(poolRoute(
      "nopool", "[{group: inference.networking.k8s.io, kind: InferencePool, name: nope}]"));
  const ObjectStatus* rt = find(r, "HTTPRoute", "nopool");
  EXPECT_EQ(cs(rt->parents[0].conditions, "Accepted"), "True/Accepted");
  const Condition* rr = condition(rt->parents[0].conditions, "ResolvedRefs");
  EXPECT_EQ(rr->status + "/" + rr->reason, "False/BackendNotFound");
  EXPECT_NE(rr->message.find("InferencePool ns/nope not found"), std::string::npos);
  EXPECT_EQ(firstRoute(r).backends[0].cluster, -1);  // its share answers 500
  EXPECT_TRUE(r.ir.clusters.empty());
  // A kind from an unknown group is not a pool.
  auto k = translateYaml(poolRoute("k", "[{group: example.com, kind: InferencePool, name: x}]"));
  EXPECT_EQ(cs(find(k, "HTTPRoute", "k")->parents[0].conditions, "ResolvedRefs"),
            "False/InvalidKind");
}

TEST(TranslatorInference, PoolParentsPerGatewayAndPickerRef) {
  const std::string base = std::string(kPods) + R"(---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: gw2, namespace: infra}
spec:
  gatewayClassName: torii
  addresses: [{type: IPAddress, value: 127.0.0.2}]
  listeners: [{name: http, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: All}}}]
---
apiVersion: v1
kind: Service
metadata: {name: epp, namespace: ns}
spec: {ports: [{port: 9002}]}
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: picked, namespace: ns, generation: 2}
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 3000}]
  endpointPickerRef: {name: epp, port: {number: 9002}}
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: badepp, namespace: ns}
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 3000}]
  endpointPickerRef: {name: non-existent-epp-svc, port: {number: 9002}}
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: badport-open, namespace: ns}
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 3000}]
  endpointPickerRef: {name: epp, port: {number: 1234}, failureMode: FailOpen}
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: unused, namespace: ns}
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 3000}]
---
)";
  const char* kRef = "[{group: inference.networking.k8s.io, kind: InferencePool, name: ";
  auto r = translateYaml(
      base + poolRoute("one", std::string(kRef) + "picked}]") + "---\n" +
      poolRoute("two", std::string(kRef) + "picked}]", "{name: gw2, namespace: infra}") + "---\n" +
      poolRoute("three", std::string(kRef) + "badepp}]", "{name: gw, sectionName: a}") + "---\n" +
      poolRoute("four", std::string(kRef) + "badport-open}]", "{name: gw, sectionName: a}") +
      "---\n" +
      // Not accepted (no such listener): gives the pool no parent.
      poolRoute("rejected", std::string(kRef) + "unused}]", "{name: gw, sectionName: nope}"));
  const ObjectStatus* picked = find(r, "InferencePool", "picked");
  ASSERT_NE(picked, nullptr);
  EXPECT_EQ(picked->api_version, "inference.networking.k8s.io/v1");
  ASSERT_EQ(picked->parents.size(), 2u);
  std::set<std::string> parents;
  for (const auto& p : picked->parents) {
    EXPECT_EQ(p.parent_ref.group, "gateway.networking.k8s.io");
    EXPECT_EQ(p.parent_ref.kind, "Gateway");
    EXPECT_EQ(p.controller_name, kControllerName);
    parents.insert(p.parent_ref.namespace_.value_or("?") + "/" + p.parent_ref.name);
    EXPECT_EQ(cs(p.conditions, "Accepted"), "True/SupportedByParent");
    EXPECT_EQ(cs(p.conditions, "ResolvedRefs"), "True/ResolvedRefs");
    EXPECT_EQ(condition(p.conditions, "Accepted")->observed_generation, 2);
    EXPECT_NE(condition(p.conditions, "Accepted")->message.find("built-in endpoint picker"),
              std::string::npos);
  }
  EXPECT_EQ(parents, (std::set<std::string>{"infra/gw2", "ns/gw"}));

  const ObjectStatus* bad = find(r, "InferencePool", "badepp");
  ASSERT_EQ(bad->parents.size(), 1u);
  EXPECT_EQ(cs(bad->parents[0].conditions, "Accepted"), "True/SupportedByParent");
  EXPECT_EQ(cs(bad->parents[0].conditions, "ResolvedRefs"), "False/InvalidExtensionRef");
  EXPECT_NE(condition(bad->parents[0].conditions, "ResolvedRefs")
                ->message.find("non-existent-epp-svc not found"),
            std::string::npos);
  // FailClose with a picker that cannot exist: the route stays Accepted, requests answer 500.
  EXPECT_EQ(cs(find(r, "HTTPRoute", "three")->parents[0].conditions, "Accepted"), "True/Accepted");
  EXPECT_EQ(clusterNamed(r, "ns/badepp"), nullptr);
  const ObjectStatus* open = find(r, "InferencePool", "badport-open");
  EXPECT_EQ(cs(open->parents[0].conditions, "ResolvedRefs"), "False/InvalidExtensionRef");
  EXPECT_NE(clusterNamed(r, "ns/badport-open"), nullptr);  // FailOpen: the built-in picker serves
  for (const auto& l : r.ir.listeners) {
    if (l.port != 80 || l.address != "127.0.0.1") continue;
    for (const auto& rt : l.vhosts[0].routes) {
      if (rt.route == "ns/three") EXPECT_EQ(rt.backends[0].cluster, -1);
      if (rt.route == "ns/four") EXPECT_GE(rt.backends[0].cluster, 0);
    }
  }
  EXPECT_TRUE(find(r, "InferencePool", "unused")->parents.empty());
  EXPECT_TRUE(hasProblems(r.status));

  // Removing a route removes that Gateway's parent entry.
  auto one = translateYaml(base + poolRoute("one", std::string(kRef) + "picked}]"));
  ASSERT_EQ(find(one, "InferencePool", "picked")->parents.size(), 1u);
  EXPECT_EQ(find(one, "InferencePool", "picked")->parents[0].parent_ref.name, "gw");

  std::string json = statusToJson(r.status);
  EXPECT_NE(json.find(R"("apiVersion":"inference.networking.k8s.io/v1","kind":"InferencePool")"),
            std::string::npos);
  EXPECT_NE(json.find(R"("reason":"SupportedByParent")"), std::string::npos);
  EXPECT_NE(
      json.find(
          R"("parentRef":{"group":"gateway.networking.k8s.io","kind":"Gateway","namespace":"infra","name":"gw2"})"),
      std::string::npos);
}

TEST(TranslatorInference, CrossNamespacePoolNeedsReferenceGrant) {
  const std::string routes = R"(
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: far, namespace: other}
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 3000}]
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: other, labels: {app: m}}
status: {podIP: 10.2.0.1}
---
)" + poolRoute("cross",
               "[{group: inference.networking.k8s.io, kind: InferencePool, name: far, "
               "namespace: other}]");
  auto r = translateYaml(routes);
  EXPECT_EQ(cs(find(r, "HTTPRoute", "cross")->parents[0].conditions, "ResolvedRefs"),
            "False/RefNotPermitted");
  EXPECT_TRUE(find(r, "InferencePool", "far")->parents.empty());
  // A grant for Services does not cover pools.
  const char* kServiceGrant = R"(
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: svc, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ns}]
  to: [{group: "", kind: Service}]
)";
  auto s = translateYaml(routes + kServiceGrant);
  EXPECT_EQ(cs(find(s, "HTTPRoute", "cross")->parents[0].conditions, "ResolvedRefs"),
            "False/RefNotPermitted");
  auto g = translateYaml(routes + R"(
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: pools, namespace: other}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: ns}]
  to: [{group: inference.networking.k8s.io, kind: InferencePool}]
)");
  EXPECT_EQ(cs(find(g, "HTTPRoute", "cross")->parents[0].conditions, "ResolvedRefs"),
            "True/ResolvedRefs");
  const IrCluster* c = clusterNamed(g, "other/far");
  ASSERT_NE(c, nullptr);
  ASSERT_EQ(c->endpoints.size(), 1u);
  EXPECT_EQ(c->inference->endpoint_pods[0], "other/p");
  ASSERT_EQ(find(g, "InferencePool", "far")->parents.size(), 1u);
}

TEST(TranslatorInference, OlderGroupPoolAndModels) {
  auto r = translateYaml(std::string(kPods) + R"(---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
metadata: {name: legacy, namespace: ns}
spec:
  selector: {app: m}
  targetPortNumber: 8000
  extensionRef: {name: legacy-epp}
---
apiVersion: v1
kind: Service
metadata: {name: legacy-epp, namespace: ns}
spec: {ports: [{port: 9002}]}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModel
metadata: {name: base, namespace: ns}
spec: {modelName: llama, criticality: Critical, poolRef: {name: legacy}}
---
)" + poolRoute("r", "[{group: inference.networking.x-k8s.io, kind: InferencePool, name: legacy}]"));
  const IrCluster* c = clusterNamed(r, "ns/legacy");
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->endpoints.size(), 3u);
  EXPECT_EQ(c->app_protocol, "");
  EXPECT_EQ(c->inference->model_priorities,
            (std::vector<std::pair<std::string, int>>{{"llama", 1}}));
  const ObjectStatus* p = find(r, "InferencePool", "legacy");
  EXPECT_EQ(p->api_version, "inference.networking.x-k8s.io/v1alpha2");
  ASSERT_EQ(p->parents.size(), 1u);
  // extensionRef without portNumber: 9002 is inferred, which the Service has.
  EXPECT_EQ(cs(p->parents[0].conditions, "ResolvedRefs"), "True/ResolvedRefs");
  EXPECT_EQ(cs(find(r, "InferenceModel", "base")->conditions, "Accepted"), "True/Accepted");
}

// A valid HTTPS listener is not claimed Programmed while the data plane does not terminate TLS.
TEST(TranslatorStatus, HttpsListenerPendingUntilTlsIsServed) {
  auto r = translateYaml(R"(
apiVersion: v1
kind: Secret
metadata: {name: cert, namespace: ns}
type: kubernetes.io/tls
data: {tls.crt: "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCngKLS0tLS1FTkQgQ0VSVElGSUNBVEUtLS0tLQo=", tls.key: "LS0tLS1CRUdJTiBQUklWQVRFIEtFWS0tLS0tCngKLS0tLS1FTkQgUFJJVkFURSBLRVktLS0tLQo="}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: tls, namespace: ns}
spec:
  gatewayClassName: torii
  listeners:
  - {name: https, protocol: HTTPS, port: 443, tls: {certificateRefs: [{name: cert}]}}
  - {name: http, protocol: HTTP, port: 80}
)");
  const ObjectStatus* gw = find(r, "Gateway", "tls");
  ASSERT_NE(gw, nullptr);
  ASSERT_EQ(gw->listeners.size(), 2u);
  if (!kDataPlaneServesTls) {
    EXPECT_EQ(cs(gw->listeners[0].conditions, "Programmed"), "False/Pending");
  } else {
    EXPECT_EQ(cs(gw->listeners[0].conditions, "Programmed"), "True/Programmed");
  }
  EXPECT_EQ(cs(gw->listeners[1].conditions, "Programmed"), "True/Programmed");
}

TEST(TranslatorStatus, ListenerBindErrors) {
  auto d = decodeManifests(std::string(kBase), "t");
  ASSERT_TRUE(d.errors.empty());
  auto r = translate(d.objects, {});
  applyListenerBindErrors(
      r.status, d.objects,
      {{"127.0.0.1", 8080, "Address already in use"}, {"10.9.9.9", 80, "not ours"}},
      "2026-12-02T00:00:00Z");
  const ObjectStatus* gw = find(r, "Gateway", "gw");
  ASSERT_NE(gw, nullptr);
  EXPECT_EQ(cs(gw->listeners[0].conditions, "Programmed"), "True/Programmed");  // port 80
  EXPECT_EQ(cs(gw->listeners[1].conditions, "Accepted"), "False/PortUnavailable");
  EXPECT_EQ(cs(gw->listeners[1].conditions, "Programmed"), "False/Invalid");
  const Condition* c = condition(gw->listeners[1].conditions, "Programmed");
  EXPECT_EQ(c->message, "cannot listen on 127.0.0.1:8080: Address already in use");
  EXPECT_EQ(c->last_transition_time, "2026-12-02T00:00:00Z");
}

}  // namespace
}  // namespace torii::config
