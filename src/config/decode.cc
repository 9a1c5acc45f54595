#include "config/decode.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <functional>
#include <iterator>
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
  // An absent key yields an empty (null) node, so that optional sections may be read freely.
  Reader child(const char* key) const {
    return Reader(has(key) ? node_[key] : YAML::Node(), path_.empty() ? key : path_ + "." + key);
  }

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
      throw FieldError{sub(key),
                       "must be between " + std::to_string(min) + " and " + std::to_string(max)};
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
    for (size_t i = 0; i < n.size(); ++i)
      fn(Reader(n[i], sub(key) + "[" + std::to_string(i) + "]"));
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
      if (!it->second.IsScalar())
        throw FieldError{sub(key) + "." + it->first.Scalar(), "must be a string"};
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

// Canonical text of a node: maps with sorted keys, no style, so that the same content written
// as YAML or JSON compares equal (generation tracking).
void canonical(const YAML::Node& n, std::string& out) {
  switch (n.Type()) {
    case YAML::NodeType::Map: {
      std::map<std::string, YAML::Node> sorted;
      for (auto it = n.begin(); it != n.end(); ++it) {
        sorted.emplace(it->first.IsScalar() ? it->first.Scalar() : YAML::Dump(it->first),
                       it->second);
      }
      out += '{';
      for (const auto& [k, v] : sorted) {
        out += std::to_string(k.size()) + ':' + k + '=';
        canonical(v, out);
        out += ',';
      }
      out += '}';
      break;
    }
    case YAML::NodeType::Sequence:
      out += '[';
      for (size_t i = 0; i < n.size(); ++i) {
        canonical(n[i], out);
        out += ',';
      }
      out += ']';
      break;
    case YAML::NodeType::Scalar:
      out += std::to_string(n.Scalar().size()) + '"' + n.Scalar();
      break;
    default:
      out += '~';
  }
}

// 128-bit digest of the canonical text (two independent 64-bit hashes, as 16 bytes): every object
// keeps one, in the ResourceStore too, and the text itself is a few hundred bytes.
std::string specHash(const YAML::Node& root) {
  std::string out;
  for (auto it = root.begin(); it != root.end(); ++it) {
    const std::string k = it->first.Scalar();
    if (k == "metadata" || k == "status" || k == "apiVersion" || k == "kind") continue;
    out += k + '=';
    canonical(it->second, out);
    out += ';';
  }
  uint64_t digest[2] = {std::hash<std::string_view>()(out), 14695981039346656037ull};  // FNV-1a
  for (unsigned char c : out) digest[1] = (digest[1] ^ c) * 1099511628211ull;
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

bool base64Decode(const std::string& in, std::string* out) {
  auto val = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+' || c == '-') return 62;
    if (c == '/' || c == '_') return 63;
    return -1;
  };
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t pad = 0;
  for (char c : in) {
    if (c == '\n' || c == '\r' || c == ' ' || c == '\t') continue;
    if (c == '=') {
      ++pad;
      continue;
    }
    if (pad) return false;  // data after padding
    int v = val(c);
    if (v < 0) return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(char((acc >> bits) & 0xff));
    }
  }
  return pad <= 2;
}

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
  m.spec_hash = specHash(root.node());
  return m;
}

LabelSelector decodeSelector(const Reader& r) {
  LabelSelector s;
  s.match_labels = r.strMap("matchLabels");
  r.each("matchExpressions", [&](const Reader& e) {
    LabelSelectorRequirement q;
    q.key = e.str("key", true);
    q.op = e.str("operator", true);
    if (q.op != "In" && q.op != "NotIn" && q.op != "Exists" && q.op != "DoesNotExist") {
      throw FieldError{e.path() + ".operator", "must be In, NotIn, Exists or DoesNotExist"};
    }
    q.values = e.strList("values");
    s.match_expressions.push_back(q);
  });
  return s;
}

ParametersRef decodeParametersRef(const Reader& r) {
  ParametersRef p;
  p.group = r.str("group", true);
  p.kind = r.str("kind", true);
  p.name = r.str("name", true);
  p.namespace_ = r.optStr("namespace");
  return p;
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

BackendObjectReference decodeObjectRef(const Reader& r) {
  BackendObjectReference b;
  b.group = r.str("group");
  if (r.has("kind")) b.kind = r.str("kind");
  b.namespace_ = r.optStr("namespace");
  b.name = r.str("name", true);
  if (auto port = r.optInt("port", 1, 65535)) b.port = int(*port);
  return b;
}

HeaderModifier decodeHeaderModifier(const Reader& r) {
  HeaderModifier m;
  auto headers = [&](const char* key, std::vector<HTTPHeader>* out) {
    r.each(key, [&](const Reader& h) {
      out->push_back({h.str("name", true), h.str("value", true)});
    });
  };
  headers("set", &m.set);
  headers("add", &m.add);
  m.remove = r.strList("remove");
  return m;
}

PathModifier decodePathModifier(const Reader& r) {
  PathModifier p;
  p.type = r.str("type", true);
  if (p.type == "ReplaceFullPath") {
    p.value = r.str("replaceFullPath", true);
  } else if (p.type == "ReplacePrefixMatch") {
    p.value = r.str("replacePrefixMatch", true);
  } else {
    throw FieldError{r.path() + ".type", "must be ReplaceFullPath or ReplacePrefixMatch"};
  }
  return p;
}

HTTPRouteFilterSpec decodeFilter(const Reader& r) {
  HTTPRouteFilterSpec f;
  f.type = r.str("type", true);
  if (f.type == "RequestHeaderModifier") {
    f.request_header_modifier = decodeHeaderModifier(r.child("requestHeaderModifier"));
  } else if (f.type == "ResponseHeaderModifier") {
    f.response_header_modifier = decodeHeaderModifier(r.child("responseHeaderModifier"));
  } else if (f.type == "RequestRedirect") {
    Reader x = r.child("requestRedirect");
    RequestRedirect rr;
    rr.scheme = x.optStr("scheme");
    rr.hostname = x.optStr("hostname");
    if (x.has("path")) rr.path = decodePathModifier(x.child("path"));
    if (auto p = x.optInt("port", 1, 65535)) rr.port = int(*p);
    if (auto c = x.optInt("statusCode", 300, 399)) rr.status_code = int(*c);
    f.request_redirect = rr;
  } else if (f.type == "URLRewrite") {
    Reader x = r.child("urlRewrite");
    URLRewrite u;
    u.hostname = x.optStr("hostname");
    if (x.has("path")) u.path = decodePathModifier(x.child("path"));
    f.url_rewrite = u;
  } else if (f.type == "RequestMirror") {
    Reader x = r.child("requestMirror");
    RequestMirror m;
    m.backend_ref = decodeObjectRef(x.child("backendRef"));
    if (auto p = x.optInt("percent", 0, 100)) m.percent = int(*p);
    if (x.has("fraction")) {
      Reader fr = x.child("fraction");
      m.fraction_numerator = int(fr.integer("numerator", 0, INT32_MAX));
      if (auto d = fr.optInt("denominator", 1, INT32_MAX)) m.fraction_denominator = int(*d);
    }
    f.request_mirror = m;
  } else if (f.type == "CORS") {
    Reader x = r.child("cors");
    CORS c;
    c.allow_origins = x.strList("allowOrigins");
    c.allow_methods = x.strList("allowMethods");
    c.allow_headers = x.strList("allowHeaders");
    c.expose_headers = x.strList("exposeHeaders");
    c.allow_credentials = x.optBool("allowCredentials");
    if (auto a = x.optInt("maxAge", 0, INT32_MAX)) c.max_age = int(*a);
    f.cors = c;
  } else if (f.type == "ExtensionRef") {
    Reader x = r.child("extensionRef");
    f.extension_ref =
        LocalObjectReference{x.str("group", true), x.str("kind", true), x.str("name", true)};
  } else {
    throw FieldError{r.path() + ".type", "unknown filter type " + f.type};
  }
  return f;
}

BackendRef decodeBackendRef(const Reader& r) {
  BackendRef b;
  BackendObjectReference o = decodeObjectRef(r);
  b.group = o.group;
  b.kind = o.kind;
  b.namespace_ = o.namespace_;
  b.name = o.name;
  b.port = o.port;
  if (auto w = r.optInt("weight", 0, 1000000)) b.weight = int(*w);
  r.each("filters", [&](const Reader& f) { b.filters.push_back(decodeFilter(f)); });
  return b;
}

HeaderMatch decodeHeaderMatch(const Reader& r) {
  HeaderMatch h;
  if (r.has("type")) h.type = r.str("type");
  if (h.type != "Exact" && h.type != "RegularExpression") {
    throw FieldError{r.path() + ".type", "must be Exact or RegularExpression"};
  }
  h.name = r.str("name", true);
  if (h.name.empty()) throw FieldError{r.path() + ".name", "must not be empty"};
  h.value = r.str("value", true);
  return h;
}

Listener decodeListener(const Reader& l) {
  Listener li;
  li.name = l.str("name", true);
  li.protocol = l.str("protocol", true);
  li.port = int(l.integer("port", 1, 65535));
  li.hostname = l.optStr("hostname");
  if (l.has("tls")) {
    Reader t = l.child("tls");
    ListenerTls tls;
    if (t.has("mode")) tls.mode = t.str("mode");
    t.each("certificateRefs", [&](const Reader& c) {
      SecretObjectReference s;
      s.group = c.str("group");
      if (c.has("kind")) s.kind = c.str("kind");
      s.name = c.str("name", true);
      s.namespace_ = c.optStr("namespace");
      tls.certificate_refs.push_back(s);
    });
    li.tls = tls;
  }
  if (l.has("allowedRoutes")) {
    Reader ar = l.child("allowedRoutes");
    if (ar.has("namespaces")) {
      Reader ns = ar.child("namespaces");
      if (ns.has("from")) li.allowed_routes.from = ns.str("from");
      const auto& from = li.allowed_routes.from;
      if (from != "All" && from != "Same" && from != "Selector" && from != "None") {
        throw FieldError{ns.path() + ".from", "must be All, Same, Selector or None"};
      }
      if (ns.has("selector")) li.allowed_routes.selector = decodeSelector(ns.child("selector"));
    }
    if (ar.has("kinds")) {
      std::vector<RouteGroupKind> kinds;
      ar.each("kinds", [&](const Reader& k) {
        RouteGroupKind rk;
        if (k.has("group")) rk.group = k.str("group");
        rk.kind = k.str("kind", true);
        kinds.push_back(rk);
      });
      li.allowed_routes.kinds = kinds;
    }
  }
  return li;
}

// --- inference extension ---

constexpr const char* kInferenceGroup = "inference.networking.k8s.io";
constexpr const char* kInferenceXGroup = "inference.networking.x-k8s.io";

std::string groupOf(const std::string& api_version) {
  return api_version.substr(0, api_version.find('/'));
}

// metadata.annotations with the "torii.dev/" prefix; other annotations are not kept.
std::map<std::string, std::string> toriiAnnotations(const Reader& root) {
  std::map<std::string, std::string> out;
  Reader md = root.child("metadata");
  if (!md.has("annotations")) return out;
  const YAML::Node& n = md.node()["annotations"];
  if (!n.IsMap()) throw FieldError{"metadata.annotations", "must be a map"};
  for (auto it = n.begin(); it != n.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    const std::string& k = it->first.Scalar();
    if (k.rfind("torii.dev/", 0) != 0) continue;
    out[k] = it->second.IsScalar() ? it->second.Scalar() : "";
  }
  return out;
}

std::string failureMode(const Reader& r) {
  std::string m = r.has("failureMode") ? r.str("failureMode") : "FailClose";
  if (m != "FailOpen" && m != "FailClose") {
    throw FieldError{r.path() + ".failureMode", "must be FailOpen or FailClose"};
  }
  return m;
}

void checkSelector(const std::map<std::string, std::string>& labels, const std::string& path) {
  if (labels.empty()) throw FieldError{path, "must have at least one label"};
  if (labels.size() > 64) throw FieldError{path, "must have at most 64 labels"};
}

InferencePool decodeInferencePool(const Reader& root, const std::string& api_version,
                                  const std::string& source) {
  Reader spec = root.child("spec");
  InferencePool p;
  p.meta = decodeMeta(root, true, source);
  p.api_version = api_version;
  p.group = groupOf(api_version);
  p.annotations = toriiAnnotations(root);
  if (!root.has("spec")) throw FieldError{"spec", "required field is missing"};
  if (p.group == kInferenceXGroup) {
    // v1alpha2: spec.selector is the label map itself, one spec.targetPortNumber, extensionRef.
    if (!spec.has("selector")) throw FieldError{"spec.selector", "required field is missing"};
    p.selector = spec.strMap("selector");
    checkSelector(p.selector, "spec.selector");
    p.target_ports.push_back(int(spec.integer("targetPortNumber", 1, 65535)));
    if (spec.has("extensionRef")) {
      Reader e = spec.child("extensionRef");
      EndpointPickerRef ref;
      ref.group = e.str("group");
      if (e.has("kind")) ref.kind = e.str("kind");
      ref.name = e.str("name", true);
      if (auto n = e.optInt("portNumber", 1, 65535)) {
        ref.port = int(*n);
      } else if (ref.kind == "Service") {
        ref.port = 9002;  // "implementations SHOULD infer 9002" (GIE v1alpha2 API)
      }
      ref.failure_mode = failureMode(e);
      p.endpoint_picker_ref = ref;
    }
    return p;
  }
  Reader sel = spec.child("selector");
  if (!spec.has("selector") || !sel.has("matchLabels")) {
    throw FieldError{"spec.selector.matchLabels", "required field is missing"};
  }
  p.selector = sel.strMap("matchLabels");
  checkSelector(p.selector, "spec.selector.matchLabels");
  if (!spec.has("targetPorts")) throw FieldError{"spec.targetPorts", "required field is missing"};
  spec.each("targetPorts", [&](const Reader& t) {
    int port = int(t.integer("number", 1, 65535));
    if (std::find(p.target_ports.begin(), p.target_ports.end(), port) != p.target_ports.end()) {
      throw FieldError{t.path() + ".number", "duplicate port " + std::to_string(port)};
    }
    p.target_ports.push_back(port);
  });
  if (p.target_ports.empty() || p.target_ports.size() > 8) {
    throw FieldError{"spec.targetPorts", "must have between 1 and 8 ports"};
  }
  if (spec.has("appProtocol")) {
    p.app_protocol = spec.str("appProtocol");
    if (p.app_protocol != "http" && p.app_protocol != "kubernetes.io/h2c") {
      throw FieldError{"spec.appProtocol", "must be http or kubernetes.io/h2c"};
    }
  }
  if (spec.has("endpointPickerRef")) {
    Reader e = spec.child("endpointPickerRef");
    EndpointPickerRef ref;
    ref.group = e.str("group");
    if (e.has("kind")) ref.kind = e.str("kind");
    ref.name = e.str("name", true);
    if (e.has("port")) ref.port = int(e.child("port").integer("number", 1, 65535));
    if (!ref.port && ref.kind == "Service") {
      throw FieldError{e.path() + ".port", "required when kind is Service"};
    }
    ref.failure_mode = failureMode(e);
    p.endpoint_picker_ref = ref;
  }
  return p;
}

InferencePoolRef decodePoolRef(const Reader& spec, const char* default_group) {
  if (!spec.has("poolRef")) throw FieldError{"spec.poolRef", "required field is missing"};
  Reader r = spec.child("poolRef");
  InferencePoolRef ref;
  ref.group = r.has("group") ? r.str("group") : default_group;
  if (r.has("kind")) ref.kind = r.str("kind");
  ref.name = r.str("name", true);
  return ref;
}

// Weights go on every target or on none (the CRDs' CEL rule); each 1..1,000,000.
template <typename T>
void checkWeights(const std::vector<T>& targets, const std::string& path) {
  size_t weighted = 0;
  for (const auto& t : targets) weighted += t.weight.has_value();
  if (weighted != 0 && weighted != targets.size()) {
    throw FieldError{path, "weight must be set on every target or on none"};
  }
}

Object decodeInference(const Reader& root, const std::string& api_version, const std::string& kind,
                       const std::string& source) {
  Reader spec = root.child("spec");
  if (kind == "InferencePool") return decodeInferencePool(root, api_version, source);
  if (kind == "InferenceObjective") {
    InferenceObjective o;
    o.meta = decodeMeta(root, true, source);
    o.api_version = api_version;
    if (auto p = spec.optInt("priority", INT32_MIN, INT32_MAX)) o.priority = int(*p);
    o.pool_ref = decodePoolRef(spec, kInferenceGroup);
    return o;
  }
  if (kind == "InferenceModelRewrite") {
    InferenceModelRewrite m;
    m.meta = decodeMeta(root, true, source);
    m.api_version = api_version;
    m.pool_ref = decodePoolRef(spec, kInferenceGroup);
    spec.each("rules", [&](const Reader& r) {
      InferenceModelRewriteRule rule;
      r.each("matches", [&](const Reader& mt) {
        Reader model = mt.child("model");
        if (!mt.has("model")) throw FieldError{model.path(), "required field is missing"};
        if (model.has("type") && model.str("type") != "Exact") {
          throw FieldError{model.path() + ".type", "must be Exact"};
        }
        std::string v = model.str("value", true);
        if (v.empty()) throw FieldError{model.path() + ".value", "must not be empty"};
        rule.models.push_back(std::move(v));
      });
      r.each("targets", [&](const Reader& t) {
        InferenceModelRewriteTarget target;
        target.model_rewrite = t.str("modelRewrite", true);
        if (target.model_rewrite.empty())
          throw FieldError{t.path() + ".modelRewrite", "must not be empty"};
        if (auto w = t.optInt("weight", 1, 1000000)) target.weight = int(*w);
        rule.targets.push_back(std::move(target));
      });
      if (rule.targets.empty()) throw FieldError{r.path() + ".targets", "must not be empty"};
      checkWeights(rule.targets, r.path() + ".targets");
      m.rules.push_back(std::move(rule));
    });
    return m;
  }
  // InferenceModel
  InferenceModel m;
  m.meta = decodeMeta(root, true, source);
  m.model_name = spec.str("modelName", true);
  if (m.model_name.empty()) throw FieldError{"spec.modelName", "must not be empty"};
  if (spec.has("criticality")) {
    m.criticality = spec.str("criticality");
    if (m.criticality != "Critical" && m.criticality != "Standard" &&
        m.criticality != "Sheddable") {
      throw FieldError{"spec.criticality", "must be Critical, Standard or Sheddable"};
    }
  }
  spec.each("targetModels", [&](const Reader& t) {
    InferenceTargetModel tm;
    tm.name = t.str("name", true);
    if (tm.name.empty()) throw FieldError{t.path() + ".name", "must not be empty"};
    if (auto w = t.optInt("weight", 1, 1000000)) tm.weight = int(*w);
    m.target_models.push_back(std::move(tm));
  });
  checkWeights(m.target_models, "spec.targetModels");
  m.pool_ref = decodePoolRef(spec, kInferenceXGroup);
  return m;
}

Pod decodePod(const Reader& root, const std::string& source) {
  Pod p;
  p.meta = decodeMeta(root, true, source);
  p.deleting = root.child("metadata").has("deletionTimestamp");
  Reader st = root.child("status");
  p.pod_ip = st.str("podIP");
  p.phase = st.str("phase");
  return p;
}

Object decodeObject(const Reader& root, const std::string& kind, const std::string& source) {
  Reader spec = root.child("spec");
  if (kind == "GatewayClass") {
    GatewayClass gc;
    gc.meta = decodeMeta(root, false, source);
    gc.controller_name = spec.str("controllerName", true);
    if (spec.has("parametersRef"))
      gc.parameters_ref = decodeParametersRef(spec.child("parametersRef"));
    return gc;
  }
  if (kind == "Gateway") {
    Gateway g;
    g.meta = decodeMeta(root, true, source);
    g.gateway_class_name = spec.str("gatewayClassName", true);
    spec.each("addresses", [&](const Reader& a) {
      GatewayAddress addr;
      if (a.has("type")) addr.type = a.str("type");
      addr.value = a.str("value");
      g.addresses.push_back(addr);
    });
    spec.each("listeners", [&](const Reader& l) { g.listeners.push_back(decodeListener(l)); });
    if (spec.has("infrastructure")) {
      Reader inf = spec.child("infrastructure");
      if (inf.has("parametersRef")) {
        g.infrastructure_parameters_ref = decodeParametersRef(inf.child("parametersRef"));
      }
    }
    if (spec.has("allowedListeners")) {
      Reader al = spec.child("allowedListeners");
      if (al.has("namespaces")) {
        Reader ns = al.child("namespaces");
        g.allowed_listeners_from = ns.has("from") ? ns.str("from") : "None";
        if (ns.has("selector")) g.allowed_listeners_selector = decodeSelector(ns.child("selector"));
      }
    }
    return g;
  }
  if (kind == "ListenerSet") {
    ListenerSet ls;
    ls.meta = decodeMeta(root, true, source);
    ls.parent_ref = decodeParentRef(spec.child("parentRef"));
    spec.each("listeners", [&](const Reader& l) { ls.listeners.push_back(decodeListener(l)); });
    return ls;
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
        m.each("headers", [&](const Reader& h) { match.headers.push_back(decodeHeaderMatch(h)); });
        m.each("queryParams",
               [&](const Reader& q) { match.query_params.push_back(decodeHeaderMatch(q)); });
        match.method = m.optStr("method");
        rule.matches.push_back(match);
      });
      r.each("filters", [&](const Reader& f) { rule.filters.push_back(decodeFilter(f)); });
      r.each("backendRefs",
             [&](const Reader& b) { rule.backend_refs.push_back(decodeBackendRef(b)); });
      if (r.has("timeouts")) {
        Reader t = r.child("timeouts");
        rule.timeouts = HTTPRouteTimeouts{t.optStr("request"), t.optStr("backendRequest")};
      }
      if (r.has("retry")) {
        Reader t = r.child("retry");
        HTTPRouteRetry retry;
        t.each("codes", [&](const Reader& c) {
          int64_t v;
          if (!c.node().IsScalar() || !YAML::convert<int64_t>::decode(c.node(), v) || v < 400 ||
              v > 599) {
            throw FieldError{c.path(), "must be an HTTP status code between 400 and 599"};
          }
          retry.codes.push_back(int(v));
        });
        if (auto a = t.optInt("attempts", 0, 1000)) retry.attempts = int(*a);
        retry.backoff = t.optStr("backoff");
        rule.retry = retry;
      }
      rt.rules.push_back(rule);
    });
    return rt;
  }
  if (kind == "ReferenceGrant") {
    ReferenceGrant g;
    g.meta = decodeMeta(root, true, source);
    spec.each("from", [&](const Reader& f) {
      g.from.push_back({f.str("group"), f.str("kind", true), f.str("namespace", true)});
    });
    spec.each("to", [&](const Reader& t) {
      g.to.push_back({t.str("group"), t.str("kind", true), t.optStr("name")});
    });
    return g;
  }
  if (kind == "Namespace") {
    Namespace n;
    n.meta = decodeMeta(root, false, source);
    return n;
  }
  if (kind == "Secret") {
    Secret s;
    s.meta = decodeMeta(root, true, source);
    s.type = root.str("type");
    for (const auto& [k, v] : root.strMap("data")) {
      std::string decoded;
      if (!base64Decode(v, &decoded)) {
        s.data_valid = false;
        continue;
      }
      s.data[k] = decoded;
    }
    for (const auto& [k, v] : root.strMap("stringData")) s.data[k] = v;
    return s;
  }
  if (kind == "ConfigMap") {
    ConfigMap c;
    c.meta = decodeMeta(root, true, source);
    c.data = root.strMap("data");
    return c;
  }
  if (kind == "HTTPRouteFilter") {
    EgHTTPRouteFilter f;
    f.meta = decodeMeta(root, true, source);
    if (spec.has("urlRewrite")) {
      Reader u = spec.child("urlRewrite");
      if (u.has("path")) {
        Reader p = u.child("path");
        if (p.has("replaceRegexMatch")) {
          Reader rm = p.child("replaceRegexMatch");
          f.rewrite_path_regex_pattern = rm.str("pattern", true);
          f.rewrite_path_regex_substitution = rm.str("substitution", true);
        }
      }
      if (u.has("hostname")) {
        Reader h = u.child("hostname");
        if (h.str("type") == "Header") f.rewrite_hostname_header = h.str("header", true);
      }
    }
    if (spec.has("directResponse")) {
      Reader d = spec.child("directResponse");
      if (auto c = d.optInt("statusCode", 100, 599)) f.direct_response_status = int(*c);
      f.direct_response_content_type = d.optStr("contentType");
      if (d.has("body")) {
        Reader b = d.child("body");
        f.direct_response_body = b.optStr("inline");
      }
    }
    return f;
  }
  if (kind == "Pod") return decodePod(root, source);
  if (kind == "Service") {
    Service s;
    s.meta = decodeMeta(root, true, source);
    if (spec.has("type")) s.type = spec.str("type");
    spec.each("ports", [&](const Reader& p) {
      ServicePort sp;
      sp.name = p.str("name");
      sp.port = int(p.integer("port", 1, 65535));
      if (p.has("protocol")) sp.protocol = p.str("protocol");
      if (p.has("targetPort")) {
        int64_t v;
        const YAML::Node& tn = p.node()["targetPort"];
        if (tn.IsScalar() && YAML::convert<int64_t>::decode(tn, v)) {
          if (v < 1 || v > 65535)
            throw FieldError{p.path() + ".targetPort", "must be between 1 and 65535"};
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
    return kind == "GatewayClass" || kind == "Gateway" || kind == "HTTPRoute" ||
           kind == "ListenerSet" || kind == "ReferenceGrant";
  }
  if (api_version == "v1") {
    return kind == "Service" || kind == "Namespace" || kind == "Secret" || kind == "ConfigMap" ||
           kind == "Pod";
  }
  if (api_version == "inference.networking.k8s.io/v1") return kind == "InferencePool";
  if (api_version == "inference.networking.x-k8s.io/v1alpha2") {
    return kind == "InferencePool" || kind == "InferenceObjective" ||
           kind == "InferenceModelRewrite" || kind == "InferenceModel";
  }
  if (api_version == "llm-d.ai/v1alpha2") {
    return kind == "InferenceObjective" || kind == "InferenceModelRewrite";
  }
  if (api_version == "discovery.k8s.io/v1") return kind == "EndpointSlice";
  if (api_version == "gateway.envoyproxy.io/v1alpha1") return kind == "HTTPRouteFilter";
  return false;
}

void decodeDocument(const YAML::Node& doc, const std::string& source, size_t index,
                    DecodeResult& out) {
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
    if (kind.rfind("Inference", 0) == 0) {
      out.objects.push_back(decodeInference(root, api_version, kind, where));
    } else {
      out.objects.push_back(decodeObject(root, kind, where));
    }
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
  static const char* kNames[] = {"GatewayClass",
                                 "Gateway",
                                 "HTTPRoute",
                                 "Service",
                                 "EndpointSlice",
                                 "ListenerSet",
                                 "ReferenceGrant",
                                 "Namespace",
                                 "Secret",
                                 "ConfigMap",
                                 "HTTPRouteFilter",
                                 "InferencePool",
                                 "InferenceObjective",
                                 "InferenceModelRewrite",
                                 "InferenceModel",
                                 "Pod"};
  static_assert(std::variant_size_v<Object> == std::size(kNames));
  return kNames[o.index()];
}

std::string groupKindOf(const Object& o) {
  std::string api_version;
  if (auto* p = std::get_if<InferencePool>(&o)) api_version = p->api_version;
  if (auto* x = std::get_if<InferenceObjective>(&o)) api_version = x->api_version;
  if (auto* x = std::get_if<InferenceModelRewrite>(&o)) api_version = x->api_version;
  if (api_version.empty()) return kindOf(o);
  return groupOf(api_version) + "/" + kindOf(o);
}

const ObjectMeta& metaOf(const Object& o) {
  return std::visit([](const auto& v) -> const ObjectMeta& { return v.meta; }, o);
}

ObjectMeta& metaOf(Object& o) {
  return std::visit([](auto& v) -> ObjectMeta& { return v.meta; }, o);
}

std::string apiVersionOf(const std::string& kind) {
  if (kind == "GatewayClass" || kind == "Gateway" || kind == "HTTPRoute" || kind == "ListenerSet") {
    return "gateway.networking.k8s.io/v1";
  }
  if (kind == "ReferenceGrant") return "gateway.networking.k8s.io/v1beta1";
  if (kind == "EndpointSlice") return "discovery.k8s.io/v1";
  if (kind == "HTTPRouteFilter") return "gateway.envoyproxy.io/v1alpha1";
  // Inference kinds exist in several groups: status items carry the object's own apiVersion
  // (ObjectStatus::api_version); these are the current ones.
  if (kind == "InferencePool") return "inference.networking.k8s.io/v1";
  if (kind == "InferenceObjective" || kind == "InferenceModelRewrite") return "llm-d.ai/v1alpha2";
  if (kind == "InferenceModel") return "inference.networking.x-k8s.io/v1alpha2";
  return "v1";
}

bool LabelSelector::matches(const std::map<std::string, std::string>& labels) const {
  for (const auto& [k, v] : match_labels) {
    auto it = labels.find(k);
    if (it == labels.end() || it->second != v) return false;
  }
  for (const auto& e : match_expressions) {
    auto it = labels.find(e.key);
    bool in = it != labels.end() &&
              std::find(e.values.begin(), e.values.end(), it->second) != e.values.end();
    if (e.op == "In" && !in) return false;
    if (e.op == "NotIn" && in) return false;
    if (e.op == "Exists" && it == labels.end()) return false;
    if (e.op == "DoesNotExist" && it != labels.end()) return false;
  }
  return true;
}

}  // namespace torii::config
