#pragma once
// What the simulated model answers: how many tokens and which text (llm-d-inference-sim
// docs/response_generation.md). The text carries no meaning; its length and timing do.
#include <string>
#include <vector>

#include "random.h"

namespace torii::llmsim {

struct OutputPlan {
  int tokens = 0;
  std::string finish_reason;  // "stop" or "length"
};

// Output length in "random" mode.
//  * max_tokens given (>= 1): a 6-bucket histogram with P = 20/30/20/5/10/15 %. Up to 120 tokens
//    the buckets split [1, max] evenly; above, buckets 1-3 are 1-20, 21-40, 41-60, buckets 5-6
//    the last 40 tokens in two 20-token ranges and bucket 4 the rest. ignore_eos gives max.
//  * no limit: up to max_model_len − prompt_tokens, Normal(40, 20) clamped to [1, that], or
//    uniform when that room is under 20 tokens.
// finish_reason is "length" when the output reaches the limit, else "stop".
OutputPlan planOutput(Random& rng, int max_tokens, bool ignore_eos, int prompt_tokens,
                      int max_model_len);

// `n` tokens of filler text, one string per token (the first without a leading space).
std::vector<std::string> randomTokens(Random& rng, int n);

}  // namespace torii::llmsim
