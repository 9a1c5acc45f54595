#include "config/translator.h"

#include <arpa/inet.h>
#include <re2/re2.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <map>
#include <memory>
#include <set>
#include <type_traits>

#include "config/snapshot.h"

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
constexpr const char* kInferenceGroup = "inference.networking.k8s.io";
constexpr const char* kInferenceXGroup = "inference.networking.x-k8s.io";

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
  std::map<std::string, const InferencePool*> pools;  // group/ns/name
  // apiVersion/ns/name: the same name in llm-d.ai and the older group are two objects.
  std::map<std::string, const InferenceObjective*> objectives;
  std::map<std::string, const InferenceModelRewrite*> rewrites;
  std::map<std::string, const InferenceModel*> models;  // ns/name
  std::multimap<std::string, const Pod*> pods;          // by namespace
};

bool isInferenceGroup(const std::string& g) {
  return g == kInferenceGroup || g == kInferenceXGroup;
}

// Inference objects that refer to a pool apply in precedence order: oldest first, then ns/name.
template <typename T>
bool olderFirst(const T* a, const T* b) {
  if (a->meta.creation_timestamp != b->meta.creation_timestamp)
    return a->meta.creation_timestamp < b->meta.creation_timestamp;
  if (a->meta.namespace_ != b->meta.namespace_) return a->meta.namespace_ < b->meta.namespace_;
  return a->meta.name < b->meta.name;
}

// "k=v,k=v" (spaces around items allowed); false when malformed or a key repeats.
bool parseKeyValues(const std::string& text,
                    std::vector<std::pair<std::string, std::string>>* out) {
  auto trim = [](std::string x) {
    const char* ws = " \t";
    x.erase(0, x.find_first_not_of(ws));
    x.erase(x.find_last_not_of(ws) + 1);
    return x;
  };
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t comma = text.find(',', pos);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(pos, comma - pos);
    size_t eq = item.find('=');
    if (eq == std::string::npos) return false;
    std::string k = trim(item.substr(0, eq)), v = trim(item.substr(eq + 1));
    if (k.empty() || v.empty()) return false;
    for (const auto& [pk, pv] : *out) {
      if (pk == k) return false;
    }
    out->emplace_back(k, v);
    pos = comma + 1;
  }
  return !out->empty();
}

// A finite decimal number (the whole string); nullopt otherwise.
std::optional<double> parseNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || !std::isfinite(v)) return std::nullopt;
  return v;
}

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

// One InferencePool as translation sees it: built on first reference by a route (poolInfo()).
struct PoolInfo {
  bool built = false;
  IrInferencePool settings;                      // annotations, objectives, rewrites (no endpoints)
  std::vector<std::string> annotation_problems;  // invalid torii.dev/* annotations (defaults kept)
  std::string refs_reason, refs_message;         // endpointPickerRef; "" = resolved
  bool fails_closed = false;  // unresolved endpointPickerRef with failureMode FailClose: no cluster
  int cluster = -1;
  std::set<int> parents;  // Gateways (index into gateways) with an accepted route to the pool
  // Filed by inferenceRefs(), in precedence order.
  std::vector<const InferenceObjective*> objectives;
  std::vector<const InferenceModelRewrite*> rewrites;
  std::vector<const InferenceModel*> models;
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
    inferenceRefs();
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
    if (auto* p = std::get_if<InferencePool>(&o)) {
      put(idx_.pools, p->group + "/" + key(p->meta.namespace_, p->meta.name), p, "InferencePool");
    }
    if (auto* x = std::get_if<InferenceObjective>(&o)) {
      put(idx_.objectives, x->api_version + "/" + key(x->meta.namespace_, x->meta.name), x,
          "InferenceObjective");
    }
    if (auto* x = std::get_if<InferenceModelRewrite>(&o)) {
      put(idx_.rewrites, x->api_version + "/" + key(x->meta.namespace_, x->meta.name), x,
          "InferenceModelRewrite");
    }
    if (auto* x = std::get_if<InferenceModel>(&o))
      put(idx_.models, key(x->meta.namespace_, x->meta.name), x, "InferenceModel");
    if (auto* x = std::get_if<Pod>(&o)) idx_.pods.emplace(x->meta.namespace_, x);
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
    std::string reason, message;          // "" = resolved
    const InferencePool* pool = nullptr;  // the backend is this InferencePool (resolved)
  };

  BackendCheck resolveBackend(const std::string& route_ns, const BackendObjectReference& ref) {
    BackendCheck c;
    // GIE's own samples write InferencePool backendRefs without a group: taken as the pool too.
    if (ref.kind == "InferencePool" && (isCoreGroup(ref.group) || isInferenceGroup(ref.group))) {
      return resolvePool(route_ns, ref);
    }
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

  // Builds the Ir routes of every rule of `r` (independent of the listener). `pools` gets the
  // InferencePools the rules' backendRefs resolve to.
  std::vector<IrRoute> buildRoutes(const HTTPRoute& r, RouteProblems& pr,
                                   std::set<const InferencePool*>* pools) {
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
        if (c.pool) pools->insert(c.pool);
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
    std::set<const InferencePool*> pools;
    std::vector<IrRoute> irs = buildRoutes(r, pr, &pools);
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
          // The pool's parent is the Gateway (also when the route attached through a ListenerSet).
          for (const InferencePool* p : pools) pool_info_[p].parents.insert(e.gateway);
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

  // --- inference extension (shared/reference/inference.md §1) ---

  // The pool ns/name in `group`; the other inference group (or a groupless reference, as GIE's
  // own samples write them) falls back to a pool of the same name in either group.
  const InferencePool* findPool(const std::string& group, const std::string& ns,
                                const std::string& name) const {
    auto at = [&](const char* g) -> const InferencePool* {
      auto it = idx_.pools.find(std::string(g) + "/" + key(ns, name));
      return it == idx_.pools.end() ? nullptr : it->second;
    };
    const bool x = group == kInferenceXGroup;
    if (const InferencePool* p = at(x ? kInferenceXGroup : kInferenceGroup)) return p;
    return at(x ? kInferenceGroup : kInferenceXGroup);
  }

  // Resolves the poolRef of every InferenceObjective, InferenceModelRewrite and InferenceModel
  // (their Accepted condition) and files each under its pool in precedence order.
  void inferenceRefs() {
    auto resolve = [&](const char* kind, const std::string& api_version, const ObjectMeta& m,
                       const InferencePoolRef& ref) {
      const InferencePool* p = findPoolFor(m, ref);
      ObjectStatus st;
      st.kind = kind;
      st.api_version = api_version;
      st.namespace_ = m.namespace_;
      st.name = m.name;
      st.generation = m.generation;
      if (p) {
        st.conditions.push_back(
            cond("Accepted", true, "Accepted",
                 "spec.poolRef resolves to InferencePool " + key(p->meta.namespace_, p->meta.name),
                 m.generation));
      } else if (ref.kind != "InferencePool" || !isInferenceGroup(ref.group)) {
        st.conditions.push_back(cond("Accepted", false, "PoolNotFound",
                                     "spec.poolRef " + ref.name + " is a " + ref.group + "/" +
                                         ref.kind + ", not an InferencePool",
                                     m.generation));
      } else {
        st.conditions.push_back(
            cond("Accepted", false, "PoolNotFound",
                 "InferencePool " + key(m.namespace_, ref.name) + " (spec.poolRef.name) not found",
                 m.generation));
      }
      inference_ref_status_.push_back(std::move(st));
    };
    // Status in key order; filing under pools in precedence order (oldest first).
    auto file = [&](const auto& objects, auto PoolInfo::*list) {
      using T = std::remove_const_t<
          std::remove_pointer_t<typename std::remove_reference_t<decltype(objects)>::mapped_type>>;
      std::vector<const T*> sorted;
      for (const auto& [k, x] : objects) sorted.push_back(x);
      std::sort(sorted.begin(), sorted.end(), olderFirst<T>);
      for (const T* x : sorted) {
        if (const InferencePool* p = findPoolFor(x->meta, x->pool_ref))
          (pool_info_[p].*list).push_back(x);
      }
    };
    for (const auto& [k, x] : idx_.objectives)
      resolve("InferenceObjective", x->api_version, x->meta, x->pool_ref);
    for (const auto& [k, x] : idx_.rewrites)
      resolve("InferenceModelRewrite", x->api_version, x->meta, x->pool_ref);
    for (const auto& [k, x] : idx_.models)
      resolve("InferenceModel", "inference.networking.x-k8s.io/v1alpha2", x->meta, x->pool_ref);
    file(idx_.objectives, &PoolInfo::objectives);
    file(idx_.rewrites, &PoolInfo::rewrites);
    file(idx_.models, &PoolInfo::models);
  }

  const InferencePool* findPoolFor(const ObjectMeta& m, const InferencePoolRef& ref) const {
    if (ref.kind != "InferencePool" || !isInferenceGroup(ref.group)) return nullptr;
    return findPool(ref.group, m.namespace_, ref.name);
  }

  // The built-in picker's settings from the torii.dev/* annotations. A bad value keeps that
  // annotation's defaults and is reported (the pool's Accepted message), never rejects the pool.
  static void applyAnnotations(const InferencePool& p, IrInferencePool& s,
                               std::vector<std::string>& problems) {
    for (const auto& [k, v] : p.annotations) {
      auto bad = [&, &k = k, &v = v](const char* expected) {
        problems.push_back("annotation " + k + ": invalid value \"" + v + "\" (expected " +
                           expected + "), the default is used");
      };
      std::vector<std::pair<std::string, std::string>> kv;
      if (k == "torii.dev/endpoint-picker") {
        if (v == "scored" || v == "round-robin" || v == "least-request") {
          s.policy = v;
        } else {
          bad("scored, round-robin or least-request");
        }
      } else if (k == "torii.dev/scorer-weights") {
        double w[4] = {s.weight_queue, s.weight_kv_cache, s.weight_prefix, s.weight_lora};
        static const char* kNames[4] = {"queue", "kv-cache", "prefix", "lora"};
        bool ok = parseKeyValues(v, &kv);
        for (const auto& [name, val] : kv) {
          auto n = parseNumber(val);
          int i = 0;
          while (i < 4 && name != kNames[i]) ++i;
          if (i == 4 || !n || *n < 0 || *n > 1e6) {
            ok = false;
            break;
          }
          w[i] = *n;
        }
        if (ok) {
          s.weight_queue = w[0];
          s.weight_kv_cache = w[1];
          s.weight_prefix = w[2];
          s.weight_lora = w[3];
        } else {
          bad("comma-separated queue=, kv-cache=, prefix=, lora= with numbers >= 0");
        }
      } else if (k == "torii.dev/saturation") {
        double queue = s.saturation_queue, kv_cache = s.saturation_kv_cache;
        int64_t staleness = s.staleness_ms;
        bool ok = parseKeyValues(v, &kv);
        for (const auto& [name, val] : kv) {
          if (name == "staleness") {
            auto d = parseGatewayDuration(val);
            if (!d || *d <= 0) ok = false;
            staleness = d.value_or(0);
            continue;
          }
          auto n = parseNumber(val);
          if (name == "queue" && n && *n >= 0) {
            queue = *n;
          } else if (name == "kv-cache" && n && *n > 0 && *n <= 1) {
            kv_cache = *n;
          } else {
            ok = false;
          }
        }
        if (ok) {
          s.saturation_queue = queue;
          s.saturation_kv_cache = kv_cache;
          s.staleness_ms = staleness;
        } else {
          bad("queue=N (>= 0), kv-cache=F (0 < F <= 1), staleness=DURATION");
        }
      } else if (k == "torii.dev/metrics-interval") {
        auto d = parseGatewayDuration(v);
        if (d && *d >= 1 && *d <= 3600000) {
          s.scrape_interval_ms = *d;
        } else {
          bad("a duration between 1ms and 1h, e.g. 50ms");
        }
      } else if (k == "torii.dev/max-body-bytes") {
        int64_t n = 0;
        bool ok = !v.empty() && v.size() <= 10 && v.find_first_not_of("0123456789") == v.npos;
        if (ok) n = std::stoll(v);
        if (ok && n >= 1 && n <= (int64_t(1) << 30)) {
          s.max_body_bytes = n;
        } else {
          bad("an integer between 1 and 1073741824");
        }
      } else {
        problems.push_back("unknown annotation " + k + " is ignored");
      }
    }
  }

  // spec.endpointPickerRef: Torii does not call it yet, but a reference to nothing is reported.
  void checkPicker(const InferencePool& p, PoolInfo& pi) const {
    if (!p.endpoint_picker_ref) return;
    const EndpointPickerRef& e = *p.endpoint_picker_ref;
    const std::string ns = p.meta.namespace_;
    const std::string what = "endpointPickerRef " + (e.group.empty() ? "" : e.group + "/") +
                             e.kind + " " + key(ns, e.name);
    if (!isCoreGroup(e.group) || e.kind != "Service") {
      pi.refs_message = what + " is not supported (only core Services)";
    } else if (auto it = idx_.services.find(key(ns, e.name)); it == idx_.services.end()) {
      pi.refs_message = what + " not found";
    } else if (it->second->type == "ExternalName") {
      pi.refs_message = what + " is an ExternalName Service (not supported)";
    } else {
      bool has_port = false;
      for (const auto& sp : it->second->ports) has_port |= e.port && sp.port == *e.port;
      if (!has_port) pi.refs_message = what + " has no port " + std::to_string(e.port.value_or(0));
    }
    if (pi.refs_message.empty()) return;
    pi.refs_reason = "InvalidExtensionRef";
    // FailClose drops requests when the picker cannot be reached: one that does not exist never
    // can be. FailOpen lets the gateway pick, which the built-in picker does.
    pi.fails_closed = e.failure_mode != "FailOpen";
  }

  PoolInfo& poolInfo(const InferencePool* p) {
    PoolInfo& pi = pool_info_[p];
    if (pi.built) return pi;
    pi.built = true;
    IrInferencePool& s = pi.settings;
    s.name = key(p->meta.namespace_, p->meta.name);
    applyAnnotations(*p, s, pi.annotation_problems);
    checkPicker(*p, pi);
    for (const auto& m : pi.annotation_problems)
      out_.messages.push_back("InferencePool " + s.name + ": " + m);
    if (!pi.refs_message.empty())
      out_.messages.push_back("InferencePool " + s.name + ": " + pi.refs_message);
    for (const auto* o : pi.objectives) {
      bool seen = false;  // the same name in llm-d.ai and the older group: the older one wins
      for (const auto& [name, prio] : s.objectives) seen |= name == o->meta.name;
      if (!seen) s.objectives.emplace_back(o->meta.name, o->priority.value_or(0));
    }
    std::sort(s.objectives.begin(), s.objectives.end());
    for (const auto* r : pi.rewrites) {
      for (const auto& rule : r->rules) {
        IrInferenceRewriteRule ir;
        ir.models = rule.models;
        for (const auto& t : rule.targets)
          ir.targets.push_back({t.model_rewrite, uint32_t(t.weight.value_or(1))});
        s.rewrites.push_back(std::move(ir));
      }
    }
    for (const auto* m : pi.models) {
      bool seen = false;  // two InferenceModels for one modelName: the older one wins
      for (const auto& [name, prio] : s.model_priorities) seen |= name == m->model_name;
      if (seen) continue;
      int prio = m->criticality == "Critical" ? 1 : m->criticality == "Sheddable" ? -1 : 0;
      s.model_priorities.emplace_back(m->model_name, prio);
      if (m->target_models.empty()) continue;
      IrInferenceRewriteRule ir;
      ir.models.push_back(m->model_name);
      for (const auto& t : m->target_models)
        ir.targets.push_back({t.name, uint32_t(t.weight.value_or(1))});
      s.rewrites.push_back(std::move(ir));
    }
    std::sort(s.model_priorities.begin(), s.model_priorities.end());
    return pi;
  }

  // A backendRef to an InferencePool: one cluster per pool, shared by every route. Its endpoints
  // are every selected Pod's IP times every targetPort (pod name order, then port); backendRef
  // port is ignored (GIE conformance InferencePoolHTTPRoutePortValidation).
  BackendCheck resolvePool(const std::string& route_ns, const BackendObjectReference& ref) {
    BackendCheck c;
    const std::string ns = ref.namespace_.value_or(route_ns);
    const std::string pkey = key(ns, ref.name);
    const InferencePool* p = findPool(ref.group, ns, ref.name);
    const std::string group = p ? p->group : isCoreGroup(ref.group) ? kInferenceGroup : ref.group;
    if (!referenceAllowed(idx_, "HTTPRoute", route_ns, group, "InferencePool", ns, ref.name)) {
      c.reason = "RefNotPermitted";
      c.message = "no ReferenceGrant allows a reference to InferencePool " + pkey;
      return c;
    }
    if (!p) {
      c.reason = "BackendNotFound";
      c.message = "InferencePool " + pkey + " not found";
      return c;
    }
    c.pool = p;
    PoolInfo& pi = poolInfo(p);
    if (pi.cluster >= 0 || pi.fails_closed) {
      c.cluster = pi.cluster;  // -1 when failing closed: the route's share answers 500
      return c;
    }
    IrCluster cl;
    cl.name = pkey;
    cl.app_protocol = p->app_protocol == "kubernetes.io/h2c" ? p->app_protocol : "";
    auto inf = std::make_shared<IrInferencePool>(pi.settings);
    std::vector<const Pod*> pods;
    auto range = idx_.pods.equal_range(p->meta.namespace_);
    for (auto it = range.first; it != range.second; ++it) {
      const Pod* pod = it->second;
      if (pod->deleting || pod->pod_ip.empty()) continue;
      if (!pod->phase.empty() && pod->phase != "Running") continue;
      bool match = true;
      for (const auto& [lk, lv] : p->selector) {
        auto l = pod->meta.labels.find(lk);
        match &= l != pod->meta.labels.end() && l->second == lv;
      }
      if (!match) continue;
      if (!isIPv4(pod->pod_ip)) {
        out_.messages.push_back("InferencePool " + pkey + ": Pod " + pod->meta.name + " podIP " +
                                pod->pod_ip + " is not IPv4; skipped");
        continue;
      }
      pods.push_back(pod);
    }
    std::stable_sort(pods.begin(), pods.end(),
                     [](const Pod* a, const Pod* b) { return a->meta.name < b->meta.name; });
    std::vector<int> ports = p->target_ports;
    std::sort(ports.begin(), ports.end());
    for (const Pod* pod : pods) {
      std::string engine = "vllm";
      for (const char* label :
           {"llm-d.ai/engine-type", "inference.networking.k8s.io/engine-type"}) {
        auto l = pod->meta.labels.find(label);
        if (l != pod->meta.labels.end() && !l->second.empty()) {
          engine = l->second;
          break;
        }
      }
      for (int port : ports) {
        cl.endpoints.push_back({pod->pod_ip, port});
        inf->endpoint_pods.push_back(key(pod->meta.namespace_, pod->meta.name));
        inf->endpoint_engines.push_back(engine);
      }
    }
    cl.inference = std::move(inf);
    pi.cluster = int(out_.ir.clusters.size());
    out_.ir.clusters.push_back(std::move(cl));
    c.cluster = pi.cluster;
    return c;
  }

  // InferencePool status.parents[] (one per Gateway with an accepted route to the pool) and the
  // Accepted condition of objectives, rewrites and models.
  void inferenceStatus() {
    for (const auto& [k, p] : idx_.pools) {
      ObjectStatus st;
      st.kind = "InferencePool";
      st.api_version = p->api_version;
      st.namespace_ = p->meta.namespace_;
      st.name = p->meta.name;
      const int64_t gen = p->meta.generation;
      st.generation = gen;
      auto it = pool_info_.find(p);
      if (it != pool_info_.end() && !it->second.parents.empty()) {
        const PoolInfo& pi = it->second;
        std::string accepted =
            "served by Torii's built-in endpoint picker (" + pi.settings.policy + ")";
        if (p->endpoint_picker_ref) {
          accepted += "; endpointPickerRef " + p->endpoint_picker_ref->name +
                      " is not called (the external endpoint picker protocol is not implemented "
                      "yet)";
        }
        for (const auto& problem : pi.annotation_problems) accepted += "; " + problem;
        std::string resolved = pi.refs_message;
        if (!resolved.empty()) {
          resolved += pi.fails_closed
                          ? "; requests to this pool answer 500 (failureMode FailClose)"
                          : "; the built-in picker serves the pool (failureMode FailOpen)";
        }
        for (int g : pi.parents) {
          RouteParentStatus ps;
          ps.parent_ref.group = kGroup;
          ps.parent_ref.kind = "Gateway";
          ps.parent_ref.namespace_ = gws_[g].gw->meta.namespace_;
          ps.parent_ref.name = gws_[g].gw->meta.name;
          ps.controller_name = kControllerName;
          ps.conditions.push_back(cond("Accepted", true, "SupportedByParent", accepted, gen));
          if (pi.refs_reason.empty()) {
            ps.conditions.push_back(
                cond("ResolvedRefs", true, "ResolvedRefs",
                     p->endpoint_picker_ref ? "endpointPickerRef resolved" : "no endpointPickerRef",
                     gen));
          } else {
            ps.conditions.push_back(cond("ResolvedRefs", false, pi.refs_reason, resolved, gen));
          }
          st.parents.push_back(std::move(ps));
        }
      }
      out_.status.objects.push_back(std::move(st));
    }
    for (auto& x : inference_ref_status_) out_.status.objects.push_back(std::move(x));
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
    if (parent_ok && e.programmed() && e.l->protocol == "HTTPS" && !kDataPlaneServesTls) {
      // Valid, but nothing serves it yet: say so rather than claim it is programmed.
      cs.push_back(cond("Programmed", false, "Pending",
                        "TLS termination is not implemented yet: nothing listens for this listener",
                        gen));
    } else if (parent_ok && e.programmed()) {
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
    inferenceStatus();
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
  std::map<const InferencePool*, PoolInfo> pool_info_;
  std::vector<ObjectStatus> inference_ref_status_;  // objectives, rewrites, models
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
