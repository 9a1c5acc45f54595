#include "proxy/route_actions.h"

namespace torii::proxy {

void applyHeaderModifier(HeaderMap& headers, const config::IrHeaderModifier& mod) {
  for (const auto& [name, value] : mod.set) headers.set(name, value);
  for (const auto& [name, value] : mod.add) headers.add(name, value);
  for (const auto& name : mod.remove) headers.remove(name);
}

std::string replacePrefix(std::string_view path, std::string_view prefix,
                          std::string_view replacement) {
  while (!prefix.empty() && prefix.back() == '/') prefix.remove_suffix(1);
  while (!replacement.empty() && replacement.back() == '/') replacement.remove_suffix(1);
  std::string_view rest =
      path.size() >= prefix.size() ? path.substr(prefix.size()) : std::string_view();
  std::string out(replacement);
  out.append(rest);
  if (out.empty() || out.front() != '/') out.insert(out.begin(), '/');
  return out;
}

std::string modifyPath(std::string_view path, std::string_view prefix,
                       const config::IrPathModifier& mod) {
  if (mod.type == config::IrPathModifier::Type::kReplaceFullPath) return mod.value;
  return replacePrefix(path, prefix, mod.value);
}

std::string_view hostWithoutPort(std::string_view host) {
  if (!host.empty() && host.front() == '[') {
    size_t close = host.find(']');
    return close == host.npos ? host : host.substr(0, close + 1);
  }
  size_t colon = host.rfind(':');
  return colon == host.npos ? host : host.substr(0, colon);
}

std::string redirectLocation(const config::IrRedirect& r, const RedirectRequest& req) {
  const std::string scheme = r.scheme ? *r.scheme : std::string(req.scheme);
  const int well_known = scheme == "https" ? 443 : 80;
  int port;
  if (r.port) {
    port = *r.port;
  } else if (r.scheme) {
    port = well_known;
  } else {
    port = req.listener_port;
  }
  std::string out = scheme;
  out += "://";
  out += r.hostname ? std::string_view(*r.hostname) : hostWithoutPort(req.host);
  if (port != well_known) {
    out += ':';
    out += std::to_string(port);
  }
  if (r.path) {
    out += modifyPath(req.path, req.matched_prefix, *r.path);
  } else {
    out.append(req.path);
  }
  if (!req.query.empty()) {
    out += '?';
    out.append(req.query);
  }
  return out;
}

}  // namespace torii::proxy
