#include "scheduler.h"

#include <algorithm>

namespace torii::llmsim {

bool Scheduler::tryStart(uint64_t id, const std::string& lora) {
  if (int(running_.size()) >= max_running_) return false;
  if (!lora.empty() && !loras_.acquire(lora)) return false;
  running_[id] = lora;
  running_order_.push_back(id);
  return true;
}

Scheduler::Admission Scheduler::submit(uint64_t id, const std::string& lora) {
  if (tryStart(id, lora)) return Admission::kStarted;
  if (int(waiting_.size()) >= max_waiting_) return Admission::kRejected;
  waiting_.push_back({id, lora});
  return Admission::kQueued;
}

std::vector<uint64_t> Scheduler::finish(uint64_t id) {
  std::vector<uint64_t> started;
  auto it = running_.find(id);
  if (it == running_.end()) {
    auto w = std::find_if(waiting_.begin(), waiting_.end(),
                          [&](const Waiting& x) { return x.id == id; });
    if (w != waiting_.end()) waiting_.erase(w);
    return started;
  }
  if (!it->second.empty()) loras_.release(it->second);
  running_.erase(it);
  running_order_.erase(std::find(running_order_.begin(), running_order_.end(), id));

  while (int(running_.size()) < max_running_ && !waiting_.empty()) {
    auto pick = std::find_if(waiting_.begin(), waiting_.end(), [&](const Waiting& x) {
      return x.lora.empty() || loras_.isLoaded(x.lora);
    });
    if (pick == waiting_.end()) {
      pick = std::find_if(waiting_.begin(), waiting_.end(),
                          [&](const Waiting& x) { return loras_.canAcquire(x.lora); });
    }
    if (pick == waiting_.end() || !tryStart(pick->id, pick->lora)) break;
    started.push_back(pick->id);
    waiting_.erase(pick);
  }
  return started;
}

std::vector<std::string> Scheduler::runningAdapters() const {
  std::vector<std::string> out;
  for (uint64_t id : running_order_) {
    const std::string& l = running_.at(id);
    if (!l.empty() && std::find(out.begin(), out.end(), l) == out.end()) out.push_back(l);
  }
  return out;
}

std::vector<std::string> Scheduler::waitingAdapters() const {
  std::vector<std::string> out;
  for (const auto& w : waiting_) {
    if (!w.lora.empty() && std::find(out.begin(), out.end(), w.lora) == out.end())
      out.push_back(w.lora);
  }
  return out;
}

}  // namespace torii::llmsim
