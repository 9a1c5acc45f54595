#pragma once
// Admission and dispatch of requests to the `max-num-seqs` running slots (llm-d-inference-sim's
// worker pool). A request starts at once when a slot is free and its LoRA adapter can be loaded;
// otherwise it waits in a FIFO queue of at most `max-waiting-queue-length` (beyond that: 429).
// When a slot frees, the first waiting request whose adapter is already loaded goes first (no
// swap needed), else the first whose adapter can be loaded. Pure bookkeeping: the server owns
// the timers and calls in when requests finish.
#include <cstdint>
#include <deque>
#include <string>
#include <unordered_map>
#include <vector>

#include "lora.h"

namespace torii::llmsim {

class Scheduler {
 public:
  enum class Admission { kStarted, kQueued, kRejected };

  Scheduler(int max_num_seqs, int max_waiting, LoraSlots& loras)
      : max_running_(max_num_seqs), max_waiting_(max_waiting), loras_(loras) {}

  // A new request; `lora` is empty for the base model.
  Admission submit(uint64_t id, const std::string& lora);
  // A running request finished, or a running/waiting one was cancelled. Returns the waiting
  // requests that started in its place, in start order.
  std::vector<uint64_t> finish(uint64_t id);

  int running() const { return int(running_.size()); }
  int waiting() const { return int(waiting_.size()); }
  bool isRunning(uint64_t id) const { return running_.count(id) != 0; }
  // Distinct adapters of running / waiting requests, in first-seen order (vllm:lora_requests_info).
  std::vector<std::string> runningAdapters() const;
  std::vector<std::string> waitingAdapters() const;

 private:
  struct Waiting {
    uint64_t id;
    std::string lora;
  };
  bool tryStart(uint64_t id, const std::string& lora);

  int max_running_;
  int max_waiting_;
  LoraSlots& loras_;
  std::unordered_map<uint64_t, std::string> running_;  // id → adapter ("" = base)
  std::vector<uint64_t> running_order_;                // for a stable runningAdapters()
  std::deque<Waiting> waiting_;
};

}  // namespace torii::llmsim
