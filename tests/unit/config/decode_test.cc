#include "config/decode.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

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

// --- inference extension kinds ---

TEST(DecodeInference, PoolShapesNormalized) {
  auto r = decodeManifests(R"(
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: v1pool
  namespace: ns
  annotations: {torii.dev/endpoint-picker: round-robin, other.io/x: y, torii.dev/bad: {a: b}}
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 8000}, {number: 8002}]
  appProtocol: kubernetes.io/h2c
  endpointPickerRef: {name: epp, port: {number: 9002}, failureMode: FailOpen}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
metadata: {name: old}
spec:
  selector: {app: m, tier: gpu}
  targetPortNumber: 8000
  extensionRef: {name: epp}
---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: bare}
spec:
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 3000}]
)",
                           "f");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(kindOf(r.objects[0]), "InferencePool");
  const auto& p = std::get<InferencePool>(r.objects[0]);
  EXPECT_EQ(p.group, "inference.networking.k8s.io");
  EXPECT_EQ(p.api_version, "inference.networking.k8s.io/v1");
  EXPECT_EQ(p.selector, (std::map<std::string, std::string>{{"app", "m"}}));
  EXPECT_EQ(p.target_ports, (std::vector<int>{8000, 8002}));
  EXPECT_EQ(p.app_protocol, "kubernetes.io/h2c");
  ASSERT_TRUE(p.endpoint_picker_ref);
  EXPECT_EQ(p.endpoint_picker_ref->kind, "Service");
  EXPECT_EQ(p.endpoint_picker_ref->port, 9002);
  EXPECT_EQ(p.endpoint_picker_ref->failure_mode, "FailOpen");
  // Only torii.dev/ annotations are kept; a non-string value is kept as "" (invalid later).
  EXPECT_EQ(p.annotations,
            (std::map<std::string, std::string>{{"torii.dev/bad", ""},
                                                {"torii.dev/endpoint-picker", "round-robin"}}));
  const auto& old = std::get<InferencePool>(r.objects[1]);
  EXPECT_EQ(old.group, "inference.networking.x-k8s.io");
  EXPECT_EQ(old.meta.namespace_, "default");
  EXPECT_EQ(old.selector.size(), 2u);
  EXPECT_EQ(old.target_ports, std::vector<int>{8000});
  ASSERT_TRUE(old.endpoint_picker_ref);
  EXPECT_EQ(old.endpoint_picker_ref->port, 9002);  // v1alpha2: inferred for Services
  EXPECT_EQ(old.endpoint_picker_ref->failure_mode, "FailClose");
  const auto& bare = std::get<InferencePool>(r.objects[2]);
  EXPECT_FALSE(bare.endpoint_picker_ref);
  EXPECT_EQ(bare.app_protocol, "");
}

TEST(DecodeInference, ObjectivesRewritesModelsPods) {
  auto r = decodeManifests(R"(
apiVersion: llm-d.ai/v1alpha2
kind: InferenceObjective
metadata: {name: o, namespace: ns}
spec: {priority: -2, poolRef: {name: pool}}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceObjective
metadata: {name: o2, namespace: ns}
spec: {poolRef: {group: inference.networking.x-k8s.io, name: pool}}
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceModelRewrite
metadata: {name: rw, namespace: ns}
spec:
  poolRef: {name: pool}
  rules:
  - matches: [{model: {type: Exact, value: a}}, {model: {value: b}}]
    targets: [{modelRewrite: a1, weight: 90}, {modelRewrite: a2, weight: 10}]
  - targets: [{modelRewrite: any}]
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModel
metadata: {name: m, namespace: ns}
spec:
  modelName: food-review
  criticality: Sheddable
  poolRef: {name: pool}
  targetModels: [{name: food-review-1, weight: 100}]
---
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: ns, labels: {app: m}, deletionTimestamp: "2026-01-01T00:00:00Z"}
spec: {containers: [{name: c, image: x}]}
status: {phase: Running, podIP: 10.0.0.5}
---
apiVersion: v1
kind: Pod
metadata: {name: q, namespace: ns}
)",
                           "f");
  ASSERT_TRUE(r.errors.empty()) << r.errors[0];
  ASSERT_EQ(r.objects.size(), 6u);
  const auto& o = std::get<InferenceObjective>(r.objects[0]);
  EXPECT_EQ(o.api_version, "llm-d.ai/v1alpha2");
  EXPECT_EQ(o.priority, -2);
  EXPECT_EQ(o.pool_ref.group, "inference.networking.k8s.io");  // default
  EXPECT_EQ(o.pool_ref.kind, "InferencePool");
  EXPECT_EQ(o.pool_ref.name, "pool");
  const auto& o2 = std::get<InferenceObjective>(r.objects[1]);
  EXPECT_FALSE(o2.priority);
  EXPECT_EQ(o2.pool_ref.group, "inference.networking.x-k8s.io");
  const auto& rw = std::get<InferenceModelRewrite>(r.objects[2]);
  ASSERT_EQ(rw.rules.size(), 2u);
  EXPECT_EQ(rw.rules[0].models, (std::vector<std::string>{"a", "b"}));
  ASSERT_EQ(rw.rules[0].targets.size(), 2u);
  EXPECT_EQ(rw.rules[0].targets[1].model_rewrite, "a2");
  EXPECT_EQ(rw.rules[0].targets[1].weight, 10);
  EXPECT_TRUE(rw.rules[1].models.empty());
  EXPECT_FALSE(rw.rules[1].targets[0].weight);
  const auto& m = std::get<InferenceModel>(r.objects[3]);
  EXPECT_EQ(m.model_name, "food-review");
  EXPECT_EQ(m.criticality, "Sheddable");
  EXPECT_EQ(m.pool_ref.group, "inference.networking.x-k8s.io");  // InferenceModel's default
  ASSERT_EQ(m.target_models.size(), 1u);
  EXPECT_EQ(m.target_models[0].weight, 100);
  const auto& p = std::get<Pod>(r.objects[4]);
  EXPECT_EQ(kindOf(r.objects[4]), "Pod");
  EXPECT_EQ(p.pod_ip, "10.0.0.5");
  EXPECT_EQ(p.phase, "Running");
  EXPECT_TRUE(p.deleting);
  EXPECT_EQ(p.meta.labels.at("app"), "m");
  const auto& q = std::get<Pod>(r.objects[5]);
  EXPECT_EQ(q.pod_ip, "");
  EXPECT_FALSE(q.deleting);
}

TEST(DecodeInference, Errors) {
  const char* kPool = R"(
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata: {name: p}
spec:
)";
  auto r = decodeManifests(std::string(kPool) + R"(
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 1}, {number: 1}]
---)" + kPool + R"(
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 1}, {number: 2}, {number: 3}, {number: 4}, {number: 5}, {number: 6}, {number: 7}, {number: 8}, {number: 9}]
---)" + kPool + R"(
  targetPorts: [{number: 1}]
---)" + kPool + R"(
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 1}]
  appProtocol: grpc
---)" + kPool + R"(
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 1}]
  endpointPickerRef: {name: epp}
---)" + kPool + R"(
  selector: {matchLabels: {app: m}}
  targetPorts: [{number: 1}]
  endpointPickerRef: {name: epp, port: {number: 9002}, failureMode: Sometimes}
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferencePool
metadata: {name: p}
spec: {selector: {app: m}, targetPortNumber: 0}
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceModelRewrite
metadata: {name: rw}
spec:
  poolRef: {name: pool}
  rules: [{targets: [{modelRewrite: a, weight: 1}, {modelRewrite: b}]}]
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceModelRewrite
metadata: {name: rw}
spec:
  poolRef: {name: pool}
  rules: [{matches: [{model: {type: RegularExpression, value: x}}], targets: [{modelRewrite: a}]}]
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceModelRewrite
metadata: {name: rw}
spec:
  poolRef: {name: pool}
  rules: [{targets: [{modelRewrite: a, weight: 0}]}]
---
apiVersion: inference.networking.x-k8s.io/v1alpha2
kind: InferenceModel
metadata: {name: m}
spec: {modelName: x, criticality: Urgent, poolRef: {name: pool}}
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceObjective
metadata: {name: o}
spec: {priority: high}
---
apiVersion: llm-d.ai/v1alpha2
kind: InferenceObjective
metadata: {name: o}
spec: {priority: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: ok}
)",
                           "f");
  std::vector<std::string> want = {
      "f doc 0: spec.targetPorts[1].number: duplicate port 1",
      "f doc 1: spec.targetPorts: must have between 1 and 8 ports",
      "f doc 2: spec.selector.matchLabels: required field is missing",
      "f doc 3: spec.appProtocol: must be http or kubernetes.io/h2c",
      "f doc 4: spec.endpointPickerRef.port: required when kind is Service",
      "f doc 5: spec.endpointPickerRef.failureMode: must be FailOpen or FailClose",
      "f doc 6: spec.targetPortNumber: must be between 1 and 65535",
      "f doc 7: spec.rules[0].targets: weight must be set on every target or on none",
      "f doc 8: spec.rules[0].matches[0].model.type: must be Exact",
      "f doc 9: spec.rules[0].targets[0].weight: must be between 1 and 1000000",
      "f doc 10: spec.criticality: must be Critical, Standard or Sheddable",
      "f doc 11: spec.priority: must be an integer",
      "f doc 12: spec.poolRef: required field is missing",
  };
  EXPECT_EQ(r.errors, want);
  ASSERT_EQ(r.objects.size(), 1u);  // the Pod still loads
  EXPECT_EQ(kindOf(r.objects[0]), "Pod");
}

// Every inference manifest in the shared corpus (GIE samples, the conformance base and tests)
// decodes without errors. Skipped when the corpus is not checked out beside the repository.
TEST(DecodeInference, SharedCorpusDecodes) {
  std::string dir;
  if (const char* env = std::getenv("TORII_SHARED_DIR")) dir = env;
  std::string up = "";
  for (int i = 0; dir.empty() && i < 5; ++i, up += "../") {
    std::string d = up + "../shared/conformance/inference/manifests";
    if (std::filesystem::is_directory(d)) dir = d;
  }
  if (!dir.empty() && dir.find("conformance/inference") == std::string::npos)
    dir += "/conformance/inference/manifests";
  if (dir.empty() || !std::filesystem::is_directory(dir)) {
    GTEST_SKIP() << "shared/conformance/inference/manifests not found (set TORII_SHARED_DIR)";
  }
  std::vector<std::string> files = {dir + "/conformance-base.yaml"};
  for (const char* sub : {"/samples", "/conformance-tests"}) {
    for (const auto& e : std::filesystem::directory_iterator(dir + sub)) {
      if (e.path().extension() == ".yaml") files.push_back(e.path().string());
    }
  }
  ASSERT_GT(files.size(), 20u);
  size_t pools = 0, inference = 0;
  for (const auto& f : files) {
    auto r = decodeFile(f);
    EXPECT_TRUE(r.errors.empty()) << r.errors[0];
    EXPECT_FALSE(r.objects.empty()) << f;
    for (const auto& o : r.objects) {
      pools += std::holds_alternative<InferencePool>(o);
      inference += kindOf(o).rfind("Inference", 0) == 0;
    }
  }
  EXPECT_GE(pools, 8u);
  EXPECT_GT(inference, pools);
}

}  // namespace
}  // namespace torii::config
