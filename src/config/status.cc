#include "config/status.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <boost/json.hpp>
#include <ctime>
#include <map>

namespace torii::config {
namespace {

namespace json = boost::json;

std::string parentKey(const ParentRef& p) {
  return p.group + "/" + p.kind + "/" + p.namespace_.value_or("") + "/" + p.name + "/" +
         p.section_name.value_or("") + "/" + (p.port ? std::to_string(*p.port) : "");
}

std::string objectKey(const ObjectStatus& o) {
  return o.api_version + "/" + o.kind + "/" + o.namespace_ + "/" + o.name;
}

void stamp(std::vector<Condition>& next, const std::vector<Condition>* prev,
           const std::string& now) {
  for (auto& c : next) {
    c.last_transition_time = now;
    if (!prev) continue;
    for (const auto& p : *prev) {
      if (p.type == c.type && p.status == c.status && !p.last_transition_time.empty()) {
        c.last_transition_time = p.last_transition_time;
      }
    }
  }
}

json::array conditionsJson(const std::vector<Condition>& cs) {
  json::array out;
  for (const auto& c : cs) {
    json::object o;
    o["type"] = c.type;
    o["status"] = c.status;
    o["reason"] = c.reason;
    o["message"] = c.message;
    o["observedGeneration"] = c.observed_generation;
    o["lastTransitionTime"] =
        c.last_transition_time.empty() ? "1970-01-01T00:00:00Z" : c.last_transition_time;
    out.push_back(std::move(o));
  }
  return out;
}

json::object parentRefJson(const ParentRef& p) {
  json::object o;
  o["group"] = p.group;
  o["kind"] = p.kind;
  if (p.namespace_) o["namespace"] = *p.namespace_;
  o["name"] = p.name;
  if (p.section_name) o["sectionName"] = *p.section_name;
  if (p.port) o["port"] = *p.port;
  return o;
}

void emitYaml(YAML::Emitter& e, const json::value& v) {
  switch (v.kind()) {
    case json::kind::object:
      e << YAML::BeginMap;
      for (const auto& [k, x] : v.get_object()) {
        e << YAML::Key << std::string(k) << YAML::Value;
        emitYaml(e, x);
      }
      e << YAML::EndMap;
      break;
    case json::kind::array:
      if (v.get_array().empty()) {
        e << YAML::Flow << YAML::BeginSeq << YAML::EndSeq;
        break;
      }
      e << YAML::BeginSeq;
      for (const auto& x : v.get_array()) emitYaml(e, x);
      e << YAML::EndSeq;
      break;
    case json::kind::string: {
      std::string s(v.get_string());
      // Quote strings YAML would read as another type.
      if (s.empty() || s == "True" || s == "False" || s == "true" || s == "false" || s == "null" ||
          s.find_first_not_of("0123456789.-") == std::string::npos || s.front() == '*') {
        e << YAML::DoubleQuoted << s;
      } else {
        e << s;
      }
      break;
    }
    case json::kind::int64:
      e << v.get_int64();
      break;
    case json::kind::uint64:
      e << v.get_uint64();
      break;
    case json::kind::double_:
      e << v.get_double();
      break;
    case json::kind::bool_:
      e << v.get_bool();
      break;
    case json::kind::null:
      e << YAML::Null;
      break;
  }
}

}  // namespace

namespace {
void setCondition(std::vector<Condition>& conds, const char* type, const char* reason,
                  const std::string& message, const std::string& now) {
  for (auto& c : conds) {
    if (c.type != type) continue;
    if (c.status != "False") c.last_transition_time = now;
    c.status = "False";
    c.reason = reason;
    c.message = message;
    return;
  }
  Condition c;
  c.type = type;
  c.status = "False";
  c.reason = reason;
  c.message = message;
  c.last_transition_time = now;
  c.observed_generation = conds.empty() ? 1 : conds.front().observed_generation;
  conds.push_back(std::move(c));
}
}  // namespace

void applyListenerBindErrors(StatusSet& s, const std::vector<Object>& objects,
                             const std::vector<ListenerBindError>& errors, const std::string& now) {
  if (errors.empty()) return;
  auto statusOf = [&](const char* kind, const std::string& ns,
                      const std::string& name) -> ObjectStatus* {
    for (auto& o : s.objects) {
      if (o.kind == kind && o.namespace_ == ns && o.name == name) return &o;
    }
    return nullptr;
  };
  // The addresses a Gateway's sockets bind: its status addresses, or every address.
  auto addressesOf = [&](const std::string& ns, const std::string& name) {
    std::vector<std::string> out;
    if (ObjectStatus* g = statusOf("Gateway", ns, name)) {
      for (const auto& a : g->addresses) out.push_back(a.value);
    }
    if (out.empty()) out.push_back("0.0.0.0");
    return out;
  };
  auto mark = [&](ObjectStatus* st, const std::vector<Listener>& listeners,
                  const std::vector<std::string>& addresses) {
    if (!st) return;
    for (const auto& l : listeners) {
      for (const auto& e : errors) {
        if (e.port != l.port ||
            std::find(addresses.begin(), addresses.end(), e.address) == addresses.end())
          continue;
        for (auto& ls : st->listeners) {
          if (ls.name != l.name) continue;
          const std::string msg =
              "cannot listen on " + e.address + ":" + std::to_string(e.port) + ": " + e.message;
          setCondition(ls.conditions, "Accepted", "PortUnavailable", msg, now);
          setCondition(ls.conditions, "Programmed", "Invalid", msg, now);
        }
      }
    }
  };
  for (const auto& o : objects) {
    if (auto* g = std::get_if<Gateway>(&o)) {
      mark(statusOf("Gateway", g->meta.namespace_, g->meta.name), g->listeners,
           addressesOf(g->meta.namespace_, g->meta.name));
    } else if (auto* ls = std::get_if<ListenerSet>(&o)) {
      const std::string gns = ls->parent_ref.namespace_.value_or(ls->meta.namespace_);
      mark(statusOf("ListenerSet", ls->meta.namespace_, ls->meta.name), ls->listeners,
           addressesOf(gns, ls->parent_ref.name));
    }
  }
}

void stampTransitions(StatusSet& next, const StatusSet* previous, const std::string& now) {
  std::map<std::string, const ObjectStatus*> prev;
  if (previous) {
    for (const auto& o : previous->objects) prev[objectKey(o)] = &o;
  }
  for (auto& o : next.objects) {
    auto it = prev.find(objectKey(o));
    const ObjectStatus* p = it == prev.end() ? nullptr : it->second;
    stamp(o.conditions, p ? &p->conditions : nullptr, now);
    for (auto& l : o.listeners) {
      const std::vector<Condition>* pc = nullptr;
      if (p) {
        for (const auto& pl : p->listeners) {
          if (pl.name == l.name) pc = &pl.conditions;
        }
      }
      stamp(l.conditions, pc, now);
    }
    for (auto& r : o.parents) {
      const std::vector<Condition>* pc = nullptr;
      if (p) {
        for (const auto& pr : p->parents) {
          if (parentKey(pr.parent_ref) == parentKey(r.parent_ref)) pc = &pr.conditions;
        }
      }
      stamp(r.conditions, pc, now);
    }
  }
}

bool hasProblems(const StatusSet& s) {
  if (!s.errors.empty()) return true;
  auto bad = [](const std::vector<Condition>& cs) {
    for (const auto& c : cs) {
      if ((c.type == "Accepted" || c.type == "ResolvedRefs") && c.status != "True") return true;
    }
    return false;
  };
  for (const auto& o : s.objects) {
    if (bad(o.conditions)) return true;
    for (const auto& l : o.listeners) {
      if (bad(l.conditions)) return true;
    }
    for (const auto& p : o.parents) {
      if (bad(p.conditions)) return true;
    }
  }
  return false;
}

std::string statusToJson(const StatusSet& s) {
  json::object doc;
  doc["apiVersion"] = "v1";
  doc["kind"] = "List";
  json::array items;
  for (const auto& o : s.objects) {
    json::object item;
    item["apiVersion"] = o.api_version.empty() ? apiVersionOf(o.kind) : o.api_version;
    item["kind"] = o.kind;
    json::object md;
    md["name"] = o.name;
    if (!o.namespace_.empty()) md["namespace"] = o.namespace_;
    md["generation"] = o.generation;
    item["metadata"] = std::move(md);
    json::object st;
    if (o.kind == "HTTPRoute" || o.kind == "InferencePool") {
      json::array parents;
      for (const auto& p : o.parents) {
        json::object po;
        po["parentRef"] = parentRefJson(p.parent_ref);
        po["controllerName"] = p.controller_name;
        po["conditions"] = conditionsJson(p.conditions);
        parents.push_back(std::move(po));
      }
      st["parents"] = std::move(parents);
    } else {
      if (o.kind == "Gateway") {
        json::array addrs;
        for (const auto& a : o.addresses) {
          json::object ao;
          ao["type"] = a.type;
          ao["value"] = a.value;
          addrs.push_back(std::move(ao));
        }
        st["addresses"] = std::move(addrs);
        st["attachedListeners"] = o.attached_listeners;
      }
      st["conditions"] = conditionsJson(o.conditions);
      if (o.kind == "Gateway" || o.kind == "ListenerSet") {
        json::array ls;
        for (const auto& l : o.listeners) {
          json::object lo;
          lo["name"] = l.name;
          json::array kinds;
          for (const auto& k : l.supported_kinds) {
            json::object ko;
            ko["group"] = k.group;
            ko["kind"] = k.kind;
            kinds.push_back(std::move(ko));
          }
          lo["supportedKinds"] = std::move(kinds);
          lo["attachedRoutes"] = l.attached_routes;
          lo["conditions"] = conditionsJson(l.conditions);
          ls.push_back(std::move(lo));
        }
        st["listeners"] = std::move(ls);
      }
    }
    item["status"] = std::move(st);
    items.push_back(std::move(item));
  }
  doc["items"] = std::move(items);
  if (!s.errors.empty()) {
    json::array errs;
    for (const auto& e : s.errors) errs.push_back(json::string(e));
    doc["errors"] = std::move(errs);
  }
  return json::serialize(doc);
}

std::string jsonToYaml(const std::string& text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return "# invalid JSON: " + ec.message() + "\n";
  YAML::Emitter e;
  emitYaml(e, v);
  return std::string(e.c_str()) + "\n";
}

std::string nowRfc3339() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace torii::config
