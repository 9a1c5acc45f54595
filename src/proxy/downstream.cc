#include "proxy/downstream.h"

#include <arpa/inet.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include "common/log.h"
#include "common/strings.h"
#include "http/http1/writer.h"
#include "net/read_readiness.h"
#include "proxy/inference_pick.h"
#include "proxy/mirror.h"
#include "proxy/route_actions.h"

namespace torii::proxy {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kUseAwaitable = asio::use_awaitable;
// An InferencePool request tries at most this many endpoints of the picker's list when one fails
// before any response byte.
constexpr size_t kInferenceAttempts = 3;

// Hop-by-hop fields (RFC 9110 §7.6.1) plus Proxy-Connection, which some clients still send.
bool isHopByHop(std::string_view n) {
  switch (n.size()) {
    case 2:
      return iequals(n, "te");
    case 7:
      return iequals(n, "trailer") || iequals(n, "upgrade");
    case 10:
      return iequals(n, "connection") || iequals(n, "keep-alive");
    case 16:
      return iequals(n, "proxy-connection");
    case 17:
      return iequals(n, "transfer-encoding");
    default:
      return false;
  }
}

// True when `name` is listed in any Connection header of `h` (those fields are hop-by-hop too).
bool namedByConnection(const HeaderMap& h, std::string_view name) {
  for (size_t i = 0; i < h.slots(); ++i) {
    if (h.live(i) && iequals(h.name(i), "connection") && listContainsToken(h.value(i), name))
      return true;
  }
  return false;
}

bool hasConnectionHeader(const HeaderMap& h) { return h.has("connection"); }

bool isIdempotent(std::string_view m) {
  return m == "GET" || m == "HEAD" || m == "OPTIONS" || m == "TRACE" || m == "PUT" || m == "DELETE";
}

// The wait for an upstream response head: the route's timeouts.backendRequest, else its
// timeouts.request, else the global --response-timeout. "0s" disables the timeout.
std::chrono::nanoseconds responseTimeout(const config::IrRoute* ir,
                                         std::chrono::nanoseconds global) {
  std::optional<int64_t> ms;
  if (ir && ir->backend_request_timeout_ms)
    ms = ir->backend_request_timeout_ms;
  else if (ir && ir->request_timeout_ms)
    ms = ir->request_timeout_ms;
  if (!ms) return global;
  if (*ms == 0) return std::chrono::hours(24 * 365);
  return std::chrono::milliseconds(*ms);
}

constexpr size_t kCoalesceLimit = 16 * 1024;

// Writes as much of `bufs` as the socket takes without blocking (sockets are in non-blocking mode)
// and drops what was written from `bufs`. True when everything went out; false with `ec` clear when
// the rest must be awaited, or with `ec` set on a real error. Most writes complete here, which
// saves a reactor round trip and a coroutine suspension per write.
bool writeNow(tcp::socket& s, std::vector<asio::const_buffer>& bufs, std::string& scratch,
              boost::system::error_code& ec) {
  size_t total = asio::buffer_size(bufs);
  // Small gathers are copied into one buffer: a single-buffer write is a send(2), cheaper in the
  // kernel than the sendmsg(2) a buffer sequence needs, and the copy costs far less.
  if (bufs.size() > 1 && total <= kCoalesceLimit) {
    scratch.clear();
    for (const auto& b : bufs) scratch.append(static_cast<const char*>(b.data()), b.size());
    bufs.assign(1, asio::const_buffer(scratch.data(), scratch.size()));
  }
  while (total > 0) {
    size_t n = bufs.size() == 1 ? s.write_some(bufs.front(), ec) : s.write_some(bufs, ec);
    if (ec) {
      if (ec == asio::error::would_block || ec == asio::error::try_again) ec = {};
      return false;
    }
    total -= n;
    size_t i = 0;
    while (i < bufs.size() && n >= bufs[i].size()) n -= bufs[i++].size();
    bufs.erase(bufs.begin(), bufs.begin() + long(i));
    if (n > 0) bufs.front() += n;
  }
  return true;
}

// Write `bufs_` to socket S: synchronously when possible, else awaiting the rest. Yields true on
// success. A macro because co_await cannot live in a plain helper, and a nested coroutine would
// cost a frame allocation per write.
#define TORII_WRITE(S)                    \
  (writeNow((S), bufs_, coalesce_, ec) || \
   (!ec &&                                \
    (co_await asio::async_write((S), bufs_, asio::redirect_error(kUseAwaitable, ec)), !ec)))

// Read from socket S into BUF, setting N: net::readNow, waiting on epoll while the socket is empty
// (net/read_readiness.h). N is 0 at end-of-file, or with `ec` set on an error or cancellation. A
// macro for the same reason as TORII_WRITE.
#define TORII_READ(S, BUF, N)                                                        \
  do {                                                                               \
    bool torii_waited = false;                                                       \
    while (!net::readNow((S), (BUF), (N), ec, torii_waited)) {                       \
      co_await net::asyncWaitReadable((S), asio::redirect_error(kUseAwaitable, ec)); \
      if (ec) {                                                                      \
        (N) = 0;                                                                     \
        break;                                                                       \
      }                                                                              \
      torii_waited = true;                                                           \
    }                                                                                \
  } while (0)

// Before awaiting a reply from a peer we have just written to (the upstream's response after
// sending it a request, the client's next request after sending it a response), give the worker's
// other ready connections their turn first, so that one event-loop pass handles every ready
// connection before it reads replies. TORII_READ no longer needs the yield to avoid EAGAIN reads
// (net/read_readiness.h), but it still pays at 2 workers: in five fresh starts each (bench/http1
// harness, 0 B) p99 was 2.5-2.8 ms with it and 2.6-5.2 ms without, at the same req/s. With no
// other connection on the worker there is nothing to overlap, so the read starts at once. A
// deadline that passes during the yield finds no I/O to cancel, so `timed_out_` is cleared for
// the next tick to fire again.
#define TORII_YIELD_BEFORE_READ()                         \
  do {                                                    \
    if (w_.conn_count > 1) {                              \
      co_await asio::post(w_.worker.io(), kUseAwaitable); \
      timed_out_ = false;                                 \
    }                                                     \
  } while (0)

}  // namespace

DownstreamConn::DownstreamConn(WorkerState& w, tcp::socket sock, ListenerKey key)
    : w_(w),
      sock_(std::move(sock)),
      key_(std::move(key)),
      parser_(http1::Parser::Type::kRequest, w.opts.limits),
      resp_parser_(http1::Parser::Type::kResponse) {
  // Link into the worker's connection list.
  next = w_.conns;
  if (next) next->prev = this;
  w_.conns = this;
  ++w_.conn_count;
  w_.load.fetch_add(1, std::memory_order_relaxed);
  Stats::add(w_.stats.downstream_cx_active, 1);
  boost::system::error_code ec;
  auto ep = sock_.remote_endpoint(ec);
  if (!ec) client_ip_ = ep.address().to_string();
  sock_.set_option(tcp::no_delay(true), ec);
  sock_.non_blocking(true, ec);
  net::enableReadHints(sock_);
}

DownstreamConn::~DownstreamConn() {
  if (prev)
    prev->next = next;
  else
    w_.conns = next;
  if (next) next->prev = prev;
  --w_.conn_count;
  w_.load.fetch_sub(1, std::memory_order_relaxed);
  Stats::add(w_.stats.downstream_cx_active, -1);
}

void DownstreamConn::start(WorkerState& w, tcp::socket sock, ListenerKey key) {
  auto conn = std::make_unique<DownstreamConn>(w, std::move(sock), std::move(key));
  asio::co_spawn(w.worker.io(), run(std::move(conn)), asio::detached);
}

awaitable<void> DownstreamConn::run(std::unique_ptr<DownstreamConn> self) {
  co_await self->serve();
  boost::system::error_code ec;
  self->sock_.shutdown(tcp::socket::shutdown_both, ec);
  self->sock_.close(ec);
}

void DownstreamConn::setDeadline(std::chrono::nanoseconds d) {
  deadline_ = w_.now + std::chrono::duration_cast<Clock::duration>(d);
}

void DownstreamConn::onTick(Clock::time_point now) {
  if (now < deadline_ || timed_out_) return;
  timed_out_ = true;
  boost::system::error_code ec;
  sock_.cancel(ec);
  if (active_up_) active_up_->sock.cancel(ec);
}

void DownstreamConn::drain() {
  close_after_ = true;
  if (phase_ == Phase::kIdle) {
    boost::system::error_code ec;
    sock_.cancel(ec);
  }
}

void DownstreamConn::countStatus(int status) {
  Stats& s = w_.stats;
  if (status < 200)
    Stats::inc(s.downstream_rs_1xx);
  else if (status < 300)
    Stats::inc(s.downstream_rs_2xx);
  else if (status < 400)
    Stats::inc(s.downstream_rs_3xx);
  else if (status < 500)
    Stats::inc(s.downstream_rs_4xx);
  else
    Stats::inc(s.downstream_rs_5xx);
}

awaitable<bool> DownstreamConn::localReply(int status, std::string_view body, bool close,
                                           std::string_view content_type,
                                           std::string_view extra_headers, bool raw) {
  countStatus(status);
  out_.clear();
  std::string text(body);
  if (!raw) text.push_back('\n');
  http1::localReply(out_, status, text, close, extra_headers, content_type,
                    parser_.head().method == "HEAD");
  setDeadline(w_.opts.idle_timeout);
  timed_out_ = false;
  bufs_.clear();
  bufs_.emplace_back(out_.data(), out_.size());
  boost::system::error_code ec;
  bool ok = TORII_WRITE(sock_);
  co_return ok && !close;
}

awaitable<void> DownstreamConn::serve() {
  const ProxyOptions& o = w_.opts;
  in_.resize(o.client_buffer_size);
  boost::system::error_code ec;
  for (;;) {
    // ---- Wait for and parse the next request head. ----
    phase_ = Phase::kIdle;
    timed_out_ = false;
    setDeadline(served_ == 0 ? o.request_headers_timeout : o.idle_timeout);
    http1::Parser::Result r;
    for (;;) {
      if (in_end_ > in_begin_) {
        r = parser_.parse(in_.data() + in_begin_, in_end_ - in_begin_);
        if (r.error) {
          int st = parser_.errorStatus();
          Stats::inc(st == 431 ? w_.stats.downstream_rq_too_large : w_.stats.downstream_rq_bad);
          log::debug("client {}: {} ({})", client_ip_, st, parser_.errorReason());
          co_await localReply(st, parser_.errorReason(), true);
          co_return;
        }
        if (r.headers_complete) break;
        in_begin_ += r.consumed;
      }
      if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
      if (parser_.inMessage() && phase_ == Phase::kIdle) {
        phase_ = Phase::kHead;
        setDeadline(o.request_headers_timeout);
      }
      if (phase_ == Phase::kIdle && served_ > 0) TORII_YIELD_BEFORE_READ();
      if (phase_ == Phase::kIdle && (w_.draining || close_after_)) co_return;
      size_t n;
      TORII_READ(sock_, asio::buffer(in_.data() + in_end_, in_.size() - in_end_), n);
      if (ec || n == 0) {
        if (timed_out_ && parser_.inMessage()) {
          Stats::inc(w_.stats.downstream_rq_header_timeout);
          co_await localReply(408, "request header timeout", true);
        }
        co_return;
      }
      in_end_ += n;
    }
    phase_ = Phase::kBusy;
    Stats::inc(w_.stats.downstream_rq_total);
    ++served_;
    // Forward the request and its response. Written inline rather than as a nested coroutine:
    // asio allocates a coroutine frame above 1 KiB with malloc on every call.
    bool keep = false;
    {
      const ProxyOptions& o = w_.opts;
      boost::system::error_code ec;
      http1::Head& h = parser_.head();
      const bool client_keep_alive = h.keep_alive && !w_.draining;
      const bool client_10 = h.version_minor == 0;
      const bool has_body = h.chunked || h.content_length > 0;
      const bool is_head = h.method == "HEAD";

      // Pin the snapshot for the whole exchange.
      std::shared_ptr<const config::Snapshot> snap = w_.snapshot;
      if (snap != listener_snapshot_) {
        listener_ = w_.listener(key_);
        listener_snapshot_ = snap;
      }
      const config::ListenerConfig* lc = listener_;

      // Target: origin-form, or absolute-form whose authority replaces Host (RFC 9112 §3.2.2).
      std::string_view target = h.target;
      std::string_view host = h.headers.get("host");
      std::string_view host_override;
      if (startsWith(target, "http://") || startsWith(target, "https://")) {
        size_t scheme_end = target.find("://") + 3;
        size_t path_start = target.find('/', scheme_end);
        host_override = target.substr(
            scheme_end, path_start == target.npos ? target.npos : path_start - scheme_end);
        host = host_override;
        target = path_start == target.npos ? std::string_view("/") : target.substr(path_start);
      } else if (target.empty() || (target[0] != '/' && target != "*")) {
        {
          keep = co_await localReply(400, "invalid request target", true);
          goto request_done;
        }
      }
      std::string_view path = target.substr(0, target.find('?'));

      // Requests whose body is not fully read cannot keep the connection after a local reply.
      const bool body_pending = has_body && !r.message_complete;
      const routing::Route* route =
          lc ? lc->routes.match(host, path,
                                {h.method, &h.headers,
                                 target.size() > path.size() ? target.substr(path.size() + 1)
                                                             : std::string_view()})
             : nullptr;
      if (!route) {
        Stats::inc(w_.stats.downstream_rq_no_route);
        in_begin_ += r.consumed;
        {
          keep = co_await localReply(404, "no route matched", body_pending || !client_keep_alive);
          goto request_done;
        }
      }
      // Route-level actions that answer locally.
      const config::IrRoute* rir = route->ir.get();
      const config::IrFilters* filters = rir ? &rir->filters : nullptr;
      const std::string_view query =
          target.size() > path.size() ? target.substr(path.size() + 1) : std::string_view();
      if (filters && filters->direct_response) {
        const auto& d = *filters->direct_response;
        in_begin_ += r.consumed;
        // No temporaries inside the co_await expression: g++ 12 destroys a conditional
        // operator's std::string temporary twice there (caught by the ASan integration run).
        const std::string_view ctype = d.content_type.empty() ? std::string_view("text/plain")
                                                              : std::string_view(d.content_type);
        keep = co_await localReply(d.status, d.body, body_pending || !client_keep_alive, ctype, {},
                                   /*raw=*/true);
        goto request_done;
      }
      // CORS: the gateway answers preflights itself; actual requests get the fields on their
      // response. `cors_origin` is copied: `host`-like views into the header arena die when
      // request filters edit the headers.
      cors_origin_.clear();
      if (filters && filters->cors) {
        std::string_view origin = h.headers.get("origin");
        const bool allowed = corsOriginAllowed(*filters->cors, origin);
        if (h.method == "OPTIONS" && !origin.empty() &&
            h.headers.has("access-control-request-method")) {
          in_begin_ += r.consumed;
          if (allowed) {
            std::string extra = corsPreflightHeaders(
                *filters->cors, origin, h.headers.get("access-control-request-method"),
                h.headers.get("access-control-request-headers"));
            keep = co_await localReply(204, "", body_pending || !client_keep_alive, "text/plain",
                                       extra,
                                       /*raw=*/true);
          } else {
            keep = co_await localReply(403, "CORS origin not allowed",
                                       body_pending || !client_keep_alive);
          }
          goto request_done;
        }
        if (allowed) cors_origin_.assign(origin);
      }
      if (filters && filters->redirect) {
        RedirectRequest rr;
        rr.host = host;
        rr.listener_port = lc->port;
        rr.path = path;
        rr.query = query;
        rr.matched_prefix = route->path;
        std::string extra = "location: " + redirectLocation(*filters->redirect, rr) + "\r\n";
        in_begin_ += r.consumed;
        keep = co_await localReply(filters->redirect->status_code, "",
                                   body_pending || !client_keep_alive, "text/plain", extra,
                                   /*raw=*/true);
        goto request_done;
      }
      const routing::WeightedBackend* backend = route->pick(uint32_t(w_.random() >> 32));
      if (!backend || backend->cluster < 0 || size_t(backend->cluster) >= snap->clusters.size()) {
        in_begin_ += r.consumed;
        {
          keep = co_await localReply(500, "no valid backend for route",
                                     body_pending || !client_keep_alive);
          goto request_done;
        }
      }
      const config::Cluster& cluster = snap->clusters[size_t(backend->cluster)];
      if (cluster.endpoints.empty()) {
        in_begin_ += r.consumed;
        {
          keep =
              co_await localReply(503, "no healthy upstream", body_pending || !client_keep_alive);
          goto request_done;
        }
      }
      // InferencePool: buffer the body (bounded) so the endpoint picker can read the model and the
      // prompt, then let it order the endpoints or answer (400, 429, 503).
      const bool inference = cluster.pool != nullptr;
      if (inference) {
        Stats::inc(w_.stats.inference_rq_total);
        ibody_.clear();
        const int64_t limit = cluster.pool->ir->max_body_bytes;
        if (has_body && h.content_length > limit) {
          in_begin_ += r.consumed;
          Stats::inc(w_.stats.inference_rq_body_too_large);
          keep =
              co_await localReply(413, "request body larger than the inference pool's limit", true);
          goto request_done;
        }
        if (h.expect_continue && body_pending) {
          bufs_.clear();
          bufs_.emplace_back("HTTP/1.1 100 Continue\r\n\r\n", 25);
          if (!TORII_WRITE(sock_)) {
            keep = false;
            goto request_done;
          }
        }
        for (auto piece : parser_.body()) ibody_.append(piece);
        in_begin_ += r.consumed;
        r.consumed = 0;
        bool complete = r.message_complete;
        for (;;) {
          if (int64_t(ibody_.size()) > limit) {
            Stats::inc(w_.stats.inference_rq_body_too_large);
            keep = co_await localReply(413, "request body larger than the inference pool's limit",
                                       true);
            goto request_done;
          }
          if (complete) break;
          if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
          size_t n;
          TORII_READ(sock_, asio::buffer(in_.data() + in_end_, in_.size() - in_end_), n);
          if (ec || n == 0) {
            keep = false;
            goto request_done;
          }
          in_end_ += n;
          setDeadline(o.idle_timeout);
          auto br = parser_.parse(in_.data() + in_begin_, in_end_ - in_begin_);
          if (br.error) {
            Stats::inc(w_.stats.downstream_rq_bad);
            keep = co_await localReply(parser_.errorStatus(), parser_.errorReason(), true);
            goto request_done;
          }
          for (auto piece : parser_.body()) ibody_.append(piece);
          in_begin_ += br.consumed;
          complete = br.message_complete;
        }
        idec_ = decideInference(w_, cluster, h, path, ibody_);
        if (idec_.status != 0) {
          Stats::inc(idec_.status == 429   ? w_.stats.inference_rq_shed
                     : idec_.status == 400 ? w_.stats.inference_rq_bad_body
                                           : w_.stats.inference_rq_no_endpoint);
          keep = co_await localReply(idec_.status, idec_.message, !client_keep_alive, "text/plain",
                                     idec_.extra_headers);
          goto request_done;
        }
      }
      // The endpoint: the picker's first choice (later ones are fallbacks), else round robin.
      size_t ipos = 0;
      const config::ClusterEndpoint* ep =
          inference ? &cluster.endpoints[idec_.order[0]]
                    : &cluster.endpoints[w_.rr++ % cluster.endpoints.size()];
      // The gateway's in-flight count of the inference endpoint the request is at.
      struct Inflight {
        inference::EndpointRuntime* e = nullptr;
        void set(inference::EndpointRuntime* n) {
          if (e) e->inflight.fetch_sub(1, std::memory_order_relaxed);
          e = n;
          if (e) e->inflight.fetch_add(1, std::memory_order_relaxed);
        }
        ~Inflight() { set(nullptr); }
      } inflight;
      if (inference) inflight.set(cluster.pool->endpoints[idec_.order[0]].get());
      const config::IrBackend* rbackend = rir && size_t(backend->index) < rir->backends.size()
                                              ? &rir->backends[size_t(backend->index)]
                                              : nullptr;

      // Request filters: header modifiers (route, then backendRef), then URL rewrite. `host` may
      // point into the header arena, so it is not used after this point.
      if (filters) applyHeaderModifier(h.headers, filters->request_headers);
      if (rbackend) applyHeaderModifier(h.headers, rbackend->request_headers);
      rewritten_.clear();
      if (filters && filters->rewrite) {
        const auto& rw = *filters->rewrite;
        if (rw.hostname) host_override = *rw.hostname;
        if (rw.hostname_from_header) {
          std::string_view from = h.headers.get(*rw.hostname_from_header);
          if (!from.empty()) host_override = from;
        }
        if (rw.path_regex && rw.path_regex_substitution && route->rewrite_re) {
          rewritten_ = regexRewrite(path, *route->rewrite_re, *rw.path_regex_substitution);
          if (!query.empty()) {
            rewritten_ += '?';
            rewritten_.append(query);
          }
          target = rewritten_;
        } else if (rw.path) {
          rewritten_ = modifyPath(path, route->path, *rw.path);
          if (!query.empty()) {
            rewritten_ += '?';
            rewritten_.append(query);
          }
          target = rewritten_;
        }
      }

      const std::string& ibody = idec_.body_rewritten ? idec_.body : ibody_;
      buildUpstreamHead(
          h, target, host_override, h.chunked && !inference,
          inference && (has_body || idec_.body_rewritten) ? int64_t(ibody.size()) : -1);
      // Invite the body (RFC 9110 §10.1.1); the Expect field itself is not forwarded.
      if (h.expect_continue && body_pending && !inference) {
        bufs_.clear();
        bufs_.emplace_back("HTTP/1.1 100 Continue\r\n\r\n", 25);
        if (!TORII_WRITE(sock_)) {
          keep = false;
          goto request_done;
        }
      }

      // A buffered (inference) request can be sent again, to the next endpoint of the picker's
      // list.
      const bool replayable = (!has_body && isIdempotent(h.method)) || inference;
      std::unique_ptr<upstream::UpstreamConn> up;
      bool response_started = false;  // any byte of the final response sent to the client
      // HTTPRoute retry: re-send a replayable request on the listed status codes and on
      // connection errors, up to `attempts` more times, `backoff` apart.
      int retries_left = rir && rir->retry && replayable ? rir->retry->attempts : 0;
      bool retry_on_status = false;
      for (int attempt = 0;; ++attempt) {
        if (attempt > 0 && rir && rir->retry && rir->retry->backoff_ms > 0 && retry_on_status) {
          asio::steady_timer backoff(w_.worker.io(),
                                     std::chrono::milliseconds(rir->retry->backoff_ms));
          co_await backoff.async_wait(asio::redirect_error(kUseAwaitable, ec));
        }
        retry_on_status = false;
        // ---- Get a connection. ----
        up = w_.pool.acquire(ep->key, /*verify=*/!replayable);
        const bool reused = up != nullptr;
        if (reused) {
          Stats::inc(w_.stats.upstream_cx_reused);
        } else {
          up = std::make_unique<upstream::UpstreamConn>(w_.worker.io());
          up->key = ep->key;
          active_up_ = up.get();
          timed_out_ = false;
          setDeadline(o.connect_timeout);
          ec = co_await upstream::connect(*up, ep->addr, w_.stats);
          if (ec) {
            active_up_ = nullptr;
            log::debug("upstream {} connect failed: {}", ep->text,
                       timed_out_ ? "timeout" : ec.message());
            if (inference && ipos + 1 < idec_.order.size() && ipos + 1 < kInferenceAttempts) {
              // The picker's next choice.
              ++ipos;
              ep = &cluster.endpoints[idec_.order[ipos]];
              inflight.set(cluster.pool->endpoints[idec_.order[ipos]].get());
              Stats::inc(w_.stats.inference_rq_fallback);
              continue;
            }
            if (retries_left > 0) {
              --retries_left;
              retry_on_status = true;  // back off before the next try
              Stats::inc(w_.stats.upstream_rq_retry);
              continue;
            }
            in_begin_ += r.consumed;
            {
              keep = co_await localReply(
                  503, timed_out_ ? "upstream connect timeout" : "upstream connect error",
                  body_pending || !client_keep_alive);
              goto request_done;
            }
          }
        }
        active_up_ = up.get();
        ++up->requests;
        auto closeUp = [&] {
          upstream::close(*up, w_.stats);
          active_up_ = nullptr;
          up.reset();
        };

        // ---- Send the head and the body bytes already parsed, then stream the rest. ----
        timed_out_ = false;
        setDeadline(o.idle_timeout);
        bool request_done = r.message_complete || inference;
        bufs_.clear();
        frames_.clear();
        // Buffers point into frames_: reserve enough that appending never reallocates.
        frames_.reserve(64 + 2 * h.trailers.bytes() + 4 * h.trailers.slots());
        bufs_.emplace_back(out_.data(), out_.size());
        if (inference) {
          if (!ibody.empty()) bufs_.emplace_back(ibody.data(), ibody.size());
        } else {
          appendBody(bufs_, parser_.body(), h.chunked, frames_);
          if (request_done && h.chunked) {
            size_t s = frames_.size();
            http1::appendLastChunk(frames_, &h.trailers);
            bufs_.emplace_back(frames_.data() + s, frames_.size() - s);
          }
        }
        if (attempt == 0 && filters && !filters->mirrors.empty()) {
          // Mirrors get the request as sent upstream; a body still arriving is not mirrored.
          if (request_done) {
            std::string copy;
            for (const auto& b : bufs_) copy.append(static_cast<const char*>(b.data()), b.size());
            for (const auto& m : filters->mirrors) {
              if (m.cluster < 0 || size_t(m.cluster) >= snap->clusters.size()) continue;
              if (m.denominator > 0 && (w_.random() >> 33) % m.denominator >= m.numerator) continue;
              const auto& mc = snap->clusters[size_t(m.cluster)];
              if (mc.endpoints.empty()) continue;
              startMirror(w_, mc.endpoints[w_.rr++ % mc.endpoints.size()], copy);
            }
          }
        }
        bool send_ok = TORII_WRITE(up->sock);
        if (inference && send_ok) recordInference(w_, cluster, idec_.order[ipos], idec_);
        in_begin_ += r.consumed;
        r.consumed = 0;
        if (send_ok) {
          while (!request_done) {
            if (in_begin_ == in_end_) in_begin_ = in_end_ = 0;
            size_t n;
            TORII_READ(sock_, asio::buffer(in_.data() + in_end_, in_.size() - in_end_), n);
            if (ec || n == 0) {
              // Client went away (or stalled past the timeout) mid-body: nothing to answer.
              closeUp();
              {
                keep = false;
                goto request_done;
              }
            }
            in_end_ += n;
            setDeadline(o.idle_timeout);
            auto br = parser_.parse(in_.data() + in_begin_, in_end_ - in_begin_);
            if (br.error) {
              closeUp();
              Stats::inc(w_.stats.downstream_rq_bad);
              {
                keep = co_await localReply(parser_.errorStatus(), parser_.errorReason(), true);
                goto request_done;
              }
            }
            bufs_.clear();
            frames_.clear();
            frames_.reserve(64 + 2 * h.trailers.bytes() + 4 * h.trailers.slots());
            appendBody(bufs_, parser_.body(), h.chunked, frames_);
            if (br.message_complete) {
              request_done = true;
              if (h.chunked) {
                size_t s = frames_.size();
                http1::appendLastChunk(frames_, &h.trailers);
                bufs_.emplace_back(frames_.data() + s, frames_.size() - s);
              }
            }
            if (!bufs_.empty() && !TORII_WRITE(up->sock)) {
              send_ok = false;
              in_begin_ += br.consumed;
              break;
            }
            in_begin_ += br.consumed;
          }
        }

        // ---- Read the response and stream it to the client. ----
        resp_parser_.reset();
        resp_parser_.setNoBody(is_head);
        up_in_ = w_.takeBuffer();
        struct Lease {
          WorkerState& w;
          std::vector<char>& buf;
          ~Lease() { w.returnBuffer(std::move(buf)); }
        } lease{w_, up_in_};
        size_t up_end = 0;
        bool got_any = false;
        bool chunk_to_client = false, close_client = !client_keep_alive, resp_done = false;
        bool failed = !send_ok;
        timed_out_ = false;
        setDeadline(responseTimeout(rir, o.response_timeout));
        while (!failed && !resp_done) {
          if (!got_any) TORII_YIELD_BEFORE_READ();
          size_t n;
          TORII_READ(up->sock, asio::buffer(up_in_.data() + up_end, up_in_.size() - up_end), n);
          if (ec || n == 0) {
            if ((ec == asio::error::eof || (!ec && n == 0)) && got_any && resp_parser_.finish()) {
              // Close-delimited body ended.
              resp_done = true;
              if (chunk_to_client) {
                bufs_.clear();
                bufs_.emplace_back("0\r\n\r\n", 5);
                (void)TORII_WRITE(sock_);
              }
              close_client = close_client || !chunk_to_client;
              break;
            }
            failed = true;
            break;
          }
          got_any = true;
          up_end += n;
          size_t off = 0;
          while (off < up_end && !resp_done) {
            auto pr = resp_parser_.parse(up_in_.data() + off, up_end - off);
            if (pr.error) {
              failed = true;
              break;
            }
            bufs_.clear();
            frames_.clear();
            frames_.reserve(64 + 2 * resp_parser_.head().trailers.bytes() +
                            4 * resp_parser_.head().trailers.slots());
            if (pr.headers_complete) {
              const http1::Head& rh = resp_parser_.head();
              if (rh.status >= 100 && rh.status < 200 && rh.status != 101) {
                // Interim response: 100 was handled locally; forward others (103) to HTTP/1.1
                // clients.
                if (rh.status != 100 && !client_10) {
                  buildClientHead(rh, false, false, false);
                  bufs_.emplace_back(out_.data(), out_.size());
                  countStatus(rh.status);
                  if (!TORII_WRITE(sock_)) {
                    keep = false;
                    goto request_done;
                  }
                }
                off += pr.consumed;
                continue;
              }
              if (retries_left > 0 && std::find(rir->retry->codes.begin(), rir->retry->codes.end(),
                                                rh.status) != rir->retry->codes.end()) {
                retry_on_status = true;
                failed = true;
                break;
              }
              const bool body_framed_by_us = rh.chunked || rh.close_delimited;
              chunk_to_client = body_framed_by_us && !client_10 && !is_head;
              if (body_framed_by_us && client_10) close_client = true;
              if (rh.status == 101) close_client = true;  // no upgrades yet: never reuse
              if (filters)
                applyHeaderModifier(resp_parser_.head().headers, filters->response_headers);
              if (rbackend)
                applyHeaderModifier(resp_parser_.head().headers, rbackend->response_headers);
              if (!cors_origin_.empty())
                addCorsResponseHeaders(resp_parser_.head().headers, *filters->cors, cors_origin_);
              buildClientHead(rh, chunk_to_client, close_client, client_10 && !close_client);
              bufs_.emplace_back(out_.data(), out_.size());
              countStatus(rh.status);
              response_started = true;
              setDeadline(o.idle_timeout);
            }
            if (!response_started) {
              off += pr.consumed;
              continue;
            }
            appendBody(bufs_, resp_parser_.body(), chunk_to_client, frames_);
            if (pr.message_complete) {
              resp_done = true;
              if (chunk_to_client) {
                size_t s = frames_.size();
                http1::appendLastChunk(frames_, &resp_parser_.head().trailers);
                bufs_.emplace_back(frames_.data() + s, frames_.size() - s);
              }
            }
            if (!bufs_.empty() && !TORII_WRITE(sock_)) {
              closeUp();
              {
                keep = false;
                goto request_done;
              }
            }
            setDeadline(o.idle_timeout);
            off += pr.consumed;
          }
          if (failed) break;
          // Keep unconsumed bytes (a partial head) at the front of the buffer.
          if (off < up_end) {
            if (resp_done) {
              // Bytes after a complete response: the connection is not reusable.
              resp_parser_.reset();
              up->requests = UINT32_MAX;
            } else {
              std::memmove(up_in_.data(), up_in_.data() + off, up_end - off);
            }
          }
          up_end = resp_done ? 0 : up_end - off;
          if (!resp_done && up_end == up_in_.size()) {
            failed = true;  // response head larger than the buffer
          }
        }

        if (failed) {
          const bool timed_out = timed_out_;
          closeUp();
          if (response_started) {
            keep = false;
            goto request_done;
          }  // cannot signal an error mid-body: close
          if (!got_any && reused && replayable && attempt == 0 && !timed_out) {
            Stats::inc(w_.stats.upstream_rq_retry);
            continue;  // stale pooled connection: once more on a fresh one
          }
          if (inference && !got_any && !timed_out && ipos + 1 < idec_.order.size() &&
              ipos + 1 < kInferenceAttempts) {
            // Failed before any response byte: the picker's next choice.
            ++ipos;
            ep = &cluster.endpoints[idec_.order[ipos]];
            inflight.set(cluster.pool->endpoints[idec_.order[ipos]].get());
            Stats::inc(w_.stats.inference_rq_fallback);
            continue;
          }
          if (retries_left > 0 && (retry_on_status || (!got_any && !timed_out))) {
            --retries_left;
            retry_on_status = true;
            Stats::inc(w_.stats.upstream_rq_retry);
            continue;
          }
          if (timed_out) {
            Stats::inc(w_.stats.upstream_rq_timeout);
            {
              keep = co_await localReply(504, "upstream response timeout",
                                         !request_done || !client_keep_alive);
              goto request_done;
            }
          }
          Stats::inc(w_.stats.upstream_rq_reset);
          {
            keep = co_await localReply(
                502, got_any ? "invalid upstream response" : "upstream connection reset",
                !request_done || !client_keep_alive);
            goto request_done;
          }
        }

        // ---- Done: recycle the upstream connection when it is clean. ----
        const http1::Head& rh = resp_parser_.head();
        if (rh.keep_alive && request_done && up->requests < o.upstream_max_requests &&
            !w_.draining) {
          active_up_ = nullptr;
          w_.pool.release(std::move(up));
        } else {
          closeUp();
        }
        active_up_ = nullptr;
        if (o.access_log) {
          if (inference) {
            log::info("{} \"{} {}\" {} -> {} pool={} model={} priority={} prefix_blocks={}",
                      client_ip_, h.method, h.target, rh.status, ep->text, cluster.pool->ir->name,
                      idec_.model, idec_.priority, idec_.prefix_matched_blocks);
          } else {
            log::info("{} \"{} {}\" {} -> {}", client_ip_, h.method, h.target, rh.status, ep->text);
          }
        }
        {
          keep = !close_client && request_done;
          goto request_done;
        }
      }
    }
  request_done:
    // A large buffered inference body does not stay allocated on an idle connection.
    if (ibody_.capacity() > 64 * 1024) std::string().swap(ibody_);
    if (idec_.body.capacity() > 64 * 1024) std::string().swap(idec_.body);
    if (!keep || close_after_ || w_.draining) co_return;
  }
}

void DownstreamConn::buildUpstreamHead(const http1::Head& h, std::string_view target,
                                       std::string_view host_override, bool chunked_body,
                                       int64_t content_length) {
  out_.clear();
  http1::beginRequest(out_, h.method, target);
  const HeaderMap& hm = h.headers;
  const bool conn_hdr = hasConnectionHeader(hm);
  std::string_view xff, request_id;
  bool host_written = false;
  for (size_t i = 0; i < hm.slots(); ++i) {
    if (!hm.live(i)) continue;
    std::string_view n = hm.name(i);
    if (isHopByHop(n)) continue;
    if (conn_hdr && namedByConnection(hm, n)) continue;
    switch (n.size()) {
      case 4:
        if (iequals(n, "host")) {
          host_written = true;
          if (!host_override.empty()) {
            http1::appendHeader(out_, "host", host_override);
            continue;
          }
        }
        break;
      case 6:
        if (iequals(n, "expect")) continue;  // 100-continue is answered here, not by the upstream
        break;
      case 14:
        if (content_length >= 0 && iequals(n, "content-length")) continue;  // re-added below
        break;
      case 12:
        if (iequals(n, "x-request-id")) request_id = hm.value(i);
        break;
      case 15:
        if (iequals(n, "x-forwarded-for")) {
          xff = hm.value(i);
          continue;  // re-added below with the client appended
        }
        break;
      case 17:
        if (iequals(n, "x-forwarded-proto")) continue;
        break;
      default:
        break;
    }
    http1::appendHeader(out_, n, hm.value(i));
  }
  if (!host_written) {
    http1::appendHeader(out_, "host",
                        host_override.empty() ? std::string_view(key_.address) : host_override);
  }
  out_.append("x-forwarded-for: ");
  if (!xff.empty()) {
    out_.append(xff);
    out_.append(", ");
  }
  out_.append(client_ip_);
  out_.append("\r\nx-forwarded-proto: http\r\n");
  if (request_id.empty()) {
    static const char* kHex = "0123456789abcdef";
    uint64_t a = w_.random(), b = w_.random();
    char id[36];
    int k = 0;
    for (int i = 0; i < 32; ++i) {
      if (i == 8 || i == 12 || i == 16 || i == 20) id[k++] = '-';
      uint64_t src = i < 16 ? a : b;
      id[k++] = kHex[(src >> ((i % 16) * 4)) & 0xf];
    }
    id[14] = '4';                // version 4
    id[19] = kHex[8 + (b & 3)];  // variant 10xx
    http1::appendHeader(out_, "x-request-id", std::string_view(id, 36));
  }
  if (chunked_body) out_.append("transfer-encoding: chunked\r\n");
  if (content_length >= 0)
    http1::appendHeader(out_, "content-length", std::to_string(content_length));
  http1::endHead(out_);
}

void DownstreamConn::buildClientHead(const http1::Head& resp, bool chunk, bool close,
                                     bool keep_alive_10) {
  out_.clear();
  http1::beginResponse(out_, resp.status, resp.reason);
  const HeaderMap& hm = resp.headers;
  const bool conn_hdr = hasConnectionHeader(hm);
  for (size_t i = 0; i < hm.slots(); ++i) {
    if (!hm.live(i)) continue;
    std::string_view n = hm.name(i);
    if (isHopByHop(n)) continue;
    if (conn_hdr && namedByConnection(hm, n)) continue;
    http1::appendHeader(out_, n, hm.value(i));
  }
  if (chunk) out_.append("transfer-encoding: chunked\r\n");
  if (close)
    out_.append("connection: close\r\n");
  else if (keep_alive_10)
    out_.append("connection: keep-alive\r\n");
  http1::endHead(out_);
}

void DownstreamConn::appendBody(std::vector<asio::const_buffer>& bufs,
                                const std::vector<std::string_view>& pieces, bool chunked,
                                std::string& frames) {
  size_t total = 0;
  for (auto p : pieces) total += p.size();
  if (total == 0) return;
  if (!chunked) {
    for (auto p : pieces) bufs.emplace_back(p.data(), p.size());
    return;
  }
  // frames must not reallocate after buffers point into it: reserve first.
  frames.reserve(frames.size() + 32);
  size_t start = frames.size();
  http1::appendChunkHeader(frames, total);
  bufs.emplace_back(frames.data() + start, frames.size() - start);
  for (auto p : pieces) bufs.emplace_back(p.data(), p.size());
  bufs.emplace_back("\r\n", 2);
}

}  // namespace torii::proxy
