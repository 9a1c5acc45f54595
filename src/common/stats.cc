#include "common/stats.h"

#include <fmt/format.h>

namespace torii {

std::string renderPrometheus(const std::vector<const Stats*>& shards) {
  std::string out;
#define TORII_RENDER(name, help)                                                                 \
  {                                                                                              \
    uint64_t sum = 0;                                                                            \
    for (const Stats* s : shards) sum += s->name.load(std::memory_order_relaxed);                \
    out += fmt::format("# HELP torii_" #name " {}\n# TYPE torii_" #name " counter\ntorii_" #name \
                       " {}\n",                                                                  \
                       help, sum);                                                               \
  }
  TORII_COUNTERS(TORII_RENDER)
#undef TORII_RENDER
  int64_t dcx = 0, ucx = 0;
  for (const Stats* s : shards) {
    dcx += s->downstream_cx_active.load(std::memory_order_relaxed);
    ucx += s->upstream_cx_active.load(std::memory_order_relaxed);
  }
  out += fmt::format(
      "# HELP torii_downstream_cx_active Open downstream connections\n# TYPE "
      "torii_downstream_cx_active gauge\ntorii_downstream_cx_active {}\n",
      dcx);
  out += fmt::format(
      "# HELP torii_upstream_cx_active Open upstream connections\n# TYPE torii_upstream_cx_active "
      "gauge\ntorii_upstream_cx_active {}\n",
      ucx);
  // Per worker (one shard per worker, in worker order): shows how evenly connections are spread.
  out +=
      "# HELP torii_worker_downstream_cx_active Open downstream connections per worker\n"
      "# TYPE torii_worker_downstream_cx_active gauge\n";
  for (size_t i = 0; i < shards.size(); ++i) {
    out += fmt::format("torii_worker_downstream_cx_active{{worker=\"{}\"}} {}\n", i,
                       shards[i]->downstream_cx_active.load(std::memory_order_relaxed));
  }
  return out;
}

}  // namespace torii
