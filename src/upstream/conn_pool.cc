#include "upstream/conn_pool.h"

#include <sys/socket.h>

#include <cerrno>

namespace torii::upstream {
namespace {

// True when the peer has not closed the connection and sent nothing unsolicited.
bool stillOpen(tcp::socket& s) {
  char c;
  ssize_t n = ::recv(s.native_handle(), &c, 1, MSG_PEEK | MSG_DONTWAIT);
  return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace

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
    boost::system::error_code ec;
    c->sock.close(ec);
    Stats::add(stats_.upstream_cx_active, -1);
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
      boost::system::error_code ec;
      c->sock.close(ec);
      Stats::add(stats_.upstream_cx_active, -1);
      return true;
    });
  }
}

void ConnPool::closeAll() {
  for (auto& [key, list] : idle_) {
    for (auto& c : list) {
      boost::system::error_code ec;
      c->sock.close(ec);
      Stats::add(stats_.upstream_cx_active, -1);
    }
  }
  idle_.clear();
}

size_t ConnPool::idleCount() const {
  size_t n = 0;
  for (const auto& [k, l] : idle_) n += l.size();
  return n;
}

}  // namespace torii::upstream
