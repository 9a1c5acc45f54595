#include "proxy/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/ip/address.hpp>
#include <mutex>

#include "common/log.h"
#include "event/worker.h"
#include "proxy/downstream.h"
#include "proxy/worker_state.h"

namespace torii::proxy {
namespace {

using Clock = std::chrono::steady_clock;

// SO_REUSEPORT spreads connections over the workers' listeners by a hash of the 4-tuple, which is
// uneven for few long-lived connections: 64 keep-alive connections from one client land 25/39 or
// 27/37 on two workers, and the busier worker's connections wait ~1.5x longer. Like Envoy's
// exact_balance and HAProxy's per-thread accept queues, a worker that accepts a connection while it
// holds more than the least loaded worker plus one hands it over: the socket is released from this
// loop and re-created on the other's (one post per moved connection, nothing per request).
WorkerState* rebalanceTarget(WorkerState& w) {
  if (!w.opts.balance_connections || w.peers.size() < 2) return nullptr;
  WorkerState* best = &w;
  uint32_t best_load = w.load.load(std::memory_order_relaxed);
  const uint32_t own = best_load;
  for (WorkerState* p : w.peers) {
    uint32_t l = p->load.load(std::memory_order_relaxed);
    if (l < best_load) best = p, best_load = l;
  }
  return best != &w && own > best_load + 1 ? best : nullptr;
}

void startOn(WorkerState& w, tcp::socket sock, ListenerKey key);

void handOver(WorkerState& from, WorkerState& to, tcp::socket& sock, const ListenerKey& key) {
  boost::system::error_code ec;
  auto protocol = sock.local_endpoint(ec).protocol();
  if (ec) return startOn(from, std::move(sock), key);
  int fd = sock.release(ec);
  if (ec) return;  // still owned by `sock`, which closes it
  to.load.fetch_add(1, std::memory_order_relaxed);
  Stats::inc(from.stats.downstream_cx_rebalanced);
  to.worker.post([&to, fd, protocol, key] {
    to.load.fetch_sub(1, std::memory_order_relaxed);
    boost::system::error_code ec;
    tcp::socket s(to.worker.io());
    s.assign(protocol, fd, ec);
    if (ec) {
      ::close(fd);
      return;
    }
    if (to.draining) return;  // `s` closes it
    startOn(to, std::move(s), key);
  });
}

void startOn(WorkerState& w, tcp::socket sock, ListenerKey key) {
  if (w.conn_count >= w.opts.max_connections_per_worker) {
    Stats::inc(w.stats.downstream_cx_overflow);
    boost::system::error_code ec;
    sock.close(ec);
    return;
  }
  DownstreamConn::start(w, std::move(sock), std::move(key));
}

awaitable<void> acceptLoop(WorkerState& w, tcp::acceptor& acc, ListenerKey key) {
  for (;;) {
    boost::system::error_code ec;
    tcp::socket sock = co_await acc.async_accept(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      if (ec == asio::error::operation_aborted || !acc.is_open()) co_return;
      // EMFILE and friends: back off briefly instead of spinning.
      log::warn("accept on {}:{} failed: {}", key.address, key.port, ec.message());
      asio::steady_timer t(w.worker.io(), std::chrono::milliseconds(50));
      co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    Stats::inc(w.stats.downstream_cx_total);
    if (WorkerState* to = rebalanceTarget(w)) {
      handOver(w, *to, sock, key);
      continue;
    }
    startOn(w, std::move(sock), key);
  }
}

// Opens one SO_REUSEPORT listener on the worker's loop; returns an error message or "".
std::string openListener(WorkerState& w, const config::ListenerConfig& l) {
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(l.address, ec);
  if (ec) return "invalid address";
  auto acc = std::make_unique<tcp::acceptor>(w.worker.io());
  tcp::endpoint ep(addr, uint16_t(l.bind_port));
  acc->open(ep.protocol(), ec);
  if (!ec) acc->set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) {
    int one = 1;
    if (::setsockopt(acc->native_handle(), SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0) {
      return "SO_REUSEPORT failed";
    }
  }
  if (!ec) acc->bind(ep, ec);
  if (!ec) acc->listen(4096, ec);
  if (ec) {
    return l.bind_port != l.port
               ? ec.message() + " (bound port " + std::to_string(l.bind_port) + ")"
               : ec.message();
  }
  ListenerKey key{l.address, l.port};
  tcp::acceptor& ref = *acc;
  w.acceptors[key] = std::move(acc);
  asio::co_spawn(w.worker.io(), acceptLoop(w, ref, key), asio::detached);
  return {};
}

awaitable<void> tickLoop(WorkerState& w) {
  asio::steady_timer t(w.worker.io());
  for (;;) {
    t.expires_after(std::chrono::milliseconds(100));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return;
    auto now = Clock::now();
    w.now = now;
    for (DownstreamConn* c = w.conns; c;) {
      DownstreamConn* next = c->next;  // onTick only cancels I/O; it never destroys the connection
      c->onTick(now);
      c = next;
    }
    w.pool.sweep(now);
  }
}

}  // namespace

Server::Server(ProxyOptions opts, int workers) : opts_(opts) {
  for (int i = 0; i < workers; ++i) {
    stats_.push_back(std::make_unique<Stats>());
    workers_.push_back(std::make_unique<event::Worker>(i));
    states_.push_back(std::make_unique<WorkerState>(*workers_.back(), opts_, *stats_.back()));
    states_.back()->rng ^=
        uint64_t(i + 1) * 0x2545F4914F6CDD1Dull ^ uint64_t(Clock::now().time_since_epoch().count());
  }
  for (auto& st : states_) {
    for (auto& peer : states_) st->peers.push_back(peer.get());
  }
}

void Server::postToWorkers(std::function<void(WorkerState&)> fn) {
  auto shared = std::make_shared<std::function<void(WorkerState&)>>(std::move(fn));
  for (auto& st : states_) {
    WorkerState* w = st.get();
    w->worker.post([w, shared] { (*shared)(*w); });
  }
}

Server::~Server() { stop(); }

void Server::start() {
  for (size_t i = 0; i < workers_.size(); ++i) {
    WorkerState* w = states_[i].get();
    workers_[i]->start();
    workers_[i]->post([w] { asio::co_spawn(w->worker.io(), tickLoop(*w), asio::detached); });
  }
}

void Server::publish(std::shared_ptr<const config::Snapshot> snapshot,
                     std::function<void(std::vector<ListenerError>)> done) {
  struct Join {
    std::mutex mu;
    size_t remaining;
    std::vector<ListenerError> errors;
    std::function<void(std::vector<ListenerError>)> done;
  };
  auto join = std::make_shared<Join>();
  join->remaining = states_.size();
  join->done = std::move(done);
  for (auto& st : states_) {
    WorkerState* w = st.get();
    w->worker.post([w, snapshot, join] {
      std::vector<ListenerError> errors;
      if (!w->draining) {
        // Close listeners the new snapshot no longer names, open the new ones.
        for (auto it = w->acceptors.begin(); it != w->acceptors.end();) {
          bool keep = false;
          for (const auto& l : snapshot->listeners)
            keep |= (l.address == it->first.address && l.port == it->first.port);
          if (keep) {
            ++it;
          } else {
            boost::system::error_code ec;
            it->second->close(ec);
            it = w->acceptors.erase(it);
          }
        }
        for (const auto& l : snapshot->listeners) {
          if (w->acceptors.count(ListenerKey{l.address, l.port})) continue;
          std::string err = openListener(*w, l);
          if (!err.empty()) errors.push_back({l.address, l.port, err});
        }
      }
      w->snapshot = snapshot;
      std::lock_guard<std::mutex> lock(join->mu);
      if (w->worker.index() == 0)
        join->errors.insert(join->errors.end(), errors.begin(), errors.end());
      if (--join->remaining == 0 && join->done) join->done(std::move(join->errors));
    });
  }
}

void Server::drain(std::function<void()> done) {
  struct Join {
    std::mutex mu;
    size_t remaining;
    std::function<void()> done;
  };
  auto join = std::make_shared<Join>();
  join->remaining = states_.size();
  join->done = std::move(done);
  const auto deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(opts_.drain_timeout);
  for (auto& st : states_) {
    WorkerState* w = st.get();
    w->worker.post([w, join, deadline] {
      w->draining = true;
      for (auto& [key, acc] : w->acceptors) {
        boost::system::error_code ec;
        acc->close(ec);
      }
      w->acceptors.clear();
      for (DownstreamConn* c = w->conns; c; c = c->next) c->drain();
      w->pool.closeAll();
      // Poll until the connections are gone or the deadline passes.
      asio::co_spawn(
          w->worker.io(),
          [w, join, deadline]() -> awaitable<void> {
            asio::steady_timer t(w->worker.io());
            while (w->conn_count > 0 && Clock::now() < deadline) {
              t.expires_after(std::chrono::milliseconds(20));
              boost::system::error_code ec;
              co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
            }
            std::lock_guard<std::mutex> lock(join->mu);
            if (--join->remaining == 0 && join->done) join->done();
          },
          asio::detached);
    });
  }
}

void Server::stop() {
  for (auto& w : workers_) w->stop();
  // Loops are stopped. Close the worker-owned sockets while their io_contexts still exist, then
  // destroy the io_contexts (which destroys the suspended connection coroutines; their destructors
  // unlink from WorkerState, so the states go last).
  for (auto& st : states_) {
    st->acceptors.clear();
    st->pool.closeAll();
  }
  workers_.clear();
  states_.clear();
}

std::vector<const Stats*> Server::stats() const {
  std::vector<const Stats*> out;
  for (const auto& s : stats_) out.push_back(s.get());
  return out;
}

}  // namespace torii::proxy
