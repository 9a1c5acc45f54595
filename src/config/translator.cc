#include "config/translator.h"

#include <algorithm>
#include <map>

namespace torii::config {

bool hostnameMatches(const std::string& pattern, const std::string& host) {
  if (pattern.empty() || pattern == "*") return true;
  if (pattern.rfind("*.", 0) == 0) {
    std::string suffix = pattern.substr(1);  // ".example.com"
    return host.size() > suffix.size() && host.compare(host.size() - suffix.size(), suffix.size(), suffix) == 0;
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

namespace {

struct Index {
  std::map<std::string, const GatewayClass*> classes;
  std::map<std::string, const Gateway*> gateways;  // ns/name
  std::map<std::string, const Service*> services;  // ns/name
  std::multimap<std::string, const EndpointSlice*> slices;  // ns/service
};

std::string key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

}  // namespace

TranslateResult translate(const std::vector<Object>& objects, const TranslateOptions& opts) {
  TranslateResult out;
  Index idx;
  std::vector<const HTTPRoute*> routes;
  for (const auto& o : objects) {
    if (auto* gc = std::get_if<GatewayClass>(&o)) idx.classes[gc->meta.name] = gc;
    if (auto* g = std::get_if<Gateway>(&o)) idx.gateways[key(g->meta.namespace_, g->meta.name)] = g;
    if (auto* s = std::get_if<Service>(&o)) idx.services[key(s->meta.namespace_, s->meta.name)] = s;
    if (auto* es = std::get_if<EndpointSlice>(&o)) idx.slices.emplace(key(es->meta.namespace_, es->service_name), es);
    if (auto* r = std::get_if<HTTPRoute>(&o)) routes.push_back(r);
  }

  // Listeners: one socket per (address, port); Gateway listeners on it become virtual hosts.
  std::map<std::pair<std::string, int>, size_t> socket_of;
  struct ListenerRef {
    const Gateway* gw;
    const Listener* l;
    size_t socket;
  };
  std::vector<ListenerRef> listeners;
  for (const auto& [gkey, gw] : idx.gateways) {
    auto cls = idx.classes.find(gw->gateway_class_name);
    if (cls == idx.classes.end() || cls->second->controller_name != kControllerName) continue;
    std::string address = opts.default_address;
    for (const auto& a : gw->addresses) {
      if (a.type == "IPAddress") {
        address = a.value;
        break;
      }
    }
    for (const auto& l : gw->listeners) {
      if (l.protocol != "HTTP") {
        out.messages.push_back("Gateway " + gkey + " listener " + l.name + ": protocol " + l.protocol +
                               " is not supported yet");
        continue;
      }
      auto sk = std::make_pair(address, l.port);
      auto it = socket_of.find(sk);
      if (it == socket_of.end()) {
        it = socket_of.emplace(sk, out.ir.listeners.size()).first;
        IrListener il;
        il.address = address;
        il.port = l.port;
        il.bind_port = l.port + opts.port_offset;
        out.ir.listeners.push_back(il);
      }
      listeners.push_back({gw, &l, it->second});
    }
  }

  // Clusters, created on first reference.
  std::map<std::string, int> cluster_of;
  auto clusterFor = [&](const std::string& ns, const BackendRef& ref, const std::string& what) -> int {
    if (!(ref.group.empty() || ref.group == "core") || ref.kind != "Service") {
      out.messages.push_back(what + ": backendRef kind " + ref.kind + " is not supported");
      return -1;
    }
    std::string bns = ref.namespace_.value_or(ns);
    auto sit = idx.services.find(key(bns, ref.name));
    if (sit == idx.services.end()) {
      out.messages.push_back(what + ": Service " + key(bns, ref.name) + " not found");
      return -1;
    }
    if (!ref.port) {
      out.messages.push_back(what + ": backendRef to Service " + ref.name + " needs a port");
      return -1;
    }
    const ServicePort* sp = nullptr;
    for (const auto& p : sit->second->ports) {
      if (p.port == *ref.port) sp = &p;
    }
    if (!sp) {
      out.messages.push_back(what + ": Service " + key(bns, ref.name) + " has no port " + std::to_string(*ref.port));
      return -1;
    }
    std::string cname = key(bns, ref.name) + ":" + std::to_string(*ref.port);
    if (auto it = cluster_of.find(cname); it != cluster_of.end()) return it->second;
    IrCluster c;
    c.name = cname;
    auto range = idx.slices.equal_range(key(bns, ref.name));
    for (auto it = range.first; it != range.second; ++it) {
      const EndpointSlice* es = it->second;
      if (es->address_type != "IPv4") continue;
      int port = 0;
      for (const auto& ep : es->ports) {
        if (ep.name == sp->name) port = ep.port;
      }
      if (port == 0) {
        if (auto* tp = std::get_if<int>(&sp->target_port)) port = *tp;
        else if (std::holds_alternative<std::monostate>(sp->target_port)) port = sp->port;
      }
      if (port == 0) continue;
      for (const auto& e : es->endpoints) {
        if (!e.ready) continue;
        for (const auto& a : e.addresses) c.endpoints.push_back({a, port});
      }
    }
    int id = int(out.ir.clusters.size());
    out.ir.clusters.push_back(std::move(c));
    cluster_of[cname] = id;
    return id;
  };

  // Routes: attach each to the listeners its parentRefs select.
  std::vector<std::map<std::string, IrVirtualHost>> vhosts(out.ir.listeners.size());
  for (const HTTPRoute* r : routes) {
    const std::string rname = key(r->meta.namespace_, r->meta.name);
    for (const auto& pref : r->parent_refs) {
      if (pref.kind != "Gateway") continue;
      auto git = idx.gateways.find(key(pref.namespace_.value_or(r->meta.namespace_), pref.name));
      if (git == idx.gateways.end()) {
        out.messages.push_back("HTTPRoute " + rname + ": parent Gateway " + pref.name + " not found");
        continue;
      }
      for (const auto& lr : listeners) {
        if (lr.gw != git->second) continue;
        if (pref.section_name && *pref.section_name != lr.l->name) continue;
        if (pref.port && *pref.port != lr.l->port) continue;
        std::vector<std::string> hosts;
        const std::string lhost = lr.l->hostname.value_or("");
        if (r->hostnames.empty()) {
          hosts.push_back(lhost.empty() ? "*" : lhost);
        } else {
          for (const auto& h : r->hostnames) {
            std::string x = intersectHostnames(lhost, h);
            if (!x.empty()) hosts.push_back(x);
          }
        }
        for (const auto& h : hosts) {
          IrVirtualHost& vh = vhosts[lr.socket][h];
          vh.hostname = h;
          for (size_t ri = 0; ri < r->rules.size(); ++ri) {
            const auto& rule = r->rules[ri];
            std::vector<IrBackend> backends;
            for (const auto& b : rule.backend_refs) {
              backends.push_back({clusterFor(r->meta.namespace_, b, "HTTPRoute " + rname), b.weight});
            }
            std::vector<HTTPRouteMatch> matches = rule.matches;
            if (matches.empty()) matches.push_back(HTTPRouteMatch{});
            for (const auto& m : matches) {
              if (m.path.type == "RegularExpression") {
                out.messages.push_back("HTTPRoute " + rname + ": RegularExpression path matches are not supported yet");
                continue;
              }
              IrRoute ir;
              ir.path_type = m.path.type;
              ir.path_value = m.path.value;
              ir.backends = backends;
              ir.route = rname;
              ir.creation_timestamp = r->meta.creation_timestamp;
              ir.rule_index = int(ri);
              vh.routes.push_back(std::move(ir));
            }
          }
        }
      }
    }
  }
  for (size_t i = 0; i < vhosts.size(); ++i) {
    for (auto& [h, vh] : vhosts[i]) out.ir.listeners[i].vhosts.push_back(std::move(vh));
  }
  return out;
}

}  // namespace torii::config
