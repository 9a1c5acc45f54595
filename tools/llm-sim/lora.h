#pragma once
// LoRA adapters: the registered set (--lora-modules, /v1/load_lora_adapter) and the `max-loras`
// GPU slots. An adapter must be loaded into a slot to run; it stays loaded after its requests
// finish and is evicted (least recently used first) only when another adapter needs the slot
// and it has no running request. vLLM swaps adapters the same way.
#include <cstdint>
#include <list>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace torii::llmsim {

struct LoraModule {
  std::string name;
  std::string path;             // informational (/v1/models "root")
  std::string base_model_name;  // empty: the simulator's model
};

class LoraSlots {
 public:
  explicit LoraSlots(int max_loras) : max_loras_(max_loras) {}

  void registerAdapter(LoraModule m);
  // False when unknown or still in use by a running request.
  bool unregisterAdapter(const std::string& name);
  const LoraModule* find(const std::string& name) const;
  const std::map<std::string, LoraModule>& registered() const { return registered_; }

  bool isLoaded(const std::string& name) const;
  // True if `name` is loaded or could be loaded now (a free slot or an idle adapter to evict).
  bool canAcquire(const std::string& name) const;
  // A request of adapter `name` starts running: loads it if needed (evicting an idle adapter).
  // Returns false, changing nothing, when no slot can be had.
  bool acquire(const std::string& name);
  // A request of adapter `name` finished.
  void release(const std::string& name);

  int maxLoras() const { return max_loras_; }
  int refs(const std::string& name) const;
  // Loaded adapters, least recently used first.
  std::vector<std::string> loaded() const;
  // Count of loads performed (for tests and logs).
  uint64_t loads() const { return loads_; }

 private:
  struct Slot {
    std::string name;
    int refs = 0;
  };
  std::list<Slot>::iterator findSlot(const std::string& name);
  std::list<Slot>::const_iterator findSlot(const std::string& name) const;

  int max_loras_;
  std::map<std::string, LoraModule> registered_;
  std::list<Slot> slots_;  // LRU order: front = least recently acquired
  uint64_t loads_ = 0;
};

}  // namespace torii::llmsim
