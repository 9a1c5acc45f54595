#pragma once
// Ir: the validated, plain-struct description of what to serve, produced by the Translator from
// the resources and consumed by the Compiler. No pointers into the resources; cheap to copy.
//
// Division of work: the Translator resolves references and validates; everything the data plane
// must *execute* (filters, timeouts, retries, mirrors, TLS) is carried here already resolved:
// clusters are indices into Ir::clusters, durations are milliseconds, header names keep the case
// the route wrote them in (compare case-insensitively).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace torii::config {

struct IrEndpoint {
  std::string address;  // IPv4 literal
  int port = 0;
};

// An InferencePool backend (inference.networking.k8s.io/v1, or the older
// inference.networking.x-k8s.io/v1alpha2 shape): its endpoints are IrCluster::endpoints (every
// selected Pod's status.podIP times every targetPort); everything the built-in endpoint picker
// needs to choose among them is resolved here (shared/reference/inference.md §1, §3).
struct IrInferenceRewriteTarget {
  std::string model;
  uint32_t weight = 1;  // 1..1,000,000; relative within the rule
};
// InferenceModelRewrite rule (or an InferenceModel's targetModels): first matching rule wins.
struct IrInferenceRewriteRule {
  std::vector<std::string> models;  // exact body `model` values; empty = every model
  std::vector<IrInferenceRewriteTarget> targets;
};
struct IrInferencePool {
  std::string name;  // "namespace/name"
  // Endpoint picker policy: "scored" (default: weighted scorers + max-score picker),
  // "round-robin" or "least-request". Annotation torii.dev/endpoint-picker.
  std::string policy = "scored";
  // Scorer weights (annotation torii.dev/scorer-weights "queue=2,kv-cache=2,prefix=3,lora=1").
  double weight_queue = 2, weight_kv_cache = 2, weight_prefix = 3, weight_lora = 1;
  // Saturation detector (annotation torii.dev/saturation "queue=5,kv-cache=0.8,staleness=200ms").
  double saturation_queue = 5, saturation_kv_cache = 0.8;
  int64_t staleness_ms = 200;
  int64_t scrape_interval_ms = 50;           // annotation torii.dev/metrics-interval
  int64_t max_body_bytes = 4 * 1024 * 1024;  // annotation torii.dev/max-body-bytes; above: 413
  // InferenceObjective name -> priority (unset priority: 0). Selected per request by the
  // x-llm-d-inference-objective header (alias x-gateway-inference-objective).
  std::vector<std::pair<std::string, int>> objectives;
  // InferenceModel (v1alpha2) modelName -> priority from criticality (Critical 1, Standard 0,
  // Sheddable -1), matched against the body `model`.
  std::vector<std::pair<std::string, int>> model_priorities;
  // Model rewrites in precedence order (InferenceModelRewrite rules, then InferenceModel
  // targetModels).
  std::vector<IrInferenceRewriteRule> rewrites;
  // Parallel to IrCluster::endpoints: the Pod ("namespace/name") and its engine
  // ("vllm" | "sglang" | "trtllm-serve" | "triton-trtllm" | "triton"; pod label
  // llm-d.ai/engine-type or inference.networking.k8s.io/engine-type, default vllm).
  std::vector<std::string> endpoint_pods;
  std::vector<std::string> endpoint_engines;
};

struct IrCluster {
  std::string name;  // "namespace/service:port" (InferencePools: "namespace/name")
  std::vector<IrEndpoint> endpoints;
  // Service port appProtocol: "" (HTTP/1.1), "kubernetes.io/h2c" (HTTP/2 prior knowledge) or
  // "kubernetes.io/ws" (HTTP/1.1, WebSocket upgrades expected). Others are rejected by the
  // Translator (route ResolvedRefs=False/UnsupportedProtocol).
  std::string app_protocol;
  // Set when the backend is an InferencePool; shared so snapshots copy it cheaply.
  std::shared_ptr<const IrInferencePool> inference;
};

// RequestHeaderModifier / ResponseHeaderModifier (Gateway API semantics: `set` replaces every
// field of that name, `add` appends a value, `remove` deletes; applied as set, add, remove).
struct IrHeaderModifier {
  std::vector<std::pair<std::string, std::string>> set;
  std::vector<std::pair<std::string, std::string>> add;
  std::vector<std::string> remove;
  bool empty() const { return set.empty() && add.empty() && remove.empty(); }
};

struct IrPathModifier {
  enum class Type { kReplaceFullPath, kReplacePrefixMatch };
  Type type = Type::kReplaceFullPath;
  std::string value;
  // For kReplacePrefixMatch: the matched prefix is IrRoute::path_value (a PathPrefix match).
};

// RequestRedirect filter: answer with a redirect instead of proxying.
struct IrRedirect {
  std::optional<std::string> scheme;  // "http" | "https"
  std::optional<std::string> hostname;
  std::optional<int> port;  // absent: see the Gateway API redirect port rules
  std::optional<IrPathModifier> path;
  int status_code = 302;  // 301, 302, 303, 307, 308
};

// URLRewrite filter (and Envoy Gateway HTTPRouteFilter urlRewrite extensions).
struct IrUrlRewrite {
  std::optional<std::string> hostname;
  std::optional<IrPathModifier> path;
  // EG HTTPRouteFilter spec.urlRewrite.path.replaceRegexMatch (RE2 pattern, \1 substitutions).
  std::optional<std::string> path_regex;
  std::optional<std::string> path_regex_substitution;
  // EG HTTPRouteFilter spec.urlRewrite.hostname {type: Header}: take the host from this header.
  std::optional<std::string> hostname_from_header;
};

// RequestMirror filter: send a copy of the request to `cluster`, fire and forget, for
// numerator/denominator of requests (1/1 when the route gives no percent or fraction).
struct IrMirror {
  int cluster = -1;  // -1: invalid backend, the mirror is skipped
  uint32_t numerator = 1;
  uint32_t denominator = 1;
};

// CORS filter (Gateway API HTTPCORSFilter): the gateway answers preflights itself.
struct IrCors {
  std::vector<std::string> allow_origins;  // may contain "*" and "https://*.example.com"
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_headers;
  std::vector<std::string> expose_headers;
  bool allow_credentials = false;
  int max_age = 5;  // seconds (spec default)
};

// Envoy Gateway HTTPRouteFilter spec.directResponse: answer locally.
struct IrDirectResponse {
  int status = 200;
  std::string content_type;
  std::string body;
};

// Filters of a rule, in the order the data plane must apply them.
struct IrFilters {
  IrHeaderModifier request_headers;
  IrHeaderModifier response_headers;
  std::optional<IrRedirect> redirect;
  std::optional<IrUrlRewrite> rewrite;
  std::vector<IrMirror> mirrors;
  std::optional<IrCors> cors;
  std::optional<IrDirectResponse> direct_response;
};

struct IrBackend {
  int cluster = -1;  // index into Ir::clusters; -1 = invalid reference (its share answers 500)
  int weight = 1;    // 0 = never chosen
  // Per-backendRef filters (HTTPBackendRef.filters): header modifiers applied only when this
  // backend is chosen.
  IrHeaderModifier request_headers;
  IrHeaderModifier response_headers;
};

struct IrStringMatch {
  enum class Type { kExact, kRegex };
  Type type = Type::kExact;
  std::string name;  // header name (compare case-insensitively) or query parameter name (exact)
  std::string value;
};

struct IrRoute {
  // --- match (one HTTPRouteMatch) ---
  std::string path_type = "PathPrefix";  // Exact | PathPrefix | RegularExpression
  std::string path_value = "/";
  std::vector<IrStringMatch> headers;
  std::vector<IrStringMatch> query_params;
  std::string method;  // "" = any
  // --- identity and precedence ---
  std::string route;  // "namespace/name" of the HTTPRoute, for logs and precedence ties
  std::string creation_timestamp;
  int rule_index = 0;
  int match_index = 0;
  std::string rule_name;  // HTTPRouteRule.name ("" when unnamed), for logs and stats
  // --- action ---
  std::vector<IrBackend> backends;
  IrFilters filters;
  // timeouts.request / timeouts.backendRequest in milliseconds; 0 = disabled ("0s").
  std::optional<int64_t> request_timeout_ms;
  std::optional<int64_t> backend_request_timeout_ms;
  // retry: re-send on these status codes (and on connection errors) up to `attempts` times.
  struct Retry {
    std::vector<int> codes;
    int attempts = 1;
    int64_t backoff_ms = 0;
  };
  std::optional<Retry> retry;
};

struct IrVirtualHost {
  std::string hostname;  // exact name, "*.suffix" wildcard, or "*" for any
  std::vector<IrRoute> routes;
  // Hostname of the Gateway listener the routes attached to ("*" for none). Listener isolation:
  // a request is first given to the most specific listener hostname on its socket that matches
  // its host, and only that listener's virtual hosts are searched.
  std::string listener_hostname = "*";
};

// TLS termination for one Gateway listener (HTTPS): the certificate chain and key (PEM) and the
// listener hostname the certificate serves (SNI; "" = any).
struct IrCertificate {
  std::string hostname;
  std::string cert_pem;
  std::string key_pem;
};

// One listening socket: every Gateway listener on the same address and port shares it.
struct IrListener {
  std::string address;
  int port = 0;                             // the spec's port
  int bind_port = 0;                        // the port bound (port plus --port-offset)
  std::string protocol = "HTTP";            // HTTP | HTTPS
  std::vector<IrCertificate> certificates;  // HTTPS only
  std::vector<IrVirtualHost> vhosts;
};

struct Ir {
  std::vector<IrListener> listeners;
  std::vector<IrCluster> clusters;
};

}  // namespace torii::config
