#pragma once
// Gateway API route actions that the data plane executes, as pure functions of the request and the
// compiled filter configuration (config/ir.h): header modifiers, redirects, URL rewrites. Kept
// apart from the connection code so each rule is unit-tested on its own.
#include <optional>
#include <string>
#include <string_view>

#include "common/header_map.h"
#include "config/ir.h"

namespace torii::proxy {

// RequestHeaderModifier / ResponseHeaderModifier: set (replacing every field of that name), then
// add (appending a field), then remove.
void applyHeaderModifier(HeaderMap& headers, const config::IrHeaderModifier& mod);

// ReplacePrefixMatch: `path` matched the PathPrefix `prefix`; the prefix is replaced by
// `replacement` on path-element boundaries ("/foo" → "/xyz" turns "/foo/bar" into "/xyz/bar",
// "/foo" → "/" turns "/foo/bar" into "/bar"). The result always starts with '/'.
std::string replacePrefix(std::string_view path, std::string_view prefix,
                          std::string_view replacement);

// The path after a path modifier (ReplaceFullPath or ReplacePrefixMatch against `prefix`).
std::string modifyPath(std::string_view path, std::string_view prefix,
                       const config::IrPathModifier& mod);

// What a redirect needs to know about the request.
struct RedirectRequest {
  std::string_view scheme = "http";  // scheme the client used
  std::string_view host;             // Host header (a port in it is ignored)
  int listener_port = 80;            // the Gateway listener's port (the spec's, not the bound one)
  std::string_view path;             // without the query
  std::string_view query;            // without '?', "" for none
  std::string_view matched_prefix;   // the route's PathPrefix, for ReplacePrefixMatch
};

// The Location of a RequestRedirect filter, following the Gateway API port rules: an explicit port
// wins; else a redirect that changes the scheme uses that scheme's well-known port; else the
// listener's port. A well-known port for the scheme is left out of the URL.
std::string redirectLocation(const config::IrRedirect& r, const RedirectRequest& req);

// Host without a trailing ":port" (IPv6 literals keep their brackets).
std::string_view hostWithoutPort(std::string_view host);

}  // namespace torii::proxy
