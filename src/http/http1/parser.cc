#include "http/http1/parser.h"

#include <llhttp.h>

#include <algorithm>

#include "common/strings.h"

namespace torii::http1 {

void Head::clear() {
  method.clear();
  target.clear();
  status = 0;
  reason.clear();
  version_major = 1;
  version_minor = 1;
  headers.clear();
  trailers.clear();
  content_length = -1;
  chunked = false;
  keep_alive = true;
  upgrade = false;
  expect_continue = false;
  close_delimited = false;
}

struct ParserCallbacks {
  static Parser* self(llhttp_t* p) { return static_cast<Parser*>(p->data); }

  static int onMessageBegin(llhttp_t* p) {
    Parser* s = self(p);
    s->head_.clear();
    s->fields_ = Parser::Fields{};
    s->in_message_ = true;
    s->headers_done_ = false;
    s->in_value_ = false;
    return 0;
  }
  static int onMethod(llhttp_t* p, const char* at, size_t len) {
    self(p)->head_.method.append(at, len);
    return 0;
  }
  static int onUrl(llhttp_t* p, const char* at, size_t len) {
    self(p)->head_.target.append(at, len);
    return 0;
  }
  static int onStatus(llhttp_t* p, const char* at, size_t len) {
    self(p)->head_.reason.append(at, len);
    return 0;
  }
  static bool isTokenChar(unsigned char c) {
    // RFC 9110 §5.6.2 tchar.
    static const bool* table = [] {
      static bool t[256] = {};
      for (int c = '0'; c <= '9'; ++c) t[c] = true;
      for (int c = 'a'; c <= 'z'; ++c) t[c] = true;
      for (int c = 'A'; c <= 'Z'; ++c) t[c] = true;
      for (char c : std::string_view("!#$%&'*+-.^_`|~")) t[static_cast<unsigned char>(c)] = true;
      return t;
    }();
    return table[c];
  }
  static int onHeaderField(llhttp_t* p, const char* at, size_t len) {
    Parser* s = self(p);
    for (size_t i = 0; i < len; ++i) {
      if (!isTokenChar(static_cast<unsigned char>(at[i]))) {
        return s->fail(400, "invalid character in header name");
      }
    }
    HeaderMap& map = s->headers_done_ ? s->head_.trailers : s->head_.headers;
    if (s->in_value_ || map.slots() == 0 || s->field_complete_) {
      if (map.slots() >= s->limits_.max_headers) {
        return s->fail(431, "too many header fields");
      }
      map.beginField();
      s->in_value_ = false;
      s->field_complete_ = false;
    }
    map.appendName({at, len});
    return 0;
  }
  static int onHeaderFieldComplete(llhttp_t* p) {
    Parser* s = self(p);
    HeaderMap& map = s->headers_done_ ? s->head_.trailers : s->head_.headers;
    map.beginValue();
    s->in_value_ = true;
    return 0;
  }
  static int onHeaderValue(llhttp_t* p, const char* at, size_t len) {
    Parser* s = self(p);
    // RFC 9110 §5.5: field-content is VCHAR, obs-text, SP and HTAB. CR, LF (including obs-fold,
    // RFC 9112 §5.2), NUL and other controls are rejected.
    for (size_t i = 0; i < len; ++i) {
      unsigned char c = static_cast<unsigned char>(at[i]);
      if ((c < 0x20 && c != '\t') || c == 0x7f) {
        return s->fail(400, "invalid character in header value");
      }
    }
    HeaderMap& map = s->headers_done_ ? s->head_.trailers : s->head_.headers;
    map.appendValue({at, len});
    return 0;
  }
  static int onHeaderValueComplete(llhttp_t* p) {
    Parser* s = self(p);
    s->field_complete_ = true;
    if (!s->headers_done_) s->classifyLastField();
    return 0;
  }
  static int onHeadersComplete(llhttp_t* p) { return self(p)->onHeadersComplete(); }
  static int onBody(llhttp_t* p, const char* at, size_t len) {
    Parser* s = self(p);
    s->body_.emplace_back(at, len);
    if (s->head_.chunked) {
      s->chunk_remaining_ -= std::min<uint64_t>(len, s->chunk_remaining_);
      if (s->chunk_remaining_ == 0) {
        s->crlf_pending_ = 2;
        s->crlf_at_ = at + len;
      }
    }
    return 0;
  }
  static int onChunkHeader(llhttp_t* p) {
    Parser* s = self(p);
    if (!s->checkChunkCrlf()) return -1;
    s->chunk_remaining_ = p->content_length;
    return 0;
  }
  static int onChunkComplete(llhttp_t* p) { return self(p)->checkChunkCrlf() ? 0 : -1; }
  static int onMessageComplete(llhttp_t* p) {
    Parser* s = self(p);
    s->in_message_ = false;
    s->headers_done_ = false;
    s->message_done_ = true;
    // An upgrade request makes llhttp stop with HPE_PAUSED_UPGRADE by itself.
    return (s->finishing_ || p->upgrade) ? 0 : HPE_PAUSED;
  }

  static const llhttp_settings_t* settings() {
    static const llhttp_settings_t kSettings = [] {
      llhttp_settings_t st;
      llhttp_settings_init(&st);
      st.on_message_begin = onMessageBegin;
      st.on_method = onMethod;
      st.on_url = onUrl;
      st.on_status = onStatus;
      st.on_header_field = onHeaderField;
      st.on_header_field_complete = onHeaderFieldComplete;
      st.on_header_value = onHeaderValue;
      st.on_header_value_complete = onHeaderValueComplete;
      st.on_headers_complete = onHeadersComplete;
      st.on_body = onBody;
      st.on_message_complete = onMessageComplete;
      st.on_chunk_header = onChunkHeader;
      st.on_chunk_complete = onChunkComplete;
      return st;
    }();
    return &kSettings;
  }
};

Parser::Parser(Type type, Limits limits) : type_(type), limits_(limits), p_(new llhttp_t) {
  llhttp_init(p_, type == Type::kRequest ? HTTP_REQUEST : HTTP_RESPONSE,
              ParserCallbacks::settings());
  p_->data = this;
}

Parser::~Parser() { delete p_; }

void Parser::reset() {
  llhttp_init(p_, type_ == Type::kRequest ? HTTP_REQUEST : HTTP_RESPONSE,
              ParserCallbacks::settings());
  p_->data = this;
  head_.clear();
  body_.clear();
  head_bytes_ = 0;
  in_value_ = field_complete_ = message_done_ = finishing_ = prev_lf_ = false;
  in_message_ = headers_done_ = paused_ = no_body_ = dead_ = false;
  chunk_remaining_ = 0;
  crlf_pending_ = 0;
  crlf_at_ = cur_end_ = nullptr;
  error_status_ = 0;
  error_reason_.clear();
  fields_ = Fields{};
}

int Parser::fail(int status, std::string_view reason) {
  error_status_ = status;
  error_reason_.assign(reason);
  return -1;
}

void Parser::classifyLastField() {
  // One look at each field name as it completes, so the head checks below need no further scans.
  const HeaderMap& m = head_.headers;
  const size_t i = m.slots() - 1;
  std::string_view n = m.name(i);
  switch (n.size()) {
    case 4:
      if (iequals(n, "host")) ++fields_.host;
      break;
    case 6:
      if (iequals(n, "expect")) fields_.expect = int(i);
      break;
    case 7:
      if (iequals(n, "upgrade")) fields_.upgrade = true;
      break;
    case 10:
      if (iequals(n, "connection")) {
        std::string_view v = m.value(i);
        fields_.conn_close |= listContainsToken(v, "close");
        fields_.conn_keep_alive |= listContainsToken(v, "keep-alive");
        fields_.conn_upgrade |= listContainsToken(v, "upgrade");
      }
      break;
    case 14:
      if (iequals(n, "content-length")) ++fields_.content_length;
      break;
    default:
      break;
  }
}

int Parser::onHeadersComplete() {
  headers_done_ = true;
  in_value_ = false;
  Head& h = head_;
  h.version_major = p_->http_major;
  h.version_minor = p_->http_minor;
  if (type_ == Type::kResponse) h.status = p_->status_code;
  if (p_->flags & F_CONTENT_LENGTH) h.content_length = int64_t(p_->content_length);
  const bool has_te = (p_->flags & F_TRANSFER_ENCODING) != 0;
  h.chunked = (p_->flags & F_CHUNKED) != 0;

  if (h.version_major != 1 || h.version_minor > 1) {
    return fail(505, "HTTP version not supported");
  }
  // Connection semantics (RFC 9112 §9.3).
  const Fields& f = fields_;
  h.keep_alive = h.version_minor >= 1 ? !f.conn_close : (f.conn_keep_alive && !f.conn_close);

  if (type_ == Type::kRequest) {
    if (h.content_length >= 0 && has_te) {
      return fail(400, "both Content-Length and Transfer-Encoding");
    }
    if (has_te) {
      // Only a final "chunked" frames a request body (RFC 9112 §6.3); other codings are not
      // implemented, and chunked may be applied once only.
      std::vector<std::string_view> codings;
      for (size_t i = 0; i < h.headers.slots(); ++i) {
        if (!iequals(h.headers.name(i), "transfer-encoding")) continue;
        for (auto c : splitList(h.headers.value(i), ',')) codings.push_back(c);
      }
      if (codings.empty() || !iequals(codings.back(), "chunked")) {
        return fail(400, "Transfer-Encoding does not end with chunked");
      }
      for (size_t i = 0; i + 1 < codings.size(); ++i) {
        if (iequals(codings[i], "chunked")) return fail(400, "chunked applied more than once");
        return fail(501, "unsupported transfer coding");
      }
      if (h.version_minor == 0) return fail(400, "Transfer-Encoding in an HTTP/1.0 request");
    }
    if (f.host > 1) return fail(400, "more than one Host header");
    if (f.host == 0 && h.version_minor >= 1) return fail(400, "missing Host header");
    if (f.content_length > 1) return fail(400, "more than one Content-Length");
    if (f.expect >= 0) {
      if (iequals(trim(h.headers.value(size_t(f.expect))), "100-continue")) {
        h.expect_continue = h.version_minor >= 1;
      } else {
        return fail(417, "unsupported expectation");
      }
    }
    h.upgrade = f.conn_upgrade && f.upgrade;
    return 0;
  }

  // Responses.
  if (no_body_) return 1;  // HEAD response: headers only, whatever they say
  const int st = h.status;
  if (!(st < 200 || st == 204 || st == 304) && !h.chunked && h.content_length < 0) {
    h.close_delimited = true;
    h.keep_alive = false;
  }
  h.upgrade = st == 101;
  return 0;
}

bool Parser::hasObsFold(const char* data, size_t n) {
  // A line of the head that starts with SP or HTAB continues the previous one (obs-fold), or is
  // whitespace between the start-line and the first field (RFC 9112 §2.2): both are rejected.
  // The head can arrive in pieces, so the last byte of the previous piece is remembered.
  for (size_t i = 0; i < n; ++i) {
    char c = data[i];
    if (prev_lf_ && (c == ' ' || c == '\t')) return true;
    prev_lf_ = c == '\n';
  }
  return false;
}

bool Parser::checkChunkCrlf() {
  // llhttp 8.1 tolerates chunk data that is not followed by CRLF (fixed upstream in 9.x). A chunk
  // whose declared size disagrees with its data is the classic chunked smuggling vector, so the
  // two bytes after each chunk's data are checked here against the raw input.
  while (crlf_pending_ > 0 && crlf_at_ < cur_end_) {
    char want = crlf_pending_ == 2 ? '\r' : '\n';
    if (*crlf_at_ != want) {
      crlf_pending_ = 0;
      fail(400, "chunk data not followed by CRLF");
      return false;
    }
    ++crlf_at_;
    --crlf_pending_;
  }
  return true;
}

Parser::Result Parser::parse(const char* data, size_t len) {
  Result r;
  body_.clear();
  if (dead_) {
    r.error = true;
    return r;
  }
  if (paused_) {
    llhttp_resume(p_);
    paused_ = false;
  }
  // Before the head is complete, never let llhttp see more than the remaining head allowance, so an
  // oversized head is detected at exactly the limit however the bytes arrive.
  size_t n = len;
  const bool in_head = !headers_done_;
  bool truncated = false;
  if (in_head) {
    size_t allowance =
        limits_.max_head_bytes > head_bytes_ ? limits_.max_head_bytes - head_bytes_ : 0;
    if (n > allowance) {
      n = allowance;
      truncated = true;
    }
  }
  const bool was_headers_done = headers_done_;
  message_done_ = false;
  if (in_head && type_ == Type::kRequest && hasObsFold(data, n)) {
    // llhttp accepts obs-fold; RFC 9112 §5.2 lets a server reject it, and a proxy must not pass
    // a folded line through to a backend that may split it differently.
    dead_ = true;
    r.error = true;
    error_status_ = 400;
    error_reason_ = "obsolete line folding in header";
    return r;
  }
  cur_end_ = data + n;
  if (crlf_pending_) crlf_at_ = data;
  llhttp_errno_t err = llhttp_execute(p_, data, n);
  if ((err == HPE_OK || err == HPE_PAUSED) && !checkChunkCrlf()) err = HPE_USER;
  if (err == HPE_OK) {
    r.consumed = n;
  } else if (err == HPE_PAUSED) {
    paused_ = true;
    r.consumed = size_t(llhttp_get_error_pos(p_) - data);
  } else if (err == HPE_PAUSED_UPGRADE) {
    // Upgrades are not switched here: the router strips Upgrade, so the connection stays HTTP/1.
    llhttp_resume_after_upgrade(p_);
    r.consumed = size_t(llhttp_get_error_pos(p_) - data);
    in_message_ = false;
    headers_done_ = false;
    message_done_ = true;
  } else {
    dead_ = true;
    r.error = true;
    if (error_status_ == 0) {
      switch (err) {
        case HPE_INVALID_VERSION:
          error_status_ = 505;
          break;
        case HPE_INVALID_METHOD:
          error_status_ = 501;
          break;
        default:
          error_status_ = 400;
      }
      error_reason_ =
          llhttp_get_error_reason(p_) ? llhttp_get_error_reason(p_) : llhttp_errno_name(err);
    }
    r.consumed = n;
    return r;
  }
  r.headers_complete = headers_done_ && !was_headers_done;
  r.message_complete = message_done_;
  if (r.message_complete && !was_headers_done && !r.headers_complete) r.headers_complete = true;
  if (in_head) {
    if (headers_done_ || message_done_) {
      head_bytes_ = 0;
    } else {
      head_bytes_ += r.consumed;
      if (truncated) {
        dead_ = true;
        r.error = true;
        error_status_ = 431;
        error_reason_ = "request header block too large";
      }
    }
  }
  if (message_done_) {
    head_bytes_ = 0;
    prev_lf_ = false;
  }
  return r;
}

bool Parser::finish() {
  if (dead_) return false;
  if (!in_message_) return true;
  if (paused_) {
    llhttp_resume(p_);
    paused_ = false;
  }
  finishing_ = true;
  message_done_ = false;
  llhttp_errno_t err = llhttp_finish(p_);
  finishing_ = false;
  dead_ = true;  // the connection is gone either way
  return err == HPE_OK && message_done_;
}

std::string_view reasonPhrase(int status) {
  switch (status) {
    case 100:
      return "Continue";
    case 101:
      return "Switching Protocols";
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 206:
      return "Partial Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 307:
      return "Temporary Redirect";
    case 308:
      return "Permanent Redirect";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 417:
      return "Expectation Failed";
    case 421:
      return "Misdirected Request";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    case 505:
      return "HTTP Version Not Supported";
    default:
      return "Unknown";
  }
}

}  // namespace torii::http1
