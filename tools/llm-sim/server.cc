#include "server.h"

#include <array>
#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <cstring>
#include <unordered_map>

#include "common/strings.h"
#include "engine.h"
#include "event/asio.h"
#include "http/http1/parser.h"
#include "http/http1/writer.h"
#include "net/request_reader.h"

namespace torii::llmsim {

namespace {

constexpr size_t kMaxBody = 32 * 1024 * 1024;

int64_t unixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

struct Reply {
  int status = 200;
  std::string content_type;
  std::string body;
};

Reply jsonReply(int status, std::string body) {
  return Reply{status, "application/json", std::move(body)};
}
Reply errorReply(int status, std::string_view message) {
  return jsonReply(status, errorBody(status, message));
}

class SimServer {
 public:
  SimServer(asio::io_context& io, const Options& opts) : io_(io), opts_(opts), engine_(opts) {
    if (!opts.pod_name.empty()) {
      identity_headers_.emplace_back("x-inference-pod", opts.pod_name);
      identity_headers_.emplace_back("x-inference-port", std::to_string(opts.port));
    }
    if (!opts.pod_namespace.empty())
      identity_headers_.emplace_back("x-inference-namespace", opts.pod_namespace);
  }

  awaitable<void> acceptLoop(tcp::acceptor& acc) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acc.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acc.is_open()) co_return;
        continue;
      }
      s.set_option(tcp::no_delay(true), ec);  // SSE chunks are small and latency is the point
      asio::co_spawn(io_, serve(std::move(s)), asio::detached);
    }
  }

 private:
  // Per-completion state shared by the request's coroutine and its client watcher. The request
  // sleeps on `timer` (in the queue, during prefill, between tokens); the engine starting it or
  // the client going away cancels the timer to wake it early.
  struct RequestCtx {
    explicit RequestCtx(asio::io_context& io)
        : timer(io), watch_done(io, asio::steady_timer::time_point::max()) {}
    asio::steady_timer timer;
    asio::steady_timer watch_done;
    bool started = false;   // left the waiting queue
    bool gone = false;      // the client closed its connection
    bool watching = false;  // watchClient is running
    std::string pipelined;  // bytes of a next request the watcher read
    std::array<char, 4096> buf;
  };

  void appendHead(std::string& out, int status, std::string_view content_type, bool keep_alive) {
    http1::beginResponse(out, status);
    if (!content_type.empty()) http1::appendHeader(out, "Content-Type", content_type);
    for (const auto& [n, v] : identity_headers_) http1::appendHeader(out, n, v);
    if (!keep_alive) http1::appendHeader(out, "Connection", "close");
  }

  awaitable<bool> write(tcp::socket& sock, const std::string& out) {
    boost::system::error_code ec;
    co_await asio::async_write(sock, asio::buffer(out),
                               asio::redirect_error(asio::use_awaitable, ec));
    co_return !ec;
  }

  awaitable<bool> sendReply(tcp::socket& sock, const Reply& r, bool keep_alive, bool head_only) {
    std::string out;
    appendHead(out, r.status, r.content_type, keep_alive);
    http1::appendHeader(out, "Content-Length", std::to_string(r.body.size()));
    http1::endHead(out);
    if (!head_only) out += r.body;
    co_return co_await write(sock, out);
  }

  // Sleeps `d` unless the client goes away first.
  awaitable<void> sleepFor(RequestCtx& ctx, Nanos d) {
    if (d.count() <= 0 || ctx.gone) co_return;
    ctx.timer.expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(d));
    boost::system::error_code ec;
    co_await ctx.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  // Reads while a completion is in progress, only to notice a client that hangs up: vLLM aborts
  // such a request and frees its slot, and a gateway that times out and retries relies on that.
  // Bytes of a pipelined next request end the watch and are handed back to the parser.
  awaitable<void> watchClient(tcp::socket& sock, RequestCtx& ctx) {
    boost::system::error_code ec;
    size_t n = co_await sock.async_read_some(asio::buffer(ctx.buf),
                                             asio::redirect_error(asio::use_awaitable, ec));
    if (n > 0) {
      ctx.pipelined.append(ctx.buf.data(), n);
    } else if (ec != asio::error::operation_aborted) {
      ctx.gone = true;
      ctx.timer.cancel();
    }
    ctx.watching = false;
    ctx.watch_done.cancel();
  }

  awaitable<void> stopWatch(tcp::socket& sock, RequestCtx& ctx) {
    if (!ctx.watching) co_return;
    boost::system::error_code ec;
    sock.cancel(ec);
    while (ctx.watching)
      co_await ctx.watch_done.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  // The engine freed slots: wake the coroutines of the jobs it started.
  void wake(const std::vector<uint64_t>& started) {
    for (uint64_t id : started) {
      auto it = waiters_.find(id);
      if (it == waiters_.end()) continue;
      it->second->started = true;
      it->second->timer.cancel();
    }
  }

  awaitable<void> serve(tcp::socket sock) {
    net::RequestReader reader;
    for (;;) {
      std::string body;
      auto st = co_await reader.next(sock, &body, kMaxBody);
      if (st == net::RequestReader::Status::kError) {
        co_await write(sock, reader.errorReply());
        co_return;
      }
      if (st != net::RequestReader::Status::kComplete) co_return;
      const bool too_large = reader.bodyTooLarge();
      const http1::Head& h = reader.head();
      bool keep_alive = h.keep_alive;
      std::string path = h.target.substr(0, h.target.find('?'));
      if (too_large) {
        co_await sendReply(sock, errorReply(413, "request body too large"), false, false);
        co_return;
      }
      bool ok;
      if (h.method == "POST" && (path == "/v1/chat/completions" || path == "/v1/completions")) {
        std::string pipelined;
        ok = co_await completion(sock,
                                 path == "/v1/chat/completions" ? Api::kChat : Api::kCompletion,
                                 body, keep_alive, pipelined);
        if (!pipelined.empty()) reader.append(pipelined);  // the watcher read ahead
      } else {
        ok = co_await sendReply(sock, route(h.method, path, body), keep_alive, h.method == "HEAD");
      }
      if (!ok || !keep_alive) co_return;
    }
  }

  // Everything but completions: small synchronous answers.
  Reply route(const std::string& method, const std::string& path, const std::string& body) {
    bool get = method == "GET" || method == "HEAD";
    if (path == "/health" || path == "/health/ready") {
      return get ? Reply{200, "", ""} : errorReply(405, "method not allowed");
    }
    if (path == "/v1/models") {
      return get ? jsonReply(200, modelsBody(engine_.models(), unixSeconds(), opts_.max_model_len))
                 : errorReply(405, "method not allowed");
    }
    if (path == "/metrics") {
      return get ? Reply{200, "text/plain; version=0.0.4; charset=utf-8", engine_.metricsText()}
                 : errorReply(405, "method not allowed");
    }
    if (path == "/v1/load_lora_adapter" || path == "/v1/unload_lora_adapter") {
      if (method != "POST") return errorReply(405, "method not allowed");
      auto req = parseLoraAdapterRequest(body);
      if (!req) return errorReply(400, req.error());
      if (path == "/v1/load_lora_adapter") {
        if (engine_.loras().find(req->name)) {
          return errorReply(400, "The lora adapter '" + req->name + "' has already been loaded.");
        }
        std::string name = req->name;
        engine_.loras().registerAdapter(*req);
        return Reply{200, "text/plain; charset=utf-8",
                     "Success: LoRA adapter '" + name + "' added successfully."};
      }
      if (!engine_.loras().find(req->name)) {
        return errorReply(404, "The lora adapter '" + req->name + "' cannot be found.");
      }
      if (!engine_.loras().unregisterAdapter(req->name)) {
        return errorReply(400, "The lora adapter '" + req->name + "' is in use.");
      }
      return Reply{200, "text/plain; charset=utf-8",
                   "Success: LoRA adapter '" + req->name + "' removed successfully."};
    }
    if (path == "/v1/chat/completions" || path == "/v1/completions")
      return errorReply(405, "method not allowed");
    return errorReply(404, "not found: " + path);
  }

  // One completion from admission to the last byte. Returns false when the connection is done.
  // Bytes of a pipelined next request read meanwhile are appended to `pipelined`.
  awaitable<bool> completion(tcp::socket& sock, Api api, const std::string& body, bool keep_alive,
                             std::string& pipelined) {
    auto req = parseCompletionRequest(body, api);
    if (!req) co_return co_await sendReply(sock, errorReply(400, req.error()), keep_alive, false);
    auto prepared = engine_.prepare(*req, api);
    if (auto* e = std::get_if<ApiError>(&prepared)) {
      co_return co_await sendReply(sock, errorReply(e->status, e->message), keep_alive, false);
    }
    Job job = std::move(std::get<Job>(prepared));
    auto admission = engine_.submit(job, std::chrono::steady_clock::now());
    if (admission == Scheduler::Admission::kRejected) {
      co_return co_await sendReply(sock, errorReply(429, "the waiting queue is full"), keep_alive,
                                   false);
    }
    RequestCtx ctx(io_);
    ctx.started = admission == Scheduler::Admission::kStarted;
    ctx.watching = true;
    asio::co_spawn(io_, watchClient(sock, ctx), asio::detached);
    ResponseMeta meta{api, (api == Api::kChat ? "chatcmpl-" : "cmpl-") + std::to_string(job.id),
                      unixSeconds(), job.model};
    bool completed = co_await generate(sock, ctx, job, meta, keep_alive);
    wake(engine_.finish(job, completed, std::chrono::steady_clock::now()));
    co_await stopWatch(sock, ctx);
    pipelined += ctx.pipelined;
    if (!completed) co_return false;

    if (!job.stream) {
      co_return co_await sendReply(
          sock, jsonReply(200, completionBody(meta, job_text(job), job.finish_reason, job.usage())),
          keep_alive, false);
    }
    std::string tail;
    if (job.include_usage) tail += usageChunk(meta, job.usage());
    tail += kDoneEvent;
    std::string out;
    http1::appendChunkHeader(out, tail.size());
    out += tail;
    out += "\r\n";
    http1::appendLastChunk(out);
    co_return co_await write(sock, out);
  }

  static std::string job_text(const Job& job) {
    std::string text;
    for (const auto& t : job.output) text += t;
    return text;
  }

  // Waits for a slot, then paces the tokens (streaming them as SSE chunks). Returns false when
  // the client went away; the caller releases the job either way.
  awaitable<bool> generate(tcp::socket& sock, RequestCtx& ctx, Job& job, const ResponseMeta& meta,
                           bool keep_alive) {
    if (job.stream) {
      // Like vLLM, the head goes out at once, so a client can tell "admitted" from "refused"
      // while the request still waits for a slot.
      std::string out;
      appendHead(out, 200, "text/event-stream", keep_alive);
      http1::appendHeader(out, "Cache-Control", "no-cache");
      http1::appendHeader(out, "Transfer-Encoding", "chunked");
      http1::endHead(out);
      if (!co_await write(sock, out)) co_return false;
    }
    if (!ctx.started) {
      waiters_[job.id] = &ctx;
      ctx.timer.expires_at(asio::steady_timer::time_point::max());
      boost::system::error_code ec;
      while (!ctx.started && !ctx.gone) {
        co_await ctx.timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      }
      waiters_.erase(job.id);
      if (!ctx.started) co_return false;
    }
    co_await sleepFor(ctx, engine_.startPrefill(job, std::chrono::steady_clock::now()));
    job.first_token_at = std::chrono::steady_clock::now();
    size_t n = job.output.size();
    for (size_t i = 0; i < n; ++i) {
      if (ctx.gone) co_return false;
      if (i > 0) {
        Nanos d = engine_.nextTokenDelay();
        co_await sleepFor(ctx, d);
        if (ctx.gone) co_return false;
        engine_.recordInterToken(job, d);
      }
      if (!job.stream) continue;
      std::string_view finish =
          i + 1 == n ? std::string_view(job.finish_reason) : std::string_view();
      if (!co_await writeChunk(sock, streamChunk(meta, job.output[i], i == 0, finish)))
        co_return false;
    }
    co_return !ctx.gone;
  }

  awaitable<bool> writeChunk(tcp::socket& sock, const std::string& data) {
    std::string out;
    http1::appendChunkHeader(out, data.size());
    out += data;
    out += "\r\n";
    co_return co_await write(sock, out);
  }

  asio::io_context& io_;
  const Options& opts_;
  Engine engine_;
  std::vector<std::pair<std::string, std::string>> identity_headers_;
  std::unordered_map<uint64_t, RequestCtx*> waiters_;
};

}  // namespace

int runServer(const Options& opts) {
  asio::io_context io{1};
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(opts.host, ec);
  if (ec) {
    std::fprintf(stderr, "torii-llm-sim: invalid address '%s'\n", opts.host.c_str());
    return 2;
  }
  tcp::acceptor acc(io);
  tcp::endpoint ep(addr, uint16_t(opts.port));
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(1024, ec);
  if (ec) {
    std::fprintf(stderr, "torii-llm-sim: listen %s:%d: %s\n", opts.host.c_str(), opts.port,
                 ec.message().c_str());
    return 1;
  }
  std::fprintf(stderr,
               "torii-llm-sim: model %s listening on %s:%d (max-num-seqs %d, kv-cache %s)\n",
               opts.model.c_str(), opts.host.c_str(), opts.port, opts.max_num_seqs,
               opts.enable_kvcache ? "on" : "off");
  SimServer server(io, opts);
  asio::co_spawn(io, server.acceptLoop(acc), asio::detached);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  io.run();
  return 0;
}

}  // namespace torii::llmsim
