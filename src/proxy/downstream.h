#pragma once
// DownstreamConn: one client connection speaking HTTP/1.1. Reads requests one at a time
// (pipelined requests wait in the buffer), routes each on the snapshot current at its start,
// forwards it upstream and streams the response back with back-pressure in both directions.
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "event/asio.h"
#include "http/http1/parser.h"
#include "proxy/inference_pick.h"
#include "proxy/worker_state.h"

namespace torii::proxy {

class DownstreamConn {
 public:
  DownstreamConn(WorkerState& w, tcp::socket sock, ListenerKey key);
  ~DownstreamConn();

  // Spawns the connection's coroutine on the worker; the coroutine owns the connection.
  static void start(WorkerState& w, tcp::socket sock, ListenerKey key);

  // Called by the worker tick: enforces the current deadline by cancelling pending I/O.
  void onTick(std::chrono::steady_clock::time_point now);
  // Called when the worker starts draining: an idle keep-alive connection is closed now, a busy one
  // after its current response.
  void drain();

  DownstreamConn* prev = nullptr;
  DownstreamConn* next = nullptr;

 private:
  enum class Phase { kIdle, kHead, kBusy };
  static awaitable<void> run(std::unique_ptr<DownstreamConn> self);
  awaitable<void> serve();
  // Answers locally. `raw`: send `body` as is (else a newline is appended to the text message).
  awaitable<bool> localReply(int status, std::string_view body, bool close,
                             std::string_view content_type = "text/plain",
                             std::string_view extra_headers = {}, bool raw = false);
  void setDeadline(std::chrono::nanoseconds d);
  void countStatus(int status);
  // `content_length` >= 0: send that Content-Length instead of the client's (a buffered body).
  void buildUpstreamHead(const http1::Head& h, std::string_view target,
                         std::string_view host_override, bool chunked_body,
                         int64_t content_length = -1);
  void buildClientHead(const http1::Head& resp, bool chunk, bool close, bool keep_alive_10);
  void appendBody(std::vector<asio::const_buffer>& bufs,
                  const std::vector<std::string_view>& pieces, bool chunked,
                  std::string& frame_storage);

  WorkerState& w_;
  tcp::socket sock_;
  ListenerKey key_;
  std::string client_ip_;
  http1::Parser parser_;
  http1::Parser resp_parser_;
  std::vector<char> in_;
  size_t in_begin_ = 0, in_end_ = 0;
  std::vector<char> up_in_;
  std::string out_;          // serialised heads
  std::string rewritten_;    // request target after a URLRewrite
  std::string cors_origin_;  // allowed Origin of the current request, for the CORS response fields
  std::string frames_;       // chunk framing for one gather write
  std::vector<asio::const_buffer> bufs_;
  std::string coalesce_;    // small gather writes copied into one buffer
  std::string ibody_;       // an InferencePool request's buffered body
  InferenceDecision idec_;  // the endpoint picker's decision for the current request
  // The listener's config in the snapshot it was last looked up in; holding the snapshot keeps
  // the pointer valid (an idle connection may keep an old snapshot alive until its next request).
  std::shared_ptr<const config::Snapshot> listener_snapshot_;
  const config::ListenerConfig* listener_ = nullptr;
  upstream::UpstreamConn* active_up_ = nullptr;  // for cancellation by the tick
  std::chrono::steady_clock::time_point deadline_ = std::chrono::steady_clock::time_point::max();
  Phase phase_ = Phase::kIdle;
  bool timed_out_ = false;
  bool close_after_ = false;
  uint64_t served_ = 0;
};

}  // namespace torii::proxy
