#pragma once
// Compiled route table for one listening socket: host index plus per-host matchers in Gateway API
// precedence order. Built once per snapshot on the main thread; read-only and shared by every
// worker afterwards (RE2 matching through const methods is thread-safe).
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "config/ir.h"

namespace re2 {
class RE2;
}

namespace torii {
class HeaderMap;
}

namespace torii::routing {

struct WeightedBackend {
  int cluster = -1;         // -1: invalid reference, answers 500
  uint32_t cumulative = 0;  // running sum of weights up to and including this backend
  int index = 0;            // index into Route::ir.backends (per-backend filters)
};

// What a route match looks at besides host and path.
struct RequestInfo {
  std::string_view method;
  const HeaderMap* headers = nullptr;  // nullptr: no headers
  std::string_view query;              // raw query string, without '?'
};

struct StringMatcher {
  std::string name;   // header name (case-insensitive) or query parameter name (exact)
  std::string value;  // exact value
  std::shared_ptr<const re2::RE2> re;  // set for RegularExpression matches (full match)
  bool matches(std::string_view v) const;
};

struct Route {
  enum class PathType { kExact, kPrefix, kRegex };
  PathType type = PathType::kPrefix;
  std::string path;  // for prefixes: without a trailing '/', "" for "/"
  std::shared_ptr<const re2::RE2> path_re;
  // Envoy Gateway HTTPRouteFilter urlRewrite ReplaceRegexMatch, compiled once here.
  std::shared_ptr<const re2::RE2> rewrite_re;
  std::string method;  // "" = any
  std::vector<StringMatcher> headers;
  std::vector<StringMatcher> query_params;
  std::vector<WeightedBackend> backends;  // weight-0 backends are left out
  uint32_t total_weight = 0;
  std::string name;  // "namespace/name" of the HTTPRoute
  // Everything the Translator resolved for this match: filters, per-backend filters, timeouts,
  // retry (see config/ir.h). Read-only. Points into the IrListener the table was compiled from,
  // and keeps it alive: no copy per match.
  std::shared_ptr<const config::IrRoute> ir;

  bool matchesPath(std::string_view request_path) const;
  bool matches(std::string_view request_path, const RequestInfo& req) const;
  // Picks a backend for `random` in [0, total_weight); nullptr when total_weight is 0.
  const WeightedBackend* pick(uint32_t random) const;
};

class RouteTable {
 public:
  // The routes point into `listener` (Route::ir) and share its ownership.
  static RouteTable compile(std::shared_ptr<const config::IrListener> listener);
  // Compiles a copy of `listener`.
  static RouteTable compile(const config::IrListener& listener);
  // `host` is the Host header (a port suffix is ignored, case-insensitive); `path` excludes the
  // query. The first route in precedence order whose path, method, headers and query parameters
  // all match, or nullptr.
  const Route* match(std::string_view host, std::string_view path, const RequestInfo& req) const;

 private:
  struct VirtualHost {
    std::vector<Route> routes;  // in precedence order
  };
  // Hostname -> id: exact names, "*.suffix" wildcards (longest suffix first), "*".
  struct HostIndex {
    std::unordered_map<std::string, size_t> exact;
    std::vector<std::pair<std::string, size_t>> wildcards;  // suffix ".example.com"
    int any = -1;
    void add(const std::string& lower_host, size_t id);
    void finish();
    int find(std::string_view lower_host) const;
  };
  struct ListenerGroup {
    HostIndex hosts;  // route hostname -> index into vhosts_
  };
  const VirtualHost* findHost(std::string_view host) const;

  std::vector<VirtualHost> vhosts_;
  std::vector<ListenerGroup> groups_;
  HostIndex listeners_;  // listener hostname -> index into groups_
};

// Value of the first query parameter called `name` in `query` (percent-decoded), or false.
bool queryParam(std::string_view query, std::string_view name, std::string* value);

}  // namespace torii::routing
