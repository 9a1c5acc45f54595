// torii: the command line (DESIGN.md §4): `torii run|validate|status|version`.
#include <arpa/inet.h>
#include <malloc.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <functional>
#include <optional>
#include <set>
#include <thread>
#include <utility>

#include "admin/admin_server.h"
#include "common/alternating_threads.h"
#include "common/log.h"
#include "common/strings.h"
#include "config/address_pool.h"
#include "config/snapshot.h"
#include "config/status.h"
#include "config/store.h"
#include "config/translator.h"
#include "event/asio.h"
#include "inference/pool_runtime.h"
#include "inference/scraper.h"
#include "providers/file_provider.h"
#include "proxy/inference_pick.h"
#include "proxy/server.h"
#include "proxy/worker_state.h"

using namespace torii;

namespace {

constexpr const char* kVersion = "0.1.0";

void usage(FILE* f) {
  std::fprintf(
      f,
      "usage: torii run --config DIR [--config DIR...] [options]\n"
      "       torii validate --config DIR [--config DIR...] [--address-pool CIDR]\n"
      "       torii status [--admin ADDR:PORT]\n"
      "       torii version\n"
      "\n"
      "run options:\n"
      "  --admin ADDR:PORT               admin API address (default 127.0.0.1:9901)\n"
      "  --workers N                     worker threads (default: number of cores)\n"
      "  --address-pool CIDR             give each Gateway without spec.addresses its own\n"
      "                                  address from CIDR (e.g. 127.0.1.0/24)\n"
      "  --port-offset N                 add N to every listener port when binding\n"
      "  --log-level LEVEL               trace|debug|info|warn|error|off (default info)\n"
      "  --access-log                    log one line per proxied request\n"
      "  --request-headers-timeout DUR   time to receive a request head (default 10s, 408)\n"
      "  --idle-timeout DUR              keep-alive idle and stalled-I/O timeout (default 60s)\n"
      "  --connect-timeout DUR           upstream connect timeout (default 5s, 503)\n"
      "  --response-timeout DUR          wait for the upstream response head (default 15s, 504)\n"
      "  --upstream-idle-timeout DUR     close pooled upstream connections idle this long (default "
      "60s)\n"
      "  --upstream-max-requests N       requests per upstream connection (default 10000)\n"
      "  --max-connections N             downstream connections per worker (default 16384)\n"
      "  --no-connection-balance         keep each connection on the worker the kernel gave it to\n"
      "  --max-request-headers-size N    request line plus headers, bytes (default 61440, 431)\n"
      "  --max-headers N                 request header fields (default 100, 431)\n"
      "  --drain-timeout DUR             on SIGTERM/SIGINT, wait this long for requests (default "
      "30s)\n");
}

struct Args {
  std::string command;
  std::vector<std::string> configs;
  std::string admin = "127.0.0.1:9901";
  int workers = 0;
  int port_offset = 0;
  std::string address_pool;
  proxy::ProxyOptions opts;
};

bool parseHostPort(const std::string& s, std::string* host, int* port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  auto p = parseUint(std::string_view(s).substr(colon + 1));
  if (!p || *p > 65535) return false;
  *host = s.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']')
    *host = host->substr(1, host->size() - 2);
  *port = int(*p);
  return true;
}

// Returns false (after printing the problem) on a bad command line.
bool parseArgs(int argc, char** argv, Args* a) {
  if (argc < 2) return false;
  a->command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string flag = argv[i];
    std::string value;
    bool has_value = false;
    if (auto eq = flag.find('='); eq != std::string::npos && flag.rfind("--", 0) == 0) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_value = true;
    }
    auto need = [&]() -> bool {
      if (has_value) return true;
      if (i + 1 >= argc) {
        std::fprintf(stderr, "torii: %s needs a value\n", flag.c_str());
        return false;
      }
      value = argv[++i];
      return true;
    };
    auto duration = [&](proxy::Duration* out) -> bool {
      if (!need()) return false;
      auto d = parseDuration(value);
      if (!d || d->count() <= 0) {
        std::fprintf(stderr, "torii: %s: invalid duration '%s' (examples: 500ms, 10s, 1m)\n",
                     flag.c_str(), value.c_str());
        return false;
      }
      *out = *d;
      return true;
    };
    auto number = [&](uint64_t min, uint64_t max, uint64_t* out) -> bool {
      if (!need()) return false;
      auto n = parseUint(value);
      if (!n || *n < min || *n > max) {
        std::fprintf(stderr, "torii: %s: expected an integer in [%llu, %llu], got '%s'\n",
                     flag.c_str(), (unsigned long long)min, (unsigned long long)max, value.c_str());
        return false;
      }
      *out = *n;
      return true;
    };
    uint64_t n = 0;
    if (flag == "--config") {
      if (!need()) return false;
      a->configs.push_back(value);
    } else if (flag == "--admin") {
      if (!need()) return false;
      a->admin = value;
    } else if (flag == "--address-pool") {
      if (!need()) return false;
      if (auto p = config::AddressPool::parse(value); !p) {
        std::fprintf(stderr, "torii: --address-pool: %s\n", p.error().c_str());
        return false;
      }
      a->address_pool = value;
    } else if (flag == "--workers") {
      if (!number(1, 1024, &n)) return false;
      a->workers = int(n);
    } else if (flag == "--port-offset") {
      if (!number(0, 65535, &n)) return false;
      a->port_offset = int(n);
    } else if (flag == "--log-level") {
      if (!need()) return false;
      log::Level lv;
      if (!log::parseLevel(value, &lv)) {
        std::fprintf(stderr, "torii: --log-level: unknown level '%s'\n", value.c_str());
        return false;
      }
      log::setLevel(lv);
    } else if (flag == "--no-connection-balance") {
      a->opts.balance_connections = false;
    } else if (flag == "--access-log") {
      a->opts.access_log = true;
    } else if (flag == "--request-headers-timeout") {
      if (!duration(&a->opts.request_headers_timeout)) return false;
    } else if (flag == "--idle-timeout") {
      if (!duration(&a->opts.idle_timeout)) return false;
    } else if (flag == "--connect-timeout") {
      if (!duration(&a->opts.connect_timeout)) return false;
    } else if (flag == "--response-timeout") {
      if (!duration(&a->opts.response_timeout)) return false;
    } else if (flag == "--upstream-idle-timeout") {
      if (!duration(&a->opts.upstream_idle_timeout)) return false;
    } else if (flag == "--drain-timeout") {
      if (!duration(&a->opts.drain_timeout)) return false;
    } else if (flag == "--upstream-max-requests") {
      if (!number(1, UINT32_MAX, &n)) return false;
      a->opts.upstream_max_requests = n;
    } else if (flag == "--max-connections") {
      if (!number(1, 10000000, &n)) return false;
      a->opts.max_connections_per_worker = n;
    } else if (flag == "--max-request-headers-size") {
      if (!number(256, 1 << 20, &n)) return false;
      a->opts.limits.max_head_bytes = n;
    } else if (flag == "--max-headers") {
      if (!number(1, 10000, &n)) return false;
      a->opts.limits.max_headers = n;
    } else if (flag == "-h" || flag == "--help") {
      usage(stdout);
      std::exit(0);
    } else {
      std::fprintf(stderr, "torii: unknown option %s\n", flag.c_str());
      return false;
    }
  }
  return true;
}

// The control plane of one process (main thread only): provider -> store -> translator -> status
// and snapshot (DESIGN.md §1).
class ControlPlane {
 public:
  explicit ControlPlane(const Args& a) : args_(a), provider_(a.configs) {
    if (!a.address_pool.empty()) {
      auto p = config::AddressPool::parse(a.address_pool);
      if (p) pool_ = std::move(*p);
    }
  }

  // Re-reads the files and rebuilds status and snapshot (version grows by one each time).
  std::shared_ptr<const config::Snapshot> rebuild() {
    const std::string now = config::nowRfc3339();
    // The store's objects go back to the provider, which reuses those of unchanged files: one
    // copy of the configuration, not one in each.
    auto decoded = provider_.load(store_.releaseObjects());
    for (const auto& e : decoded.errors) log::error("config: {}", e);
    // One line per ignored document, not one per reload.
    std::set<std::string> ignored(decoded.ignored.begin(), decoded.ignored.end());
    for (const auto& i : ignored) {
      if (!ignored_.count(i)) log::info("config: ignoring {}", i);
    }
    ignored_ = std::move(ignored);
    store_.replace(std::move(decoded.objects), now);
    config::TranslateOptions topts;
    topts.port_offset = args_.port_offset;
    if (pool_) {
      topts.address_pool = true;
      topts.assigned_addresses = pool_->assign(config::gatewaysNeedingAddress(store_.objects()));
    }
    // What is built anew each time (Ir, status, snapshot) is built on the thread that did not
    // build the previous generation: in a malloc arena of its own (see AlternatingThreads).
    std::shared_ptr<config::Snapshot> snap;
    generations_.run([&] {
      auto tr = config::translate(store_.objects(), topts);
      for (const auto& m : tr.messages) log::warn("translate: {}", m);
      tr.status.errors = decoded.errors;
      config::stampTransitions(tr.status, &status_, now);
      status_ = std::move(tr.status);
      status_json_ = config::statusToJson(status_);
      std::vector<std::string> messages;
      ir_listeners_ = tr.ir.listeners.size();
      ir_clusters_ = tr.ir.clusters.size();
      snap = config::compile(std::move(tr.ir), ++version_, &messages);
      for (const auto& m : messages) log::warn("compile: {}", m);
    });
    // InferencePools keep their runtime (endpoint counters, scraped metrics) across snapshots.
    auto dropped = registry_.bind(*snap);
    dropped_pools_.insert(dropped_pools_.end(), dropped.begin(), dropped.end());
    objects_ = store_.objects().size();
    return snap;
  }

  // The data plane could not open these sockets: their listeners' status says so.
  void applyListenerErrors(const std::vector<proxy::ListenerError>& errors) {
    if (errors.empty()) return;
    std::vector<config::ListenerBindError> be;
    for (const auto& e : errors) be.push_back({e.address, e.port, e.message});
    config::applyListenerBindErrors(status_, store_.objects(), be, config::nowRfc3339());
    status_json_ = config::statusToJson(status_);
  }

  providers::FileProvider& provider() { return provider_; }
  const inference::Registry& registry() const { return registry_; }
  // Ids of InferencePools that left the configuration since the last call.
  std::vector<uint64_t> takeDroppedPools() { return std::exchange(dropped_pools_, {}); }
  const config::StatusSet& status() const { return status_; }
  const std::string& statusJson() const { return status_json_; }
  uint64_t version() const { return version_; }
  size_t objects() const { return objects_; }
  size_t irListeners() const { return ir_listeners_; }
  size_t irClusters() const { return ir_clusters_; }

 private:
  const Args& args_;
  providers::FileProvider provider_;
  config::ResourceStore store_;
  inference::Registry registry_;
  std::vector<uint64_t> dropped_pools_;
  std::optional<config::AddressPool> pool_;
  config::StatusSet status_;
  std::string status_json_;
  std::set<std::string> ignored_;
  uint64_t version_ = 0;
  size_t objects_ = 0, ir_listeners_ = 0, ir_clusters_ = 0;
  AlternatingThreads generations_{"torii-config"};
};

int cmdValidate(const Args& a) {
  ControlPlane cp(a);
  auto snap = cp.rebuild();
  std::fputs(config::jsonToYaml(cp.statusJson()).c_str(), stdout);
  std::printf("# %zu objects, %zu listeners, %zu clusters\n", cp.objects(), cp.irListeners(),
              cp.irClusters());
  if (config::hasProblems(cp.status())) {
    std::printf(
        "# problems found: some object is not Accepted, has unresolved references, or a file "
        "failed\n");
    return 1;
  }
  std::printf("# ok\n");
  return 0;
}

// GET http://host:port/status with a blocking socket (the admin API is HTTP/1.1 on loopback).
int cmdStatus(const Args& a) {
  std::string host;
  int port = 0;
  if (!parseHostPort(a.admin, &host, &port)) {
    std::fprintf(stderr, "torii: --admin: expected ADDR:PORT, got '%s'\n", a.admin.c_str());
    return 2;
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(uint16_t(port));
  if (inet_pton(AF_INET, host.c_str(), &sa.sin_addr) != 1) {
    std::fprintf(stderr, "torii status: %s is not an IPv4 address\n", host.c_str());
    return 2;
  }
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  timeval tv{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    std::fprintf(stderr, "torii status: cannot connect to %s: %s\n", a.admin.c_str(),
                 std::strerror(errno));
    if (fd >= 0) ::close(fd);
    return 1;
  }
  std::string req = "GET /status HTTP/1.1\r\nHost: " + a.admin + "\r\nConnection: close\r\n\r\n";
  if (::send(fd, req.data(), req.size(), MSG_NOSIGNAL) != ssize_t(req.size())) {
    std::fprintf(stderr, "torii status: send failed: %s\n", std::strerror(errno));
    ::close(fd);
    return 1;
  }
  std::string resp;
  char buf[65536];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    resp.append(buf, size_t(n));
  }
  ::close(fd);
  auto head_end = resp.find("\r\n\r\n");
  if (resp.compare(0, 9, "HTTP/1.1 ") != 0 || head_end == std::string::npos) {
    std::fprintf(stderr, "torii status: invalid answer from %s\n", a.admin.c_str());
    return 1;
  }
  if (resp.compare(9, 3, "200") != 0) {
    std::fprintf(stderr, "torii status: %s answered %s\n", a.admin.c_str(),
                 resp.substr(9, 3).c_str());
    return 1;
  }
  std::fputs(config::jsonToYaml(resp.substr(head_end + 4)).c_str(), stdout);
  return 0;
}

int cmdRun(const Args& a) {
  std::string admin_host;
  int admin_port = 0;
  if (!parseHostPort(a.admin, &admin_host, &admin_port)) {
    std::fprintf(stderr, "torii: --admin: expected ADDR:PORT, got '%s'\n", a.admin.c_str());
    return 2;
  }
  int workers = a.workers > 0 ? a.workers : int(std::max(1u, std::thread::hardware_concurrency()));
  ControlPlane cp(a);
  auto snapshot = cp.rebuild();

  asio::io_context main_io{1};
  proxy::Server server(a.opts, workers);
  server.start();

  std::atomic<bool> ready{false};
  admin::AdminServer admin(main_io);
  admin.handle("/ready", [&](const std::string&, const std::string&) {
    return ready.load() ? admin::Response{200, "text/plain", "ready\n"}
                        : admin::Response{503, "text/plain", "not ready\n"};
  });
  admin.handle("/metrics", [&](const std::string&, const std::string&) {
    return admin::Response{
        200, "text/plain; version=0.0.4",
        renderPrometheus(server.stats()) + inference::renderPoolMetrics(cp.registry())};
  });
  admin.handle("/status", [&](const std::string&, const std::string&) {
    return admin::Response{200, "application/json", cp.statusJson()};
  });
  if (auto err = admin.listen(admin_host, admin_port); !err.empty()) {
    log::error("{}", err);
    server.stop();
    return 1;
  }

  // InferencePool endpoints' /metrics, scraped on this thread; each round goes to every worker.
  inference::Scraper scraper(main_io, [&server](const inference::PoolRuntime& pool,
                                                std::shared_ptr<const inference::MetricsRound> m) {
    const uint64_t id = pool.id;
    server.postToWorkers(
        [id, m](proxy::WorkerState& w) { proxy::applyInferenceMetrics(w, id, m); });
  });
  // The last reference to a snapshot goes away on a worker, at any time after the swap (a stream
  // in flight or an idle connection may still hold it): the published pointer hands the snapshot
  // back to this thread instead, which destroys it (tens of MiB of frees at 10,000 routes, off
  // the request path) and then returns the freed pages to the system (glibc keeps them
  // otherwise, and RSS would grow with every reload).
  auto retireOnMain = [&main_io](std::shared_ptr<const config::Snapshot> snap) {
    const config::Snapshot* raw = snap.get();
    return std::shared_ptr<const config::Snapshot>(
        raw, [&main_io, snap = std::move(snap)](const config::Snapshot*) mutable {
          asio::post(main_io, [snap = std::move(snap)]() mutable {
            snap.reset();
            malloc_trim(0);
          });
        });
  };
  auto publish = [&](std::shared_ptr<const config::Snapshot> snap) {
    uint64_t version = snap->version;
    snap = retireOnMain(std::move(snap));
    scraper.sync(cp.registry());
    for (uint64_t id : cp.takeDroppedPools()) {
      server.postToWorkers([id](proxy::WorkerState& w) { w.inference.erase(id); });
    }
    server.publish(std::move(snap), [&ready, &main_io, &cp,
                                     version](std::vector<proxy::ListenerError> errors) {
      for (const auto& e : errors) {
        log::error("listener {}:{}: cannot listen: {}", e.address, e.port, e.message);
      }
      if (!errors.empty()) {
        asio::post(main_io, [&cp, errors = std::move(errors)] { cp.applyListenerErrors(errors); });
      }
      log::debug("snapshot {} applied", version);
      ready.store(true);
      // Hand the pages the rebuild freed (decoding, translation) back to the system; those of
      // the old snapshot go when it does (retireOnMain).
      asio::post(main_io, [] { malloc_trim(0); });
    });
  };
  const size_t listeners = snapshot->listeners.size();
  // Moved: holding it here would keep the first snapshot (~20 MiB at 10,000 routes) alive after
  // the first reload replaced it.
  publish(std::move(snapshot));
  log::info("torii {} started: {} worker(s), {} listener(s), admin on {}:{}", kVersion, workers,
            listeners, admin_host, admin.boundPort());

  // Hot reload: inotify events restart a short debounce timer; when it fires, everything is
  // re-read, translated and compiled, and the new snapshot replaces the old one atomically.
  std::optional<asio::posix::stream_descriptor> watch_fd;
  asio::steady_timer debounce(main_io);
  std::function<void()> wait_events;
  if (auto fd = cp.provider().watch(); !fd) {
    log::warn("config: not watching for changes: {}", fd.error());
  } else {
    watch_fd.emplace(main_io, ::dup(*fd));
    wait_events = [&] {
      watch_fd->async_wait(asio::posix::stream_descriptor::wait_read,
                           [&](const boost::system::error_code& ec) {
                             if (ec) return;
                             if (cp.provider().readEvents()) {
                               debounce.expires_after(std::chrono::milliseconds(150));
                               debounce.async_wait([&](const boost::system::error_code& tec) {
                                 if (tec) return;
                                 auto snap = cp.rebuild();
                                 log::info("config: reloaded (snapshot {}, {} listener(s))",
                                           snap->version, snap->listeners.size());
                                 publish(std::move(snap));
                               });
                             }
                             wait_events();
                           });
    };
    wait_events();
  }

  asio::signal_set signals(main_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("signal {}: draining (up to {} ms)", sig,
              std::chrono::duration_cast<std::chrono::milliseconds>(a.opts.drain_timeout).count());
    ready.store(false);
    if (watch_fd) {
      boost::system::error_code ignored;
      watch_fd->cancel(ignored);
    }
    debounce.cancel();
    server.drain([&] { asio::post(main_io, [&] { main_io.stop(); }); });
  });
  main_io.run();
  scraper.stop();
  if (watch_fd) watch_fd->close();
  admin.close();
  server.stop();
  log::info("stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Args a;
  if (!parseArgs(argc, argv, &a)) {
    usage(stderr);
    return 2;
  }
  if (a.command == "version") {
    std::printf("torii %s\n", kVersion);
    return 0;
  }
  if (a.command == "status") return cmdStatus(a);
  if (a.command == "run" || a.command == "validate") {
    if (a.configs.empty()) {
      std::fprintf(stderr, "torii %s: --config DIR is required\n", a.command.c_str());
      return 2;
    }
    return a.command == "run" ? cmdRun(a) : cmdValidate(a);
  }
  std::fprintf(stderr, "torii: unknown command '%s'\n", a.command.c_str());
  usage(stderr);
  return 2;
}
