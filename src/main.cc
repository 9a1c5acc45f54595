// torii: the command line (DESIGN.md §4): `torii run|validate|version`.
#include <unistd.h>

#include <boost/asio/signal_set.hpp>
#include <cstdio>
#include <thread>

#include "admin/admin_server.h"
#include "common/log.h"
#include "common/strings.h"
#include "config/snapshot.h"
#include "config/translator.h"
#include "event/asio.h"
#include "providers/file_provider.h"
#include "proxy/server.h"

using namespace torii;

namespace {

constexpr const char* kVersion = "0.1.0";

void usage(FILE* f) {
  std::fprintf(f,
               "usage: torii run --config DIR [--config DIR...] [options]\n"
               "       torii validate --config DIR [--config DIR...]\n"
               "       torii version\n"
               "\n"
               "run options:\n"
               "  --admin ADDR:PORT               admin API address (default 127.0.0.1:9901)\n"
               "  --workers N                     worker threads (default: number of cores)\n"
               "  --port-offset N                 add N to every listener port when binding\n"
               "  --log-level LEVEL               trace|debug|info|warn|error|off (default info)\n"
               "  --access-log                    log one line per proxied request\n"
               "  --request-headers-timeout DUR   time to receive a request head (default 10s, 408)\n"
               "  --idle-timeout DUR              keep-alive idle and stalled-I/O timeout (default 60s)\n"
               "  --connect-timeout DUR           upstream connect timeout (default 5s, 503)\n"
               "  --response-timeout DUR          wait for the upstream response head (default 15s, 504)\n"
               "  --upstream-idle-timeout DUR     close pooled upstream connections idle this long (default 60s)\n"
               "  --upstream-max-requests N       requests per upstream connection (default 10000)\n"
               "  --max-connections N             downstream connections per worker (default 16384)\n"
               "  --max-request-headers-size N    request line plus headers, bytes (default 61440, 431)\n"
               "  --max-headers N                 request header fields (default 100, 431)\n"
               "  --drain-timeout DUR             on SIGTERM/SIGINT, wait this long for requests (default 30s)\n");
}

struct Args {
  std::string command;
  std::vector<std::string> configs;
  std::string admin = "127.0.0.1:9901";
  int workers = 0;
  int port_offset = 0;
  proxy::ProxyOptions opts;
};

bool parseHostPort(const std::string& s, std::string* host, int* port) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos) return false;
  auto p = parseUint(std::string_view(s).substr(colon + 1));
  if (!p || *p > 65535) return false;
  *host = s.substr(0, colon);
  if (host->size() > 2 && host->front() == '[' && host->back() == ']') *host = host->substr(1, host->size() - 2);
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
        std::fprintf(stderr, "torii: %s: invalid duration '%s' (examples: 500ms, 10s, 1m)\n", flag.c_str(), value.c_str());
        return false;
      }
      *out = *d;
      return true;
    };
    auto number = [&](uint64_t min, uint64_t max, uint64_t* out) -> bool {
      if (!need()) return false;
      auto n = parseUint(value);
      if (!n || *n < min || *n > max) {
        std::fprintf(stderr, "torii: %s: expected an integer in [%llu, %llu], got '%s'\n", flag.c_str(),
                     (unsigned long long)min, (unsigned long long)max, value.c_str());
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

struct Loaded {
  std::shared_ptr<const config::Snapshot> snapshot;
  size_t errors = 0;
};

Loaded load(const Args& a, bool print) {
  auto decoded = providers::loadDirectories(a.configs);
  for (const auto& e : decoded.errors) log::error("config: {}", e);
  for (const auto& i : decoded.ignored) log::info("config: ignoring {}", i);
  config::TranslateOptions topts;
  topts.port_offset = a.port_offset;
  auto tr = config::translate(decoded.objects, topts);
  for (const auto& m : tr.messages) log::warn("translate: {}", m);
  std::vector<std::string> messages;
  Loaded out;
  out.snapshot = config::compile(tr.ir, 1, &messages);
  for (const auto& m : messages) log::warn("compile: {}", m);
  out.errors = decoded.errors.size() + tr.messages.size() + messages.size();
  if (print) {
    std::printf("%zu objects, %zu listeners, %zu clusters\n", decoded.objects.size(), tr.ir.listeners.size(),
                tr.ir.clusters.size());
    for (const auto& l : tr.ir.listeners) {
      std::printf("listener %s:%d (bind %d): %zu virtual hosts\n", l.address.c_str(), l.port, l.bind_port,
                  l.vhosts.size());
    }
  }
  return out;
}

int cmdValidate(const Args& a) {
  auto loaded = load(a, true);
  if (loaded.errors) {
    std::printf("%zu problem(s) found\n", loaded.errors);
    return 1;
  }
  std::printf("ok\n");
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
  auto loaded = load(a, false);

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
    return admin::Response{200, "text/plain; version=0.0.4", renderPrometheus(server.stats())};
  });
  if (auto err = admin.listen(admin_host, admin_port); !err.empty()) {
    log::error("{}", err);
    server.stop();
    return 1;
  }

  server.publish(loaded.snapshot, [&](std::vector<std::string> errors) {
    for (const auto& e : errors) log::error("listener: {}", e);
    ready.store(true);
  });
  log::info("torii {} started: {} worker(s), {} listener(s), admin on {}:{}", kVersion, workers,
            loaded.snapshot->listeners.size(), admin_host, admin.boundPort());

  asio::signal_set signals(main_io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    log::info("signal {}: draining (up to {} ms)", sig,
              std::chrono::duration_cast<std::chrono::milliseconds>(a.opts.drain_timeout).count());
    ready.store(false);
    server.drain([&] { asio::post(main_io, [&] { main_io.stop(); }); });
  });
  main_io.run();
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
