#include "admin/admin_server.h"

#include "common/log.h"
#include "http/http1/writer.h"
#include "net/request_reader.h"

namespace torii::admin {

std::string AdminServer::listen(const std::string& host, int port) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) return "invalid admin address " + host;
  acceptor_ = std::make_unique<tcp::acceptor>(io_);
  tcp::endpoint ep(addr, uint16_t(port));
  acceptor_->open(ep.protocol(), ec);
  if (!ec) acceptor_->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_->bind(ep, ec);
  if (!ec) acceptor_->listen(128, ec);
  if (ec) return "admin " + host + ":" + std::to_string(port) + ": " + ec.message();
  bound_port_ = acceptor_->local_endpoint().port();
  asio::co_spawn(io_, acceptLoop(), asio::detached);
  return {};
}

void AdminServer::close() {
  if (acceptor_) {
    boost::system::error_code ec;
    acceptor_->close(ec);
  }
}

awaitable<void> AdminServer::acceptLoop() {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket sock =
        co_await acceptor_->async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (!acceptor_->is_open()) co_return;
      continue;
    }
    asio::co_spawn(io_, serveConn(std::move(sock)), asio::detached);
  }
}

awaitable<void> AdminServer::serveConn(tcp::socket sock) {
  net::RequestReader reader(16 * 1024);
  boost::system::error_code ec;
  for (;;) {
    std::string body;
    auto st = co_await reader.next(sock, &body, 1 << 20);
    if (st == net::RequestReader::Status::kError) {
      std::string out = reader.errorReply();
      co_await asio::async_write(sock, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      co_return;
    }
    if (st != net::RequestReader::Status::kComplete) co_return;
    const http1::Head& h = reader.head();
    std::string path = h.target.substr(0, h.target.find('?'));
    Response resp;
    auto it = handlers_.find(path);
    if (it == handlers_.end()) {
      resp = {404, "text/plain", "not found: " + path + "\n"};
    } else {
      resp = it->second(h.method, h.target);
    }
    std::string out;
    http1::localReply(out, resp.status, resp.body, !h.keep_alive, {}, resp.content_type,
                      h.method == "HEAD");
    co_await asio::async_write(sock, asio::buffer(out),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !h.keep_alive) co_return;
  }
}

}  // namespace torii::admin
