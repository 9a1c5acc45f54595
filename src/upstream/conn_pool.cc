#include "upstream/conn_pool.h"

#include <arpa/inet.h>
#include <sys/socket.h>

#include <cerrno>

#include "net/read_readiness.h"

namespace torii::upstream {
namespace {

// True when the peer has not closed the connection and sent nothing unsolicited.
bool stillOpen(tcp::socket& s) {
  char c;
  ssize_t n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

awaitable<boost::system::error_code> connect(UpstreamConn& c, const sockaddr_in& addr,
                                             Stats& stats) {
  boost::system::error_code ec;
  tcp::endpoint ep(asio::ip::address_v4(ntohl(addr.sin_addr.s_addr)), ntohs(addr.sin_port));
  co_await c.sock.async_connect(ep, asio::redirect_error(asio::use_awaitable, ec));
  if (ec) {
    Stats::inc(stats.upstream_cx_connect_fail);
    co_return ec;
  }
  Stats::inc(stats.upstream_cx_total);
  Stats::add(stats.upstream_cx_active, 1);
  boost::system::error_code ignored;
  c.sock.set_option(tcp::no_delay(true), ignored);
  c.sock.non_blocking(true, ignored);
  net::enableReadHints(c.sock);
  co_return ec;
}

void close(UpstreamConn& c, Stats& stats) {
  boost::system::error_code ignored;
  c.sock.close(ignored);
  Stats::add(stats.upstream_cx_active, -1);
}

ConnPool::~ConnPool() { closeAll(); }

std::unique_ptr<UpstreamConn> ConnPool::acquire(uint64_t key, bool verify) {
  auto it = idle_.find(key);
  if (it == idle_.end()) return nullptr;
  auto& list = it->second;
  const auto now = now_;
  while (!list.empty()) {
    std::unique_ptr<UpstreamConn> c = std::move(list.back());
    list.pop_back();
    if (now - c->idle_since < idle_timeout_ && (!verify || stillOpen(c->sock))) return c;
    close(*c, stats_);
  }
  return nullptr;
}

void ConnPool::release(std::unique_ptr<UpstreamConn> conn) {
  conn->idle_since = now_;
  idle_[conn->key].push_back(std::move(conn));
}

void ConnPool::sweep(std::chrono::steady_clock::time_point now) {
  for (auto& [key, list] : idle_) {
    std::erase_if(list, [&](std::unique_ptr<UpstreamConn>& c) {
      if (now - c->idle_since < idle_timeout_) return false;
      close(*c, stats_);
      return true;
    });
  }
}

void ConnPool::closeAll() {
  for (auto& [key, list] : idle_) {
    for (auto& c : list) close(*c, stats_);
  }
  idle_.clear();
}

size_t ConnPool::idleCount() const {
  size_t n = 0;
  for (const auto& [k, l] : idle_) n += l.size();
  return n;
}

}  // namespace torii::upstream
