#include "inference/prefix.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <deque>
#include <map>
#include <random>
#include <string>

namespace torii::inference {
namespace {

uint64_t xxh(const std::string& s) { return XXH64(s.data(), s.size(), 0); }
std::string le64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = char(v >> (8 * i));
  return out;
}

TEST(PrefixHash, ChainMatchesTheSpec) {
  PrefixConfig cfg;
  cfg.block_chars = 4;
  std::string prompt = "abcdefghijkl";
  auto h = prefixHashes("llama", prompt, cfg);
  ASSERT_EQ(h.size(), 3u);
  uint64_t h0 = xxh("llama" + std::string("abcd"));
  uint64_t h1 = xxh("efgh" + le64(h0));
  uint64_t h2 = xxh("ijkl" + le64(h1));
  EXPECT_EQ(h[0], h0);
  EXPECT_EQ(h[1], h1);
  EXPECT_EQ(h[2], h2);
  // Known value (guards against an accidental change of the hash function or its seed).
  EXPECT_EQ(prefixHashes("", "abcd", cfg), std::vector<uint64_t>{xxh("abcd")});
  EXPECT_EQ(xxh(""), 0xef46db3751d8e999ull);
}

TEST(PrefixHash, PartialBlockIgnoredAndCapped) {
  PrefixConfig cfg;  // 64 chars
  std::string p(130, 'x');
  EXPECT_EQ(prefixHashes("m", p, cfg).size(), 2u);
  EXPECT_TRUE(prefixHashes("m", std::string(63, 'x'), cfg).empty());
  EXPECT_TRUE(prefixHashes("m", "", cfg).empty());
  cfg.max_blocks = 3;
  EXPECT_EQ(prefixHashes("m", std::string(64 * 10, 'x'), cfg).size(), 3u);
  cfg.block_chars = 0;
  EXPECT_TRUE(prefixHashes("m", p, cfg).empty());
  // The trailing partial block does not change the full blocks' hashes.
  cfg = PrefixConfig{};
  EXPECT_EQ(prefixHashes("m", std::string(128, 'x'), cfg), prefixHashes("m", p, cfg));
}

TEST(PrefixHash, ModelIsPartOfEveryHash) {
  PrefixConfig cfg;
  std::string p(64 * 4, 'q');
  auto a = prefixHashes("model-a", p, cfg);
  auto b = prefixHashes("model-b", p, cfg);
  ASSERT_EQ(a.size(), 4u);
  for (size_t i = 0; i < a.size(); ++i) EXPECT_NE(a[i], b[i]) << i;
}

TEST(PrefixHash, SharedPrefixSharesLeadingHashes) {
  PrefixConfig cfg;
  std::string base(64 * 3, 's');
  std::string p1 = base + std::string(64, '1') + std::string(64, 'z');
  std::string p2 = base + std::string(64, '2') + std::string(64, 'z');
  auto a = prefixHashes("m", p1, cfg);
  auto b = prefixHashes("m", p2, cfg);
  ASSERT_EQ(a.size(), 5u);
  for (size_t i = 0; i < 3; ++i) EXPECT_EQ(a[i], b[i]);
  EXPECT_NE(a[3], b[3]);
  EXPECT_NE(a[4], b[4]);  // chained: same block after a divergence still differs
}

std::vector<uint32_t> match(const PrefixIndex& idx, std::vector<uint64_t> hashes,
                            std::vector<uint64_t> keys) {
  std::vector<uint32_t> out(keys.size(), 999);
  idx.match(hashes, keys, out);
  return out;
}

TEST(PrefixIndex, MatchCountsLeadingBlocks) {
  PrefixIndex idx(100);
  idx.add(1, std::vector<uint64_t>{10, 11, 12, 13});
  idx.add(2, std::vector<uint64_t>{10, 11});
  idx.add(3, std::vector<uint64_t>{11, 12, 13});  // no block 0: never matches
  idx.add(4, std::vector<uint64_t>{10, 11, 13});  // gap at 12
  EXPECT_EQ(match(idx, {10, 11, 12, 13, 14}, {1, 2, 3, 4, 5}),
            (std::vector<uint32_t>{4, 2, 0, 2, 0}));
  EXPECT_EQ(match(idx, {}, {1, 2}), (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(match(idx, {99}, {1, 2}), (std::vector<uint32_t>{0, 0}));
  EXPECT_EQ(match(idx, {10, 11}, {2, 2, 1}), (std::vector<uint32_t>{2, 2, 2}));
  EXPECT_EQ(idx.size(1), 4u);
  EXPECT_EQ(idx.size(3), 3u);
  EXPECT_EQ(idx.size(42), 0u);
  // Hash value 0 is a valid key.
  idx.add(5, std::vector<uint64_t>{0, 7});
  EXPECT_EQ(match(idx, {0, 7, 8}, {5, 1}), (std::vector<uint32_t>{2, 0}));
}

TEST(PrefixIndex, LruEvictsOldestAndKeepsLeadingBlocks) {
  PrefixIndex idx(4);
  idx.add(1, std::vector<uint64_t>{1, 2, 3});
  idx.add(1, std::vector<uint64_t>{4, 5});
  // Recency, newest first: 4 5 1 2 3 → 3 is evicted.
  EXPECT_EQ(idx.size(1), 4u);
  EXPECT_EQ(match(idx, {1, 2, 3}, {1}), std::vector<uint32_t>{2});
  EXPECT_EQ(match(idx, {4, 5}, {1}), std::vector<uint32_t>{2});
  // Refresh 2 (and 1): recency 1 2 4 5 → adding 6 evicts 5.
  idx.add(1, std::vector<uint64_t>{1, 2});
  idx.add(1, std::vector<uint64_t>{6});
  EXPECT_EQ(match(idx, {4, 5}, {1}), std::vector<uint32_t>{1});
  EXPECT_EQ(match(idx, {1, 2}, {1}), std::vector<uint32_t>{2});
  EXPECT_EQ(match(idx, {6}, {1}), std::vector<uint32_t>{1});
  // A chain longer than the capacity keeps its leading blocks.
  idx.add(2, std::vector<uint64_t>{20, 21, 22, 23, 24, 25, 26});
  EXPECT_EQ(idx.size(2), 4u);
  EXPECT_EQ(match(idx, {20, 21, 22, 23, 24, 25, 26}, {2}), std::vector<uint32_t>{4});
  // Eviction on one endpoint does not touch another holding the same hash.
  idx.add(3, std::vector<uint64_t>{20});
  idx.add(2, std::vector<uint64_t>{30, 31, 32, 33});
  EXPECT_EQ(match(idx, {20}, {2, 3}), (std::vector<uint32_t>{0, 1}));
}

TEST(PrefixIndex, RemoveEndpoint) {
  PrefixIndex idx(10);
  idx.add(1, std::vector<uint64_t>{1, 2});
  idx.add(2, std::vector<uint64_t>{1, 2});
  idx.removeEndpoint(1);
  idx.removeEndpoint(77);  // unknown: no-op
  EXPECT_EQ(idx.size(1), 0u);
  EXPECT_EQ(match(idx, {1, 2}, {1, 2}), (std::vector<uint32_t>{0, 2}));
  idx.add(3, std::vector<uint64_t>{1});  // reuses the freed slot: must start empty
  EXPECT_EQ(match(idx, {1, 2}, {3, 1, 2}), (std::vector<uint32_t>{1, 0, 2}));
}

TEST(PrefixIndex, ZeroCapacityStoresNothing) {
  PrefixIndex idx(0);
  idx.add(1, std::vector<uint64_t>{1, 2});
  EXPECT_EQ(idx.size(1), 0u);
  EXPECT_EQ(match(idx, {1, 2}, {1}), std::vector<uint32_t>{0});
}

// Reference model: per-endpoint recency list, leading-match count.
struct NaiveIndex {
  size_t capacity;
  std::map<uint64_t, std::deque<uint64_t>> lru;  // front = newest
  void add(uint64_t key, const std::vector<uint64_t>& hashes) {
    if (capacity == 0 || hashes.empty()) return;
    auto& l = lru[key];
    size_t n = std::min(hashes.size(), capacity);
    for (size_t i = n; i-- > 0;) {
      auto it = std::find(l.begin(), l.end(), hashes[i]);
      if (it != l.end()) l.erase(it);
      l.push_front(hashes[i]);
      while (l.size() > capacity) l.pop_back();
    }
  }
  uint32_t match(const std::vector<uint64_t>& hashes, uint64_t key) const {
    auto it = lru.find(key);
    if (it == lru.end()) return 0;
    uint32_t n = 0;
    for (uint64_t h : hashes) {
      if (std::find(it->second.begin(), it->second.end(), h) == it->second.end()) break;
      ++n;
    }
    return n;
  }
};

TEST(PrefixIndex, AgreesWithReferenceModelAcrossManyEndpoints) {
  std::mt19937_64 rng(12345);
  PrefixIndex idx(24);
  NaiveIndex ref{24, {}};
  const int kEndpoints = 150;  // more than two 64-bit words of slots
  std::vector<uint64_t> keys;
  for (int i = 0; i < kEndpoints; ++i) keys.push_back(1000 + i * 7);
  for (int step = 0; step < 6000; ++step) {
    uint64_t key = keys[rng() % keys.size()];
    int op = int(rng() % 20);
    // Chains over a small alphabet so endpoints share and collide often.
    std::vector<uint64_t> chain;
    size_t len = rng() % 12;
    uint64_t start = rng() % 8;
    for (size_t i = 0; i < len; ++i) chain.push_back(start * 100 + (i < 3 ? i : rng() % 40));
    if (op == 0) {
      idx.removeEndpoint(key);
      ref.lru.erase(key);
    } else if (op < 12) {
      idx.add(key, chain);
      ref.add(key, chain);
    } else {
      std::vector<uint32_t> got(keys.size());
      idx.match(chain, keys, got);
      for (size_t k = 0; k < keys.size(); ++k)
        ASSERT_EQ(got[k], ref.match(chain, keys[k])) << "step " << step << " endpoint " << k;
    }
    ASSERT_EQ(idx.size(key), ref.lru.count(key) ? ref.lru[key].size() : 0u) << step;
  }
}

}  // namespace
}  // namespace torii::inference
