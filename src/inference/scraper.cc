#include "inference/scraper.h"

#include <chrono>
#include <string>

#include "common/log.h"
#include "http/http1/parser.h"

namespace torii::inference {

namespace {
constexpr auto kScrapeTimeout = std::chrono::seconds(1);
constexpr size_t kMaxMetricsBytes = 8 * 1024 * 1024;
}  // namespace

struct Scraper::State {
  Publish publish;
  bool stopped = false;
  std::set<std::pair<uint64_t, uint64_t>> endpoints;  // (pool id, endpoint key) being scraped
  std::set<uint64_t> pools;                           // pool ids being published
};

Scraper::Scraper(asio::io_context& io, Publish publish)
    : io_(io), state_(std::make_shared<State>()) {
  state_->publish = std::move(publish);
}

Scraper::~Scraper() { stop(); }

void Scraper::stop() { state_->stopped = true; }

void Scraper::sync(const Registry& registry) {
  for (const auto& [name, rt] : registry.pools()) {
    if (state_->pools.insert(rt->id).second) {
      asio::co_spawn(io_, publishLoop(state_, rt), asio::detached);
    }
    for (const auto& [key, ep] : rt->endpoints) {
      if (state_->endpoints.insert({rt->id, key}).second) {
        asio::co_spawn(io_, endpointLoop(state_, rt, ep), asio::detached);
      }
    }
  }
}

awaitable<void> Scraper::publishLoop(std::shared_ptr<State> st, std::weak_ptr<PoolRuntime> pool) {
  asio::steady_timer timer(co_await asio::this_coro::executor);
  uint64_t id = 0;
  for (;;) {
    auto rt = pool.lock();
    if (!rt || !rt->live || st->stopped) break;
    id = rt->id;
    st->publish(*rt, std::make_shared<const MetricsRound>(rt->metrics));
    timer.expires_after(std::chrono::milliseconds(rt->scrape_interval_ms));
    rt.reset();
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  st->pools.erase(id);
}

awaitable<void> Scraper::endpointLoop(std::shared_ptr<State> st, std::weak_ptr<PoolRuntime> pool,
                                      std::weak_ptr<EndpointRuntime> endpoint) {
  auto ex = co_await asio::this_coro::executor;
  asio::steady_timer timer(ex);
  tcp::socket sock(ex);
  http1::Parser parser(http1::Parser::Type::kResponse, {64 * 1024, 200});
  std::vector<char> buf(64 * 1024);
  std::string body;
  uint64_t pool_id = 0, key = 0;
  std::string request;
  int failures_logged = 0;
  for (;;) {
    int64_t interval = 50;
    {
      auto rt = pool.lock();
      auto ep = endpoint.lock();
      if (!rt || !ep || !rt->live || st->stopped) break;
      auto it = rt->endpoints.find(ep->key);
      if (it == rt->endpoints.end() || it->second != ep) break;  // left the pool
      pool_id = rt->id;
      key = ep->key;
      interval = rt->scrape_interval_ms;
      if (request.empty()) {
        request = "GET /metrics HTTP/1.1\r\nHost: " + ep->text +
                  "\r\nUser-Agent: torii-scraper\r\nAccept: text/plain\r\n\r\n";
      }
    }
    const auto started = std::chrono::steady_clock::now();
    // One scrape: (re)connect when needed, send the request, read the whole response; the timer
    // closes the socket if it takes longer than kScrapeTimeout.
    bool ok = false;
    std::string error;
    {
      bool timed_out = false;
      asio::steady_timer guard(ex);
      guard.expires_after(kScrapeTimeout);
      // `armed` is cleared before this block ends, so a handler that already fired but runs late
      // never touches the (then dead) locals.
      auto armed = std::make_shared<bool>(true);
      guard.async_wait([armed, &timed_out, &sock](const boost::system::error_code& ec) {
        if (ec || !*armed) return;
        timed_out = true;
        boost::system::error_code ignored;
        sock.close(ignored);
      });
      boost::system::error_code ec;
      if (!sock.is_open()) {
        sockaddr_in addr{};
        {
          auto ep = endpoint.lock();
          if (ep) addr = ep->addr;
        }
        tcp::endpoint target(asio::ip::address_v4(ntohl(addr.sin_addr.s_addr)),
                             ntohs(addr.sin_port));
        co_await sock.async_connect(target, asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) sock.set_option(tcp::no_delay(true), ec);
      }
      if (!ec) {
        co_await asio::async_write(sock, asio::buffer(request),
                                   asio::redirect_error(asio::use_awaitable, ec));
      }
      parser.reset();
      body.clear();
      bool done = false;
      while (!ec && !done) {
        size_t n = co_await sock.async_read_some(asio::buffer(buf),
                                                 asio::redirect_error(asio::use_awaitable, ec));
        if (ec) {
          if (ec == asio::error::eof && parser.finish()) {
            done = true;
            ec = {};
          }
          break;
        }
        auto r = parser.parse(buf.data(), n);
        if (r.error) {
          error = "invalid HTTP response";
          break;
        }
        for (auto piece : parser.body()) body.append(piece);
        if (body.size() > kMaxMetricsBytes) {
          error = "response larger than 8 MiB";
          break;
        }
        if (r.message_complete) done = true;
      }
      *armed = false;
      guard.cancel();
      if (done && parser.head().status == 200) {
        ok = true;
      } else if (error.empty()) {
        error = timed_out ? "timeout"
                : ec      ? ec.message()
                          : "status " + std::to_string(parser.head().status);
      }
      if (!done || !parser.head().keep_alive) {
        boost::system::error_code ignored;
        sock.close(ignored);
      }
    }
    {
      auto rt = pool.lock();
      auto ep = endpoint.lock();
      if (!rt || !ep || !rt->live || st->stopped) break;
      EndpointMetrics m;
      if (ok) {
        auto parsed = extractMetrics(ep->engine, body);
        if (parsed) {
          m = std::move(*parsed);
          m.ok = true;
        } else {
          error = parsed.error();
          ok = false;
        }
      }
      if (ok) {
        m.updated_ms = steadyNowMs();
        m.inflight_at_scrape = ep->inflight.load(std::memory_order_relaxed);
        rt->metrics.by_key[key] = std::move(m);
        failures_logged = 0;
      } else {
        ep->scrape_failures.fetch_add(1, std::memory_order_relaxed);
        // Keep the last good values: their age makes them stale for the picker.
        if (failures_logged++ == 0) {
          log::warn("inference: scrape of {} ({}) failed: {}", ep->text, rt->name, error);
        }
      }
    }
    // Next scrape one interval after this one started (at least 1 ms later).
    auto next = started + std::chrono::milliseconds(interval);
    if (!ok) next = started + std::chrono::milliseconds(std::max<int64_t>(interval, 200));
    timer.expires_at(
        std::max(next, std::chrono::steady_clock::now() + std::chrono::milliseconds(1)));
    boost::system::error_code ec;
    co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
  boost::system::error_code ignored;
  sock.close(ignored);
  st->endpoints.erase({pool_id, key});
}

}  // namespace torii::inference
