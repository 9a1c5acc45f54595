#include "kv_cache.h"

namespace torii::llmsim {

void KvCache::ref(uint64_t, Block& b) {
  if (b.refs++ == 0) {
    idle_.erase(b.idle_pos);
    ++used_;
  }
}

bool KvCache::evictOne() {
  if (idle_.empty()) return false;
  auto victim = idle_.begin();
  if (loaded_) {
    // Prefer the oldest idle block of an adapter that is no longer loaded.
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
      if (!loaded_(blocks_.at(*it).owner)) {
        victim = it;
        break;
      }
    }
  }
  blocks_.erase(*victim);
  idle_.erase(victim);
  return true;
}

int KvCache::startRequest(uint64_t id, const std::string& owner,
                          const std::vector<uint64_t>& blocks) {
  auto& held = by_request_[id];
  int hits = 0;
  bool prefix = true;
  for (uint64_t h : blocks) {
    auto it = blocks_.find(h);
    if (it != blocks_.end()) {
      if (prefix) ++hits;
      ref(h, it->second);
      held.push_back(h);
      continue;
    }
    prefix = false;
    if (int(blocks_.size()) >= capacity_ && !evictOne()) continue;  // full of referenced blocks
    Block b;
    b.owner = owner;
    b.refs = 1;
    blocks_.emplace(h, std::move(b));
    ++used_;
    held.push_back(h);
  }
  return hits;
}

void KvCache::finishRequest(uint64_t id) {
  auto node = by_request_.find(id);
  if (node == by_request_.end()) return;
  for (uint64_t h : node->second) {
    auto it = blocks_.find(h);
    if (it == blocks_.end()) continue;
    Block& b = it->second;
    if (--b.refs == 0) {
      --used_;
      b.idle_pos = idle_.insert(idle_.end(), h);
    }
  }
  by_request_.erase(node);
}

}  // namespace torii::llmsim
