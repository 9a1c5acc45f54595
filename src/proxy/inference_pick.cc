#include "proxy/inference_pick.h"

#include <algorithm>
#include <chrono>

#include "common/strings.h"
#include "inference/openai_request.h"
#include "inference/prefix.h"
#include "inference/scheduler.h"

namespace torii::proxy {

namespace {

using inference::SchedulerConfig;

InferencePoolState& poolState(WorkerState& w, const inference::PoolView& v) {
  InferencePoolState& st = w.inference[v.runtime->id];
  if (!st.scheduler || !(st.scheduler->config() == v.scheduler)) {
    st.scheduler = std::make_unique<inference::Scheduler>(v.scheduler);
  }
  return st;
}

// The value of the first of `names` present in `h`, removing all of them.
std::string takeField(HeaderMap& h, std::initializer_list<std::string_view> names) {
  std::string value;
  for (auto n : names) {
    if (value.empty()) value = std::string(trim(h.get(n)));
    h.remove(n);
  }
  return value;
}

}  // namespace

InferenceDecision decideInference(WorkerState& w, const config::Cluster& cluster, http1::Head& head,
                                  std::string_view path, std::string_view body) {
  InferenceDecision d;
  const inference::PoolView& view = *cluster.pool;
  const config::IrInferencePool& ip = *view.ir;
  InferencePoolState& st = poolState(w, view);

  // Objective (priority) and a forced model rewrite come as request fields the picker consumes.
  const std::string objective =
      takeField(head.headers, {"x-llm-d-inference-objective", "x-gateway-inference-objective"});
  const std::string forced_model =
      takeField(head.headers, {"x-llm-d-model-name-rewrite", "x-gateway-model-name-rewrite"});

  // The body: an OpenAI API request names the model and carries the prompt.
  inference::OpenAiRequest req;
  if (!body.empty()) {
    auto parsed = inference::parseOpenAiRequest(path, body);
    if (parsed) {
      req = std::move(*parsed);
    } else if (head.method == "POST" && startsWith(path, "/v1/")) {
      d.status = 400;
      d.message = parsed.error();
      return d;
    }
  }
  d.original_model = req.model;
  d.model = req.model;

  bool priority_set = false;
  if (!objective.empty()) {
    for (const auto& [name, prio] : ip.objectives) {
      if (name == objective) {
        d.priority = prio;
        priority_set = true;
        break;
      }
    }
  }
  if (!priority_set && !d.model.empty()) {
    for (const auto& [model, prio] : ip.model_priorities) {
      if (model == d.model) {
        d.priority = prio;
        break;
      }
    }
  }

  // Model rewrite: a forced target, else the first rule matching the model, a weighted choice
  // among its targets (InferenceModelRewrite; shared/reference/inference.md §1.5).
  if (!d.model.empty()) {
    std::string target = forced_model;
    if (target.empty()) {
      for (const auto& rule : ip.rewrites) {
        if (!rule.models.empty() &&
            std::find(rule.models.begin(), rule.models.end(), d.model) == rule.models.end())
          continue;
        uint64_t total = 0;
        for (const auto& t : rule.targets) total += t.weight;
        if (total == 0) break;
        uint64_t r = (w.random() >> 11) % total;
        for (const auto& t : rule.targets) {
          if (r < t.weight) {
            target = t.model;
            break;
          }
          r -= t.weight;
        }
        break;
      }
    }
    if (!target.empty() && target != d.model) {
      d.body = inference::replaceModel(body, req, target);
      d.body_rewritten = true;
      d.model = target;
    }
  }

  // Candidates: every endpoint of the pool with its latest scraped signals and the gateway's own
  // in-flight count.
  std::vector<inference::Candidate> cands;
  cands.reserve(view.endpoints.size());
  for (const auto& e : view.endpoints) {
    const inference::EndpointMetrics* m = nullptr;
    if (st.metrics) {
      auto it = st.metrics->by_key.find(e->key);
      if (it != st.metrics->by_key.end()) m = &it->second;
    }
    cands.push_back({e->key, m, e->inflight.load(std::memory_order_relaxed)});
  }
  const SchedulerConfig& cfg = st.scheduler->config();
  if (cfg.policy == SchedulerConfig::Policy::kScored && cfg.w_prefix > 0 && !d.model.empty() &&
      !req.prompt.empty()) {
    d.prefix_hashes = inference::prefixHashes(d.model, req.prompt, cfg.prefix);
  }
  inference::PickInput in;
  in.model = d.model;
  in.prefix_hashes = d.prefix_hashes;
  in.priority = d.priority;
  in.now_ms = inference::steadyNowMs();
  inference::PickResult res = st.scheduler->pick(cands, in, w.random());
  switch (res.outcome) {
    case inference::PickResult::Outcome::kShed:
      d.status = 429;
      d.message = "inference pool " + ip.name + " is saturated: request shed";
      d.extra_headers = "x-llm-d-request-dropped-reason: rejected-saturated\r\n";
      return d;
    case inference::PickResult::Outcome::kNoEndpoint:
      d.status = 503;
      d.message = "no endpoint in inference pool " + ip.name;
      d.extra_headers = "x-llm-d-request-dropped-reason: rejected-no-endpoints\r\n";
      return d;
    case inference::PickResult::Outcome::kOk:
      break;
  }
  d.order = std::move(res.order);
  d.prefix_matched_blocks = res.prefix_matched_blocks;
  return d;
}

void recordInference(WorkerState& w, const config::Cluster& cluster, uint32_t index,
                     const InferenceDecision& d) {
  const inference::PoolView& view = *cluster.pool;
  if (index >= view.endpoints.size()) return;
  const auto& ep = view.endpoints[index];
  ep->requests.fetch_add(1, std::memory_order_relaxed);
  if (d.prefix_hashes.empty()) return;
  poolState(w, view).scheduler->recordPrefix(ep->key, d.prefix_hashes);
  if (w.peers.size() <= 1) return;
  // The other workers learn the prefix too, so a repeated prompt finds its endpoint whichever
  // worker accepts it.
  auto hashes = std::make_shared<const std::vector<uint64_t>>(d.prefix_hashes);
  std::shared_ptr<const inference::PoolView> pv = cluster.pool;
  const uint64_t key = ep->key;
  for (WorkerState* peer : w.peers) {
    if (peer == &w) continue;
    peer->worker.post(
        [peer, pv, hashes, key] { poolState(*peer, *pv).scheduler->recordPrefix(key, *hashes); });
  }
}

void applyInferenceMetrics(WorkerState& w, uint64_t pool_id,
                           std::shared_ptr<const inference::MetricsRound> round) {
  w.inference[pool_id].metrics = std::move(round);
}

}  // namespace torii::proxy
