#include "inference/pool_runtime.h"

#include <fmt/format.h>

#include "config/snapshot.h"

namespace torii::inference {

SchedulerConfig schedulerConfig(const config::IrInferencePool& pool) {
  SchedulerConfig c;
  if (pool.policy == "round-robin") {
    c.policy = SchedulerConfig::Policy::kRoundRobin;
  } else if (pool.policy == "least-request") {
    c.policy = SchedulerConfig::Policy::kLeastRequest;
  } else {
    c.policy = SchedulerConfig::Policy::kScored;
  }
  c.w_queue = pool.weight_queue;
  c.w_kv = pool.weight_kv_cache;
  c.w_prefix = pool.weight_prefix;
  c.w_lora = pool.weight_lora;
  c.queue_threshold = pool.saturation_queue;
  c.kv_threshold = pool.saturation_kv_cache;
  c.staleness_ms = pool.staleness_ms;
  return c;
}

std::vector<uint64_t> Registry::bind(config::Snapshot& snap) {
  std::map<std::string, std::shared_ptr<PoolRuntime>> next;
  for (auto& cl : snap.clusters) {
    if (!cl.inference) continue;
    const config::IrInferencePool& ip = *cl.inference;
    std::shared_ptr<PoolRuntime>& rt = next[ip.name];
    if (!rt) {
      auto it = pools_.find(ip.name);
      if (it != pools_.end()) {
        rt = it->second;
      } else {
        rt = std::make_shared<PoolRuntime>();
        rt->name = ip.name;
        rt->id = next_id_++;
      }
      rt->live = true;
      rt->scrape_interval_ms = ip.scrape_interval_ms > 0 ? ip.scrape_interval_ms : 50;
      // Endpoints are re-derived from this snapshot; counters of the ones that stay survive.
      std::map<uint64_t, std::shared_ptr<EndpointRuntime>> eps;
      rt->endpoints.swap(eps);
      for (const auto& ce : cl.endpoints) {
        auto old = eps.find(ce.key);
        std::shared_ptr<EndpointRuntime> e;
        if (old != eps.end()) {
          e = old->second;
        } else {
          e = std::make_shared<EndpointRuntime>();
          e->key = ce.key;
          e->text = ce.text;
          e->addr = ce.addr;
        }
        if (ce.ir_index < ip.endpoint_pods.size()) e->pod = ip.endpoint_pods[ce.ir_index];
        if (ce.ir_index < ip.endpoint_engines.size())
          e->engine = engineFromName(ip.endpoint_engines[ce.ir_index]).value_or(Engine::kVllm);
        rt->endpoints[ce.key] = e;
      }
      for (auto it2 = rt->metrics.by_key.begin(); it2 != rt->metrics.by_key.end();) {
        it2 = rt->endpoints.count(it2->first) ? std::next(it2) : rt->metrics.by_key.erase(it2);
      }
    }
    auto view = std::make_shared<PoolView>();
    view->runtime = rt;
    view->ir = cl.inference;
    view->scheduler = schedulerConfig(ip);
    view->endpoints.reserve(cl.endpoints.size());
    for (const auto& ce : cl.endpoints) view->endpoints.push_back(rt->endpoints[ce.key]);
    cl.pool = std::move(view);
  }
  std::vector<uint64_t> dropped;
  for (const auto& [name, rt] : pools_) {
    if (!next.count(name)) {
      rt->live = false;
      dropped.push_back(rt->id);
    }
  }
  pools_ = std::move(next);
  return dropped;
}

namespace {
std::string labelEscape(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}
}  // namespace

std::string renderPoolMetrics(const Registry& registry) {
  struct Family {
    const char* name;
    const char* type;
    const char* help;
  };
  static const Family kFamilies[] = {
      {"torii_inference_endpoint_requests_total", "counter",
       "Requests the gateway sent to the InferencePool endpoint"},
      {"torii_inference_endpoint_inflight", "gauge",
       "Requests in flight from the gateway to the endpoint"},
      {"torii_inference_endpoint_queue", "gauge",
       "Waiting requests the model server reported in its last scrape"},
      {"torii_inference_endpoint_running", "gauge",
       "Running requests the model server reported in its last scrape"},
      {"torii_inference_endpoint_kv_cache_usage", "gauge",
       "KV-cache utilisation (0-1) the model server reported in its last scrape"},
      {"torii_inference_endpoint_scrape_failures_total", "counter",
       "Failed /metrics scrapes of the endpoint"},
  };
  std::string out;
  for (size_t f = 0; f < std::size(kFamilies); ++f) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", kFamilies[f].name, kFamilies[f].help,
                       kFamilies[f].name, kFamilies[f].type);
    for (const auto& [name, rt] : registry.pools()) {
      for (const auto& [key, e] : rt->endpoints) {
        std::string labels = fmt::format("pool=\"{}\",endpoint=\"{}\",pod=\"{}\"",
                                         labelEscape(name), e->text, labelEscape(e->pod));
        auto m = rt->metrics.by_key.find(key);
        const EndpointMetrics* em =
            m != rt->metrics.by_key.end() && m->second.ok ? &m->second : nullptr;
        switch (f) {
          case 0:
            out += fmt::format("{}{{{}}} {}\n", kFamilies[f].name, labels,
                               e->requests.load(std::memory_order_relaxed));
            break;
          case 1:
            out += fmt::format("{}{{{}}} {}\n", kFamilies[f].name, labels,
                               e->inflight.load(std::memory_order_relaxed));
            break;
          case 2:
            if (em) out += fmt::format("{}{{{}}} {}\n", kFamilies[f].name, labels, em->waiting);
            break;
          case 3:
            if (em) out += fmt::format("{}{{{}}} {}\n", kFamilies[f].name, labels, em->running);
            break;
          case 4:
            if (em) out += fmt::format("{}{{{}}} {}\n", kFamilies[f].name, labels, em->kv_usage);
            break;
          case 5:
            out += fmt::format("{}{{{}}} {}\n", kFamilies[f].name, labels,
                               e->scrape_failures.load(std::memory_order_relaxed));
            break;
        }
      }
    }
  }
  return out;
}

}  // namespace torii::inference
