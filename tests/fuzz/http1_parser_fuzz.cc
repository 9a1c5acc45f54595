// libFuzzer target for the HTTP/1.1 codec: request and response parsing, bytes split at
// fuzzer-chosen points, pipelining and the invariants callers rely on.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "http/http1/parser.h"

using torii::http1::Parser;

namespace {

void check(bool cond) {
  if (!cond) std::abort();
}

void run(Parser::Type type, const uint8_t* data, size_t size, size_t step) {
  Parser p(type, torii::http1::Limits{4096, 32});
  std::string buf;
  size_t pos = 0;
  int messages = 0;
  while (pos < size || !buf.empty()) {
    size_t take = std::min(step, size - pos);
    buf.append(reinterpret_cast<const char*>(data) + pos, take);
    pos += take;
    bool progressed = false;
    while (!buf.empty()) {
      auto r = p.parse(buf.data(), buf.size());
      check(r.consumed <= buf.size());
      for (auto piece : p.body()) {
        check(piece.data() >= buf.data() && piece.data() + piece.size() <= buf.data() + buf.size());
      }
      if (r.error) {
        int st = p.errorStatus();
        check(st >= 400 && st < 600);
        return;
      }
      if (r.message_complete) ++messages;
      buf.erase(0, r.consumed);
      if (r.consumed == 0 && !r.message_complete) break;
      progressed = true;
    }
    if (pos >= size && !progressed) break;
    if (messages > 1000) break;
  }
  (void)p.finish();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  size_t step = (data[0] % 17) + 1;
  if (data[0] & 0x80) step = size;  // sometimes everything at once
  run(Parser::Type::kRequest, data + 1, size - 1, step);
  run(Parser::Type::kResponse, data + 1, size - 1, step);
  return 0;
}
