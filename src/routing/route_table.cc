#include "routing/route_table.h"

#include <algorithm>

#include "common/strings.h"

namespace torii::routing {

bool Route::matches(std::string_view p) const {
  if (type == PathType::kExact) return p == path;
  // Gateway API PathPrefix matches whole path elements: "/foo" matches "/foo" and "/foo/bar",
  // not "/foobar".
  if (path.empty()) return true;
  if (p.size() < path.size() || p.compare(0, path.size(), path) != 0) return false;
  return p.size() == path.size() || p[path.size()] == '/';
}

const WeightedBackend* Route::pick(uint32_t random) const {
  if (total_weight == 0) return nullptr;
  uint32_t x = random % total_weight;
  for (const auto& b : backends) {
    if (x < b.cumulative) return &b;
  }
  return &backends.back();
}

RouteTable RouteTable::compile(const config::IrListener& listener) {
  RouteTable t;
  for (const auto& vh : listener.vhosts) {
    VirtualHost out;
    for (const auto& r : vh.routes) {
      Route route;
      route.type = r.path_type == "Exact" ? Route::PathType::kExact : Route::PathType::kPrefix;
      route.path = r.path_value;
      if (route.type == Route::PathType::kPrefix) {
        while (!route.path.empty() && route.path.back() == '/') route.path.pop_back();
      }
      uint32_t sum = 0;
      for (const auto& b : r.backends) {
        if (b.weight <= 0) continue;
        sum += uint32_t(b.weight);
        route.backends.push_back({b.cluster, sum});
      }
      route.total_weight = sum;
      route.name = r.route;
      out.routes.push_back(std::move(route));
    }
    // Precedence: exact paths before prefixes, longer prefixes first; ties keep input order.
    std::stable_sort(out.routes.begin(), out.routes.end(), [](const Route& a, const Route& b) {
      if (a.type != b.type) return a.type == Route::PathType::kExact;
      return a.path.size() > b.path.size();
    });
    size_t id = t.vhosts_.size();
    t.vhosts_.push_back(std::move(out));
    const std::string host = toLower(vh.hostname);
    if (host == "*") {
      t.any_ = int(id);
    } else if (startsWith(host, "*.")) {
      t.wildcards_.emplace_back(host.substr(1), id);
    } else {
      t.exact_[host] = id;
    }
  }
  std::stable_sort(t.wildcards_.begin(), t.wildcards_.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
  return t;
}

const RouteTable::VirtualHost* RouteTable::findHost(std::string_view host) const {
  // Strip a port; IPv6 literals keep their brackets.
  if (!host.empty() && host.front() != '[') {
    if (auto colon = host.rfind(':'); colon != host.npos) host = host.substr(0, colon);
  } else if (auto close = host.find(']'); close != host.npos) {
    host = host.substr(0, close + 1);
  }
  if (!exact_.empty() || !wildcards_.empty()) {
    char buf[256];
    if (host.size() < sizeof buf) {
      for (size_t i = 0; i < host.size(); ++i) buf[i] = asciiLower(host[i]);
      std::string_view lower(buf, host.size());
      if (!exact_.empty()) {
        auto it = exact_.find(std::string(lower));
        if (it != exact_.end()) return &vhosts_[it->second];
      }
      for (const auto& [suffix, id] : wildcards_) {
        if (lower.size() > suffix.size() &&
            lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0) {
          return &vhosts_[id];
        }
      }
    }
  }
  return any_ >= 0 ? &vhosts_[size_t(any_)] : nullptr;
}

const Route* RouteTable::match(std::string_view host, std::string_view path) const {
  const VirtualHost* vh = findHost(host);
  if (!vh) return nullptr;
  for (const auto& r : vh->routes) {
    if (r.matches(path)) return &r;
  }
  return nullptr;
}

}  // namespace torii::routing
