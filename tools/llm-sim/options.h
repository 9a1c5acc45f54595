#pragma once
// Command line of torii-llm-sim. Flag names and defaults follow llm-d-inference-sim
// (reference/inference.md §5) where the flag exists there; `--listen ADDR:PORT` is ours so that
// several simulators can run on one host, each on its own loopback address like a pod.
#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "latency.h"
#include "lora.h"

namespace torii::llmsim {

struct Options {
  std::string model;                            // --model (or $SIM_MODEL); required
  std::vector<std::string> served_model_names;  // --served-model-name; default {model}
  std::string host = "0.0.0.0";
  int port = 8000;
  int max_num_seqs = 5;
  int max_waiting_queue_length = 1000;
  int max_model_len = 1024;
  int max_loras = 1;
  std::vector<LoraModule> lora_modules;
  std::string mode = "random";  // random | echo
  LatencyConfig latency;
  bool enable_kvcache = false;
  int kv_cache_size = 1024;
  int block_size = 16;
  uint64_t seed = 0;
  bool seed_given = false;
  // From the environment: echoed as x-inference-pod / x-inference-namespace.
  std::string pod_name, pod_namespace;

  // The name /v1/models lists first and the metrics' model_name label.
  const std::string& baseName() const {
    return served_model_names.empty() ? model : served_model_names[0];
  }
};

// Parses argv (without argv[0]). Accepts "--flag value" and "--flag=value"; boolean flags also
// stand alone. Multi-valued flags (--lora-modules, --served-model-name) take every following
// argument up to the next one starting with "--". Returns a message naming the flag on error.
// "help" as the error means --help was asked for.
Result<Options> parseOptions(const std::vector<std::string>& args);
// Parses one --lora-modules value: a JSON object {"name","path","base_model_name"}, a JSON list
// of them, or vLLM's "name=path" / "name" shorthand.
Result<std::vector<LoraModule>> parseLoraModules(const std::string& value);
const char* usage();

}  // namespace torii::llmsim
