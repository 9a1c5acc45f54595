#include "engine.h"

#include <algorithm>

#include "output.h"
#include "tokens.h"

namespace torii::llmsim {

namespace {
double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}
double seconds(Nanos d) { return std::chrono::duration<double>(d).count(); }
uint64_t defaultSeed() {
  return uint64_t(std::chrono::system_clock::now().time_since_epoch().count());
}
}  // namespace

Engine::Engine(const Options& opts)
    : opts_(opts),
      rng_(opts.seed_given ? opts.seed : defaultSeed()),
      latency_(opts.latency, rng_),
      loras_(opts.max_loras),
      scheduler_(opts.max_num_seqs, opts.max_waiting_queue_length, loras_),
      kv_(opts.kv_cache_size, opts.block_size),
      metrics_(opts.max_model_len),
      lora_info_ts_(unixNow()) {
  for (const auto& m : opts.lora_modules) loras_.registerAdapter(m);
  kv_.setLoadedPredicate([this](const std::string& owner) {
    return !loras_.find(owner) || loras_.isLoaded(owner);  // base-model blocks count as loaded
  });
}

std::variant<Job, ApiError> Engine::prepare(const CompletionRequest& req, Api api) {
  Job job;
  job.api = api;
  job.model = req.model;
  const auto& names = opts_.served_model_names;
  if (std::find(names.begin(), names.end(), req.model) == names.end()) {
    if (!loras_.find(req.model))
      return ApiError{404, "The model `" + req.model + "` does not exist."};
    job.lora = req.model;
  }
  job.stream = req.stream;
  job.include_usage = req.include_usage;
  job.max_tokens = req.max_tokens;
  job.prompt_ids = tokenIds(req.prompt_text);
  int prompt = job.promptTokens();
  int requested = std::max(req.max_tokens, 0);
  if (prompt + requested > opts_.max_model_len || prompt >= opts_.max_model_len) {
    return ApiError{
        400, "This model's maximum context length is " + std::to_string(opts_.max_model_len) +
                 " tokens. However, you requested " + std::to_string(prompt + requested) +
                 " tokens (" + std::to_string(prompt) + " in the messages, " +
                 std::to_string(requested) +
                 " in the completion). Please reduce the length of the messages or completion."};
  }
  if (opts_.mode == "echo") {
    for (auto piece : tokenPieces(req.echo_text)) job.output.emplace_back(piece);
    job.finish_reason = "stop";
    if (req.max_tokens >= 1 && int(job.output.size()) > req.max_tokens) {
      job.output.resize(req.max_tokens);
      job.finish_reason = "length";
    }
    if (job.output.empty()) job.output.emplace_back();  // one empty token: a response still has one
  } else {
    OutputPlan plan = planOutput(rng_, req.max_tokens, req.ignore_eos, prompt, opts_.max_model_len);
    job.output = randomTokens(rng_, plan.tokens);
    job.finish_reason = plan.finish_reason;
  }
  return job;
}

Scheduler::Admission Engine::submit(Job& job, SteadyTime now) {
  job.id = next_id_++;
  job.queued_at = now;
  auto a = scheduler_.submit(job.id, job.lora);
  noteLoraChange();
  return a;
}

Nanos Engine::startPrefill(Job& job, SteadyTime now) {
  job.started_at = now;
  if (opts_.enable_kvcache && job.prompt_ids.size() > 1) {
    // The last prompt token is always computed (it yields the first output token), so only the
    // blocks before it can hit — vLLM caps cached tokens the same way.
    std::vector<uint32_t> cacheable(job.prompt_ids.begin(), job.prompt_ids.end() - 1);
    int hits =
        kv_.startRequest(job.id, job.model, blockHashes(job.model, cacheable, opts_.block_size));
    job.cached_tokens = hits * opts_.block_size;
  }
  return latency_.timeToFirstToken(job.promptTokens(), job.cached_tokens, scheduler_.running());
}

Nanos Engine::nextTokenDelay() { return latency_.interTokenLatency(scheduler_.running()); }

void Engine::recordInterToken(const Job& job, Nanos delay) {
  metrics_.recordInterToken(job.model, seconds(delay));
}

std::vector<uint64_t> Engine::finish(const Job& job, bool completed, SteadyTime now) {
  kv_.finishRequest(job.id);
  auto started = scheduler_.finish(job.id);
  noteLoraChange();
  if (completed) {
    RequestRecord r;
    r.model = job.model;
    r.finish_reason = job.finish_reason;
    r.prompt_tokens = job.promptTokens();
    r.cached_tokens = job.cached_tokens;
    r.generation_tokens = int(job.output.size());
    r.max_tokens = job.max_tokens;
    r.queue_s = seconds(job.started_at - job.queued_at);
    r.prefill_s = seconds(job.first_token_at - job.started_at);
    r.decode_s = seconds(now - job.first_token_at);
    metrics_.recordRequest(r);
  }
  return started;
}

void Engine::noteLoraChange() {
  auto running = scheduler_.runningAdapters();
  auto waiting = scheduler_.waitingAdapters();
  if (running != last_running_loras_ || waiting != last_waiting_loras_) {
    last_running_loras_ = std::move(running);
    last_waiting_loras_ = std::move(waiting);
    lora_info_ts_ = unixNow();
  }
}

std::string Engine::metricsText() const {
  EngineGauges g;
  g.model = opts_.baseName();
  g.running = scheduler_.running();
  g.waiting = scheduler_.waiting();
  g.kv_usage = opts_.enable_kvcache ? kv_.usage() : 0.0;
  g.block_size = opts_.block_size;
  g.num_gpu_blocks = opts_.kv_cache_size;
  g.max_loras = opts_.max_loras;
  g.running_loras = last_running_loras_;
  g.waiting_loras = last_waiting_loras_;
  g.lora_info_timestamp = lora_info_ts_;
  return metrics_.render(g);
}

std::vector<ModelEntry> Engine::models() const {
  std::vector<ModelEntry> out;
  for (const auto& n : opts_.served_model_names) out.push_back({n, opts_.model, ""});
  for (const auto& [name, m] : loras_.registered()) {
    out.push_back({name, m.path.empty() ? name : m.path,
                   m.base_model_name.empty() ? opts_.baseName() : m.base_model_name});
  }
  return out;
}

}  // namespace torii::llmsim
