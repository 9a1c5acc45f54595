#include "proxy/route_actions.h"

#include <re2/re2.h>

#include "common/strings.h"

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

std::string regexRewrite(std::string_view path, const re2::RE2& re,
                         const std::string& substitution) {
  std::string out(path);
  if (re.ok()) re2::RE2::GlobalReplace(&out, re, substitution);
  return out;
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

namespace {

bool originMatches(std::string_view pattern, std::string_view origin) {
  if (pattern == "*") return true;
  size_t star = pattern.find('*');
  if (star == pattern.npos) return iequals(pattern, origin);
  std::string_view prefix = pattern.substr(0, star), suffix = pattern.substr(star + 1);
  return origin.size() > prefix.size() + suffix.size() &&
         iequals(origin.substr(0, prefix.size()), prefix) &&
         iequals(origin.substr(origin.size() - suffix.size()), suffix);
}

std::string joinList(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) {
    if (!out.empty()) out += ", ";
    out += i;
  }
  return out;
}

bool hasWildcard(const std::vector<std::string>& items) {
  for (const auto& i : items) {
    if (i == "*") return true;
  }
  return false;
}

}  // namespace

bool corsOriginAllowed(const config::IrCors& cors, std::string_view origin) {
  if (origin.empty()) return false;
  for (const auto& p : cors.allow_origins) {
    if (originMatches(p, origin)) return true;
  }
  return false;
}

std::string corsPreflightHeaders(const config::IrCors& cors, std::string_view origin,
                                 std::string_view request_method,
                                 std::string_view request_headers) {
  std::string out;
  auto line = [&](std::string_view name, std::string_view value) {
    out.append(name);
    out.append(": ");
    out.append(value);
    out.append("\r\n");
  };
  line("access-control-allow-origin", origin);
  if (!cors.allow_methods.empty()) {
    line("access-control-allow-methods", hasWildcard(cors.allow_methods)
                                             ? std::string(trim(request_method))
                                             : joinList(cors.allow_methods));
  }
  if (!cors.allow_headers.empty()) {
    if (hasWildcard(cors.allow_headers)) {
      if (!trim(request_headers).empty())
        line("access-control-allow-headers", trim(request_headers));
    } else {
      line("access-control-allow-headers", joinList(cors.allow_headers));
    }
  }
  if (!cors.expose_headers.empty())
    line("access-control-expose-headers", joinList(cors.expose_headers));
  line("access-control-max-age", std::to_string(cors.max_age));
  if (cors.allow_credentials) line("access-control-allow-credentials", "true");
  line("vary", "Origin");
  return out;
}

void addCorsResponseHeaders(HeaderMap& response, const config::IrCors& cors,
                            std::string_view origin) {
  response.set("access-control-allow-origin", origin);
  if (cors.allow_credentials) response.set("access-control-allow-credentials", "true");
  if (!cors.expose_headers.empty())
    response.set("access-control-expose-headers", joinList(cors.expose_headers));
  response.add("vary", "Origin");
}

}  // namespace torii::proxy
