#pragma once
// The proxy's side of an InferencePool backend: from a request whose body has been buffered, the
// built-in endpoint picker's decision (shared/reference/inference.md §2-3): objective and
// priority, model rewrite, body parsing and prefix hashes, shedding, the ordered endpoint list.
// Worker thread only; no I/O.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/snapshot.h"
#include "http/http1/parser.h"
#include "proxy/worker_state.h"

namespace torii::proxy {

struct InferenceDecision {
  int status = 0;             // 0: proxy to `order`; else answer locally with it (400, 429, 503)
  std::string message;        // local reply text
  std::string extra_headers;  // local reply fields ("name: value\r\n" each)
  bool body_rewritten = false;
  std::string body;             // the rewritten body when body_rewritten
  std::vector<uint32_t> order;  // indices into config::Cluster::endpoints, best first
  std::vector<uint64_t> prefix_hashes;
  std::string model;  // after rewrite ("" when the request named none)
  std::string original_model;
  int priority = 0;
  uint32_t prefix_matched_blocks = 0;
};

// Decides for one request. Removes the inference request fields the picker consumes
// (x-llm-d-inference-objective, x-llm-d-model-name-rewrite and their x-gateway-* aliases) from
// `head`.
InferenceDecision decideInference(WorkerState& w, const config::Cluster& cluster, http1::Head& head,
                                  std::string_view path, std::string_view body);

// The request went to endpoint `index` of `cluster`: count it and remember its prompt prefix
// there, on this worker and (posted) on the others.
void recordInference(WorkerState& w, const config::Cluster& cluster, uint32_t index,
                     const InferenceDecision& d);

// Applies a metrics round the main thread posted (creates the pool's state on first use).
void applyInferenceMetrics(WorkerState& w, uint64_t pool_id,
                           std::shared_ptr<const inference::MetricsRound> round);

}  // namespace torii::proxy
