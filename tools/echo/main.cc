// torii-echo: an HTTP/1.1 echo backend that answers exactly like the Gateway API conformance echo
// server (conformance/echo-basic), so tests and the conformance runner can use it without a
// cluster. See ../shared/conformance/gateway-api/README.md, "Echo server".
#include <sys/socket.h>

#include <boost/asio/signal_set.hpp>
#include <boost/json.hpp>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>

#include "common/strings.h"
#include "event/asio.h"
#include "http/http1/parser.h"
#include "http/http1/writer.h"
#include "net/request_reader.h"

using namespace torii;

namespace {

struct Identity {
  std::string namespace_, pod, service, ingress, http_port = "3000";
};

std::string envOr(const char* name, std::string def) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : def;
}

// Go's textproto.CanonicalMIMEHeaderKey for ordinary names.
std::string canonical(std::string_view n) {
  std::string out(n);
  bool upper = true;
  for (auto& c : out) {
    if (c == ' ') return std::string(n);  // Go leaves invalid keys alone
    c = upper ? char(std::toupper(static_cast<unsigned char>(c))) : asciiLower(c);
    upper = c == '-';
  }
  return out;
}

std::string queryParam(std::string_view target, std::string_view name) {
  auto q = target.find('?');
  if (q == target.npos) return {};
  std::string_view query = target.substr(q + 1);
  for (auto part : splitList(query, '&')) {
    auto eq = part.find('=');
    if (part.substr(0, eq) == name)
      return std::string(eq == part.npos ? std::string_view() : part.substr(eq + 1));
  }
  return {};
}

std::string collapseSlashes(std::string_view p) {
  std::string out;
  for (char c : p) {
    if (c == '/' && !out.empty() && out.back() == '/') continue;
    out.push_back(c);
  }
  return out;
}

std::string jsonString(std::string_view s) {
  return boost::json::serialize(boost::json::string(s));
}

// Indented exactly as Go's json.MarshalIndent(v, "", " ") would write the echo response.
std::string echoBody(const http1::Head& h, const Identity& id) {
  std::map<std::string, std::vector<std::string>>
      headers;  // sorted, as Go's encoder sorts map keys
  for (size_t i = 0; i < h.headers.slots(); ++i) {
    if (!h.headers.live(i) || iequals(h.headers.name(i), "host")) continue;
    headers[canonical(h.headers.name(i))].emplace_back(trim(h.headers.value(i)));
  }
  std::string b = "{\n";
  b += " \"path\": " + jsonString(h.target) + ",\n";
  b += " \"host\": " + jsonString(h.headers.get("host")) + ",\n";
  b += " \"method\": " + jsonString(h.method) + ",\n";
  b += " \"proto\": " + jsonString(h.version_minor == 0 ? "HTTP/1.0" : "HTTP/1.1") + ",\n";
  b += " \"headers\": {";
  bool first = true;
  for (const auto& [name, values] : headers) {
    b += first ? "\n" : ",\n";
    first = false;
    b += "  " + jsonString(name) + ": [\n";
    for (size_t i = 0; i < values.size(); ++i) {
      b += "   " + jsonString(values[i]) + (i + 1 < values.size() ? ",\n" : "\n");
    }
    b += "  ]";
  }
  b += headers.empty() ? "},\n" : "\n },\n";
  b += " \"httpPort\": " + jsonString(id.http_port) + ",\n";
  b += " \"namespace\": " + jsonString(id.namespace_) + ",\n";
  b += " \"ingress\": " + jsonString(id.ingress) + ",\n";
  b += " \"service\": " + jsonString(id.service) + ",\n";
  b += " \"pod\": " + jsonString(id.pod) + "\n}";
  return b;
}

class EchoServer {
 public:
  EchoServer(asio::io_context& io, Identity id) : io_(io), id_(std::move(id)) {}

  awaitable<void> acceptLoop(tcp::acceptor& acc) {
    for (;;) {
      boost::system::error_code ec;
      tcp::socket s = co_await acc.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!acc.is_open()) co_return;
        continue;
      }
      asio::co_spawn(io_, serve(std::move(s)), asio::detached);
    }
  }

 private:
  awaitable<void> serve(tcp::socket sock) {
    boost::system::error_code ec;
    std::string remote;
    auto ep = sock.remote_endpoint(ec);
    if (!ec) remote = ep.address().to_string() + ":" + std::to_string(ep.port());
    net::RequestReader reader;
    for (;;) {
      auto st = co_await reader.next(sock);
      if (st == net::RequestReader::Status::kError) {
        std::string out = reader.errorReply();
        co_await asio::async_write(sock, asio::buffer(out),
                                   asio::redirect_error(asio::use_awaitable, ec));
        co_return;
      }
      if (st != net::RequestReader::Status::kComplete) co_return;
      const http1::Head& h = reader.head();
      std::printf("Echoing back request made to %s to client (%s)\n", h.target.c_str(),
                  remote.c_str());
      std::fflush(stdout);
      std::string path = collapseSlashes(h.target.substr(0, h.target.find('?')));

      int status = 200;
      std::string body, content_type;
      bool json = true;
      if (path == "/health") {
        body = "OK";
        json = false;
        content_type = "text/plain; charset=utf-8";
      } else if (startsWith(path, "/status/")) {
        auto code = parseUint(std::string_view(path).substr(8));
        status = code && *code >= 100 && *code <= 599 ? int(*code) : 400;
        json = false;
      } else if (startsWith(path, "/retry")) {
        std::string uuid = queryParam(h.target, "uuid");
        auto after = parseUint(queryParam(h.target, "succeedAfter"));
        std::string code = queryParam(h.target, "responseCode");
        int& calls = retries_[uuid];
        ++calls;
        if (auto d = parseDuration(queryParam(h.target, "delayRetry"))) co_await sleep(*d);
        if (after && uint64_t(calls) <= *after) {
          if (code.empty()) {
            // Reset the connection (RST, not FIN).
            linger lg{1, 0};
            ::setsockopt(sock.native_handle(), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
            sock.close(ec);
            co_return;
          }
          auto c = parseUint(code);
          status = c ? int(*c) : 500;
          json = false;
        }
      }
      if (json && status == 200) {
        if (auto d = parseDuration(queryParam(h.target, "delay"))) co_await sleep(*d);
        body = echoBody(h, id_);
        content_type = "application/json";
      }

      std::string out;
      http1::beginResponse(out, status);
      if (!content_type.empty()) http1::appendHeader(out, "Content-Type", content_type);
      if (json) http1::appendHeader(out, "X-Content-Type-Options", "nosniff");
      std::string_view set = h.headers.get("x-echo-set-header");
      if (!set.empty()) {
        std::map<std::string, std::string> pairs;
        std::vector<std::string> order;
        for (auto pair : splitList(set, ',')) {
          auto colon = pair.find(':');
          if (colon == pair.npos) continue;
          std::string name = canonical(trim(pair.substr(0, colon)));
          std::string value(trim(pair.substr(colon + 1)));
          if (!pairs.count(name)) order.push_back(name);
          auto& v = pairs[name];
          v = v.empty() ? value : v + "," + value;
        }
        for (const auto& n : order) http1::appendHeader(out, n, pairs[n]);
      }
      http1::appendHeader(out, "Content-Length", std::to_string(body.size()));
      if (!h.keep_alive) http1::appendHeader(out, "Connection", "close");
      http1::endHead(out);
      if (h.method != "HEAD") out += body;
      co_await asio::async_write(sock, asio::buffer(out),
                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec || !h.keep_alive) co_return;
    }
  }

  awaitable<void> sleep(std::chrono::nanoseconds d) {
    asio::steady_timer t(io_, std::chrono::duration_cast<std::chrono::steady_clock::duration>(d));
    boost::system::error_code ec;
    co_await t.async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }

  asio::io_context& io_;
  Identity id_;
  std::map<std::string, int> retries_;
};

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  Identity id;
  id.namespace_ = envOr("NAMESPACE", "");
  id.pod = envOr("POD_NAME", "");
  id.service = envOr("SERVICE_NAME", "");
  id.ingress = envOr("INGRESS_NAME", "");
  id.http_port = envOr("HTTP_PORT", "3000");
  std::string listen = "0.0.0.0:" + id.http_port;
  for (int i = 1; i < argc; ++i) {
    std::string f = argv[i];
    auto val = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "torii-echo: %s needs a value\n", f.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (f == "--listen")
      listen = val();
    else if (f == "--namespace")
      id.namespace_ = val();
    else if (f == "--pod")
      id.pod = val();
    else if (f == "--service")
      id.service = val();
    else if (f == "--ingress")
      id.ingress = val();
    else {
      std::fprintf(
          stderr,
          "usage: torii-echo [--listen ADDR:PORT] [--namespace NS] [--pod NAME] [--service NAME] "
          "[--ingress NAME]\n(environment: HTTP_PORT, NAMESPACE, POD_NAME, SERVICE_NAME, "
          "INGRESS_NAME)\n");
      return f == "-h" || f == "--help" ? 0 : 2;
    }
  }
  auto colon = listen.rfind(':');
  auto port = colon == std::string::npos ? std::nullopt
                                         : parseUint(std::string_view(listen).substr(colon + 1));
  if (!port || *port > 65535) {
    std::fprintf(stderr, "torii-echo: --listen: expected ADDR:PORT, got '%s'\n", listen.c_str());
    return 2;
  }
  std::string host = listen.substr(0, colon);
  if (host.empty()) host = "0.0.0.0";
  id.http_port = std::to_string(*port);

  asio::io_context io{1};
  boost::system::error_code ec;
  auto addr = asio::ip::make_address(host, ec);
  if (ec) {
    std::fprintf(stderr, "torii-echo: invalid address '%s'\n", host.c_str());
    return 2;
  }
  tcp::acceptor acc(io);
  tcp::endpoint ep(addr, uint16_t(*port));
  acc.open(ep.protocol(), ec);
  if (!ec) acc.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acc.bind(ep, ec);
  if (!ec) acc.listen(1024, ec);
  if (ec) {
    std::fprintf(stderr, "torii-echo: listen %s: %s\n", listen.c_str(), ec.message().c_str());
    return 1;
  }
  std::fprintf(stderr, "torii-echo listening on %s\n", listen.c_str());
  EchoServer server(io, id);
  asio::co_spawn(io, server.acceptLoop(acc), asio::detached);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code&, int) { io.stop(); });
  io.run();
  return 0;
}
