#include "latency.h"

#include <algorithm>

#include "common/strings.h"

namespace torii::llmsim {

double LatencyModel::loadFactor(int running) const {
  if (cfg_.max_num_seqs <= 1 || running <= 1) return 1.0;
  double f = cfg_.time_factor_under_load;
  return 1.0 + (f - 1.0) * double(running - 1) / double(cfg_.max_num_seqs - 1);
}

bool LatencyModel::perToken() const {
  switch (cfg_.calculator) {
    case LatencyConfig::Calculator::kConstant:
      return false;
    case LatencyConfig::Calculator::kPerToken:
      return true;
    case LatencyConfig::Calculator::kAuto:
      break;
  }
  return cfg_.time_to_first_token.count() == 0 && cfg_.time_to_first_token_std_dev.count() == 0;
}

Nanos LatencyModel::jitter(Nanos mean, Nanos std) {
  if (mean.count() <= 0) return Nanos(0);
  if (std.count() <= 0) return mean;
  double m = double(mean.count());
  double s = std::min(double(std.count()), 0.3 * m);
  double v = std::clamp(rng_.normal(m, s), 0.3 * m, 1.7 * m);
  return Nanos(int64_t(v));
}

Nanos LatencyModel::timeToFirstToken(int prompt_tokens, int cached_tokens, int running) {
  Nanos base;
  if (perToken()) {
    int uncached = std::max(0, prompt_tokens - cached_tokens);
    Nanos mean = cfg_.prefill_overhead + cfg_.prefill_time_per_token * uncached;
    base = jitter(mean, cfg_.prefill_time_std_dev);
  } else {
    base = jitter(cfg_.time_to_first_token, cfg_.time_to_first_token_std_dev);
  }
  return Nanos(int64_t(double(base.count()) * loadFactor(running)));
}

Nanos LatencyModel::interTokenLatency(int running) {
  Nanos base = jitter(cfg_.inter_token_latency, cfg_.inter_token_latency_std_dev);
  return Nanos(int64_t(double(base.count()) * loadFactor(running)));
}

bool parseLatency(const std::string& s, Nanos& out) {
  if (auto n = parseUint(s)) {
    out = std::chrono::milliseconds(*n);
    return true;
  }
  auto d = parseDuration(s);
  if (!d || d->count() < 0) return false;
  out = *d;
  return true;
}

}  // namespace torii::llmsim
