#include "routing/route_table.h"

#include <re2/re2.h>

#include <algorithm>
#include <tuple>

#include "common/header_map.h"
#include "common/strings.h"

namespace torii::routing {
namespace {

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hexValue(s[i + 1]) >= 0 && hexValue(s[i + 2]) >= 0) {
      out.push_back(char(hexValue(s[i + 1]) * 16 + hexValue(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

bool equalsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (asciiLower(a[i]) != asciiLower(b[i])) return false;
  }
  return true;
}

StringMatcher compileMatcher(const config::IrStringMatch& m) {
  StringMatcher s;
  s.name = m.name;
  s.value = m.value;
  if (m.type == config::IrStringMatch::Type::kRegex) {
    auto re = std::make_shared<re2::RE2>(m.value, re2::RE2::Quiet);
    // The Translator rejected invalid patterns; one that still fails never matches.
    s.re = std::move(re);
  }
  return s;
}

int pathRank(Route::PathType t) {
  switch (t) {
    case Route::PathType::kExact:
      return 0;
    case Route::PathType::kPrefix:
      return 1;
    case Route::PathType::kRegex:
      return 2;
  }
  return 3;
}

}  // namespace

bool queryParam(std::string_view query, std::string_view name, std::string* value) {
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == query.npos ? std::string_view() : query.substr(amp + 1);
    size_t eq = pair.find('=');
    std::string_view k = pair.substr(0, eq);
    if (k == name || (k.find('%') != k.npos && percentDecode(k) == name)) {
      *value = eq == pair.npos ? std::string() : percentDecode(pair.substr(eq + 1));
      return true;
    }
  }
  return false;
}

bool StringMatcher::matches(std::string_view v) const {
  if (re) return re->ok() && re2::RE2::FullMatch(re2::StringPiece(v.data(), v.size()), *re);
  return v == value;
}

bool Route::matchesPath(std::string_view p) const {
  switch (type) {
    case PathType::kExact:
      return p == path;
    case PathType::kRegex:
      return path_re && path_re->ok() &&
             re2::RE2::FullMatch(re2::StringPiece(p.data(), p.size()), *path_re);
    case PathType::kPrefix:
      break;
  }
  // Gateway API PathPrefix matches whole path elements: "/foo" matches "/foo" and "/foo/bar",
  // not "/foobar".
  if (path.empty()) return true;
  if (p.size() < path.size() || p.compare(0, path.size(), path) != 0) return false;
  return p.size() == path.size() || p[path.size()] == '/';
}

bool Route::matches(std::string_view p, const RequestInfo& req) const {
  if (!matchesPath(p)) return false;
  if (!method.empty() && req.method != method) return false;
  for (const auto& h : headers) {
    if (!req.headers || !req.headers->has(h.name)) return false;
    if (!h.matches(req.headers->get(h.name))) return false;
  }
  for (const auto& q : query_params) {
    std::string v;
    if (!queryParam(req.query, q.name, &v) || !q.matches(v)) return false;
  }
  return true;
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
  return compile(std::make_shared<const config::IrListener>(listener));
}

RouteTable RouteTable::compile(std::shared_ptr<const config::IrListener> shared) {
  RouteTable t;
  const config::IrListener& listener = *shared;
  std::unordered_map<std::string, int> listener_groups;
  for (const auto& vh : listener.vhosts) {
    struct Entry {
      Route route;
      const config::IrRoute* ir;
    };
    std::vector<Entry> entries;
    for (const auto& r : vh.routes) {
      Route route;
      if (r.path_type == "Exact") {
        route.type = Route::PathType::kExact;
      } else if (r.path_type == "RegularExpression") {
        route.type = Route::PathType::kRegex;
        route.path_re = std::make_shared<re2::RE2>(r.path_value, re2::RE2::Quiet);
      }
      route.path = r.path_value;
      if (route.type == Route::PathType::kPrefix) {
        while (!route.path.empty() && route.path.back() == '/') route.path.pop_back();
      }
      route.method = r.method;
      // The spec considers only the first entry of equivalent header names.
      for (const auto& h : r.headers) {
        bool dup = false;
        for (const auto& x : route.headers) dup |= equalsIgnoreCase(x.name, h.name);
        if (!dup) route.headers.push_back(compileMatcher(h));
      }
      for (const auto& q : r.query_params) {
        bool dup = false;
        for (const auto& x : route.query_params) dup |= x.name == q.name;
        if (!dup) route.query_params.push_back(compileMatcher(q));
      }
      uint32_t sum = 0;
      for (size_t i = 0; i < r.backends.size(); ++i) {
        const auto& b = r.backends[i];
        if (b.weight <= 0) continue;
        sum += uint32_t(b.weight);
        route.backends.push_back({b.cluster, sum, int(i)});
      }
      route.total_weight = sum;
      route.name = r.route;
      if (r.filters.rewrite && r.filters.rewrite->path_regex) {
        route.rewrite_re =
            std::make_shared<re2::RE2>(*r.filters.rewrite->path_regex, re2::RE2::Quiet);
      }
      route.ir = std::shared_ptr<const config::IrRoute>(shared, &r);  // aliasing: no copy
      entries.push_back({std::move(route), &r});
    }
    // Gateway API precedence: exact path, then the longest prefix, then regular expressions
    // (longest pattern first); then a method match; the most header matches; the most query
    // parameter matches; the oldest route; namespace/name; rule order; match order.
    std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
      const Route& x = a.route;
      const Route& y = b.route;
      if (pathRank(x.type) != pathRank(y.type)) return pathRank(x.type) < pathRank(y.type);
      if (x.path.size() != y.path.size()) return x.path.size() > y.path.size();
      if (x.method.empty() != y.method.empty()) return !x.method.empty();
      if (x.headers.size() != y.headers.size()) return x.headers.size() > y.headers.size();
      if (x.query_params.size() != y.query_params.size())
        return x.query_params.size() > y.query_params.size();
      return std::tie(a.ir->creation_timestamp, a.ir->route, a.ir->rule_index, a.ir->match_index) <
             std::tie(b.ir->creation_timestamp, b.ir->route, b.ir->rule_index, b.ir->match_index);
    });
    VirtualHost out;
    for (auto& e : entries) out.routes.push_back(std::move(e.route));
    size_t id = t.vhosts_.size();
    t.vhosts_.push_back(std::move(out));
    const std::string lhost = toLower(vh.listener_hostname.empty() ? "*" : vh.listener_hostname);
    int group = -1;
    if (auto it = listener_groups.find(lhost); it != listener_groups.end()) {
      group = it->second;
    } else {
      group = int(t.groups_.size());
      t.groups_.emplace_back();
      listener_groups[lhost] = group;
      t.listeners_.add(lhost, size_t(group));
    }
    t.groups_[size_t(group)].hosts.add(toLower(vh.hostname), id);
  }
  t.listeners_.finish();
  for (auto& g : t.groups_) g.hosts.finish();
  return t;
}

void RouteTable::HostIndex::add(const std::string& host, size_t id) {
  if (host == "*" || host.empty()) {
    any = int(id);
  } else if (startsWith(host, "*.")) {
    wildcards.emplace_back(host.substr(1), id);
  } else {
    exact[host] = id;
  }
}

void RouteTable::HostIndex::finish() {
  std::stable_sort(wildcards.begin(), wildcards.end(),
                   [](const auto& a, const auto& b) { return a.first.size() > b.first.size(); });
}

int RouteTable::HostIndex::find(std::string_view lower) const {
  if (!exact.empty()) {
    auto it = exact.find(std::string(lower));
    if (it != exact.end()) return int(it->second);
  }
  for (const auto& [suffix, id] : wildcards) {
    if (lower.size() > suffix.size() &&
        lower.compare(lower.size() - suffix.size(), suffix.size(), suffix) == 0) {
      return int(id);
    }
  }
  return any;
}

const RouteTable::VirtualHost* RouteTable::findHost(std::string_view host) const {
  // Strip a port; IPv6 literals keep their brackets.
  if (!host.empty() && host.front() != '[') {
    if (auto colon = host.rfind(':'); colon != host.npos) host = host.substr(0, colon);
  } else if (auto close = host.find(']'); close != host.npos) {
    host = host.substr(0, close + 1);
  }
  char buf[256];
  if (host.size() >= sizeof buf) host = {};
  for (size_t i = 0; i < host.size(); ++i) buf[i] = asciiLower(host[i]);
  std::string_view lower(buf, host.size());
  // Listener isolation: the most specific listener hostname decides, then its route hostnames.
  int group = listeners_.find(lower);
  if (group < 0) return nullptr;
  int id = groups_[size_t(group)].hosts.find(lower);
  return id < 0 ? nullptr : &vhosts_[size_t(id)];
}

const Route* RouteTable::match(std::string_view host, std::string_view path,
                               const RequestInfo& req) const {
  const VirtualHost* vh = findHost(host);
  if (!vh) return nullptr;
  for (const auto& r : vh->routes) {
    if (r.matches(path, req)) return &r;
  }
  return nullptr;
}

}  // namespace torii::routing
