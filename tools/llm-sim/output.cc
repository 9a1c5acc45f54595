#include "output.h"

#include <algorithm>
#include <cmath>

namespace torii::llmsim {

OutputPlan planOutput(Random& rng, int max_tokens, bool ignore_eos, int prompt_tokens,
                      int max_model_len) {
  OutputPlan p;
  int limit = max_tokens >= 1 ? max_tokens : std::max(1, max_model_len - prompt_tokens);
  if (max_tokens >= 1 && ignore_eos) {
    p.tokens = limit;
  } else if (max_tokens >= 1) {
    static constexpr double kP[6] = {0.20, 0.30, 0.20, 0.05, 0.10, 0.15};
    double u = rng.uniform();
    int b = 0;
    for (double acc = kP[0]; b < 5 && u >= acc; acc += kP[++b]) {
    }
    int lo, hi;
    if (limit <= 120) {
      double size = limit / 6.0;
      lo = int(std::floor(b * size)) + 1;
      hi = int(std::floor((b + 1) * size));
    } else {
      static constexpr int kLo[6] = {1, 21, 41, 61, 0, 0};
      lo = b < 4 ? kLo[b] : limit - (b == 4 ? 39 : 19);
      hi = b < 3 ? lo + 19 : b == 3 ? limit - 40 : lo + 19;
    }
    lo = std::clamp(lo, 1, limit);
    hi = std::clamp(hi, lo, limit);
    p.tokens = int(rng.uniformInt(lo, hi));
  } else if (limit < 20) {
    p.tokens = int(rng.uniformInt(1, limit));
  } else {
    p.tokens = std::clamp(int(std::lround(rng.normal(40, 20))), 1, limit);
  }
  p.finish_reason = p.tokens >= limit ? "length" : "stop";
  return p;
}

std::vector<std::string> randomTokens(Random& rng, int n) {
  static constexpr const char* kWords[] = {
      "the",   "model",   "answers", "with",   "a",      "simulated", "response", "to",
      "your",  "request", "and",     "tokens", "arrive", "one",       "at",       "time",
      "while", "the",     "cache",   "keeps",  "recent", "prefixes",  "warm",     "so",
      "that",  "later",   "prompts", "start",  "sooner", "under",     "load",     "today."};
  std::vector<std::string> out;
  out.reserve(n);
  for (int i = 0; i < n; ++i) {
    const char* w = kWords[rng.uniformInt(0, int64_t(std::size(kWords)) - 1)];
    out.push_back(i == 0 ? std::string(w) : " " + std::string(w));
  }
  return out;
}

}  // namespace torii::llmsim
