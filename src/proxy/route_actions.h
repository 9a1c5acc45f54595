#pragma once
// Gateway API route actions that the data plane executes, as pure functions of the request and the
// compiled filter configuration (config/ir.h): header modifiers, redirects, URL rewrites. Kept
// apart from the connection code so each rule is unit-tested on its own.
#include <optional>
#include <string>
#include <string_view>

#include "common/header_map.h"
#include "config/ir.h"

namespace re2 {
class RE2;
}

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

// Envoy Gateway urlRewrite ReplaceRegexMatch: every match of `re` in `path` is replaced by
// `substitution` (RE2 syntax, \1 for capture groups). An invalid pattern leaves the path alone.
std::string regexRewrite(std::string_view path, const re2::RE2& re,
                         const std::string& substitution);

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

// CORS filter (Gateway API HTTPCORSFilter). An origin matches an entry that is "*", equal to it,
// or a pattern with one '*' standing for one or more characters ("https://*.example.com").
bool corsOriginAllowed(const config::IrCors& cors, std::string_view origin);
// The header block (CRLF-terminated lines) answering a preflight from an allowed `origin`.
// Wildcard methods and headers are answered with what the preflight asked for, which is valid
// with and without credentials.
std::string corsPreflightHeaders(const config::IrCors& cors, std::string_view origin,
                                 std::string_view request_method, std::string_view request_headers);
// Adds the CORS fields to the response of an actual request from an allowed `origin`.
void addCorsResponseHeaders(HeaderMap& response, const config::IrCors& cors,
                            std::string_view origin);

// Host without a trailing ":port" (IPv6 literals keep their brackets).
std::string_view hostWithoutPort(std::string_view host);

}  // namespace torii::proxy
