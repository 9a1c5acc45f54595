// torii-llm-load: an open-loop load generator for OpenAI-style streaming chat completions
// (bench/inference). It sends requests with Poisson inter-arrival times at a fixed rate for a fixed
// window, each latency counted from the request's *scheduled* send time (so a generator or gateway
// that falls behind shows up in the numbers: no coordinated omission), and prints one JSON summary:
// TTFT / end-to-end / time-per-output-token percentiles over successful requests, output tokens/s,
// counts by status (429 included) and by error, requests per serving pod (x-inference-pod),
// prefix-cache hits from the usage chunk, and the generator's own lag and CPU time.
//
// Cheap by design (the benchmark machine has two cores shared with the gateway and the model-server
// simulators): one thread, Boost.Asio coroutines, requests serialized once at load time, keep-alive
// connections pooled per target, SSE chunks scanned for a few keys instead of parsed as JSON.
//
//   torii-llm-load --target 127.0.0.1:8080 --workload shared-prefix.jsonl --rate 20 --duration 30
//
// See bench/inference/README.md for the workload format and the summary fields.
#include <sys/resource.h>

#include <algorithm>
#include <array>
#include <boost/asio/connect.hpp>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <deque>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/strings.h"
#include "event/asio.h"
#include "http/http1/parser.h"

namespace torii::llmload {
namespace {

namespace json = boost::json;
using Clock = std::chrono::steady_clock;
using TimePoint = Clock::time_point;

struct Options {
  std::vector<std::pair<std::string, uint16_t>> targets;
  std::string host = "localhost";
  std::string workload;
  // Generated workload (no --workload): N random prompts of P tokens asking for O tokens.
  size_t gen_count = 1000;
  int gen_prompt_tokens = 256;
  int gen_output_tokens = 32;
  std::string model = "meta-llama/Llama-3.1-8B-Instruct";
  std::string path = "/v1/chat/completions";
  double rate = 1;
  double duration = 10;
  uint64_t seed = 1;
  size_t offset = 0;
  double drain = 60;
  double timeout = 120;
  size_t max_inflight = 4000;
  bool keepalive = true;
  std::string records;
};

const char* kUsage =
    R"(usage: torii-llm-load --target ADDR:PORT[,ADDR:PORT...] --rate R --duration S [options]

Open-loop Poisson load of streaming chat completions; prints a JSON summary on stdout.

  --target LIST         where to connect; several targets are used in turn (client-side
                        round-robin, for runs without a gateway)
  --host NAME           Host header (default localhost)
  --workload FILE       JSONL, one request per line: {"body": {...} | "...", "headers": {..},
                        "path": "/v1/chat/completions"}; requests are sent in file order,
                        starting at --offset, wrapping around
  --gen-count N         without --workload: generate N requests (default 1000) ...
  --gen-prompt-tokens P   ... of P prompt tokens (default 256) ...
  --gen-output-tokens O   ... asking for exactly O output tokens (default 32)
  --model NAME          model of generated requests
  --rate R              mean arrivals per second (Poisson)
  --duration S          seconds during which requests are sent
  --seed N              arrival-time seed (default 1)
  --offset K            first workload entry to send (default 0); the summary's next_offset
                        continues where this run stopped
  --drain S             after the window, wait at most S seconds for requests in flight
                        (default 60); the rest count as "unfinished"
  --timeout S           per-request limit from its scheduled time (default 120)
  --max-inflight N      arrivals beyond N requests in flight are not sent and count as
                        "not_sent" (default 4000)
  --no-keepalive        one connection per request
  --records FILE        also write one JSON line per request
)";

// ------------------------------------------------------------------------------------------------
// Options and workload.

bool parseTargets(std::string_view list, Options& o) {
  for (auto item : splitList(list, ',')) {
    auto colon = item.rfind(':');
    if (colon == std::string_view::npos) return false;
    auto port = parseUint(item.substr(colon + 1));
    if (!port || *port == 0 || *port > 65535) return false;
    o.targets.emplace_back(std::string(item.substr(0, colon)), uint16_t(*port));
  }
  return !o.targets.empty();
}

bool parseDouble(std::string_view s, double& out) {
  std::string tmp(s);
  char* end = nullptr;
  out = std::strtod(tmp.c_str(), &end);
  return !tmp.empty() && end && *end == '\0' && std::isfinite(out);
}

std::optional<Options> parseArgs(int argc, char** argv) {
  Options o;
  auto fail = [](const std::string& why) -> std::optional<Options> {
    std::fprintf(stderr, "torii-llm-load: %s\n%s", why.c_str(), kUsage);
    return std::nullopt;
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(0);
    }
    std::string value;
    if (auto eq = arg.find('='); startsWith(arg, "--") && eq != std::string::npos) {
      value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    } else if (arg == "--no-keepalive") {
      o.keepalive = false;
      continue;
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return fail(arg + ": missing value");
    }
    double d = 0;
    auto num = [&](double lo) { return parseDouble(value, d) && d >= lo; };
    if (arg == "--target") {
      if (!parseTargets(value, o)) return fail("--target: expected ADDR:PORT[,ADDR:PORT...]");
    } else if (arg == "--host") {
      o.host = value;
    } else if (arg == "--workload") {
      o.workload = value;
    } else if (arg == "--gen-count" && num(1)) {
      o.gen_count = size_t(d);
    } else if (arg == "--gen-prompt-tokens" && num(1)) {
      o.gen_prompt_tokens = int(d);
    } else if (arg == "--gen-output-tokens" && num(1)) {
      o.gen_output_tokens = int(d);
    } else if (arg == "--model") {
      o.model = value;
    } else if (arg == "--path") {
      o.path = value;
    } else if (arg == "--rate" && num(1e-6)) {
      o.rate = d;
    } else if (arg == "--duration" && num(1e-3)) {
      o.duration = d;
    } else if (arg == "--seed" && num(0)) {
      o.seed = uint64_t(d);
    } else if (arg == "--offset" && num(0)) {
      o.offset = size_t(d);
    } else if (arg == "--drain" && num(0)) {
      o.drain = d;
    } else if (arg == "--timeout" && num(1e-3)) {
      o.timeout = d;
    } else if (arg == "--max-inflight" && num(1)) {
      o.max_inflight = size_t(d);
    } else if (arg == "--records") {
      o.records = value;
    } else {
      return fail("bad option or value: " + arg + " " + value);
    }
  }
  if (o.targets.empty()) return fail("--target is required");
  return o;
}

// A request ready to write: request line, headers and body, serialized once.
struct Entry {
  std::string wire;
};

std::string serializeRequest(const Options& o, std::string_view path,
                             const std::vector<std::pair<std::string, std::string>>& headers,
                             std::string_view body) {
  std::string out;
  out.reserve(body.size() + 256);
  out.append("POST ").append(path).append(" HTTP/1.1\r\nHost: ").append(o.host);
  out.append("\r\nContent-Type: application/json\r\nAccept: text/event-stream\r\n");
  if (!o.keepalive) out.append("Connection: close\r\n");
  for (const auto& [n, v] : headers) out.append(n).append(": ").append(v).append("\r\n");
  out.append("Content-Length: ").append(std::to_string(body.size())).append("\r\n\r\n");
  out.append(body);
  return out;
}

bool loadWorkload(const Options& o, std::vector<Entry>& out) {
  std::ifstream in(o.workload);
  if (!in) {
    std::fprintf(stderr, "torii-llm-load: cannot open %s\n", o.workload.c_str());
    return false;
  }
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (trim(line).empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    const json::object* obj = ec ? nullptr : v.if_object();
    const json::value* body = obj ? obj->if_contains("body") : nullptr;
    if (!body || !(body->is_object() || body->is_string())) {
      std::fprintf(stderr, "torii-llm-load: %s:%zu: expected {\"body\": ...}\n", o.workload.c_str(),
                   lineno);
      return false;
    }
    std::string body_text =
        body->is_string() ? std::string(body->as_string()) : json::serialize(*body);
    std::vector<std::pair<std::string, std::string>> headers;
    if (auto* h = obj->if_contains("headers"); h && h->is_object()) {
      for (const auto& [k, hv] : h->as_object()) {
        if (hv.is_string()) headers.emplace_back(std::string(k), std::string(hv.as_string()));
      }
    }
    std::string path = o.path;
    if (auto* p = obj->if_contains("path"); p && p->is_string()) path = p->as_string();
    out.push_back({serializeRequest(o, path, headers, body_text)});
  }
  if (out.empty()) {
    std::fprintf(stderr, "torii-llm-load: %s: no requests\n", o.workload.c_str());
    return false;
  }
  return true;
}

// Words of 1-4 letters separated by spaces: one simulator token each (tools/llm-sim/tokens.cc).
void generateWorkload(const Options& o, std::vector<Entry>& out) {
  std::mt19937_64 rng(o.seed ^ 0x5eedull);
  for (size_t i = 0; i < o.gen_count; ++i) {
    std::string prompt;
    for (int t = 0; t < o.gen_prompt_tokens; ++t) {
      if (t) prompt += ' ';
      int len = 1 + int(rng() % 4);
      for (int c = 0; c < len; ++c) prompt += char('a' + rng() % 26);
    }
    json::object body{
        {"model", o.model},
        {"messages", json::array{json::object{{"role", "user"}, {"content", prompt}}}},
        {"max_tokens", o.gen_output_tokens},
        {"ignore_eos", true},
        {"stream", true},
        {"stream_options", json::object{{"include_usage", true}}}};
    out.push_back({serializeRequest(o, o.path, {}, json::serialize(body))});
  }
}

// ------------------------------------------------------------------------------------------------
// Per-request record and the SSE scan.

enum class Error { kNone, kConnect, kIo, kParse, kTimeout, kUnfinished, kNotSent };

const char* errorName(Error e) {
  switch (e) {
    case Error::kNone:
      return "none";
    case Error::kConnect:
      return "connect";
    case Error::kIo:
      return "io";
    case Error::kParse:
      return "parse";
    case Error::kTimeout:
      return "timeout";
    case Error::kUnfinished:
      return "unfinished";
    case Error::kNotSent:
      return "not_sent";
  }
  return "?";
}

struct Record {
  double sched_s = 0;   // scheduled send time, seconds from the window start
  double lag_ms = 0;    // how late the generator actually started it
  int status = 0;       // HTTP status (0: no response head)
  double ttft_ms = -1;  // to the first content chunk
  double e2e_ms = -1;   // to the end of the response
  int64_t content_chunks = 0;
  int64_t completion_tokens = -1;  // usage chunk
  int64_t prompt_tokens = -1;
  int64_t cached_tokens = -1;
  int pod = -1;  // index into pod names
  Error error = Error::kNone;
  bool done = false;  // [DONE] seen
  bool ok() const { return status == 200 && error == Error::kNone && e2e_ms >= 0; }
  int64_t outputTokens() const {
    return completion_tokens >= 0 ? completion_tokens : content_chunks;
  }
};

// Integer after `"key":` in `s`, or -1.
int64_t findInt(std::string_view s, std::string_view key) {
  size_t at = s.find(key);
  if (at == std::string_view::npos) return -1;
  at += key.size();
  while (at < s.size() && (s[at] == ' ' || s[at] == ':')) ++at;
  int64_t v = 0;
  bool any = false;
  while (at < s.size() && s[at] >= '0' && s[at] <= '9') {
    v = v * 10 + (s[at++] - '0');
    any = true;
  }
  return any ? v : -1;
}

// True when the chunk carries non-empty `"content"` text.
bool hasContent(std::string_view s) {
  size_t at = s.find("\"content\"");
  if (at == std::string_view::npos) return false;
  at += 9;
  while (at < s.size() && (s[at] == ' ' || s[at] == ':')) ++at;
  return at + 1 < s.size() && s[at] == '"' && s[at + 1] != '"';
}

// Accumulates SSE bytes and handles each complete event.
class SseScanner {
 public:
  // Returns false at "[DONE]" or never; content events call on_content.
  template <typename OnContent>
  void feed(std::string_view bytes, Record& rec, OnContent&& on_content) {
    buf_.append(bytes);
    size_t start = 0;
    for (;;) {
      size_t end = buf_.find("\n\n", start);
      if (end == std::string::npos) break;
      event(std::string_view(buf_).substr(start, end - start), rec, on_content);
      start = end + 2;
    }
    buf_.erase(0, start);
  }

 private:
  template <typename OnContent>
  void event(std::string_view ev, Record& rec, OnContent& on_content) {
    size_t pos = 0;
    while (pos < ev.size()) {
      size_t nl = ev.find('\n', pos);
      std::string_view line = ev.substr(pos, nl == std::string_view::npos ? ev.npos : nl - pos);
      pos = nl == std::string_view::npos ? ev.size() : nl + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (!startsWith(line, "data:")) continue;
      std::string_view data = line.substr(5);
      if (!data.empty() && data.front() == ' ') data.remove_prefix(1);
      if (data == "[DONE]") {
        rec.done = true;
        continue;
      }
      size_t u = data.find("\"usage\"");
      if (u != std::string_view::npos && data.find('{', u) != std::string_view::npos &&
          data.substr(u, 12).find("null") == std::string_view::npos) {
        std::string_view usage = data.substr(u);
        if (int64_t v = findInt(usage, "\"completion_tokens\""); v >= 0) rec.completion_tokens = v;
        if (int64_t v = findInt(usage, "\"prompt_tokens\""); v >= 0) rec.prompt_tokens = v;
        if (int64_t v = findInt(usage, "\"cached_tokens\""); v >= 0) rec.cached_tokens = v;
      }
      if (hasContent(data)) on_content();
    }
  }

  std::string buf_;
};

// ------------------------------------------------------------------------------------------------
// The generator.

struct Conn {
  explicit Conn(asio::io_context& io) : sock(io) {}
  tcp::socket sock;
  // Each connection reads into its own buffer: the reactor may fill several before their
  // coroutines resume.
  std::array<char, 16 * 1024> buf;
  TimePoint deadline;
  bool timed_out = false;
  bool cut = false;  // closed at the end of the drain
};

class LoadGen {
 public:
  LoadGen(asio::io_context& io, const Options& o, std::vector<Entry> entries)
      : io_(io), o_(o), entries_(std::move(entries)), idle_(o.targets.size()) {
    for (const auto& [host, port] : o.targets) {
      boost::system::error_code ec;
      auto addr = asio::ip::make_address(host, ec);
      if (ec) {
        tcp::resolver r(io);
        auto res = r.resolve(host, std::to_string(port), ec);
        if (!ec && !res.empty()) addr = res.begin()->endpoint().address();
      }
      endpoints_.emplace_back(addr, port);
    }
  }

  awaitable<void> run() {
    t0_ = Clock::now() + std::chrono::milliseconds(20);
    window_end_ = t0_ + toDuration(o_.duration);
    asio::co_spawn(io_, watchdog(), asio::detached);
    co_await arrivals();
    // Drain: wait for requests in flight, at most o_.drain seconds.
    asio::steady_timer t(io_);
    auto drain_end = Clock::now() + toDuration(o_.drain);
    while (inflight_ > 0 && Clock::now() < drain_end) {
      t.expires_after(std::chrono::milliseconds(20));
      co_await t.async_wait(asio::use_awaitable);
    }
    draining_cut_ = true;
    for (Conn* c : active_) {
      c->cut = true;
      boost::system::error_code ec;
      c->sock.close(ec);
    }
    while (inflight_ > 0) {
      t.expires_after(std::chrono::milliseconds(5));
      co_await t.async_wait(asio::use_awaitable);
    }
    finished_ = true;
    for (auto& pool : idle_) pool.clear();
  }

  json::object summary() const;
  void writeRecords(const std::string& path) const;

 private:
  static Clock::duration toDuration(double s) {
    return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(s));
  }
  double msSince(TimePoint from, TimePoint to) const {
    return std::chrono::duration<double, std::milli>(to - from).count();
  }

  awaitable<void> arrivals() {
    asio::steady_timer t(io_);
    std::mt19937_64 rng(o_.seed);
    double at = 0;
    for (;;) {
      // Exponential gap by inversion, so the schedule is the same with any standard library.
      double u = double(rng() >> 11) * 0x1.0p-53;
      at += -std::log1p(-u) / o_.rate;
      if (at >= o_.duration) break;
      TimePoint sched = t0_ + toDuration(at);
      t.expires_at(sched);
      co_await t.async_wait(asio::use_awaitable);
      size_t idx = records_.size();
      Record& rec = records_.emplace_back();
      rec.sched_s = at;
      rec.lag_ms = msSince(sched, Clock::now());
      if (inflight_ >= o_.max_inflight) {
        rec.error = Error::kNotSent;
        continue;
      }
      ++inflight_;
      asio::co_spawn(io_, request(idx, sched), asio::detached);
    }
  }

  awaitable<void> watchdog() {
    asio::steady_timer t(io_);
    while (!finished_) {
      t.expires_after(std::chrono::milliseconds(100));
      co_await t.async_wait(asio::use_awaitable);
      auto now = Clock::now();
      for (Conn* c : active_) {
        if (now > c->deadline && !c->timed_out) {
          c->timed_out = true;
          boost::system::error_code ec;
          c->sock.close(ec);
        }
      }
    }
  }

  std::unique_ptr<Conn> takeIdle(size_t target) {
    auto& pool = idle_[target];
    if (pool.empty()) return nullptr;
    auto c = std::move(pool.back());
    pool.pop_back();
    return c;
  }

  enum class Outcome { kKeep, kClose, kStale };

  awaitable<void> request(size_t idx, TimePoint sched) {
    const Entry& e = entries_[(o_.offset + idx) % entries_.size()];
    size_t target = idx % endpoints_.size();
    for (int attempt = 0; attempt < 2; ++attempt) {
      auto c = o_.keepalive ? takeIdle(target) : nullptr;
      bool reused = c != nullptr;
      if (!c) {
        c = std::make_unique<Conn>(io_);
        c->deadline = sched + toDuration(o_.timeout);
        active_.insert(c.get());
        boost::system::error_code ec;
        co_await c->sock.async_connect(endpoints_[target],
                                       asio::redirect_error(asio::use_awaitable, ec));
        if (!ec) c->sock.set_option(tcp::no_delay(true), ec);
        if (ec) {
          active_.erase(c.get());
          Record& rec = records_[idx];
          rec.error = c->timed_out ? Error::kTimeout
                      : c->cut     ? Error::kUnfinished
                                   : Error::kConnect;
          break;
        }
      } else {
        c->deadline = sched + toDuration(o_.timeout);
        c->timed_out = c->cut = false;
        active_.insert(c.get());
      }
      Outcome out = co_await exchange(*c, e, idx, sched, reused);
      active_.erase(c.get());
      if (out == Outcome::kStale && attempt == 0) continue;  // idle keep-alive closed by the peer
      if (out == Outcome::kKeep && o_.keepalive && !draining_cut_)
        idle_[target].push_back(std::move(c));
      break;
    }
    --inflight_;
  }

  awaitable<Outcome> exchange(Conn& c, const Entry& e, size_t idx, TimePoint sched, bool reused) {
    Record& rec = records_[idx];
    auto fail = [&](Error why) {
      rec.error = c.timed_out ? Error::kTimeout : c.cut ? Error::kUnfinished : why;
      return Outcome::kClose;
    };
    boost::system::error_code ec;
    co_await asio::async_write(c.sock, asio::buffer(e.wire),
                               asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return (reused && !c.timed_out && !c.cut) ? Outcome::kStale : fail(Error::kIo);
    http1::Parser parser(http1::Parser::Type::kResponse);
    SseScanner sse;
    bool got_bytes = false, head_done = false, complete = false;
    auto on_content = [&] {
      if (rec.content_chunks++ == 0) rec.ttft_ms = msSince(sched, Clock::now());
      if (Clock::now() < window_end_) ++window_tokens_;
    };
    while (!complete) {
      size_t n = co_await c.sock.async_read_some(asio::buffer(c.buf),
                                                 asio::redirect_error(asio::use_awaitable, ec));
      if (ec || n == 0) {
        if (!got_bytes && reused && !c.timed_out && !c.cut) co_return Outcome::kStale;
        if (ec == asio::error::eof && parser.finish() && head_done) {
          complete = true;  // close-delimited body
          break;
        }
        co_return fail(Error::kIo);
      }
      got_bytes = true;
      size_t off = 0;
      while (off < n && !complete) {
        auto r = parser.parse(c.buf.data() + off, n - off);
        if (r.error) co_return fail(Error::kParse);
        off += r.consumed;
        if (r.headers_complete && parser.head().status >= 200) {
          head_done = true;
          rec.status = parser.head().status;
          auto pod = parser.head().headers.get("x-inference-pod");
          if (!pod.empty()) rec.pod = podIndex(pod);
        }
        if (head_done && rec.status == 200) {
          for (auto piece : parser.body()) sse.feed(piece, rec, on_content);
        }
        if (r.message_complete) {
          if (parser.head().status < 200) {  // interim response: a new message follows
            head_done = false;
            continue;
          }
          complete = true;
        }
        if (r.consumed == 0 && !r.message_complete && !r.headers_complete) break;
      }
    }
    rec.e2e_ms = msSince(sched, Clock::now());
    if (rec.status == 200 && rec.ttft_ms < 0) rec.ttft_ms = rec.e2e_ms;
    last_done_ = std::max(last_done_, Clock::now());
    co_return parser.head().keep_alive ? Outcome::kKeep : Outcome::kClose;
  }

  int podIndex(std::string_view name) {
    auto it = pod_ids_.find(std::string(name));
    if (it != pod_ids_.end()) return it->second;
    int id = int(pod_names_.size());
    pod_names_.emplace_back(name);
    pod_ids_.emplace(std::string(name), id);
    return id;
  }

  asio::io_context& io_;
  const Options& o_;
  std::vector<Entry> entries_;
  std::vector<tcp::endpoint> endpoints_;
  std::vector<std::vector<std::unique_ptr<Conn>>> idle_;
  std::unordered_set<Conn*> active_;
  std::deque<Record> records_;
  std::vector<std::string> pod_names_;
  std::unordered_map<std::string, int> pod_ids_;
  TimePoint t0_{}, window_end_{}, last_done_{};
  size_t inflight_ = 0;
  int64_t window_tokens_ = 0;
  bool draining_cut_ = false;
  bool finished_ = false;
};

json::object quantiles(std::vector<double> v) {
  json::object o;
  o["n"] = v.size();
  if (v.empty()) return o;
  std::sort(v.begin(), v.end());
  auto q = [&](double p) {
    size_t i = size_t(std::ceil(p * double(v.size())));
    return v[std::min(v.size() - 1, i > 0 ? i - 1 : 0)];
  };
  double sum = 0;
  for (double x : v) sum += x;
  auto r = [](double x) { return std::round(x * 10) / 10; };
  o["mean"] = r(sum / double(v.size()));
  o["p50"] = r(q(0.50));
  o["p90"] = r(q(0.90));
  o["p99"] = r(q(0.99));
  o["max"] = r(v.back());
  return o;
}

json::object LoadGen::summary() const {
  std::vector<double> ttft, e2e, tpot, lag;
  std::map<std::string, int64_t> status, errors;
  std::vector<int64_t> pods(pod_names_.size(), 0);
  int64_t ok = 0, out_tokens = 0, prompt_tokens = 0, cached_tokens = 0, cache_reports = 0;
  for (const Record& r : records_) {
    lag.push_back(r.lag_ms);
    if (r.status) ++status[std::to_string(r.status)];
    if (r.error != Error::kNone) ++errors[errorName(r.error)];
    if (r.pod >= 0) ++pods[size_t(r.pod)];
    if (!r.ok()) continue;
    ++ok;
    ttft.push_back(r.ttft_ms);
    e2e.push_back(r.e2e_ms);
    int64_t out = r.outputTokens();
    out_tokens += out;
    if (out > 1) tpot.push_back((r.e2e_ms - r.ttft_ms) / double(out - 1));
    if (r.prompt_tokens >= 0) prompt_tokens += r.prompt_tokens;
    if (r.cached_tokens >= 0) {
      cached_tokens += r.cached_tokens;
      ++cache_reports;
    }
  }
  double window = o_.duration;
  double elapsed = std::max(window, std::chrono::duration<double>(last_done_ - t0_).count());
  json::object s;
  s["rate"] = o_.rate;
  s["duration_s"] = o_.duration;
  s["seed"] = o_.seed;
  s["sent"] = int64_t(records_.size()) - (errors.count("not_sent") ? errors.at("not_sent") : 0);
  s["scheduled"] = records_.size();
  s["ok"] = ok;
  json::object st;
  for (const auto& [k, v] : status) st[k] = v;
  s["status"] = std::move(st);
  s["count_429"] = status.count("429") ? status.at("429") : 0;
  json::object er;
  for (const auto& [k, v] : errors) er[k] = v;
  s["errors"] = std::move(er);
  s["ttft_ms"] = quantiles(std::move(ttft));
  s["e2e_ms"] = quantiles(std::move(e2e));
  s["tpot_ms"] = quantiles(std::move(tpot));
  s["output_tokens"] = out_tokens;
  s["elapsed_s"] = std::round(elapsed * 1000) / 1000;
  // Output tokens/s over the window: content chunks (one per token) received while requests were
  // being sent, over the window's length. completed_: output tokens of the successful requests
  // over the time from the window's start to the last response (drain included).
  s["output_tokens_per_s"] = std::round(double(window_tokens_) / window * 10) / 10;
  s["completed_output_tokens_per_s"] = std::round(double(out_tokens) / elapsed * 10) / 10;
  s["prompt_tokens"] = prompt_tokens;
  s["cached_tokens"] = cached_tokens;
  s["cache_hit_ratio"] =
      prompt_tokens > 0 && cache_reports > 0
          ? std::round(double(cached_tokens) / double(prompt_tokens) * 1000) / 1000
          : 0.0;
  json::object po;
  for (size_t i = 0; i < pods.size(); ++i) po[pod_names_[i]] = pods[i];
  s["pods"] = std::move(po);
  s["send_lag_ms"] = quantiles(std::move(lag));
  s["next_offset"] = (o_.offset + records_.size()) % entries_.size();
  s["workload_size"] = entries_.size();
  return s;
}

void LoadGen::writeRecords(const std::string& path) const {
  std::ofstream out(path);
  for (const Record& r : records_) {
    json::object o{{"sched_s", r.sched_s},
                   {"lag_ms", r.lag_ms},
                   {"status", r.status},
                   {"ttft_ms", r.ttft_ms},
                   {"e2e_ms", r.e2e_ms},
                   {"output_tokens", r.outputTokens()},
                   {"prompt_tokens", r.prompt_tokens},
                   {"cached_tokens", r.cached_tokens},
                   {"pod", r.pod >= 0 ? json::value(pod_names_[size_t(r.pod)]) : nullptr},
                   {"error", errorName(r.error)}};
    out << json::serialize(o) << '\n';
  }
}

double cpuSeconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return double(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         double(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

void raiseFdLimit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
  }
}

}  // namespace
}  // namespace torii::llmload

int main(int argc, char** argv) {
  using namespace torii::llmload;
  std::signal(SIGPIPE, SIG_IGN);
  auto opts = parseArgs(argc, argv);
  if (!opts) return 2;
  raiseFdLimit();
  std::vector<Entry> entries;
  if (!opts->workload.empty()) {
    if (!loadWorkload(*opts, entries)) return 2;
  } else {
    generateWorkload(*opts, entries);
  }
  torii::asio::io_context io{1};
  LoadGen gen(io, *opts, std::move(entries));
  double cpu0 = cpuSeconds();
  auto wall0 = Clock::now();
  bool failed = false;
  torii::asio::co_spawn(io, gen.run(), [&](std::exception_ptr e) {
    if (e) failed = true;
  });
  io.run();
  if (failed) {
    std::fprintf(stderr, "torii-llm-load: internal error\n");
    return 1;
  }
  auto s = gen.summary();
  double wall = std::chrono::duration<double>(Clock::now() - wall0).count();
  s["generator_cpu_s"] = std::round((cpuSeconds() - cpu0) * 1000) / 1000;
  s["generator_wall_s"] = std::round(wall * 1000) / 1000;
  if (!opts->records.empty()) gen.writeRecords(opts->records);
  std::string out = json::serialize(s);
  std::fwrite(out.data(), 1, out.size(), stdout);
  std::fputc('\n', stdout);
  return 0;
}
