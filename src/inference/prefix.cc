#include "inference/prefix.h"

#define XXH_STATIC_LINKING_ONLY  // XXH64_state_t on the stack
#include <xxhash.h>

#include <algorithm>
#include <bit>
#include <cstring>
#include <limits>

namespace torii::inference {

std::vector<uint64_t> prefixHashes(std::string_view model, std::string_view prompt,
                                   const PrefixConfig& config) {
  std::vector<uint64_t> out;
  const size_t bs = config.block_chars;
  if (bs == 0) return out;
  size_t blocks =
      std::min(prompt.size() / bs, config.max_blocks);  // trailing partial block ignored
  out.reserve(blocks);
  // inference.md §3.4 (GIE v1.0.0): h0 = XXH64(model ‖ block0); h_i = XXH64(block_i ‖
  // LE64(h_{i-1})).
  XXH64_state_t state;
  uint64_t prev = 0;
  for (size_t i = 0; i < blocks; ++i) {
    XXH64_reset(&state, 0);
    if (i == 0) {
      XXH64_update(&state, model.data(), model.size());
      XXH64_update(&state, prompt.data(), bs);
    } else {
      unsigned char le[8];
      for (int b = 0; b < 8; ++b) le[b] = static_cast<unsigned char>(prev >> (8 * b));
      XXH64_update(&state, prompt.data() + i * bs, bs);
      XXH64_update(&state, le, sizeof le);
    }
    prev = XXH64_digest(&state);
    out.push_back(prev);
  }
  return out;
}

namespace {

constexpr uint32_t kNil = std::numeric_limits<uint32_t>::max();

// Open-addressing map uint64 → uint32 (linear probing, backward-shift deletion). Block hashes are
// xxhash outputs, but they derive from client-controlled text, so keys are remixed with a
// per-map seed (from the ASLR-randomised address of the map) before choosing a bucket: a client
// cannot precompute prompts whose blocks collide.
class FlatMap {
 public:
  FlatMap() : seed_(mix(reinterpret_cast<uintptr_t>(this)) | 1) {}

  const uint32_t* find(uint64_t key) const {
    if (key == 0) return has_zero_ ? &zero_value_ : nullptr;
    if (slots_.empty()) return nullptr;
    for (size_t i = bucket(key);; i = (i + 1) & mask_) {
      const Slot& s = slots_[i];
      if (s.key == key) return &s.value;
      if (s.key == 0) return nullptr;
    }
  }
  uint32_t* find(uint64_t key) {
    return const_cast<uint32_t*>(static_cast<const FlatMap*>(this)->find(key));
  }

  // Inserts key → value (key must be absent).
  void insert(uint64_t key, uint32_t value) {
    if (key == 0) {
      has_zero_ = true;
      zero_value_ = value;
      return;
    }
    if ((size_ + 1) * 4 > slots_.size() * 3) grow();
    insertNoGrow(key, value);
    ++size_;
  }

  void erase(uint64_t key) {
    if (key == 0) {
      has_zero_ = false;
      return;
    }
    if (slots_.empty()) return;
    size_t i = bucket(key);
    for (;; i = (i + 1) & mask_) {
      if (slots_[i].key == key) break;
      if (slots_[i].key == 0) return;
    }
    // Backward-shift deletion keeps probe sequences intact without tombstones.
    size_t hole = i;
    for (size_t j = (i + 1) & mask_;; j = (j + 1) & mask_) {
      if (slots_[j].key == 0) break;
      size_t home = bucket(slots_[j].key);
      // Move j into the hole when its home bucket is not in (hole, j] cyclically.
      bool between = hole <= j ? (home > hole && home <= j) : (home > hole || home <= j);
      if (!between) {
        slots_[hole] = slots_[j];
        hole = j;
      }
    }
    slots_[hole] = Slot{};
    --size_;
  }

  size_t size() const { return size_ + (has_zero_ ? 1 : 0); }

  void clear() {
    slots_.clear();
    mask_ = 0;
    size_ = 0;
    has_zero_ = false;
  }

 private:
  struct Slot {
    uint64_t key = 0;  // 0 = empty
    uint32_t value = 0;
  };

  static uint64_t mix(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  size_t bucket(uint64_t key) const {
    uint64_t h = (key ^ seed_) * 0xbf58476d1ce4e5b9ull;
    h ^= h >> 31;
    return size_t(h) & mask_;
  }
  void insertNoGrow(uint64_t key, uint32_t value) {
    for (size_t i = bucket(key);; i = (i + 1) & mask_) {
      if (slots_[i].key == 0) {
        slots_[i] = Slot{key, value};
        return;
      }
    }
  }
  void grow() {
    std::vector<Slot> old = std::move(slots_);
    size_t cap = old.empty() ? 16 : old.size() * 2;
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    for (const Slot& s : old)
      if (s.key != 0) insertNoGrow(s.key, s.value);
  }

  uint64_t seed_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
  bool has_zero_ = false;
  uint32_t zero_value_ = 0;
};

}  // namespace

// Layout: each endpoint has a slot (dense index), an LRU list of its block hashes (intrusive list
// over a node pool) and a hash → node map for refreshes. A global hash → row map holds, per block
// hash, a bitset of the slots that have it, so match() walks the request's hashes once and
// intersects bitsets instead of probing every endpoint's LRU (inference.md §3.4 "greedy longest
// prefix").
struct PrefixIndex::Impl {
  struct Node {
    uint64_t hash;
    uint32_t prev, next;
  };
  struct Endpoint {
    uint64_t key = 0;
    bool used = false;
    uint32_t head = kNil, tail = kNil;  // head = most recently used
    std::vector<Node> nodes;
    std::vector<uint32_t> free_nodes;
    FlatMap index;  // hash → node
    size_t size() const { return index.size(); }
  };

  size_t capacity;
  std::vector<Endpoint> endpoints;  // by slot
  std::vector<uint32_t> free_slots;
  FlatMap slot_of;             // endpoint key → slot
  size_t words = 1;            // bitset width in 64-bit words
  FlatMap rows;                // block hash → row
  std::vector<uint64_t> bits;  // rows × words
  std::vector<uint32_t> free_rows;
  size_t row_count = 0;
  // Scratch for match() (this class is single-threaded by contract).
  mutable std::vector<uint64_t> active, dropped;
  mutable std::vector<uint32_t> count, slots;

  explicit Impl(size_t cap) : capacity(cap) {}

  uint64_t* row(uint32_t r) { return bits.data() + size_t(r) * words; }
  const uint64_t* row(uint32_t r) const { return bits.data() + size_t(r) * words; }

  uint32_t slotFor(uint64_t key) {
    if (const uint32_t* found = slot_of.find(key)) return *found;
    uint32_t slot;
    if (!free_slots.empty()) {
      slot = free_slots.back();
      free_slots.pop_back();
    } else {
      slot = uint32_t(endpoints.size());
      endpoints.emplace_back();
      if (endpoints.size() > words * 64) widen((endpoints.size() + 63) / 64);
    }
    endpoints[slot].key = key;
    endpoints[slot].used = true;
    slot_of.insert(key, slot);
    return slot;
  }

  void widen(size_t new_words) {
    std::vector<uint64_t> nb(row_count * new_words, 0);
    for (size_t r = 0; r < row_count; ++r)
      std::copy_n(bits.data() + r * words, words, nb.data() + r * new_words);
    bits = std::move(nb);
    words = new_words;
  }

  void setBit(uint64_t hash, uint32_t slot) {
    uint32_t* r = rows.find(hash);
    uint32_t ri;
    if (r) {
      ri = *r;
    } else {
      if (!free_rows.empty()) {
        ri = free_rows.back();
        free_rows.pop_back();
      } else {
        ri = uint32_t(row_count++);
        bits.resize(row_count * words, 0);
      }
      rows.insert(hash, ri);
    }
    row(ri)[slot / 64] |= uint64_t(1) << (slot % 64);
  }

  void clearBit(uint64_t hash, uint32_t slot) {
    uint32_t* r = rows.find(hash);
    if (!r) return;
    uint32_t ri = *r;
    uint64_t* b = row(ri);
    b[slot / 64] &= ~(uint64_t(1) << (slot % 64));
    for (size_t w = 0; w < words; ++w)
      if (b[w]) return;
    rows.erase(hash);
    free_rows.push_back(ri);
  }

  void unlink(Endpoint& e, uint32_t n) {
    Node& node = e.nodes[n];
    if (node.prev != kNil) e.nodes[node.prev].next = node.next;
    if (node.next != kNil) e.nodes[node.next].prev = node.prev;
    if (e.head == n) e.head = node.next;
    if (e.tail == n) e.tail = node.prev;
    node.prev = node.next = kNil;
  }
  void pushFront(Endpoint& e, uint32_t n) {
    Node& node = e.nodes[n];
    node.prev = kNil;
    node.next = e.head;
    if (e.head != kNil) e.nodes[e.head].prev = n;
    e.head = n;
    if (e.tail == kNil) e.tail = n;
  }

  void touch(uint32_t slot, uint64_t hash) {
    Endpoint& e = endpoints[slot];
    if (uint32_t* n = e.index.find(hash)) {
      if (e.head != *n) {
        uint32_t idx = *n;
        unlink(e, idx);
        pushFront(e, idx);
      }
      return;
    }
    uint32_t idx;
    if (!e.free_nodes.empty()) {
      idx = e.free_nodes.back();
      e.free_nodes.pop_back();
      e.nodes[idx] = Node{hash, kNil, kNil};
    } else {
      idx = uint32_t(e.nodes.size());
      e.nodes.push_back(Node{hash, kNil, kNil});
    }
    e.index.insert(hash, idx);
    pushFront(e, idx);
    setBit(hash, slot);
    while (e.size() > capacity) {
      uint32_t victim = e.tail;
      uint64_t vh = e.nodes[victim].hash;
      unlink(e, victim);
      e.index.erase(vh);
      e.free_nodes.push_back(victim);
      clearBit(vh, slot);
    }
  }
};

PrefixIndex::PrefixIndex(size_t capacity_per_endpoint)
    : impl_(std::make_unique<Impl>(capacity_per_endpoint)) {}
PrefixIndex::~PrefixIndex() = default;
PrefixIndex::PrefixIndex(PrefixIndex&&) noexcept = default;
PrefixIndex& PrefixIndex::operator=(PrefixIndex&&) noexcept = default;

void PrefixIndex::match(std::span<const uint64_t> hashes, std::span<const uint64_t> endpoint_keys,
                        std::span<uint32_t> matched_out) const {
  const Impl& im = *impl_;
  size_t n = std::min(endpoint_keys.size(), matched_out.size());
  std::fill(matched_out.begin(), matched_out.end(), 0);
  if (hashes.empty() || n == 0 || im.slot_of.size() == 0) return;
  const size_t words = im.words;
  auto& active = im.active;
  auto& count = im.count;
  auto& slots = im.slots;
  active.assign(words, 0);
  count.assign(words * 64, 0);
  slots.resize(n);
  bool any = false;
  for (size_t i = 0; i < n; ++i) {
    const uint32_t* slot = im.slot_of.find(endpoint_keys[i]);
    slots[i] = slot ? *slot : kNil;
    if (!slot) continue;
    active[*slot / 64] |= uint64_t(1) << (*slot % 64);
    any = true;
  }
  if (!any) return;
  // Walk the chain; an endpoint's count stops at its first missing block.
  size_t i = 0;
  for (; i < hashes.size(); ++i) {
    const uint32_t* r = im.rows.find(hashes[i]);
    bool still = false;
    const uint64_t* row = r ? im.row(*r) : nullptr;
    for (size_t w = 0; w < words; ++w) {
      uint64_t keep = row ? (active[w] & row[w]) : 0;
      uint64_t drop = active[w] & ~keep;
      while (drop) {
        int b = std::countr_zero(drop);
        drop &= drop - 1;
        count[w * 64 + b] = uint32_t(i);
      }
      active[w] = keep;
      still |= keep != 0;
    }
    if (!still) break;
  }
  for (size_t w = 0; w < words; ++w) {
    uint64_t rest = active[w];
    while (rest) {
      int b = std::countr_zero(rest);
      rest &= rest - 1;
      count[w * 64 + b] = uint32_t(i);
    }
  }
  for (size_t k = 0; k < n; ++k) matched_out[k] = slots[k] == kNil ? 0 : count[slots[k]];
}

void PrefixIndex::add(uint64_t endpoint_key, std::span<const uint64_t> hashes) {
  Impl& im = *impl_;
  if (im.capacity == 0 || hashes.empty()) return;
  uint32_t slot = im.slotFor(endpoint_key);
  // Insert the chain back to front so the leading blocks end up most recently used: every match
  // needs block 0, so it must be the last to be evicted (GIE inserts front to back).
  size_t n = std::min(hashes.size(), im.capacity);
  for (size_t i = n; i-- > 0;) im.touch(slot, hashes[i]);
}

void PrefixIndex::removeEndpoint(uint64_t endpoint_key) {
  Impl& im = *impl_;
  const uint32_t* found = im.slot_of.find(endpoint_key);
  if (!found) return;
  uint32_t slot = *found;
  Impl::Endpoint& e = im.endpoints[slot];
  for (uint32_t n = e.head; n != kNil; n = e.nodes[n].next) im.clearBit(e.nodes[n].hash, slot);
  e = Impl::Endpoint{};
  im.slot_of.erase(endpoint_key);
  im.free_slots.push_back(slot);
}

size_t PrefixIndex::size(uint64_t endpoint_key) const {
  const uint32_t* slot = impl_->slot_of.find(endpoint_key);
  return slot ? impl_->endpoints[*slot].size() : 0;
}

}  // namespace torii::inference
