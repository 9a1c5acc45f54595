#pragma once
// A tokenizer-free, deterministic token estimate. The simulator needs token counts (usage,
// latency, context length) and token IDs (KV-cache block keys) without shipping a vocabulary.
//
// Rule: a token is optional leading whitespace followed by either up to 4 letters/digits (UTF-8
// code points count as letters, and are never split) or one other character; whitespace at the
// very end is a token of its own. That is about 4 characters per token for English, close to
// BPE tokenizers, and it is prefix-stable: the tokens of a prefix of a text are a prefix of the
// text's tokens (except possibly the last one), which is what prefix caching relies on.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace torii::llmsim {

// Splits `text` into token pieces (views into `text`); concatenated they give back `text`.
std::vector<std::string_view> tokenPieces(std::string_view text);
// FNV-1a 32-bit hash of each piece: a stable stand-in for vocabulary IDs.
std::vector<uint32_t> tokenIds(std::string_view text);
inline int countTokens(std::string_view text) { return int(tokenPieces(text).size()); }

// Chained hashes of the full `block_size`-token blocks of `tokens` (a trailing partial block is
// not cacheable, as in vLLM): h0 = H(model ‖ block0), h_i = H(h_{i−1} ‖ block_i). The model
// (base model or LoRA name) is part of the key, so adapters never share blocks.
std::vector<uint64_t> blockHashes(std::string_view model, const std::vector<uint32_t>& tokens,
                                  int block_size);

}  // namespace torii::llmsim
