#pragma once
// GIE v1.0.0-style approximate prefix-cache affinity (inference.md §3.4): the prompt is cut into
// fixed blocks of characters, each block hash chains the previous one, and a per-endpoint LRU
// remembers which block hashes were sent to which endpoint.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>
#include <vector>

namespace torii::inference {

struct PrefixConfig {
  size_t block_chars = 64;
  size_t max_blocks = 256;
  size_t lru_capacity = 31250;
  bool operator==(const PrefixConfig&) const = default;
};

// h0 = XXH64(model || block0), h_i = XXH64(block_i || LE64(h_{i-1})); trailing partial block
// ignored; at most max_blocks.
std::vector<uint64_t> prefixHashes(std::string_view model, std::string_view prompt,
                                   const PrefixConfig& config);

// Per-endpoint LRU of block hashes. NOT thread-safe: one per worker per pool, used only on that
// worker's thread.
class PrefixIndex {
 public:
  explicit PrefixIndex(size_t capacity_per_endpoint = 31250);
  ~PrefixIndex();
  PrefixIndex(PrefixIndex&&) noexcept;
  PrefixIndex& operator=(PrefixIndex&&) noexcept;
  PrefixIndex(const PrefixIndex&) = delete;
  PrefixIndex& operator=(const PrefixIndex&) = delete;

  // For each endpoint key, the number of LEADING hashes of `hashes` present in its LRU (greedy
  // longest prefix). matched_out.size() must be endpoint_keys.size().
  void match(std::span<const uint64_t> hashes, std::span<const uint64_t> endpoint_keys,
             std::span<uint32_t> matched_out) const;
  // Insert/refresh `hashes` for the endpoint, evicting its least recently used beyond capacity.
  void add(uint64_t endpoint_key, std::span<const uint64_t> hashes);
  void removeEndpoint(uint64_t endpoint_key);
  size_t size(uint64_t endpoint_key) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;  // pimpl keeps the container choice out of the header
};

}  // namespace torii::inference
