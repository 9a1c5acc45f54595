#include "http/http1/writer.h"

#include <charconv>

#include "http/http1/parser.h"

namespace torii::http1 {

void beginRequest(std::string& out, std::string_view method, std::string_view target) {
  out.append(method);
  out.push_back(' ');
  out.append(target);
  out.append(" HTTP/1.1\r\n");
}

void beginResponse(std::string& out, int status, std::string_view reason) {
  char buf[16];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, status);
  (void)ec;
  out.append("HTTP/1.1 ");
  out.append(buf, p);
  out.push_back(' ');
  out.append(reason.empty() ? reasonPhrase(status) : reason);
  out.append("\r\n");
}

void appendHeader(std::string& out, std::string_view name, std::string_view value) {
  out.append(name);
  out.append(": ");
  out.append(value);
  out.append("\r\n");
}

void appendHeaders(std::string& out, const HeaderMap& headers) {
  for (size_t i = 0; i < headers.slots(); ++i) {
    if (headers.live(i)) appendHeader(out, headers.name(i), headers.value(i));
  }
}

void appendChunkHeader(std::string& out, size_t size) {
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, size, 16);
  (void)ec;
  out.append(buf, p);
  out.append("\r\n");
}

void appendLastChunk(std::string& out, const HeaderMap* trailers) {
  out.append("0\r\n");
  if (trailers) appendHeaders(out, *trailers);
  out.append("\r\n");
}

void localReply(std::string& out, int status, std::string_view body, bool close,
                std::string_view extra_headers, std::string_view content_type, bool head_only) {
  beginResponse(out, status);
  appendHeader(out, "content-type", content_type);
  char buf[24];
  auto [p, ec] = std::to_chars(buf, buf + sizeof buf, body.size());
  (void)ec;
  appendHeader(out, "content-length", std::string_view(buf, size_t(p - buf)));
  if (close) appendHeader(out, "connection", "close");
  out.append(extra_headers);
  endHead(out);
  if (!head_only) out.append(body);
}

}  // namespace torii::http1
