#pragma once
// The simulated KV cache (llm-d-inference-sim pkg/kv-cache/block_cache.go): `capacity` blocks of
// `block_size` tokens, keyed by chained block hashes (tokens.h). A running request holds
// references to its prompt's blocks; when it finishes they stay resident, unreferenced, so a
// later request with the same prefix finds them (a hit skips their prefill). Unreferenced
// blocks are evicted oldest first when room is needed, blocks of unloaded LoRA adapters before
// any other. Usage (vllm:kv_cache_usage_perc) counts referenced blocks only, as vLLM does.
#include <cstdint>
#include <functional>
#include <list>
#include <string>
#include <unordered_map>
#include <vector>

namespace torii::llmsim {

class KvCache {
 public:
  // Whether the adapter (or base model) `owner` is loaded; its idle blocks are evicted last.
  using LoadedFn = std::function<bool(const std::string& owner)>;

  KvCache(int capacity, int block_size) : capacity_(capacity), block_size_(block_size) {}
  void setLoadedPredicate(LoadedFn fn) { loaded_ = std::move(fn); }

  // Request `id` starts its prefill over `blocks` (chained hashes, prompt order). Returns the
  // number of leading blocks already resident (the cache hit). Missing blocks are stored while
  // there is room (evicting idle blocks); when the cache is full of referenced blocks, the rest
  // of the prompt simply is not cached — the request still runs.
  int startRequest(uint64_t id, const std::string& owner, const std::vector<uint64_t>& blocks);
  // Request `id` finished (or was cancelled): its blocks become idle and evictable.
  void finishRequest(uint64_t id);

  int capacity() const { return capacity_; }
  int blockSize() const { return block_size_; }
  int usedBlocks() const { return used_; }
  int residentBlocks() const { return int(blocks_.size()); }
  double usage() const { return capacity_ > 0 ? double(used_) / capacity_ : 0.0; }
  bool contains(uint64_t hash) const { return blocks_.count(hash) != 0; }

 private:
  struct Block {
    std::string owner;
    int refs = 0;
    std::list<uint64_t>::iterator idle_pos;  // valid when refs == 0
  };
  bool evictOne();
  void ref(uint64_t hash, Block& b);

  int capacity_;
  int block_size_;
  int used_ = 0;
  LoadedFn loaded_;
  std::unordered_map<uint64_t, Block> blocks_;
  std::list<uint64_t> idle_;  // least recently released first
  std::unordered_map<uint64_t, std::vector<uint64_t>> by_request_;
};

}  // namespace torii::llmsim
