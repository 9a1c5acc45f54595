#include "proxy/mirror.h"

#include <arpa/inet.h>

#include "common/log.h"
#include "http/http1/parser.h"

namespace torii::proxy {
namespace {

awaitable<void> runMirror(WorkerState& w, uint64_t key, sockaddr_in addr, std::string request) {
  boost::system::error_code ec;
  std::unique_ptr<upstream::UpstreamConn> up = w.pool.acquire(key, /*verify=*/true);
  const bool reused = up != nullptr;
  if (!up) {
    up = std::make_unique<upstream::UpstreamConn>(w.worker.io());
    up->key = key;
  }
  // One deadline for the whole exchange: connect, send, response.
  asio::steady_timer deadline(w.worker.io());
  deadline.expires_after(std::chrono::duration_cast<std::chrono::steady_clock::duration>(
      w.opts.connect_timeout + w.opts.response_timeout));
  tcp::socket* sock = &up->sock;
  deadline.async_wait([sock](const boost::system::error_code& e) {
    if (!e) {
      boost::system::error_code ignored;
      sock->cancel(ignored);
    }
  });
  if (!reused && co_await upstream::connect(*up, addr, w.stats)) {
    deadline.cancel();
    co_return;
  }
  ++up->requests;
  auto close = [&] { upstream::close(*up, w.stats); };
  co_await asio::async_write(up->sock, asio::buffer(request),
                             asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    close();
    deadline.cancel();
    co_return;
  }
  http1::Parser parser(http1::Parser::Type::kResponse);
  std::vector<char> buf(16 * 1024);
  bool done = false;
  while (!done) {
    size_t n = co_await up->sock.async_read_some(asio::buffer(buf),
                                                 asio::redirect_error(asio::use_awaitable, ec));
    if (ec || n == 0) break;
    size_t off = 0;
    while (off < n && !done) {
      auto r = parser.parse(buf.data() + off, n - off);
      if (r.error) break;
      off += r.consumed;
      // Interim responses are skipped; the final one ends the exchange.
      if (r.message_complete && parser.head().status >= 200) done = true;
      if (r.consumed == 0 && !r.message_complete) break;
    }
    if (!done && off < n) break;
  }
  deadline.cancel();
  if (done && parser.head().keep_alive && !w.draining) {
    w.pool.release(std::move(up));
  } else {
    close();
  }
}

}  // namespace

void startMirror(WorkerState& w, const config::ClusterEndpoint& ep, std::string request) {
  asio::co_spawn(w.worker.io(), runMirror(w, ep.key, ep.addr, std::move(request)), asio::detached);
}

}  // namespace torii::proxy
