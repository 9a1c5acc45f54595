#pragma once
// HTTP/1.x message parser (server side: requests; client side: responses) on llhttp.
//
// The parser knows no routes and no sockets. It turns bytes into one message head, body pieces and
// a completion mark, enforces the limits and the request-smuggling rules of RFC 9112 (§6.3, §11.2),
// and stops after each complete message so that pipelined requests are handled one at a time.
// One Parser per connection and direction; not thread-safe; reused across keep-alive messages.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/header_map.h"

struct llhttp__internal_s;

namespace torii::http1 {

struct Limits {
  size_t max_head_bytes = 60 * 1024;  // request/status line plus header block
  size_t max_headers = 100;
};

struct Head {
  // Requests.
  std::string method;
  std::string target;  // request-target exactly as sent
  // Responses.
  int status = 0;
  std::string reason;
  int version_major = 1;
  int version_minor = 1;
  HeaderMap headers;
  HeaderMap trailers;
  int64_t content_length = -1;  // -1: none given
  bool chunked = false;
  bool keep_alive = true;  // per the version and Connection header
  bool upgrade = false;    // Connection: upgrade with an Upgrade header
  bool expect_continue = false;
  // For responses only: no length and not chunked, so the body runs until the connection closes.
  bool close_delimited = false;
  void clear();
  bool hasBody() const { return chunked || content_length > 0 || close_delimited; }
};

class Parser {
 public:
  enum class Type { kRequest, kResponse };

  struct Result {
    size_t consumed = 0;
    bool headers_complete = false;  // the head became available during this call
    bool message_complete = false;  // the message ended; bytes after it were not consumed
    bool error = false;
  };

  explicit Parser(Type type, Limits limits = {});
  ~Parser();
  Parser(const Parser&) = delete;
  Parser& operator=(const Parser&) = delete;

  // Parses `len` bytes. Body bytes seen in this call are in body() as views into `data`, so the
  // caller must use them before the buffer is reused. After message_complete the next call starts
  // the next message (pipelining). After an error the parser is dead: reply errorStatus() and
  // close the connection.
  Result parse(const char* data, size_t len);
  // The peer closed its side. Completes a close-delimited response body (returns true), or reports
  // whether a message was cut short (returns false: truncated).
  bool finish();
  // Forgets all state (including an error) so the parser can serve a new connection or exchange.
  void reset();

  const Head& head() const { return head_; }
  Head& head() { return head_; }
  const std::vector<std::string_view>& body() const { return body_; }
  // Response parser: the request was HEAD (or the response is otherwise bodiless). Set before the
  // response head arrives.
  void setNoBody(bool v) { no_body_ = v; }
  // True once any byte of the current message was seen (used for 408 vs a silent idle close).
  bool inMessage() const { return in_message_; }
  bool headersDone() const { return headers_done_; }
  // Status to answer for a request error (400, 431, 501, 505) and a short reason for logs/bodies.
  int errorStatus() const { return error_status_; }
  const std::string& errorReason() const { return error_reason_; }

 private:
  friend struct ParserCallbacks;
  int onHeadersComplete();
  void classifyLastField();

  // What the head's fields say, gathered as each field completes.
  struct Fields {
    int host = 0;
    int content_length = 0;
    int expect = -1;  // index of the Expect field
    bool upgrade = false;
    bool conn_close = false, conn_keep_alive = false, conn_upgrade = false;
  };
  Fields fields_;
  int fail(int status, std::string_view reason);
  bool hasObsFold(const char* data, size_t n);
  bool checkChunkCrlf();

  Type type_;
  Limits limits_;
  llhttp__internal_s* p_;
  Head head_;
  std::vector<std::string_view> body_;
  size_t head_bytes_ = 0;
  bool in_value_ = false;
  bool field_complete_ = false;
  bool message_done_ = false;
  bool finishing_ = false;
  bool prev_lf_ = false;
  uint64_t chunk_remaining_ = 0;
  int crlf_pending_ = 0;
  const char* crlf_at_ = nullptr;
  const char* cur_end_ = nullptr;
  bool in_message_ = false;
  bool headers_done_ = false;
  bool paused_ = false;
  bool no_body_ = false;
  bool dead_ = false;
  int error_status_ = 0;
  std::string error_reason_;
};

// A standard reason phrase ("OK", "Not Found"...) or "Unknown".
std::string_view reasonPhrase(int status);

}  // namespace torii::http1
