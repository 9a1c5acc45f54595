#pragma once
// Translator: a pure function from resources to Ir plus status. Never mutates its input and
// always returns; a bad object yields status conditions (and, where the spec says so, a 500 on
// that route only), never a failed translation.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "config/ir.h"
#include "config/resources.h"
#include "config/status.h"

namespace torii::config {

inline constexpr const char* kControllerName = "torii.dev/gateway-controller";

struct TranslateOptions {
  int port_offset = 0;
  // Address bound by Gateways without spec.addresses and without an assigned address.
  std::string default_address = "0.0.0.0";
  // Addresses given out from --address-pool, keyed "namespace/name" of the Gateway; reported in
  // the Gateway's status.addresses.
  std::map<std::string, std::string> assigned_addresses;
  // --address-pool is in use: a Gateway that needs an address and has none in
  // assigned_addresses (pool exhausted) is Programmed=False/AddressNotAssigned and not bound.
  bool address_pool = false;
};

struct TranslateResult {
  Ir ir;
  StatusSet status;                   // conditions without lastTransitionTime
  std::vector<std::string> messages;  // problems found, one line each, naming the object
};

TranslateResult translate(const std::vector<Object>& objects, const TranslateOptions& opts);

// Gateways (namespace/name) whose class Torii serves and that have no IPAddress in
// spec.addresses: the ones that need an address from --address-pool.
std::vector<std::string> gatewaysNeedingAddress(const std::vector<Object>& objects);

// Hostname helpers (RFC 1123 names, "*." wildcards), shared with the route table.
bool hostnameMatches(const std::string& pattern, const std::string& host);
// Intersection of a listener hostname (empty = any) and a route hostname; empty result = none.
std::string intersectHostnames(const std::string& listener, const std::string& route);
// Gateway API duration ("1h", "10s", "500ms", "1m30s"); nullopt when malformed.
std::optional<int64_t> parseGatewayDuration(const std::string& s);

}  // namespace torii::config
