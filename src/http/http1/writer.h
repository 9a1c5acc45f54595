#pragma once
// Serialisation of HTTP/1.1 heads and chunked framing into a byte string. Appends only: callers
// reuse one std::string per connection so steady-state serialisation does not allocate.
#include <string>
#include <string_view>

#include "common/header_map.h"

namespace torii::http1 {

// "METHOD target HTTP/1.1\r\n" then every live header of `headers`; no terminating blank line,
// so the caller can append more fields before endHead().
void beginRequest(std::string& out, std::string_view method, std::string_view target);
// "HTTP/1.1 <status> <reason>\r\n".
void beginResponse(std::string& out, int status, std::string_view reason = {});
void appendHeader(std::string& out, std::string_view name, std::string_view value);
void appendHeaders(std::string& out, const HeaderMap& headers);
inline void endHead(std::string& out) { out.append("\r\n"); }
// Chunk header for `size` bytes ("<hex>\r\n"); the caller writes the data, then "\r\n".
void appendChunkHeader(std::string& out, size_t size);
// The last chunk with optional trailers: "0\r\n" [trailers] "\r\n".
void appendLastChunk(std::string& out, const HeaderMap* trailers = nullptr);
// A complete response generated locally: head with content-type, content-length (of `body`) and,
// when `close`, Connection: close, then `extra_headers` (CRLF-terminated lines), then the body
// unless `head_only` (an answer to HEAD keeps the length of the body it would have had).
void localReply(std::string& out, int status, std::string_view body, bool close,
                std::string_view extra_headers = {}, std::string_view content_type = "text/plain",
                bool head_only = false);

}  // namespace torii::http1
