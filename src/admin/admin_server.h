#pragma once
// Admin HTTP/1.1 server on the main thread's io_context: /ready, /metrics. Requests are routed to
// handlers registered by main(); the server knows no proxy internals.
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "event/asio.h"

namespace torii::admin {

struct Response {
  int status = 200;
  std::string content_type = "text/plain";
  std::string body;
};

class AdminServer {
 public:
  using Handler = std::function<Response(const std::string& method, const std::string& target)>;

  explicit AdminServer(asio::io_context& io) : io_(io) {}
  // Registers `path` (exact match on the path without query).
  void handle(std::string path, Handler h) { handlers_[std::move(path)] = std::move(h); }
  // Binds and starts accepting; returns an error message or "".
  std::string listen(const std::string& host, int port);
  void close();
  int boundPort() const { return bound_port_; }

 private:
  awaitable<void> acceptLoop();
  awaitable<void> serveConn(tcp::socket sock);

  asio::io_context& io_;
  std::unique_ptr<tcp::acceptor> acceptor_;
  std::map<std::string, Handler> handlers_;
  int bound_port_ = 0;
};

}  // namespace torii::admin
