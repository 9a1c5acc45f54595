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

}  // namespace
}  // namespace torii::config
