#include "config/translator.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <map>
#include <set>

namespace torii::config {

bool hostnameMatches(const std::string& pattern, const std::string& host) {
  if (pattern.empty() || pattern == "*") return true;
  if (pattern.rfind("*.", 0) == 0) {
    std::string suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() &&
           host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
  }
  return pattern == host;
}

std::string intersectHostnames(const std::string& listener, const std::string& route) {
  if (listener.empty()) return route.empty() ? "*" : route;
  if (route.empty()) return listener;
  if (hostnameMatches(listener, route)) return route;
  if (hostnameMatches(route, listener)) return listener;
  return {};
}

std::optional<int64_t> parseGatewayDuration(const std::string& s) {
  if (s.empty()) return std::nullopt;
  int64_t total = 0;
  size_t i = 0;
  int parts = 0;
  while (i < s.size()) {
    size_t start = i;
    int64_t n = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') n = n * 10 + (s[i++] - '0');
    if (i == start || i - start > 5) return std::nullopt;
    if (s.compare(i, 2, "ms") == 0) {
      total += n;
      i += 2;
    } else if (i < s.size() && s[i] == 's') {
      total += n * 1000;
      ++i;
    } else if (i < s.size() && s[i] == 'm') {
      total += n * 60000;
      ++i;
    } else if (i < s.size() && s[i] == 'h') {
      total += n * 3600000;
      ++i;
    } else {
      return std::nullopt;
    }
    if (++parts > 4) return std::nullopt;
  }
  return total;
}

namespace {

constexpr const char* kGroup = "gateway.networking.k8s.io";

std::string key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

Condition cond(const char* type, bool ok, std::string reason, std::string message, int64_t gen) {
  return Condition{type, ok ? "True" : "False", std::move(reason), std::move(message), gen, ""};
}

bool isCoreGroup(const std::string& g) { return g.empty() || g == "core"; }

bool isIPv4(const std::string& s) {
  in_addr a;
  return inet_pton(AF_INET, s.c_str(), &a) == 1;
}

struct Index {
  std::map<std::string, const GatewayClass*> classes;
  std::map<std::string, const Gateway*> gateways;           // ns/name
  std::map<std::string, const ListenerSet*> listener_sets;  // ns/name
  std::map<std::string, const Service*> services;           // ns/name
  std::multimap<std::string, const EndpointSlice*> slices;  // ns/service
  std::map<std::string, const Namespace*> namespaces;       // name
  std::map<std::string, const Secret*> secrets;             // ns/name
  std::map<std::string, const EgHTTPRouteFilter*> eg_filters;
  std::multimap<std::string, const ReferenceGrant*> grants;  // by namespace
  std::vector<const HTTPRoute*> routes;
};

// ReferenceGrant check: may an object of from_kind in from_ns refer to to_kind/to_name in to_ns?
bool referenceAllowed(const Index& idx, const std::string& from_kind, const std::string& from_ns,
                      const std::string& to_group, const std::string& to_kind,
                      const std::string& to_ns, const std::string& to_name) {
  if (from_ns == to_ns) return true;
  auto range = idx.grants.equal_range(to_ns);
  for (auto it = range.first; it != range.second; ++it) {
    const ReferenceGrant* g = it->second;
    bool from_ok = false;
    for (const auto& f : g->from) {
      if (f.group == kGroup && f.kind == from_kind && f.namespace_ == from_ns) from_ok = true;
    }
    if (!from_ok) continue;
    for (const auto& t : g->to) {
      bool group_ok = isCoreGroup(to_group) ? isCoreGroup(t.group) : t.group == to_group;
      if (group_ok && t.kind == to_kind && (!t.name || *t.name == to_name)) return true;
    }
  }
  return false;
}

bool looksLikePem(const std::string& s, const char* what) {
  return s.find("-----BEGIN ") != std::string::npos && s.find(what) != std::string::npos &&
         s.find("-----END ") != std::string::npos;
}

// One listener of a Gateway or of a ListenerSet attached to it, with what translation decided.
struct ListenerEntry {
  const Listener* l = nullptr;
  std::string owner_ns;   // namespace of the Gateway or ListenerSet (allowedRoutes: Same)
  int gateway = -1;       // index into gateways
  int listener_set = -1;  // index into listener sets (-1: the Gateway's own listener)
  // Results.
  std::vector<RouteGroupKind> kinds;
  bool protocol_ok = false;
  std::string conflict;                   // "" or HostnameConflict / ProtocolConflict
  std::string refs_reason, refs_message;  // "" = resolved
  bool kinds_invalid = false;
  std::vector<IrCertificate> certs;
  int attached = 0;
  bool accepted() const { return protocol_ok && conflict.empty(); }
  // InvalidRouteKinds with some valid kinds still serves those kinds.
  bool programmed() const {
    return accepted() && !kinds.empty() &&
           (refs_reason.empty() || refs_reason == "InvalidRouteKinds");
  }
};

struct GatewayInfo {
  const Gateway* gw = nullptr;
  std::string key;
  std::string address;  // bound
  std::vector<GatewayStatusAddress> status_addresses;
  std::string accept_reason, accept_message;  // "" = accepted
  std::vector<int> entries;                   // own listeners, in order
  bool no_address = false;  // --address-pool is in use and has no address left for it
  bool accepted() const { return accept_reason.empty(); }
  bool serves() const { return accepted() && !no_address; }
};

struct ListenerSetInfo {
  const ListenerSet* ls = nullptr;
  int gateway = -1;
  std::string accept_reason, accept_message;  // "" = accepted
  std::vector<int> entries;
};

class Translation {
 public:
  Translation(const std::vector<Object>& objects, const TranslateOptions& opts) : opts_(opts) {
    for (const auto& o : objects) add(o);
  }

  TranslateResult run() {
    classes();
    gateways();
    listenerSets();
    validateListeners();
    conflicts();
    for (const HTTPRoute* r : idx_.routes) route(*r);
    finish();
    return std::move(out_);
  }

 private:
  template <typename T>
  void put(std::map<std::string, const T*>& m, const std::string& k, const T* v, const char* kind) {
    auto [it, inserted] = m.emplace(k, v);
    if (!inserted) {
      out_.messages.push_back(std::string(kind) + " " + k + " is defined twice (" +
                              it->second->meta.source + ", " + v->meta.source +
                              "); using the latter");
      it->second = v;
    }
  }

  void add(const Object& o) {
    if (auto* gc = std::get_if<GatewayClass>(&o))
      put(idx_.classes, gc->meta.name, gc, "GatewayClass");
    if (auto* g = std::get_if<Gateway>(&o))
      put(idx_.gateways, key(g->meta.namespace_, g->meta.name), g, "Gateway");
    if (auto* ls = std::get_if<ListenerSet>(&o)) {
      put(idx_.listener_sets, key(ls->meta.namespace_, ls->meta.name), ls, "ListenerSet");
    }
    if (auto* s = std::get_if<Service>(&o))
      put(idx_.services, key(s->meta.namespace_, s->meta.name), s, "Service");
    if (auto* es = std::get_if<EndpointSlice>(&o))
      idx_.slices.emplace(key(es->meta.namespace_, es->service_name), es);
    if (auto* n = std::get_if<Namespace>(&o)) put(idx_.namespaces, n->meta.name, n, "Namespace");
    if (auto* s = std::get_if<Secret>(&o))
      put(idx_.secrets, key(s->meta.namespace_, s->meta.name), s, "Secret");
    if (auto* f = std::get_if<EgHTTPRouteFilter>(&o)) {
      put(idx_.eg_filters, key(f->meta.namespace_, f->meta.name), f, "HTTPRouteFilter");
    }
    if (auto* g = std::get_if<ReferenceGrant>(&o)) idx_.grants.emplace(g->meta.namespace_, g);
    if (auto* r = std::get_if<HTTPRoute>(&o)) idx_.routes.push_back(r);
  }

  bool classIsOurs(const std::string& name) const {
    auto it = idx_.classes.find(name);
    return it != idx_.classes.end() && it->second->controller_name == kControllerName;
  }

  void classes() {
    for (const auto& [name, gc] : idx_.classes) {
      if (gc->controller_name != kControllerName) continue;
      ObjectStatus st;
      st.kind = "GatewayClass";
      st.name = name;
      st.generation = gc->meta.generation;
      if (gc->parameters_ref) {
        st.conditions.push_back(cond("Accepted", false, "InvalidParameters",
                                     "parametersRef is not supported by Torii", st.generation));
      } else {
        st.conditions.push_back(
            cond("Accepted", true, "Accepted", "Torii serves this class", st.generation));
      }
      class_status_.push_back(std::move(st));
    }
  }

  void gateways() {
    for (const auto& [gkey, gw] : idx_.gateways) {
      if (!classIsOurs(gw->gateway_class_name)) continue;
      GatewayInfo gi;
      gi.gw = gw;
      gi.key = gkey;
      gi.address = opts_.default_address;
      bool have_address = false;
      for (const auto& a : gw->addresses) {
        if (a.type != "IPAddress") {
          gi.accept_reason = "UnsupportedAddress";
          gi.accept_message = "address type " + a.type + " is not supported";
          continue;
        }
        if (a.value.empty()) continue;  // GatewayAddressEmpty: assigned from the pool
        if (!isIPv4(a.value)) {
          gi.accept_reason = "UnsupportedAddress";
          gi.accept_message = "address " + a.value + " is not an IPv4 address";
          continue;
        }
        if (!have_address) gi.address = a.value;
        have_address = true;
        gi.status_addresses.push_back({"IPAddress", a.value});
      }
      if (!have_address) {
        if (auto it = opts_.assigned_addresses.find(gkey); it != opts_.assigned_addresses.end()) {
          gi.address = it->second;
          gi.status_addresses.push_back({"IPAddress", it->second});
        } else if (opts_.address_pool) {
          gi.no_address = true;  // the pool is exhausted: nothing is bound for this Gateway
        }
      }
      if (gw->infrastructure_parameters_ref) {
        gi.accept_reason = "InvalidParameters";
        gi.accept_message = "infrastructure.parametersRef " +
                            gw->infrastructure_parameters_ref->kind + " " +
                            gw->infrastructure_parameters_ref->name + " is not supported";
      }
      int gi_index = int(gws_.size());
      for (const auto& l : gw->listeners) {
        ListenerEntry e;
        e.l = &l;
        e.owner_ns = gw->meta.namespace_;
        e.gateway = gi_index;
        gi.entries.push_back(int(entries_.size()));
        entries_.push_back(std::move(e));
      }
      gws_.push_back(std::move(gi));
    }
  }

  int findGateway(const std::string& k) const {
    for (size_t i = 0; i < gws_.size(); ++i) {
      if (gws_[i].key == k) return int(i);
    }
    return -1;
  }

  void listenerSets() {
    // Older ListenerSets first (conflict precedence), then by namespace/name.
    std::vector<const ListenerSet*> sets;
    for (const auto& [k, ls] : idx_.listener_sets) sets.push_back(ls);
    std::stable_sort(sets.begin(), sets.end(), [](const ListenerSet* a, const ListenerSet* b) {
      return a->meta.creation_timestamp < b->meta.creation_timestamp;
    });
    for (const ListenerSet* ls : sets) {
      const ParentRef& p = ls->parent_ref;
      if (p.group != kGroup || p.kind != "Gateway") continue;
      int g = findGateway(key(p.namespace_.value_or(ls->meta.namespace_), p.name));
      if (g < 0) continue;  // not a Gateway of ours: no status from Torii
      ListenerSetInfo li;
      li.ls = ls;
      li.gateway = g;
      const Gateway* gw = gws_[g].gw;
      const std::string from = gw->allowed_listeners_from.value_or("None");
      bool allowed = false;
      if (from == "All") {
        allowed = true;
      } else if (from == "Same") {
        allowed = ls->meta.namespace_ == gw->meta.namespace_;
      } else if (from == "Selector" && gw->allowed_listeners_selector) {
        auto nit = idx_.namespaces.find(ls->meta.namespace_);
        allowed = nit != idx_.namespaces.end() &&
                  gw->allowed_listeners_selector->matches(nit->second->meta.labels);
      }
      if (!allowed) {
        li.accept_reason = "NotAllowed";
        li.accept_message = "Gateway " + gws_[g].key + " does not allow listeners from namespace " +
                            ls->meta.namespace_;
      }
      int li_index = int(sets_.size());
      for (const auto& l : ls->listeners) {
        ListenerEntry e;
        e.l = &l;
        e.owner_ns = ls->meta.namespace_;
        e.gateway = g;
        e.listener_set = li_index;
        li.entries.push_back(int(entries_.size()));
        entries_.push_back(std::move(e));
      }
      sets_.push_back(std::move(li));
    }
  }

  bool entryLive(const ListenerEntry& e) const {
    return e.listener_set < 0 || sets_[e.listener_set].accept_reason.empty();
  }

  void validateListeners() {
    for (auto& e : entries_) {
      const Listener& l = *e.l;
      e.protocol_ok = l.protocol == "HTTP" || l.protocol == "HTTPS";
      if (l.allowed_routes.kinds) {
        for (const auto& k : *l.allowed_routes.kinds) {
          if (e.protocol_ok && k.group == kGroup && k.kind == "HTTPRoute") {
            e.kinds.push_back(k);
          } else {
            e.kinds_invalid = true;
          }
        }
        if (e.kinds_invalid) {
          e.refs_reason = "InvalidRouteKinds";
          e.refs_message = "only HTTPRoute is supported on " + l.protocol + " listeners";
        }
      } else if (e.protocol_ok) {
        e.kinds.push_back({kGroup, "HTTPRoute"});
      }
      if (l.protocol == "HTTPS") tls(e);
    }
  }

  void tls(ListenerEntry& e) {
    const Listener& l = *e.l;
    auto fail = [&](const char* reason, std::string msg) {
      if (e.refs_reason.empty() || e.refs_reason == "InvalidRouteKinds") {
        e.refs_reason = reason;
        e.refs_message = std::move(msg);
      }
    };
    if (!l.tls || l.tls->mode != "Terminate") {
      fail("InvalidCertificateRef", "HTTPS listeners need tls.mode Terminate");
      return;
    }
    if (l.tls->certificate_refs.empty()) {
      fail("InvalidCertificateRef", "tls.certificateRefs is empty");
      return;
    }
    for (const auto& ref : l.tls->certificate_refs) {
      if (!isCoreGroup(ref.group) || ref.kind != "Secret") {
        fail("InvalidCertificateRef",
             "certificateRef " + ref.group + "/" + ref.kind + " is not a core Secret");
        return;
      }
      std::string ns = ref.namespace_.value_or(e.owner_ns);
      const char* from_kind = e.listener_set >= 0 ? "ListenerSet" : "Gateway";
      if (!referenceAllowed(idx_, from_kind, e.owner_ns, "", "Secret", ns, ref.name)) {
        fail("RefNotPermitted",
             "no ReferenceGrant allows a reference to Secret " + key(ns, ref.name));
        return;
      }
      auto it = idx_.secrets.find(key(ns, ref.name));
      if (it == idx_.secrets.end()) {
        fail("InvalidCertificateRef", "Secret " + key(ns, ref.name) + " not found");
        return;
      }
      const Secret& s = *it->second;
      auto crt = s.data.find("tls.crt");
      auto k = s.data.find("tls.key");
      if (!s.data_valid || crt == s.data.end() || k == s.data.end() ||
          !looksLikePem(crt->second, "CERTIFICATE") || !looksLikePem(k->second, "PRIVATE KEY")) {
        fail("InvalidCertificateRef",
             "Secret " + key(ns, ref.name) + " does not hold a PEM tls.crt and tls.key");
        return;
      }
      e.certs.push_back({l.hostname.value_or(""), crt->second, k->second});
    }
  }

  // Listener conflicts on one Gateway (its own listeners first, then ListenerSets oldest first):
  // a listener conflicts with an earlier accepted one on the same port when the protocols differ
  // (ProtocolConflict) or protocol and hostname are equal (HostnameConflict).
  void conflicts() {
    for (size_t g = 0; g < gws_.size(); ++g) {
      std::vector<int> order = gws_[g].entries;
      for (const auto& s : sets_) {
        if (s.gateway == int(g) && s.accept_reason.empty())
          order.insert(order.end(), s.entries.begin(), s.entries.end());
      }
      std::vector<int> seen;
      for (int id : order) {
        ListenerEntry& e = entries_[id];
        for (int prev : seen) {
          const ListenerEntry& p = entries_[prev];
          if (p.l->port != e.l->port) continue;
          if (p.l->protocol != e.l->protocol) {
            e.conflict = "ProtocolConflict";
          } else if (p.l->hostname.value_or("") == e.l->hostname.value_or("")) {
            e.conflict = "HostnameConflict";
          }
          if (!e.conflict.empty()) break;
        }
        if (e.conflict.empty() && e.protocol_ok) seen.push_back(id);
      }
    }
  }

  // --- routes ---

  struct BackendCheck {
    int cluster = -1;
    std::string reason, message;  // "" = resolved
  };

  BackendCheck resolveBackend(const std::string& route_ns, const BackendObjectReference& ref) {
    BackendCheck c;
    if (!isCoreGroup(ref.group) || ref.kind != "Service") {
      c.reason = "InvalidKind";
      c.message = "backendRef " + (ref.group.empty() ? "" : ref.group + "/") + ref.kind +
                  " is not supported";
      return c;
    }
    std::string ns = ref.namespace_.value_or(route_ns);
    if (!referenceAllowed(idx_, "HTTPRoute", route_ns, "", "Service", ns, ref.name)) {
      c.reason = "RefNotPermitted";
      c.message = "no ReferenceGrant allows a reference to Service " + key(ns, ref.name);
      return c;
    }
    auto sit = idx_.services.find(key(ns, ref.name));
    if (sit == idx_.services.end()) {
      c.reason = "BackendNotFound";
      c.message = "Service " + key(ns, ref.name) + " not found";
      return c;
    }
    if (!ref.port) {
      c.reason = "BackendNotFound";
      c.message = "backendRef to Service " + key(ns, ref.name) + " needs a port";
      return c;
    }
    const ServicePort* sp = nullptr;
    for (const auto& p : sit->second->ports) {
      if (p.port == *ref.port) sp = &p;
    }
    if (!sp) {
      c.reason = "BackendNotFound";
      c.message = "Service " + key(ns, ref.name) + " has no port " + std::to_string(*ref.port);
      return c;
    }
    std::string app = sp->app_protocol.value_or("");
    if (app == "http" || app == "HTTP") app = "";
    if (!app.empty() && app != "kubernetes.io/h2c" && app != "kubernetes.io/ws") {
      c.reason = "UnsupportedProtocol";
      c.message = "Service " + key(ns, ref.name) + " port " + std::to_string(sp->port) +
                  " appProtocol " + app + " is not supported";
      return c;
    }
    std::string cname = key(ns, ref.name) + ":" + std::to_string(*ref.port);
    if (auto it = cluster_of_.find(cname); it != cluster_of_.end()) {
      c.cluster = it->second;
      return c;
    }
    IrCluster cl;
    cl.name = cname;
    cl.app_protocol = app;
    auto range = idx_.slices.equal_range(key(ns, ref.name));
    for (auto it = range.first; it != range.second; ++it) {
      const EndpointSlice* es = it->second;
      if (es->address_type != "IPv4") continue;
      int port = 0;
      for (const auto& ep : es->ports) {
        if (ep.name == sp->name) port = ep.port;
      }
      if (port == 0) {
        if (auto* tp = std::get_if<int>(&sp->target_port)) {
          port = *tp;
        } else if (std::holds_alternative<std::monostate>(sp->target_port)) {
          port = sp->port;
        }
      }
      if (port == 0) continue;
      for (const auto& e : es->endpoints) {
        if (!e.ready) continue;
        for (const auto& a : e.addresses) cl.endpoints.push_back({a, port});
      }
    }
    c.cluster = int(out_.ir.clusters.size());
    out_.ir.clusters.push_back(std::move(cl));
    cluster_of_[cname] = c.cluster;
    return c;
  }

  static IrHeaderModifier headerModifier(const HeaderModifier& m) {
    IrHeaderModifier h;
    for (const auto& x : m.set) h.set.emplace_back(x.name, x.value);
    for (const auto& x : m.add) h.add.emplace_back(x.name, x.value);
    h.remove = m.remove;
    return h;
  }

  static IrPathModifier pathModifier(const PathModifier& p) {
    IrPathModifier m;
    m.type = p.type == "ReplacePrefixMatch" ? IrPathModifier::Type::kReplacePrefixMatch
                                            : IrPathModifier::Type::kReplaceFullPath;
    m.value = p.value;
    return m;
  }

  // Route-wide problems found while building a rule.
  struct RouteProblems {
    std::string refs_reason, refs_message;      // first unresolved reference
    std::string accept_reason, accept_message;  // first unsupported value
    void ref(std::string r, std::string m) {
      if (refs_reason.empty()) {
        refs_reason = std::move(r);
        refs_message = std::move(m);
      }
    }
    void unsupported(std::string m) {
      if (accept_reason.empty()) {
        accept_reason = "UnsupportedValue";
        accept_message = std::move(m);
      }
    }
  };

  IrFilters filters(const HTTPRoute& r, const std::vector<HTTPRouteFilterSpec>& specs,
                    RouteProblems& pr) {
    IrFilters f;
    for (const auto& s : specs) {
      if (s.request_header_modifier) f.request_headers = headerModifier(*s.request_header_modifier);
      if (s.response_header_modifier)
        f.response_headers = headerModifier(*s.response_header_modifier);
      if (s.request_redirect) {
        IrRedirect rd;
        rd.scheme = s.request_redirect->scheme;
        rd.hostname = s.request_redirect->hostname;
        rd.port = s.request_redirect->port;
        if (s.request_redirect->path) rd.path = pathModifier(*s.request_redirect->path);
        rd.status_code = s.request_redirect->status_code;
        f.redirect = rd;
      }
      if (s.url_rewrite) {
        IrUrlRewrite u = f.rewrite.value_or(IrUrlRewrite{});
        u.hostname = s.url_rewrite->hostname;
        if (s.url_rewrite->path) u.path = pathModifier(*s.url_rewrite->path);
        f.rewrite = u;
      }
      if (s.request_mirror) {
        BackendCheck c = resolveBackend(r.meta.namespace_, s.request_mirror->backend_ref);
        if (!c.reason.empty()) pr.ref(c.reason, c.message);
        IrMirror m;
        m.cluster = c.cluster;
        if (s.request_mirror->percent) {
          m.numerator = uint32_t(*s.request_mirror->percent);
          m.denominator = 100;
        } else if (s.request_mirror->fraction_numerator) {
          m.numerator = uint32_t(*s.request_mirror->fraction_numerator);
          m.denominator = uint32_t(s.request_mirror->fraction_denominator.value_or(100));
        }
        f.mirrors.push_back(m);
      }
      if (s.cors) {
        IrCors c;
        c.allow_origins = s.cors->allow_origins;
        c.allow_methods = s.cors->allow_methods;
        c.allow_headers = s.cors->allow_headers;
        c.expose_headers = s.cors->expose_headers;
        c.allow_credentials = s.cors->allow_credentials.value_or(false);
        c.max_age = s.cors->max_age.value_or(5);
        f.cors = c;
      }
      if (s.extension_ref) {
        const auto& ref = *s.extension_ref;
        if (ref.group != "gateway.envoyproxy.io" || ref.kind != "HTTPRouteFilter") {
          pr.ref("InvalidKind", "ExtensionRef " + ref.group + "/" + ref.kind + " is not supported");
          f.direct_response = IrDirectResponse{500, "text/plain", ""};
          continue;
        }
        auto it = idx_.eg_filters.find(key(r.meta.namespace_, ref.name));
        if (it == idx_.eg_filters.end()) {
          pr.ref("BackendNotFound",
                 "HTTPRouteFilter " + key(r.meta.namespace_, ref.name) + " not found");
          f.direct_response = IrDirectResponse{500, "text/plain", ""};
          continue;
        }
        const EgHTTPRouteFilter& eg = *it->second;
        if (eg.rewrite_path_regex_pattern || eg.rewrite_hostname_header) {
          IrUrlRewrite u = f.rewrite.value_or(IrUrlRewrite{});
          if (eg.rewrite_path_regex_pattern) {
            RE2 re(*eg.rewrite_path_regex_pattern);
            if (!re.ok()) {
              pr.unsupported("HTTPRouteFilter " + eg.meta.name +
                             ": invalid regular expression: " + re.error());
            }
            u.path_regex = eg.rewrite_path_regex_pattern;
            u.path_regex_substitution = eg.rewrite_path_regex_substitution;
          }
          u.hostname_from_header = eg.rewrite_hostname_header;
          f.rewrite = u;
        }
        if (eg.direct_response_status) {
          f.direct_response = IrDirectResponse{
              *eg.direct_response_status, eg.direct_response_content_type.value_or("text/plain"),
              eg.direct_response_body.value_or("")};
        }
      }
    }
    return f;
  }

  // Builds the Ir routes of every rule of `r` (independent of the listener).
  std::vector<IrRoute> buildRoutes(const HTTPRoute& r, RouteProblems& pr) {
    std::vector<IrRoute> out;
    const std::string rname = key(r.meta.namespace_, r.meta.name);
    for (size_t ri = 0; ri < r.rules.size(); ++ri) {
      const auto& rule = r.rules[ri];
      std::vector<IrBackend> backends;
      for (const auto& b : rule.backend_refs) {
        BackendObjectReference ref{b.group, b.kind, b.namespace_, b.name, b.port};
        BackendCheck c = resolveBackend(r.meta.namespace_, ref);
        if (!c.reason.empty()) {
          pr.ref(c.reason, c.message);
          out_.messages.push_back("HTTPRoute " + rname + ": " + c.message);
        }
        IrBackend ib;
        ib.cluster = c.cluster;
        ib.weight = b.weight;
        IrFilters bf = filters(r, b.filters, pr);
        ib.request_headers = bf.request_headers;
        ib.response_headers = bf.response_headers;
        backends.push_back(std::move(ib));
      }
      IrFilters f = filters(r, rule.filters, pr);
      std::optional<int64_t> req_timeout, backend_timeout;
      if (rule.timeouts) {
        if (rule.timeouts->request) {
          req_timeout = parseGatewayDuration(*rule.timeouts->request);
          if (!req_timeout)
            pr.unsupported("timeouts.request " + *rule.timeouts->request + " is not a duration");
        }
        if (rule.timeouts->backend_request) {
          backend_timeout = parseGatewayDuration(*rule.timeouts->backend_request);
          if (!backend_timeout) {
            pr.unsupported("timeouts.backendRequest " + *rule.timeouts->backend_request +
                           " is not a duration");
          }
        }
      }
      std::optional<IrRoute::Retry> retry;
      if (rule.retry) {
        IrRoute::Retry rt;
        rt.codes = rule.retry->codes;
        rt.attempts = rule.retry->attempts.value_or(1);
        if (rule.retry->backoff) {
          auto b = parseGatewayDuration(*rule.retry->backoff);
          if (!b) pr.unsupported("retry.backoff " + *rule.retry->backoff + " is not a duration");
          rt.backoff_ms = b.value_or(0);
        }
        retry = rt;
      }
      std::vector<HTTPRouteMatch> matches = rule.matches;
      if (matches.empty()) matches.push_back(HTTPRouteMatch{});
      for (size_t mi = 0; mi < matches.size(); ++mi) {
        const auto& m = matches[mi];
        IrRoute ir;
        ir.path_type = m.path.type;
        ir.path_value = m.path.value;
        bool ok = true;
        auto regexOk = [&](const std::string& re, const std::string& what) {
          RE2 compiled(re);
          if (!compiled.ok()) {
            pr.unsupported(what + " " + re +
                           " is not a valid RE2 regular expression: " + compiled.error());
            ok = false;
          }
        };
        if (m.path.type == "RegularExpression") regexOk(m.path.value, "path");
        for (const auto& h : m.headers) {
          IrStringMatch sm{h.type == "RegularExpression" ? IrStringMatch::Type::kRegex
                                                         : IrStringMatch::Type::kExact,
                           h.name, h.value};
          if (sm.type == IrStringMatch::Type::kRegex) regexOk(h.value, "header match");
          ir.headers.push_back(std::move(sm));
        }
        for (const auto& q : m.query_params) {
          IrStringMatch sm{q.type == "RegularExpression" ? IrStringMatch::Type::kRegex
                                                         : IrStringMatch::Type::kExact,
                           q.name, q.value};
          if (sm.type == IrStringMatch::Type::kRegex) regexOk(q.value, "query parameter match");
          ir.query_params.push_back(std::move(sm));
        }
        ir.method = m.method.value_or("");
        if (!ok) continue;
        ir.route = rname;
        ir.creation_timestamp = r.meta.creation_timestamp;
        ir.rule_index = int(ri);
        ir.match_index = int(mi);
        ir.rule_name = rule.name.value_or("");
        ir.backends = backends;
        ir.filters = f;
        ir.request_timeout_ms = req_timeout;
        ir.backend_request_timeout_ms = backend_timeout;
        ir.retry = retry;
        out.push_back(std::move(ir));
      }
    }
    return out;
  }

  bool namespaceAllowed(const ListenerEntry& e, const std::string& route_ns) const {
    const AllowedRoutes& ar = e.l->allowed_routes;
    if (ar.from == "All") return true;
    if (ar.from == "Same") return route_ns == e.owner_ns;
    if (ar.from == "Selector") {
      if (!ar.selector) return false;
      auto it = idx_.namespaces.find(route_ns);
      static const std::map<std::string, std::string> kNoLabels;
      std::map<std::string, std::string> labels =
          it == idx_.namespaces.end() ? kNoLabels : it->second->meta.labels;
      labels.emplace("kubernetes.io/metadata.name", route_ns);
      return ar.selector->matches(labels);
    }
    return false;
  }

  void route(const HTTPRoute& r) {
    const std::string rname = key(r.meta.namespace_, r.meta.name);
    const int64_t gen = r.meta.generation;
    ObjectStatus st;
    st.kind = "HTTPRoute";
    st.namespace_ = r.meta.namespace_;
    st.name = r.meta.name;
    st.generation = gen;

    RouteProblems pr;
    std::vector<IrRoute> irs = buildRoutes(r, pr);
    if (irs.empty() && !pr.accept_reason.empty()) {
      // Every match was invalid: nothing of this route is served.
    }

    for (const auto& pref : r.parent_refs) {
      if (pref.group != kGroup || (pref.kind != "Gateway" && pref.kind != "ListenerSet")) continue;
      std::vector<int> candidates;
      const std::string pns = pref.namespace_.value_or(r.meta.namespace_);
      if (pref.kind == "Gateway") {
        int g = findGateway(key(pns, pref.name));
        if (g < 0) continue;  // not ours (or absent): another controller's business
        candidates = gws_[g].entries;
      } else {
        int s = -1;
        for (size_t i = 0; i < sets_.size(); ++i) {
          if (sets_[i].ls->meta.namespace_ == pns && sets_[i].ls->meta.name == pref.name)
            s = int(i);
        }
        if (s < 0) continue;
        candidates = sets_[s].entries;
      }
      RouteParentStatus ps;
      ps.parent_ref = pref;
      ps.parent_ref.namespace_ = pns;  // written out in full, as Kubernetes controllers do
      ps.controller_name = kControllerName;

      std::vector<int> selected;
      for (int id : candidates) {
        const ListenerEntry& e = entries_[id];
        if (pref.section_name && *pref.section_name != e.l->name) continue;
        if (pref.port && *pref.port != e.l->port) continue;
        selected.push_back(id);
      }
      std::vector<int> allowed;
      for (int id : selected) {
        const ListenerEntry& e = entries_[id];
        if (!e.accepted() || !entryLive(e)) continue;
        bool kind_ok = false;
        for (const auto& k : e.kinds) kind_ok |= k.kind == "HTTPRoute";
        if (kind_ok && namespaceAllowed(e, r.meta.namespace_)) allowed.push_back(id);
      }
      std::vector<std::pair<int, std::vector<std::string>>> attached;
      for (int id : allowed) {
        const ListenerEntry& e = entries_[id];
        std::vector<std::string> hosts;
        const std::string lhost = e.l->hostname.value_or("");
        if (r.hostnames.empty()) {
          hosts.push_back(lhost.empty() ? "*" : lhost);
        } else {
          for (const auto& h : r.hostnames) {
            std::string x = intersectHostnames(lhost, h);
            if (!x.empty() && std::find(hosts.begin(), hosts.end(), x) == hosts.end())
              hosts.push_back(x);
          }
        }
        if (!hosts.empty()) attached.emplace_back(id, std::move(hosts));
      }

      if (selected.empty()) {
        ps.conditions.push_back(cond("Accepted", false, "NoMatchingParent",
                                     "no listener matches the parentRef's sectionName and port",
                                     gen));
      } else if (allowed.empty()) {
        ps.conditions.push_back(
            cond("Accepted", false, "NotAllowedByListeners",
                 "no listener allows this route (allowedRoutes namespaces and kinds)", gen));
      } else if (attached.empty()) {
        ps.conditions.push_back(cond("Accepted", false, "NoMatchingListenerHostname",
                                     "no listener hostname intersects the route's hostnames", gen));
      } else if (!pr.accept_reason.empty() && irs.empty()) {
        ps.conditions.push_back(cond("Accepted", false, pr.accept_reason, pr.accept_message, gen));
      } else {
        ps.conditions.push_back(cond("Accepted", true, "Accepted", "attached", gen));
        for (auto& [id, hosts] : attached) {
          ListenerEntry& e = entries_[id];
          if (attachments_.insert({id, rname}).second) e.attached++;
          emit(id, hosts, irs, rname);
        }
      }
      if (pr.refs_reason.empty()) {
        ps.conditions.push_back(
            cond("ResolvedRefs", true, "ResolvedRefs", "all references resolved", gen));
      } else {
        ps.conditions.push_back(cond("ResolvedRefs", false, pr.refs_reason, pr.refs_message, gen));
      }
      if (!pr.accept_reason.empty() && !irs.empty()) {
        ps.conditions.push_back(
            cond("PartiallyInvalid", true, pr.accept_reason, pr.accept_message, gen));
      }
      st.parents.push_back(std::move(ps));
    }
    route_status_.push_back(std::move(st));
  }

  // Adds the routes to the listener's socket, once per (socket, hostname, route).
  void emit(int entry_id, const std::vector<std::string>& hosts, const std::vector<IrRoute>& irs,
            const std::string& rname) {
    const ListenerEntry& e = entries_[entry_id];
    const GatewayInfo& gi = gws_[e.gateway];
    if (!gi.serves() || !e.programmed()) return;
    size_t socket = socketFor(gi.address, *e.l, e);
    for (const auto& h : hosts) {
      const std::string lhost = e.l->hostname.value_or("*");
      if (!emitted_.insert({socket, lhost + " " + h, rname}).second) continue;
      IrVirtualHost& vh = vhosts_[socket][{lhost, h}];
      vh.hostname = h;
      vh.listener_hostname = lhost;
      vh.routes.insert(vh.routes.end(), irs.begin(), irs.end());
    }
  }

  size_t socketFor(const std::string& address, const Listener& l, const ListenerEntry& e) {
    auto sk = std::make_pair(address, l.port);
    auto it = socket_of_.find(sk);
    if (it == socket_of_.end()) {
      it = socket_of_.emplace(sk, out_.ir.listeners.size()).first;
      IrListener il;
      il.address = address;
      il.port = l.port;
      il.bind_port = l.port + opts_.port_offset;
      il.protocol = l.protocol;
      out_.ir.listeners.push_back(il);
      vhosts_.emplace_back();
    }
    IrListener& il = out_.ir.listeners[it->second];
    if (l.protocol == "HTTPS" && !certs_added_.count(&e)) {
      certs_added_.insert(&e);
      il.certificates.insert(il.certificates.end(), e.certs.begin(), e.certs.end());
    }
    return it->second;
  }

  std::vector<Condition> listenerConditions(const ListenerEntry& e, int64_t gen,
                                            bool parent_ok) const {
    std::vector<Condition> cs;
    if (!e.conflict.empty()) {
      cs.push_back(cond("Accepted", false, e.conflict,
                        "conflicts with another listener on port " + std::to_string(e.l->port),
                        gen));
    } else if (!e.protocol_ok) {
      cs.push_back(cond("Accepted", false, "UnsupportedProtocol",
                        "protocol " + e.l->protocol + " is not supported", gen));
    } else {
      cs.push_back(cond("Accepted", true, "Accepted", "", gen));
    }
    if (e.refs_reason.empty()) {
      cs.push_back(cond("ResolvedRefs", true, "ResolvedRefs", "", gen));
    } else {
      cs.push_back(cond("ResolvedRefs", false, e.refs_reason, e.refs_message, gen));
    }
    if (e.conflict.empty()) {
      cs.push_back(cond("Conflicted", false, "NoConflicts", "", gen));
    } else {
      cs.push_back(cond("Conflicted", true, e.conflict, "", gen));
    }
    if (parent_ok && e.programmed()) {
      cs.push_back(cond("Programmed", true, "Programmed", "", gen));
    } else if (!e.conflict.empty()) {
      cs.push_back(
          cond("Programmed", false, e.conflict, "the listener conflicts with another one", gen));
    } else {
      cs.push_back(cond("Programmed", false, "Invalid", "the listener is not valid", gen));
    }
    return cs;
  }

  // A ListenerSet listener counts as valid when accepted with resolved references.
  static bool listenerValid(const ListenerEntry& e) {
    return e.accepted() && e.refs_reason.empty();
  }

  bool listenerSetAccepted(const ListenerSetInfo& s) const {
    if (!s.accept_reason.empty()) return false;
    for (int id : s.entries) {
      if (listenerValid(entries_[id])) return true;
    }
    return s.entries.empty();
  }

  ListenerStatus listenerStatus(const ListenerEntry& e, int64_t gen, bool parent_ok) const {
    ListenerStatus ls;
    ls.name = e.l->name;
    ls.supported_kinds = e.kinds;
    ls.attached_routes = e.attached;
    ls.conditions = listenerConditions(e, gen, parent_ok);
    return ls;
  }

  void finish() {
    // Every programmed listener gets its socket even without routes (the port answers 404).
    for (const auto& e : entries_) {
      const GatewayInfo& gi = gws_[e.gateway];
      if (gi.serves() && e.programmed() && entryLive(e)) socketFor(gi.address, *e.l, e);
    }
    for (size_t i = 0; i < vhosts_.size(); ++i) {
      for (auto& [h, vh] : vhosts_[i]) out_.ir.listeners[i].vhosts.push_back(std::move(vh));
    }
    for (auto& c : class_status_) out_.status.objects.push_back(std::move(c));
    for (const auto& gi : gws_) {
      ObjectStatus st;
      st.kind = "Gateway";
      st.namespace_ = gi.gw->meta.namespace_;
      st.name = gi.gw->meta.name;
      const int64_t gen = gi.gw->meta.generation;
      st.generation = gen;
      st.addresses = gi.status_addresses;
      int invalid = 0;
      for (int id : gi.entries) {
        const ListenerEntry& e = entries_[id];
        if (!e.accepted()) ++invalid;
        st.listeners.push_back(listenerStatus(e, gen, gi.accepted()));
      }
      if (!gi.accepted()) {
        st.conditions.push_back(cond("Accepted", false, gi.accept_reason, gi.accept_message, gen));
      } else if (invalid > 0 && invalid == int(gi.entries.size())) {
        st.conditions.push_back(
            cond("Accepted", false, "ListenersNotValid", "no listener is valid", gen));
      } else if (invalid > 0) {
        st.conditions.push_back(
            cond("Accepted", true, "ListenersNotValid", "some listeners are not valid", gen));
      } else {
        st.conditions.push_back(cond("Accepted", true, "Accepted", "", gen));
      }
      bool accepted = st.conditions.back().status == "True";
      for (const auto& s : sets_) {
        if (&gws_[s.gateway] == &gi && listenerSetAccepted(s)) ++st.attached_listeners;
      }
      if (!accepted) {
        st.conditions.push_back(
            cond("Programmed", false, "Invalid", "the Gateway is not accepted", gen));
      } else if (gi.no_address) {
        st.conditions.push_back(cond("Programmed", false, "AddressNotAssigned",
                                     "--address-pool has no free address", gen));
      } else {
        st.conditions.push_back(cond("Programmed", true, "Programmed", "", gen));
      }
      out_.status.objects.push_back(std::move(st));
    }
    for (const auto& s : sets_) {
      ObjectStatus st;
      st.kind = "ListenerSet";
      st.namespace_ = s.ls->meta.namespace_;
      st.name = s.ls->meta.name;
      const int64_t gen = s.ls->meta.generation;
      st.generation = gen;
      const bool parent_ok = gws_[s.gateway].accepted() && s.accept_reason.empty();
      int invalid = 0;
      for (int id : s.entries) {
        const ListenerEntry& e = entries_[id];
        if (!listenerValid(e)) ++invalid;
        st.listeners.push_back(listenerStatus(e, gen, parent_ok));
      }
      if (!s.accept_reason.empty()) {
        st.conditions.push_back(cond("Accepted", false, s.accept_reason, s.accept_message, gen));
        st.conditions.push_back(cond("Programmed", false, s.accept_reason, s.accept_message, gen));
      } else if (invalid > 0 && invalid == int(s.entries.size())) {
        st.conditions.push_back(
            cond("Accepted", false, "ListenersNotValid", "no listener is valid", gen));
        st.conditions.push_back(
            cond("Programmed", false, "ListenersNotValid", "no listener is valid", gen));
      } else {
        st.conditions.push_back(
            cond("Accepted", true, invalid ? "ListenersNotValid" : "Accepted", "", gen));
        st.conditions.push_back(cond("Programmed", true, "Programmed", "", gen));
      }
      out_.status.objects.push_back(std::move(st));
    }
    for (auto& r : route_status_) out_.status.objects.push_back(std::move(r));
  }

  const TranslateOptions& opts_;
  TranslateResult out_;
  Index idx_;
  std::vector<ObjectStatus> class_status_;
  std::vector<ObjectStatus> route_status_;
  std::vector<GatewayInfo> gws_;
  std::vector<ListenerSetInfo> sets_;
  std::vector<ListenerEntry> entries_;
  std::map<std::string, int> cluster_of_;
  std::map<std::pair<std::string, int>, size_t> socket_of_;
  // Per socket: (listener hostname, route hostname) -> virtual host.
  std::vector<std::map<std::pair<std::string, std::string>, IrVirtualHost>> vhosts_;
  std::set<std::tuple<size_t, std::string, std::string>> emitted_;
  std::set<std::pair<int, std::string>> attachments_;
  std::set<const ListenerEntry*> certs_added_;
};

}  // namespace

TranslateResult translate(const std::vector<Object>& objects, const TranslateOptions& opts) {
  return Translation(objects, opts).run();
}

std::vector<std::string> gatewaysNeedingAddress(const std::vector<Object>& objects) {
  std::map<std::string, std::string> classes;
  for (const auto& o : objects) {
    if (auto* gc = std::get_if<GatewayClass>(&o)) classes[gc->meta.name] = gc->controller_name;
  }
  std::vector<std::string> out;
  for (const auto& o : objects) {
    auto* g = std::get_if<Gateway>(&o);
    if (!g) continue;
    auto it = classes.find(g->gateway_class_name);
    if (it == classes.end() || it->second != kControllerName) continue;
    bool has = false;
    for (const auto& a : g->addresses) has |= a.type == "IPAddress" && !a.value.empty();
    if (!has) out.push_back(key(g->meta.namespace_, g->meta.name));
  }
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace torii::config
