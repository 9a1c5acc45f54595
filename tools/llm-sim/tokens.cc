#include "tokens.h"

namespace torii::llmsim {

namespace {

bool isSpace(unsigned char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool isWordByte(unsigned char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}
// Length of the UTF-8 sequence starting at s[i] (1 for ASCII and for malformed bytes).
size_t seqLen(std::string_view s, size_t i) {
  unsigned char c = s[i];
  size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
  size_t k = 1;
  while (k < n && i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80) ++k;
  return k;
}

constexpr uint64_t kFnv64Offset = 14695981039346656037ull;
constexpr uint64_t kFnv64Prime = 1099511628211ull;

uint64_t fnv64(uint64_t h, const void* data, size_t n) {
  auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * kFnv64Prime;
  return h;
}

}  // namespace

std::vector<std::string_view> tokenPieces(std::string_view text) {
  std::vector<std::string_view> out;
  out.reserve(text.size() / 4 + 1);
  size_t i = 0;
  while (i < text.size()) {
    size_t start = i;
    while (i < text.size() && isSpace(text[i])) ++i;
    if (i == text.size()) {
      out.push_back(text.substr(start));
      break;
    }
    if (isWordByte(text[i])) {
      for (int cps = 0; cps < 4 && i < text.size() && isWordByte(text[i]); ++cps)
        i += seqLen(text, i);
    } else {
      i += seqLen(text, i);
    }
    out.push_back(text.substr(start, i - start));
  }
  return out;
}

std::vector<uint32_t> tokenIds(std::string_view text) {
  std::vector<uint32_t> ids;
  for (auto piece : tokenPieces(text)) {
    uint32_t h = 2166136261u;
    for (unsigned char c : piece) h = (h ^ c) * 16777619u;
    ids.push_back(h);
  }
  return ids;
}

std::vector<uint64_t> blockHashes(std::string_view model, const std::vector<uint32_t>& tokens,
                                  int block_size) {
  std::vector<uint64_t> out;
  if (block_size <= 0) return out;
  uint64_t h = fnv64(kFnv64Offset, model.data(), model.size());
  for (size_t b = 0; (b + 1) * size_t(block_size) <= tokens.size(); ++b) {
    h = fnv64(h, &tokens[b * block_size], sizeof(uint32_t) * block_size);
    out.push_back(h);
  }
  return out;
}

}  // namespace torii::llmsim
