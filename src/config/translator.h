#pragma once
// Translator: a pure function from resources to Ir plus messages. Never mutates its input and
// always returns; a bad object yields a message (and later a status condition), not a failure.
#include <string>
#include <vector>

#include "config/ir.h"
#include "config/resources.h"

namespace torii::config {

inline constexpr const char* kControllerName = "torii.dev/gateway-controller";

struct TranslateOptions {
  int port_offset = 0;
  std::string default_address = "0.0.0.0";
};

struct TranslateResult {
  Ir ir;
  std::vector<std::string> messages;  // problems found, one line each, naming the object
};

TranslateResult translate(const std::vector<Object>& objects, const TranslateOptions& opts);

// Hostname helpers (RFC 1123 names, "*." wildcards), shared with the route table.
bool hostnameMatches(const std::string& pattern, const std::string& host);
// Intersection of a listener hostname (empty = any) and a route hostname; empty result = none.
std::string intersectHostnames(const std::string& listener, const std::string& route);

}  // namespace torii::config
