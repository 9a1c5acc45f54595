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
)",
                           "mem");
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
)",
                           "dir/file.yaml");
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
)",
                           "f");
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
)",
                           "f");
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0],
            "f doc 0: spec.rules[0].matches[0].path.type: must be Exact, PathPrefix or "
            "RegularExpression");
}

TEST(Decode, NewKinds) {
  auto r = decodeManifests(R"(
apiVersion: v1
kind: Namespace
metadata: {name: team, labels: {a: b}}
---
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: ns}
type: kubernetes.io/tls
data: {tls.crt: SGVsbG8gd29ybGQK}
stringData: {extra: plain}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: c, namespace: ns}
data: {ca.crt: pem}
---
apiVersion: gateway.networking.k8s.io/v1beta1
kind: ReferenceGrant
metadata: {name: g, namespace: ns}
spec:
  from: [{group: gateway.networking.k8s.io, kind: HTTPRoute, namespace: other}]
  to: [{group: "", kind: Service, name: svc}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: ListenerSet
metadata: {name: ls, namespace: ns}
spec:
  parentRef: {name: gw}
  listeners: [{name: l, protocol: HTTP, port: 80}]
---
apiVersion: gateway.envoyproxy.io/v1alpha1
kind: HTTPRouteFilter
metadata: {name: f, namespace: ns}
spec:
  directResponse: {statusCode: 503, contentType: text/plain, body: {type: Inline, inline: down}}
  urlRewrite: {path: {type: ReplaceRegexMatch, replaceRegexMatch: {pattern: "^/a", substitution: "/b"}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules:
  - name: first
    matches:
    - headers: [{name: X-A, value: "1"}, {type: RegularExpression, name: X-B, value: "b.*"}]
      queryParams: [{name: q, value: v}]
      method: POST
    filters:
    - type: RequestHeaderModifier
      requestHeaderModifier: {set: [{name: A, value: B}], add: [{name: C, value: D}], remove: [E]}
    - type: RequestRedirect
      requestRedirect: {scheme: https, statusCode: 301, path: {type: ReplaceFullPath, replaceFullPath: /x}}
    - type: RequestMirror
      requestMirror: {backendRef: {name: m, port: 80}, percent: 50}
    - type: ExtensionRef
      extensionRef: {group: gateway.envoyproxy.io, kind: HTTPRouteFilter, name: f}
    backendRefs:
    - name: svc
      port: 80
      filters: [{type: ResponseHeaderModifier, responseHeaderModifier: {add: [{name: X, value: Y}]}}]
    timeouts: {request: 10s, backendRequest: 1s}
    retry: {codes: [500, 503], attempts: 3, backoff: 100ms}
)",
                           "f");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.objects.size(), 7u);
  EXPECT_EQ(std::get<Namespace>(r.objects[0]).meta.labels.at("a"), "b");
  const auto& sec = std::get<Secret>(r.objects[1]);
  EXPECT_EQ(sec.data.at("tls.crt"), "Hello world\n");
  EXPECT_EQ(sec.data.at("extra"), "plain");
  EXPECT_TRUE(sec.data_valid);
  EXPECT_EQ(std::get<ReferenceGrant>(r.objects[3]).to[0].name.value(), "svc");
  EXPECT_EQ(std::get<ListenerSet>(r.objects[4]).parent_ref.name, "gw");
  const auto& f = std::get<EgHTTPRouteFilter>(r.objects[5]);
  EXPECT_EQ(f.direct_response_status.value(), 503);
  EXPECT_EQ(f.direct_response_body.value(), "down");
  EXPECT_EQ(f.rewrite_path_regex_substitution.value(), "/b");
  const auto& rule = std::get<HTTPRoute>(r.objects[6]).rules[0];
  EXPECT_EQ(rule.name.value(), "first");
  EXPECT_EQ(rule.matches[0].headers[1].type, "RegularExpression");
  EXPECT_EQ(rule.matches[0].query_params[0].name, "q");
  EXPECT_EQ(rule.matches[0].method.value(), "POST");
  ASSERT_EQ(rule.filters.size(), 4u);
  EXPECT_EQ(rule.filters[0].request_header_modifier->remove[0], "E");
  EXPECT_EQ(rule.filters[1].request_redirect->status_code, 301);
  EXPECT_EQ(rule.filters[2].request_mirror->percent.value(), 50);
  EXPECT_EQ(rule.filters[3].extension_ref->name, "f");
  EXPECT_EQ(rule.backend_refs[0].filters[0].response_header_modifier->add[0].value, "Y");
  EXPECT_EQ(rule.retry->codes.size(), 2u);
  EXPECT_EQ(rule.timeouts->backend_request.value(), "1s");
}

TEST(Decode, NewKindErrors) {
  auto r = decodeManifests(R"(
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: ns}
data: {tls.crt: "not base64!"}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules: [{matches: [{headers: [{type: Prefix, name: a, value: b}]}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules: [{filters: [{type: Teleport}]}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules: [{retry: {codes: [200]}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g}
spec:
  gatewayClassName: c
  listeners: [{name: l, protocol: HTTP, port: 80, allowedRoutes: {namespaces: {from: Nowhere}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: g}
spec:
  gatewayClassName: c
  listeners:
  - name: l
    protocol: HTTP
    port: 80
    allowedRoutes: {namespaces: {from: Selector, selector: {matchExpressions: [{key: a, operator: Near}]}}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {name: r}
spec:
  rules: [{filters: [{type: RequestRedirect, requestRedirect: {path: {type: Sideways}}}]}]
)",
                           "f");
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_FALSE(std::get<Secret>(r.objects[0]).data_valid);
  ASSERT_EQ(r.errors.size(), 6u);
  EXPECT_EQ(
      r.errors[0],
      "f doc 1: spec.rules[0].matches[0].headers[0].type: must be Exact or RegularExpression");
  EXPECT_EQ(r.errors[1], "f doc 2: spec.rules[0].filters[0].type: unknown filter type Teleport");
  EXPECT_EQ(
      r.errors[2],
      "f doc 3: spec.rules[0].retry.codes[0]: must be an HTTP status code between 400 and 599");
  EXPECT_EQ(r.errors[3],
            "f doc 4: spec.listeners[0].allowedRoutes.namespaces.from: must be All, Same, Selector "
            "or None");
  EXPECT_EQ(
      r.errors[4],
      "f doc 5: spec.listeners[0].allowedRoutes.namespaces.selector.matchExpressions[0].operator: "
      "must be In, "
      "NotIn, Exists or DoesNotExist");
  EXPECT_EQ(r.errors[5],
            "f doc 6: spec.rules[0].filters[0].requestRedirect.path.type: must be ReplaceFullPath "
            "or ReplacePrefixMatch");
}

TEST(Decode, SpecHashIgnoresMetadataAndStyle) {
  auto a = decodeManifests(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s, labels: {x: y}}\nspec:\n  ports:\n"
      "  - port: 80\n    name: web\n",
      "a");
  auto b = decodeManifests(
      R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"s"},"spec":{"ports":[{"name":"web","port":80}]},"status":{}})",
      "b");
  auto c = decodeManifests(
      "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {ports: [{port: 81}]}\n", "c");
  ASSERT_EQ(a.objects.size(), 1u);
  ASSERT_EQ(b.objects.size(), 1u);
  EXPECT_EQ(metaOf(a.objects[0]).spec_hash, metaOf(b.objects[0]).spec_hash);
  EXPECT_NE(metaOf(a.objects[0]).spec_hash, metaOf(c.objects[0]).spec_hash);
}

TEST(Decode, LabelSelector) {
  LabelSelector s;
  s.match_labels = {{"a", "1"}};
  s.match_expressions = {{"b", "In", {"x", "y"}}, {"c", "DoesNotExist", {}}};
  EXPECT_TRUE(s.matches({{"a", "1"}, {"b", "y"}}));
  EXPECT_FALSE(s.matches({{"a", "1"}, {"b", "z"}}));
  EXPECT_FALSE(s.matches({{"a", "1"}, {"b", "x"}, {"c", ""}}));
  EXPECT_FALSE(s.matches({{"b", "x"}}));
  LabelSelector e;
  e.match_expressions = {{"k", "Exists", {}}, {"n", "NotIn", {"v"}}};
  EXPECT_TRUE(e.matches({{"k", ""}}));
  EXPECT_FALSE(e.matches({{"k", ""}, {"n", "v"}}));
}

}  // namespace
}  // namespace torii::config
