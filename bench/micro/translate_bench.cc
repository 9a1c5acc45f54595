// Translation at scale (the Gateway API issue's benchmark): 100 Gateways x 100 HTTPRoutes, 10,000
// routes with mixed matches and filters. Reports decode (YAML → objects), translate (objects → Ir
// + status) and compile (Ir → Snapshot) separately; the target is translate + compile under 200 ms.
#include <benchmark/benchmark.h>

#include <string>
#include <utility>

#include "config/decode.h"
#include "config/snapshot.h"
#include "config/translator.h"

namespace {

using namespace torii::config;

std::string manifests(int gateways, int routes_per_gateway) {
  std::string y =
      "apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\nmetadata: {name: torii}\n"
      "spec: {controllerName: torii.dev/gateway-controller}\n";
  for (int g = 0; g < gateways; ++g) {
    std::string ns = "ns" + std::to_string(g);
    y += "---\napiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\nmetadata: {name: gw, "
         "namespace: " +
         ns +
         "}\nspec:\n  gatewayClassName: torii\n  addresses: [{type: IPAddress, value: 127.0.3." +
         std::to_string(g % 250 + 1) + "}]\n  listeners:\n  - {name: http, protocol: HTTP, port: " +
         std::to_string(8000 + g / 250) + "}\n";
    y += "---\napiVersion: v1\nkind: Service\nmetadata: {name: svc, namespace: " + ns +
         "}\nspec:\n  ports: [{name: http, port: 80, targetPort: 8080}]\n";
    y += "---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: svc-1, "
         "namespace: " +
         ns +
         ", labels: {kubernetes.io/service-name: svc}}\naddressType: IPv4\nendpoints:\n"
         "- addresses: [10.0.0.1]\n- addresses: [10.0.0.2]\nports: [{name: http, port: 8080}]\n";
    for (int r = 0; r < routes_per_gateway; ++r) {
      std::string id = std::to_string(r);
      y += "---\napiVersion: gateway.networking.k8s.io/v1\nkind: HTTPRoute\nmetadata: {name: r" +
           id + ", namespace: " + ns + "}\nspec:\n  parentRefs: [{name: gw}]\n  hostnames: [h" +
           id +
           ".example.com]\n"
           "  rules:\n";
      switch (r % 4) {
        case 0:
          y += "  - matches: [{path: {type: PathPrefix, value: /api/" + id + "}}]\n";
          break;
        case 1:
          y += "  - matches: [{path: {type: Exact, value: /exact/" + id +
               "}, headers: [{name: x-version, value: v2}]}]\n";
          break;
        case 2:
          y += "  - matches: [{path: {type: RegularExpression, value: \"/re/[0-9]+/" + id +
               "\"}, queryParams: [{name: q, value: x}]}]\n";
          break;
        default:
          y += "  - matches: [{path: {type: PathPrefix, value: /m/" + id +
               "}, method: POST}]\n"
               "    filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier:\n"
               "        set: [{name: x-route, value: r" +
               id +
               "}]\n    - type: URLRewrite\n"
               "      urlRewrite: {path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}}\n";
      }
      y +=
          "    backendRefs: [{name: svc, port: 80, weight: 3}, {name: svc, port: 80, weight: 1}]\n";
    }
  }
  return y;
}

const std::vector<Object>& objects() {
  static const std::vector<Object> objs = decodeManifests(manifests(100, 100), "bench").objects;
  return objs;
}

void BM_Decode10kRoutes(benchmark::State& state) {
  std::string text = manifests(100, 100);
  for (auto _ : state) {
    auto r = decodeManifests(text, "bench");
    benchmark::DoNotOptimize(r.objects.size());
  }
  state.counters["objects"] = double(objects().size());
}

void BM_Translate10kRoutes(benchmark::State& state) {
  const auto& objs = objects();
  for (auto _ : state) {
    auto r = translate(objs, TranslateOptions{});
    benchmark::DoNotOptimize(r.ir.listeners.size());
  }
}

void BM_TranslateAndCompile10kRoutes(benchmark::State& state) {
  const auto& objs = objects();
  uint64_t version = 1;
  for (auto _ : state) {
    auto r = translate(objs, TranslateOptions{});
    auto snap = compile(std::move(r.ir), version++, nullptr);  // as main does
    benchmark::DoNotOptimize(snap.get());
  }
}

}  // namespace

BENCHMARK(BM_Decode10kRoutes)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Translate10kRoutes)->Unit(benchmark::kMillisecond)->MinTime(2);
BENCHMARK(BM_TranslateAndCompile10kRoutes)->Unit(benchmark::kMillisecond)->MinTime(2);
