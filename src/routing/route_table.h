#pragma once
// Compiled route table for one listening socket: host index plus per-host ordered path matchers.
// Built once per snapshot on the main thread; read-only and shared by every worker afterwards.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/ir.h"

namespace torii::routing {

struct WeightedBackend {
  int cluster = -1;          // -1: invalid reference, answers 500
  uint32_t cumulative = 0;   // running sum of weights up to and including this backend
};

struct Route {
  enum class PathType { kExact, kPrefix };
  PathType type = PathType::kPrefix;
  std::string path;  // for prefixes: without a trailing '/', "" for "/"
  std::vector<WeightedBackend> backends;
  uint32_t total_weight = 0;
  std::string name;  // "namespace/name" of the HTTPRoute

  bool matches(std::string_view request_path) const;
  // Picks a backend for `random` in [0, total_weight); nullptr when total_weight is 0.
  const WeightedBackend* pick(uint32_t random) const;
};

class RouteTable {
 public:
  static RouteTable compile(const config::IrListener& listener);
  // `host` is the Host header (a port suffix is ignored, case-insensitive); `path` excludes the query.
  const Route* match(std::string_view host, std::string_view path) const;

 private:
  struct VirtualHost {
    std::vector<Route> routes;  // in precedence order
  };
  const VirtualHost* findHost(std::string_view host) const;

  std::vector<VirtualHost> vhosts_;
  std::unordered_map<std::string, size_t> exact_;
  std::vector<std::pair<std::string, size_t>> wildcards_;  // suffix ".example.com", longest first
  int any_ = -1;
};

}  // namespace torii::routing
