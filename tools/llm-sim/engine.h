#pragma once
// The simulated inference engine: everything between "a parsed request arrived" and "its last
// token went out" except the clock. It validates requests against the served models, plans the
// output, admits requests to the scheduler, does the KV-cache lookup when a request starts
// running, hands out latencies, and records metrics. The HTTP server (server.h) owns sockets and
// timers and calls in; nothing here blocks or knows about asio. Single-threaded.
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "kv_cache.h"
#include "latency.h"
#include "lora.h"
#include "metrics.h"
#include "openai.h"
#include "options.h"
#include "random.h"
#include "scheduler.h"

namespace torii::llmsim {

using SteadyTime = std::chrono::steady_clock::time_point;

// One request through the engine.
struct Job {
  uint64_t id = 0;
  Api api = Api::kChat;
  std::string model;  // as the client named it (base alias or adapter)
  std::string lora;   // adapter name, empty for the base model
  bool stream = false;
  bool include_usage = true;
  int max_tokens = -1;
  std::vector<uint32_t> prompt_ids;
  std::vector<std::string> output;  // one string per output token
  std::string finish_reason;
  int cached_tokens = 0;
  SteadyTime queued_at{}, started_at{}, first_token_at{};
  int promptTokens() const { return int(prompt_ids.size()); }
  Usage usage() const { return Usage{promptTokens(), int(output.size()), cached_tokens}; }
};

struct ApiError {
  int status;
  std::string message;
};

class Engine {
 public:
  explicit Engine(const Options& opts);

  // Validates the request and plans its answer. Errors: 404 unknown model, 400 too long.
  std::variant<Job, ApiError> prepare(const CompletionRequest& req, Api api);
  // Admits a prepared job (sets its id and queued_at).
  Scheduler::Admission submit(Job& job, SteadyTime now);
  // The job starts running: looks its prompt up in the KV cache (sets cached_tokens) and returns
  // its time to first token under the current load.
  Nanos startPrefill(Job& job, SteadyTime now);
  // Delay before the next token of a running job under the current load.
  Nanos nextTokenDelay();
  void recordInterToken(const Job& job, Nanos delay);
  // The job ended: completed (metrics recorded) or abandoned by its client (running or queued).
  // Returns the ids of waiting jobs that start in its place.
  std::vector<uint64_t> finish(const Job& job, bool completed, SteadyTime now);

  std::string metricsText() const;
  std::vector<ModelEntry> models() const;
  LoraSlots& loras() { return loras_; }
  const Scheduler& scheduler() const { return scheduler_; }
  const KvCache& kvCache() const { return kv_; }
  const Options& options() const { return opts_; }

 private:
  void noteLoraChange();

  const Options& opts_;
  Random rng_;
  LatencyModel latency_;
  LoraSlots loras_;
  Scheduler scheduler_;
  KvCache kv_;
  Metrics metrics_;
  uint64_t next_id_ = 1;
  std::vector<std::string> last_running_loras_, last_waiting_loras_;
  double lora_info_ts_ = 0;
};

}  // namespace torii::llmsim
