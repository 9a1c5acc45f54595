#pragma once
// Typed Kubernetes objects that Torii reads (Gateway API, Envoy Gateway's HTTPRouteFilter,
// Service, EndpointSlice, Namespace, Secret, ConfigMap, the inference extension's InferencePool,
// InferenceObjective, InferenceModelRewrite, InferenceModel, and Pods). Plain data, decoded from
// YAML/JSON by decode.h, held by the ResourceStore (store.h), read by the Translator. Fields are
// named as in the Kubernetes API; optional fields use std::optional.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace torii::config {

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // "" for cluster-scoped kinds
  std::map<std::string, std::string> labels;
  // Standalone mode plays the API server (DESIGN.md §4): the ResourceStore sets generation (1 on
  // first sight, +1 when spec_hash changes) and creation_timestamp (first seen, unless the file
  // sets one). Decoding sets generation from the file when present (used by tests and one-shot
  // translation without a store).
  int64_t generation = 1;
  std::string creation_timestamp;  // RFC 3339, UTC, seconds
  std::string source;              // file (and document index) it came from, for messages
  std::string spec_hash;           // digest of everything but metadata and status (decode.cc)
};

struct LabelSelectorRequirement {
  std::string key;
  std::string op;  // In, NotIn, Exists, DoesNotExist
  std::vector<std::string> values;
};

struct LabelSelector {
  std::map<std::string, std::string> match_labels;
  std::vector<LabelSelectorRequirement> match_expressions;
  bool matches(const std::map<std::string, std::string>& labels) const;
};

struct ParametersRef {
  std::string group;
  std::string kind;
  std::string name;
  std::optional<std::string> namespace_;
};

struct GatewayClass {
  ObjectMeta meta;
  std::string controller_name;
  std::optional<ParametersRef> parameters_ref;
};

struct RouteGroupKind {
  std::string group = "gateway.networking.k8s.io";
  std::string kind;
};

struct AllowedRoutes {
  std::string from = "Same";  // All, Same, Selector, None (ListenerSet listeners)
  std::optional<LabelSelector> selector;
  std::optional<std::vector<RouteGroupKind>> kinds;  // absent = the protocol's default kinds
};

struct SecretObjectReference {
  std::string group;  // "" = core
  std::string kind = "Secret";
  std::string name;
  std::optional<std::string> namespace_;
};

struct ListenerTls {
  std::string mode = "Terminate";  // Terminate, Passthrough
  std::vector<SecretObjectReference> certificate_refs;
};

struct Listener {
  std::string name;
  std::string protocol;  // HTTP, HTTPS, TLS, TCP, UDP
  int port = 0;
  std::optional<std::string> hostname;
  std::optional<ListenerTls> tls;
  AllowedRoutes allowed_routes;
};

struct GatewayAddress {
  std::string type = "IPAddress";
  std::string value;
};

struct Gateway {
  ObjectMeta meta;
  std::string gateway_class_name;
  std::vector<GatewayAddress> addresses;
  std::vector<Listener> listeners;
  std::optional<ParametersRef> infrastructure_parameters_ref;
  std::optional<std::string> allowed_listeners_from;  // spec.allowedListeners.namespaces.from
  std::optional<LabelSelector> allowed_listeners_selector;
};

struct ParentRef {
  std::string group = "gateway.networking.k8s.io";
  std::string kind = "Gateway";
  std::optional<std::string> namespace_;
  std::string name;
  std::optional<std::string> section_name;
  std::optional<int> port;
};

// ListenerSet (gateway.networking.k8s.io/v1): extra listeners attached to a Gateway.
struct ListenerSet {
  ObjectMeta meta;
  ParentRef parent_ref;  // a Gateway
  std::vector<Listener> listeners;
};

// --- HTTPRoute filters (decoded for the data plane; see ir.h for what the proxy executes) ---

struct HTTPHeader {
  std::string name;
  std::string value;
};

struct HeaderModifier {
  std::vector<HTTPHeader> set;
  std::vector<HTTPHeader> add;
  std::vector<std::string> remove;
};

struct PathModifier {
  std::string type;  // ReplaceFullPath, ReplacePrefixMatch
  std::string value;
};

struct RequestRedirect {
  std::optional<std::string> scheme;
  std::optional<std::string> hostname;
  std::optional<PathModifier> path;
  std::optional<int> port;
  int status_code = 302;
};

struct URLRewrite {
  std::optional<std::string> hostname;
  std::optional<PathModifier> path;
};

struct BackendObjectReference {
  std::string group;  // "" = core
  std::string kind = "Service";
  std::optional<std::string> namespace_;
  std::string name;
  std::optional<int> port;
};

struct RequestMirror {
  BackendObjectReference backend_ref;
  std::optional<int> percent;
  std::optional<int> fraction_numerator;
  std::optional<int> fraction_denominator;
};

struct CORS {
  std::vector<std::string> allow_origins;
  std::vector<std::string> allow_methods;
  std::vector<std::string> allow_headers;
  std::vector<std::string> expose_headers;
  std::optional<bool> allow_credentials;
  std::optional<int> max_age;
};

struct LocalObjectReference {
  std::string group;
  std::string kind;
  std::string name;
};

struct HTTPRouteFilterSpec {
  std::string type;  // RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect,
                     // URLRewrite, RequestMirror, CORS, ExtensionRef
  std::optional<HeaderModifier> request_header_modifier;
  std::optional<HeaderModifier> response_header_modifier;
  std::optional<RequestRedirect> request_redirect;
  std::optional<URLRewrite> url_rewrite;
  std::optional<RequestMirror> request_mirror;
  std::optional<CORS> cors;
  std::optional<LocalObjectReference> extension_ref;
};

struct BackendRef {
  std::string group;  // "" = core
  std::string kind = "Service";
  std::optional<std::string> namespace_;
  std::string name;
  std::optional<int> port;
  int weight = 1;
  std::vector<HTTPRouteFilterSpec> filters;
};

struct PathMatch {
  std::string type = "PathPrefix";  // Exact, PathPrefix, RegularExpression
  std::string value = "/";
};

struct HeaderMatch {           // also used for query parameters
  std::string type = "Exact";  // Exact, RegularExpression
  std::string name;
  std::string value;
};

struct HTTPRouteMatch {
  PathMatch path;
  std::vector<HeaderMatch> headers;
  std::vector<HeaderMatch> query_params;
  std::optional<std::string> method;
};

struct HTTPRouteTimeouts {
  std::optional<std::string> request;  // Gateway API duration, e.g. "10s", "500ms"
  std::optional<std::string> backend_request;
};

struct HTTPRouteRetry {
  std::vector<int> codes;
  std::optional<int> attempts;
  std::optional<std::string> backoff;
};

struct HTTPRouteRule {
  std::optional<std::string> name;
  std::vector<HTTPRouteMatch> matches;
  std::vector<HTTPRouteFilterSpec> filters;
  std::vector<BackendRef> backend_refs;
  std::optional<HTTPRouteTimeouts> timeouts;
  std::optional<HTTPRouteRetry> retry;
};

struct HTTPRoute {
  ObjectMeta meta;
  std::vector<ParentRef> parent_refs;
  std::vector<std::string> hostnames;
  std::vector<HTTPRouteRule> rules;
};

struct ReferenceGrantFrom {
  std::string group;
  std::string kind;
  std::string namespace_;
};

struct ReferenceGrantTo {
  std::string group;  // "" = core
  std::string kind;
  std::optional<std::string> name;
};

struct ReferenceGrant {
  ObjectMeta meta;
  std::vector<ReferenceGrantFrom> from;
  std::vector<ReferenceGrantTo> to;
};

struct ServicePort {
  std::string name;
  int port = 0;
  std::variant<std::monostate, int, std::string> target_port;
  std::optional<std::string> app_protocol;
  std::string protocol = "TCP";
};

struct Service {
  ObjectMeta meta;
  std::vector<ServicePort> ports;
  std::string type = "ClusterIP";
};

struct EndpointPort {
  std::string name;
  int port = 0;
};

struct Endpoint {
  std::vector<std::string> addresses;
  bool ready = true;
};

struct EndpointSlice {
  ObjectMeta meta;
  std::string service_name;  // label kubernetes.io/service-name
  std::string address_type = "IPv4";
  std::vector<Endpoint> endpoints;
  std::vector<EndpointPort> ports;
};

struct Namespace {
  ObjectMeta meta;  // labels select routes for allowedRoutes.namespaces.from: Selector
};

// Secret and ConfigMap: `data` values are kept decoded (Secret data is base64 in the manifest;
// stringData is merged in as the API server does).
struct Secret {
  ObjectMeta meta;
  std::string type;
  std::map<std::string, std::string> data;
  bool data_valid = true;  // false when a data value was not valid base64
};

struct ConfigMap {
  ObjectMeta meta;
  std::map<std::string, std::string> data;
};

// Envoy Gateway HTTPRouteFilter (gateway.envoyproxy.io/v1alpha1), referenced from an HTTPRoute
// through an ExtensionRef filter. Only the fields Torii uses are decoded.
struct EgHTTPRouteFilter {
  ObjectMeta meta;
  // spec.urlRewrite
  std::optional<std::string> rewrite_path_regex_pattern;
  std::optional<std::string> rewrite_path_regex_substitution;
  std::optional<std::string> rewrite_hostname_header;  // hostname.type: Header
  // spec.directResponse
  std::optional<int> direct_response_status;
  std::optional<std::string> direct_response_content_type;
  std::optional<std::string> direct_response_body;  // inline body only
};

// --- Inference extension (shared/reference/inference.md §1) ---

// spec.endpointPickerRef (v1) / spec.extensionRef (v1alpha2): the external endpoint picker.
struct EndpointPickerRef {
  std::string group;  // "" = core
  std::string kind = "Service";
  std::string name;
  std::optional<int> port;                 // v1alpha2: portNumber, defaults to 9002 for Services
  std::string failure_mode = "FailClose";  // FailOpen | FailClose
};

// InferencePool, inference.networking.k8s.io/v1 or the older inference.networking.x-k8s.io/
// v1alpha2 shape (spec.selector plain map, spec.targetPortNumber, spec.extensionRef), normalized.
struct InferencePool {
  ObjectMeta meta;
  std::string group;  // API group it was written in (status apiVersion, backendRef matching)
  std::string api_version;
  std::map<std::string, std::string> selector;  // Pods in the same namespace with all labels
  std::vector<int> target_ports;                // 1..8, unique
  std::string app_protocol;                     // "" (unset), "http", "kubernetes.io/h2c"
  std::optional<EndpointPickerRef> endpoint_picker_ref;
  // metadata.annotations whose key starts with "torii.dev/" (built-in picker settings; checked by
  // the Translator so that a bad value never takes the pool down). A value that is not a string
  // is kept as "" (invalid for every annotation).
  std::map<std::string, std::string> annotations;
};

// spec.poolRef of InferenceObjective / InferenceModelRewrite / InferenceModel (same namespace).
struct InferencePoolRef {
  std::string group;  // default depends on the kind (see decode.cc)
  std::string kind = "InferencePool";
  std::string name;
};

// InferenceObjective (llm-d.ai/v1alpha2, inference.networking.x-k8s.io/v1alpha2).
struct InferenceObjective {
  ObjectMeta meta;
  std::string api_version;
  std::optional<int> priority;  // unset: 0 for the picker
  InferencePoolRef pool_ref;
};

struct InferenceModelRewriteTarget {
  std::string model_rewrite;
  std::optional<int> weight;  // 1..1,000,000; on all targets of a rule or on none
};

struct InferenceModelRewriteRule {
  std::vector<std::string> models;  // matches[].model.value (type Exact); empty = every model
  std::vector<InferenceModelRewriteTarget> targets;
};

// InferenceModelRewrite (llm-d.ai/v1alpha2, inference.networking.x-k8s.io/v1alpha2).
struct InferenceModelRewrite {
  ObjectMeta meta;
  std::string api_version;
  InferencePoolRef pool_ref;
  std::vector<InferenceModelRewriteRule> rules;
};

struct InferenceTargetModel {
  std::string name;
  std::optional<int> weight;  // 1..1,000,000; on all targets or on none
};

// InferenceModel (inference.networking.x-k8s.io/v1alpha2, before InferenceObjective).
struct InferenceModel {
  ObjectMeta meta;
  std::string model_name;
  std::string criticality;  // "" (unset = Standard), Critical, Standard, Sheddable
  std::vector<InferenceTargetModel> target_models;
  InferencePoolRef pool_ref;
};

// Pod (v1): only what InferencePool selectors need.
struct Pod {
  ObjectMeta meta;  // labels
  std::string pod_ip;
  std::string phase;      // "" when the manifest has no status.phase
  bool deleting = false;  // metadata.deletionTimestamp is set
};

using Object =
    std::variant<GatewayClass, Gateway, HTTPRoute, Service, EndpointSlice, ListenerSet,
                 ReferenceGrant, Namespace, Secret, ConfigMap, EgHTTPRouteFilter, InferencePool,
                 InferenceObjective, InferenceModelRewrite, InferenceModel, Pod>;

std::string kindOf(const Object& o);
// kindOf(), prefixed with the API group for kinds that exist in several groups (the inference
// kinds): two objects are the same object when this, namespace and name are equal.
std::string groupKindOf(const Object& o);
const ObjectMeta& metaOf(const Object& o);
ObjectMeta& metaOf(Object& o);
// apiVersion to print for an object's kind (status output).
std::string apiVersionOf(const std::string& kind);

}  // namespace torii::config
