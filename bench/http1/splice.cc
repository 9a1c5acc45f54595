// torii-bench-splice: the cheapest proxy the HTTP/1.1 benchmark can put in front of the origin.
//
// Each accepted connection gets its own upstream connection; bytes are copied both ways as they
// come, with no HTTP parsing, no header rewriting and no pooling. Per request that is the same
// four system calls as a proxy that reads and writes each message once (read + write on each side)
// plus its share of epoll_wait, so it is a floor: a real proxy cannot do less work per request.
// bench/http1/run.py runs it as the target "splice" to tell whether a point ranks proxies at all:
// where the floor gets no more req/s than nginx, the harness (wrk + origin), not the proxy, bounds
// the point. It is a benchmark instrument, not part of Torii, and serves nothing but loopback.
//
// Usage: torii-bench-splice --listen PORT --upstream PORT [--workers N]
// One thread per worker, each with its own epoll set and its own SO_REUSEPORT listener on
// 127.0.0.1:PORT, like the proxies it is compared with. Runs until SIGTERM or SIGINT.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

namespace {

constexpr size_t kBuf = 64 * 1024;

std::atomic<bool> g_stop{false};

// One direction of a spliced pair: bytes read from `fd` wait in `buf` until written to the peer.
struct Side {
  int fd = -1;
  Side* peer = nullptr;
  char* buf = nullptr;
  size_t off = 0, len = 0;  // unsent bytes read from this side: buf[off, off+len)
  bool eof = false;         // this side sent FIN; the peer was shut down for writing
  bool wants_out = false;   // waiting for the peer to become writable
};

[[noreturn]] void die(const char* what) {
  std::fprintf(stderr, "torii-bench-splice: %s: %s\n", what, std::strerror(errno));
  std::exit(1);
}

int listener(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) die("socket");
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) die("bind");
  if (listen(fd, 4096) < 0) die("listen");
  return fd;
}

int connect_upstream(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  // Blocking connect on loopback: wrk opens its connections once, before the measured run.
  if (connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) < 0) {
    close(fd);
    return -1;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  return fd;
}

class Worker {
 public:
  Worker(int listen_port, int upstream_port) : upstream_port_(upstream_port) {
    ep_ = epoll_create1(EPOLL_CLOEXEC);
    if (ep_ < 0) die("epoll_create1");
    lfd_ = listener(listen_port);
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.ptr = nullptr;  // nullptr marks the listener
    epoll_ctl(ep_, EPOLL_CTL_ADD, lfd_, &ev);
  }

  void run() {
    epoll_event evs[256];
    while (!g_stop.load(std::memory_order_relaxed)) {
      int n = epoll_wait(ep_, evs, 256, 200);
      for (int i = 0; i < n; ++i) {
        auto* s = static_cast<Side*>(evs[i].data.ptr);
        if (s == nullptr) {
          accept_all();
          continue;
        }
        if (s->fd < 0) continue;  // closed earlier in this batch
        if (evs[i].events & EPOLLOUT) flush(s->peer);
        if (s->fd >= 0 && (evs[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR))) pump(s);
      }
      for (Side* s : dead_) {
        delete[] s->buf;
        delete s;
      }
      dead_.clear();
    }
  }

 private:
  void accept_all() {
    for (;;) {
      int c = accept4(lfd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (c < 0) return;
      int u = connect_upstream(upstream_port_);
      if (u < 0) {
        close(c);
        continue;
      }
      int one = 1;
      setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      setsockopt(u, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      auto* a = new Side{c, nullptr, new char[kBuf]};
      auto* b = new Side{u, a, new char[kBuf]};
      a->peer = b;
      watch(a, EPOLL_CTL_ADD);
      watch(b, EPOLL_CTL_ADD);
    }
  }

  // Interest of side `s`: read while nothing of it waits to be sent, write while the peer's bytes
  // wait for it.
  void watch(Side* s, int op) {
    epoll_event ev{};
    ev.events = (s->len == 0 && !s->eof ? EPOLLIN : 0) | (s->peer->wants_out ? EPOLLOUT : 0);
    ev.data.ptr = s;
    epoll_ctl(ep_, op, s->fd, &ev);
  }

  // Reads once from `s` and writes what came to the peer.
  void pump(Side* s) {
    ssize_t r = read(s->fd, s->buf, kBuf);
    if (r < 0) {
      if (errno == EAGAIN || errno == EINTR) return;
      return close_pair(s);
    }
    if (r == 0) {
      if (s->eof) return close_pair(s);  // hang-up reported again: both ways are done
      s->eof = true;
      shutdown(s->peer->fd, SHUT_WR);
      if (s->peer->eof) return close_pair(s);
      return watch(s, EPOLL_CTL_MOD);
    }
    s->off = 0;
    s->len = static_cast<size_t>(r);
    flush(s);
  }

  // Writes the unsent bytes read from `s` to its peer; on a short write, stops reading `s` and
  // waits for the peer to become writable.
  void flush(Side* s) {
    while (s->len > 0) {
      ssize_t w = write(s->peer->fd, s->buf + s->off, s->len);
      if (w < 0) {
        if (errno == EINTR) continue;
        if (errno != EAGAIN) return close_pair(s);
        if (!s->wants_out) {
          s->wants_out = true;
          watch(s, EPOLL_CTL_MOD);
          watch(s->peer, EPOLL_CTL_MOD);
        }
        return;
      }
      s->off += static_cast<size_t>(w);
      s->len -= static_cast<size_t>(w);
    }
    if (s->wants_out) {
      s->wants_out = false;
      watch(s, EPOLL_CTL_MOD);
      watch(s->peer, EPOLL_CTL_MOD);
    }
  }

  void close_pair(Side* s) {
    for (Side* x : {s, s->peer}) {
      if (x->fd < 0) continue;
      close(x->fd);  // also removes it from the epoll set
      x->fd = -1;
      dead_.push_back(x);
    }
  }

  int ep_ = -1, lfd_ = -1, upstream_port_;
  std::vector<Side*> dead_;
};

int port_arg(const char* v) {
  char* end = nullptr;
  long p = std::strtol(v, &end, 10);
  if (*end != '\0' || p <= 0 || p > 65535) {
    std::fprintf(stderr, "torii-bench-splice: bad port '%s'\n", v);
    std::exit(2);
  }
  return static_cast<int>(p);
}

}  // namespace

int main(int argc, char** argv) {
  int listen_port = 0, upstream_port = 0, workers = 1;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string f = argv[i];
    if (f == "--listen") {
      listen_port = port_arg(argv[i + 1]);
    } else if (f == "--upstream") {
      upstream_port = port_arg(argv[i + 1]);
    } else if (f == "--workers") {
      workers = std::atoi(argv[i + 1]);
    } else {
      break;
    }
  }
  if (listen_port == 0 || upstream_port == 0 || workers < 1 || argc % 2 == 0) {
    std::fprintf(stderr, "usage: torii-bench-splice --listen PORT --upstream PORT [--workers N]\n");
    return 2;
  }
  std::signal(SIGPIPE, SIG_IGN);
  struct sigaction sa {};
  sa.sa_handler = [](int) { g_stop.store(true); };
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);

  std::vector<Worker> ws;
  ws.reserve(static_cast<size_t>(workers));
  for (int i = 0; i < workers; ++i) ws.emplace_back(listen_port, upstream_port);
  std::vector<std::thread> ts;
  for (auto& w : ws) ts.emplace_back([&w] { w.run(); });
  for (auto& t : ts) t.join();
  return 0;
}
