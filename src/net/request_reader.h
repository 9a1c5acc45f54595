#pragma once
// RequestReader: reads HTTP/1.1 requests one at a time from a socket, for the small servers that
// answer whole requests (the admin API, torii-echo, torii-llm-sim). The proxy streams instead and
// does not use it. Pipelined bytes stay buffered for the next call; `Expect: 100-continue` is
// answered here, since every such server wants the body.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "event/asio.h"
#include "http/http1/parser.h"

namespace torii::net {

class RequestReader {
 public:
  enum class Status { kComplete, kClosed, kError };

  explicit RequestReader(size_t buffer_size = 64 * 1024, http1::Limits limits = {});

  // Reads until the next request is complete. Its body is appended to `*body` (when given) up to
  // `max_body` bytes; bodyTooLarge() tells whether more arrived. kError: the request was malformed,
  // answer parser().errorStatus() and close. kClosed: the peer closed or a read failed.
  awaitable<Status> next(tcp::socket& sock, std::string* body = nullptr,
                         size_t max_body = SIZE_MAX);
  // The local reply for a kError result (text/plain, connection: close).
  std::string errorReply() const;

  http1::Parser& parser() { return parser_; }
  const http1::Head& head() const { return parser_.head(); }
  bool bodyTooLarge() const { return too_large_; }
  // Adds bytes that someone else read from this socket (they follow the ones already buffered),
  // e.g. a pipelined request read while watching for the client to hang up.
  void append(std::string_view bytes);

 private:
  http1::Parser parser_;
  std::vector<char> in_;
  size_t begin_ = 0, end_ = 0;
  bool too_large_ = false;
};

}  // namespace torii::net
