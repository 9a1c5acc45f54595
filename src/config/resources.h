#pragma once
// Typed Kubernetes objects that Torii reads (Gateway API, Service, EndpointSlice). Plain data,
// decoded from YAML/JSON by decode.h, held by the ResourceStore, read by the Translator.
// Fields are named as in the Kubernetes API; optional fields use std::optional.
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
  int64_t generation = 1;
  std::string creation_timestamp;
  std::string source;  // file (and document index) it came from, for messages
};

struct GatewayClass {
  ObjectMeta meta;
  std::string controller_name;
};

struct Listener {
  std::string name;
  std::string protocol;  // HTTP, HTTPS, TLS, TCP, UDP
  int port = 0;
  std::optional<std::string> hostname;
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
};

struct ParentRef {
  std::string group = "gateway.networking.k8s.io";
  std::string kind = "Gateway";
  std::optional<std::string> namespace_;
  std::string name;
  std::optional<std::string> section_name;
  std::optional<int> port;
};

struct BackendRef {
  std::string group;  // "" = core
  std::string kind = "Service";
  std::optional<std::string> namespace_;
  std::string name;
  std::optional<int> port;
  int weight = 1;
};

struct PathMatch {
  std::string type = "PathPrefix";  // Exact, PathPrefix, RegularExpression
  std::string value = "/";
};

struct HTTPRouteMatch {
  PathMatch path;
};

struct HTTPRouteRule {
  std::optional<std::string> name;
  std::vector<HTTPRouteMatch> matches;
  std::vector<BackendRef> backend_refs;
};

struct HTTPRoute {
  ObjectMeta meta;
  std::vector<ParentRef> parent_refs;
  std::vector<std::string> hostnames;
  std::vector<HTTPRouteRule> rules;
};

struct ServicePort {
  std::string name;
  int port = 0;
  std::variant<std::monostate, int, std::string> target_port;
  std::optional<std::string> app_protocol;
};

struct Service {
  ObjectMeta meta;
  std::vector<ServicePort> ports;
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

using Object = std::variant<GatewayClass, Gateway, HTTPRoute, Service, EndpointSlice>;

std::string kindOf(const Object& o);
const ObjectMeta& metaOf(const Object& o);

}  // namespace torii::config
