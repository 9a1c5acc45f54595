#include "config/decode.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <sstream>

namespace torii::config {
namespace {

// Thrown inside this file only, caught per document: carries the field path of the problem.
struct FieldError {
  std::string path;
  std::string problem;
};

class Reader {
 public:
  Reader(const YAML::Node& node, std::string path) : node_(node), path_(std::move(path)) {}

  bool has(const char* key) const { return node_.IsMap() && node_[key] && !node_[key].IsNull(); }
  Reader child(const char* key) const { return Reader(node_[key], path_.empty() ? key : path_ + "." + key); }

  std::string str(const char* key, bool required = false) const {
    if (!has(key)) {
      if (required) throw FieldError{sub(key), "required field is missing"};
      return {};
    }
    const YAML::Node& n = node_[key];
    if (!n.IsScalar()) throw FieldError{sub(key), "must be a string"};
    return n.Scalar();
  }
  std::optional<std::string> optStr(const char* key) const {
    if (!has(key)) return std::nullopt;
    return str(key);
  }
  std::optional<int64_t> optInt(const char* key, int64_t min, int64_t max) const {
    if (!has(key)) return std::nullopt;
    const YAML::Node& n = node_[key];
    int64_t v;
    if (!n.IsScalar() || !YAML::convert<int64_t>::decode(n, v)) {
      throw FieldError{sub(key), "must be an integer"};
    }
    if (v < min || v > max) {
      throw FieldError{sub(key), "must be between " + std::to_string(min) + " and " + std::to_string(max)};
    }
    return v;
  }
  int64_t integer(const char* key, int64_t min, int64_t max) const {
    auto v = optInt(key, min, max);
    if (!v) throw FieldError{sub(key), "required field is missing"};
    return *v;
  }
  std::optional<bool> optBool(const char* key) const {
    if (!has(key)) return std::nullopt;
    bool v;
    if (!node_[key].IsScalar() || !YAML::convert<bool>::decode(node_[key], v)) {
      throw FieldError{sub(key), "must be a boolean"};
    }
    return v;
  }
  // Calls fn(Reader) for each element of the list `key` (absent = empty).
  template <typename Fn>
  void each(const char* key, Fn fn) const {
    if (!has(key)) return;
    const YAML::Node& n = node_[key];
    if (!n.IsSequence()) throw FieldError{sub(key), "must be a list"};
    for (size_t i = 0; i < n.size(); ++i) fn(Reader(n[i], sub(key) + "[" + std::to_string(i) + "]"));
  }
  std::vector<std::string> strList(const char* key) const {
    std::vector<std::string> out;
    each(key, [&](const Reader& r) {
      if (!r.node_.IsScalar()) throw FieldError{r.path_, "must be a string"};
      out.push_back(r.node_.Scalar());
    });
    return out;
  }
  std::map<std::string, std::string> strMap(const char* key) const {
    std::map<std::string, std::string> out;
    if (!has(key)) return out;
    const YAML::Node& n = node_[key];
    if (!n.IsMap()) throw FieldError{sub(key), "must be a map"};
    for (auto it = n.begin(); it != n.end(); ++it) {
      if (!it->second.IsScalar()) throw FieldError{sub(key) + "." + it->first.Scalar(), "must be a string"};
      out[it->first.Scalar()] = it->second.Scalar();
    }
    return out;
  }
  const YAML::Node& node() const { return node_; }
  const std::string& path() const { return path_; }

 private:
  std::string sub(const char* key) const { return path_.empty() ? key : path_ + "." + key; }
  YAML::Node node_;
  std::string path_;
};

ObjectMeta decodeMeta(const Reader& root, bool namespaced, const std::string& source) {
  ObjectMeta m;
  Reader md = root.child("metadata");
  if (!root.has("metadata")) throw FieldError{"metadata", "required field is missing"};
  m.name = md.str("name", true);
  m.namespace_ = namespaced ? md.str("namespace") : "";
  if (namespaced && m.namespace_.empty()) m.namespace_ = "default";
  m.labels = md.strMap("labels");
  if (auto g = md.optInt("generation", 1, INT64_MAX)) m.generation = *g;
  m.creation_timestamp = md.str("creationTimestamp");
  m.source = source;
  return m;
}

ParentRef decodeParentRef(const Reader& r) {
  ParentRef p;
  if (r.has("group")) p.group = r.str("group");
  if (r.has("kind")) p.kind = r.str("kind");
  p.namespace_ = r.optStr("namespace");
  p.name = r.str("name", true);
  p.section_name = r.optStr("sectionName");
  if (auto port = r.optInt("port", 1, 65535)) p.port = int(*port);
  return p;
}

BackendRef decodeBackendRef(const Reader& r) {
  BackendRef b;
  b.group = r.str("group");
  if (r.has("kind")) b.kind = r.str("kind");
  b.namespace_ = r.optStr("namespace");
  b.name = r.str("name", true);
  if (auto port = r.optInt("port", 1, 65535)) b.port = int(*port);
  if (auto w = r.optInt("weight", 0, 1000000)) b.weight = int(*w);
  return b;
}

Object decodeObject(const Reader& root, const std::string& kind, const std::string& source) {
  Reader spec = root.child("spec");
  if (kind == "GatewayClass") {
    GatewayClass gc;
    gc.meta = decodeMeta(root, false, source);
    gc.controller_name = spec.str("controllerName", true);
    return gc;
  }
  if (kind == "Gateway") {
    Gateway g;
    g.meta = decodeMeta(root, true, source);
    g.gateway_class_name = spec.str("gatewayClassName", true);
    spec.each("addresses", [&](const Reader& a) {
      GatewayAddress addr;
      if (a.has("type")) addr.type = a.str("type");
      addr.value = a.str("value", true);
      g.addresses.push_back(addr);
    });
    spec.each("listeners", [&](const Reader& l) {
      Listener li;
      li.name = l.str("name", true);
      li.protocol = l.str("protocol", true);
      li.port = int(l.integer("port", 1, 65535));
      li.hostname = l.optStr("hostname");
      g.listeners.push_back(li);
    });
    return g;
  }
  if (kind == "HTTPRoute") {
    HTTPRoute rt;
    rt.meta = decodeMeta(root, true, source);
    spec.each("parentRefs", [&](const Reader& r) { rt.parent_refs.push_back(decodeParentRef(r)); });
    rt.hostnames = spec.strList("hostnames");
    spec.each("rules", [&](const Reader& r) {
      HTTPRouteRule rule;
      rule.name = r.optStr("name");
      r.each("matches", [&](const Reader& m) {
        HTTPRouteMatch match;
        if (m.has("path")) {
          Reader p = m.child("path");
          if (p.has("type")) match.path.type = p.str("type");
          if (p.has("value")) match.path.value = p.str("value");
          if (match.path.type != "Exact" && match.path.type != "PathPrefix" &&
              match.path.type != "RegularExpression") {
            throw FieldError{p.path() + ".type", "must be Exact, PathPrefix or RegularExpression"};
          }
          if (match.path.value.empty() || match.path.value[0] != '/') {
            if (match.path.type != "RegularExpression") {
              throw FieldError{p.path() + ".value", "must start with '/'"};
            }
          }
        }
        rule.matches.push_back(match);
      });
      r.each("backendRefs", [&](const Reader& b) { rule.backend_refs.push_back(decodeBackendRef(b)); });
      rt.rules.push_back(rule);
    });
    return rt;
  }
  if (kind == "Service") {
    Service s;
    s.meta = decodeMeta(root, true, source);
    spec.each("ports", [&](const Reader& p) {
      ServicePort sp;
      sp.name = p.str("name");
      sp.port = int(p.integer("port", 1, 65535));
      if (p.has("targetPort")) {
        int64_t v;
        const YAML::Node& tn = p.node()["targetPort"];
        if (tn.IsScalar() && YAML::convert<int64_t>::decode(tn, v)) {
          if (v < 1 || v > 65535) throw FieldError{p.path() + ".targetPort", "must be between 1 and 65535"};
          sp.target_port = int(v);
        } else {
          sp.target_port = p.str("targetPort");
        }
      }
      sp.app_protocol = p.optStr("appProtocol");
      s.ports.push_back(sp);
    });
    return s;
  }
  // EndpointSlice
  EndpointSlice es;
  es.meta = decodeMeta(root, true, source);
  auto it = es.meta.labels.find("kubernetes.io/service-name");
  if (it == es.meta.labels.end()) {
    throw FieldError{"metadata.labels", "kubernetes.io/service-name label is required"};
  }
  es.service_name = it->second;
  es.address_type = root.str("addressType", true);
  root.each("endpoints", [&](const Reader& e) {
    Endpoint ep;
    ep.addresses = e.strList("addresses");
    if (e.has("conditions")) {
      if (auto ready = e.child("conditions").optBool("ready")) ep.ready = *ready;
    }
    es.endpoints.push_back(ep);
  });
  root.each("ports", [&](const Reader& p) {
    EndpointPort port;
    port.name = p.str("name");
    port.port = int(p.integer("port", 1, 65535));
    es.ports.push_back(port);
  });
  return es;
}

bool isKnownKind(const std::string& api_version, const std::string& kind) {
  if (api_version.rfind("gateway.networking.k8s.io/", 0) == 0) {
    return kind == "GatewayClass" || kind == "Gateway" || kind == "HTTPRoute";
  }
  if (api_version == "v1") return kind == "Service";
  if (api_version == "discovery.k8s.io/v1") return kind == "EndpointSlice";
  return false;
}

void decodeDocument(const YAML::Node& doc, const std::string& source, size_t index, DecodeResult& out) {
  const std::string where = source + " doc " + std::to_string(index);
  if (!doc || doc.IsNull()) return;
  if (!doc.IsMap()) {
    out.errors.push_back(where + ": document is not a map");
    return;
  }
  try {
    Reader root(doc, "");
    // A List (kubectl output) holds objects in items.
    if (root.str("kind") == "List") {
      size_t i = 0;
      root.each("items", [&](const Reader& item) {
        decodeDocument(item.node(), source + " doc " + std::to_string(index) + " items", i++, out);
      });
      return;
    }
    std::string api_version = root.str("apiVersion", true);
    std::string kind = root.str("kind", true);
    if (!isKnownKind(api_version, kind)) {
      std::string name = root.has("metadata") ? root.child("metadata").str("name") : "";
      out.ignored.push_back(where + ": " + kind + " " + name);
      return;
    }
    out.objects.push_back(decodeObject(root, kind, where));
  } catch (const FieldError& e) {
    out.errors.push_back(where + ": " + e.path + ": " + e.problem);
  } catch (const YAML::Exception& e) {
    out.errors.push_back(where + ": " + e.what());
  }
}

}  // namespace

DecodeResult decodeManifests(std::string_view text, const std::string& source) {
  DecodeResult out;
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    out.errors.push_back(source + ": invalid YAML: " + e.what());
    return out;
  }
  for (size_t i = 0; i < docs.size(); ++i) decodeDocument(docs[i], source, i, out);
  return out;
}

DecodeResult decodeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    DecodeResult out;
    out.errors.push_back(path + ": cannot read file");
    return out;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return decodeManifests(ss.str(), path);
}

std::string kindOf(const Object& o) {
  static const char* kNames[] = {"GatewayClass", "Gateway", "HTTPRoute", "Service", "EndpointSlice"};
  return kNames[o.index()];
}

const ObjectMeta& metaOf(const Object& o) {
  return std::visit([](const auto& v) -> const ObjectMeta& { return v.meta; }, o);
}

}  // namespace torii::config
