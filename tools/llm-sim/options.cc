#include "options.h"

#include <boost/json.hpp>
#include <cstdlib>
#include <map>
#include <optional>

#include "common/strings.h"

namespace torii::llmsim {

namespace json = boost::json;

const char* usage() {
  return "usage: torii-llm-sim --model NAME [flags]\n"
         "  --listen ADDR:PORT            bind address (default 0.0.0.0:--port)\n"
         "  --port N                      (8000)\n"
         "  --served-model-name NAME...   aliases served for the model\n"
         "  --max-num-seqs N              running slots (5)\n"
         "  --max-waiting-queue-length N  waiting queue; full => 429 (1000)\n"
         "  --max-model-len N             context length in tokens (1024)\n"
         "  --max-loras N                 loaded LoRA adapters (1)\n"
         "  --lora-modules JSON...        "
         "'{\"name\":\"a\",\"path\":\"p\",\"base_model_name\":\"m\"}'\n"
         "  --mode random|echo            response text (random)\n"
         "  --latency-calculator constant|per-token\n"
         "  --time-to-first-token D  --time-to-first-token-std-dev D\n"
         "  --inter-token-latency D  --inter-token-latency-std-dev D\n"
         "  --prefill-overhead D  --prefill-time-per-token D  --prefill-time-std-dev D\n"
         "  --time-factor-under-load F    (1.0, >= 1)\n"
         "  --enable-kvcache[=BOOL]  --kv-cache-size N (1024)  --block-size N (16)\n"
         "  --seed N                      (default: current time)\n"
         "Durations: 12ms, 250us, 1.5s; a bare integer is milliseconds.\n"
         "Environment: SIM_MODEL, POD_NAME, POD_NAMESPACE.\n";
}

namespace {

Result<LoraModule> loraFromJson(const json::value& v) {
  if (!v.is_object()) return Error{"--lora-modules: each entry must be a JSON object"};
  const auto& o = v.as_object();
  LoraModule m;
  auto str = [&](const char* key, std::string& out) -> bool {
    auto* f = o.if_contains(key);
    if (!f) return true;
    if (!f->is_string()) return false;
    out = std::string(f->as_string());
    return true;
  };
  if (!str("name", m.name) || !str("path", m.path) || !str("base_model_name", m.base_model_name)) {
    return Error{"--lora-modules: name, path and base_model_name must be strings"};
  }
  if (m.name.empty()) return Error{"--lora-modules: an entry has no \"name\""};
  return m;
}

bool parseInt(const std::string& s, int min, int& out) {
  auto v = parseUint(s);
  if (!v || *v > 1u << 30 || int(*v) < min) return false;
  out = int(*v);
  return true;
}

bool parseBool(const std::string& s, bool& out) {
  if (s == "true" || s == "1" || s.empty())
    out = true;
  else if (s == "false" || s == "0")
    out = false;
  else
    return false;
  return true;
}

}  // namespace

Result<std::vector<LoraModule>> parseLoraModules(const std::string& value) {
  std::vector<LoraModule> out;
  std::string_view t = trim(value);
  if (!t.empty() && (t.front() == '{' || t.front() == '[')) {
    boost::system::error_code ec;
    json::value v = json::parse(t, ec);
    if (ec) return Error{"--lora-modules: invalid JSON: " + ec.message()};
    if (v.is_array()) {
      for (const auto& e : v.as_array()) {
        auto m = loraFromJson(e);
        if (!m) return Error{m.error()};
        out.push_back(*m);
      }
    } else {
      auto m = loraFromJson(v);
      if (!m) return Error{m.error()};
      out.push_back(*m);
    }
    return out;
  }
  if (t.empty()) return Error{"--lora-modules: empty value"};
  auto eq = t.find('=');
  LoraModule m;
  m.name = std::string(t.substr(0, eq));
  if (eq != t.npos) m.path = std::string(t.substr(eq + 1));
  out.push_back(m);
  return out;
}

Result<Options> parseOptions(const std::vector<std::string>& args) {
  Options o;
  if (const char* m = std::getenv("SIM_MODEL")) o.model = m;
  if (const char* p = std::getenv("POD_NAME")) o.pod_name = p;
  if (const char* n = std::getenv("POD_NAMESPACE")) o.pod_namespace = n;
  std::string listen;
  bool port_given = false;

  using Latency = Nanos LatencyConfig::*;
  const std::map<std::string, Latency> latencies = {
      {"time-to-first-token", &LatencyConfig::time_to_first_token},
      {"time-to-first-token-std-dev", &LatencyConfig::time_to_first_token_std_dev},
      {"inter-token-latency", &LatencyConfig::inter_token_latency},
      {"inter-token-latency-std-dev", &LatencyConfig::inter_token_latency_std_dev},
      {"prefill-overhead", &LatencyConfig::prefill_overhead},
      {"prefill-time-per-token", &LatencyConfig::prefill_time_per_token},
      {"prefill-time-std-dev", &LatencyConfig::prefill_time_std_dev},
  };
  const std::map<std::string, std::pair<int Options::*, int>> ints = {
      {"port", {&Options::port, 1}},
      {"max-num-seqs", {&Options::max_num_seqs, 1}},
      {"max-waiting-queue-length", {&Options::max_waiting_queue_length, 0}},
      {"max-model-len", {&Options::max_model_len, 1}},
      {"max-loras", {&Options::max_loras, 1}},
      {"kv-cache-size", {&Options::kv_cache_size, 1}},
      {"block-size", {&Options::block_size, 1}},
  };
  // Accepted for command-line compatibility with the original; no effect here.
  const std::map<std::string, bool> ignored = {{"max-cpu-loras", true},
                                               {"data-parallel-size", true}};

  for (size_t i = 0; i < args.size(); ++i) {
    std::string arg = args[i];
    if (arg == "-h" || arg == "--help") return Error{"help"};
    if (!startsWith(arg, "--")) return Error{"unexpected argument '" + arg + "'"};
    std::string name = arg.substr(2), value;
    bool inline_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      inline_value = true;
    }
    auto take = [&]() -> bool {
      if (inline_value) return true;
      if (i + 1 >= args.size()) return false;
      value = args[++i];
      return true;
    };
    auto bad = [&](const std::string& why) { return Error{"--" + name + ": " + why}; };

    if (name == "enable-kvcache") {
      if (!inline_value && i + 1 < args.size() &&
          (args[i + 1] == "true" || args[i + 1] == "false")) {
        value = args[++i];
      }
      if (!parseBool(value, o.enable_kvcache)) return bad("expected true or false");
      continue;
    }
    if (name == "lora-modules" || name == "served-model-name") {
      std::vector<std::string> values;
      if (inline_value)
        values.push_back(value);
      else
        while (i + 1 < args.size() && !startsWith(args[i + 1], "--")) values.push_back(args[++i]);
      if (values.empty()) return bad("needs a value");
      for (const auto& v : values) {
        if (name == "served-model-name") {
          for (auto part : splitList(v, ','))
            if (!part.empty()) o.served_model_names.emplace_back(part);
          continue;
        }
        auto mods = parseLoraModules(v);
        if (!mods) return Error{mods.error()};
        o.lora_modules.insert(o.lora_modules.end(), mods->begin(), mods->end());
      }
      continue;
    }
    if (!take()) return bad("needs a value");
    if (auto it = latencies.find(name); it != latencies.end()) {
      if (!parseLatency(value, o.latency.*(it->second)))
        return bad("expected a duration like 12ms, got '" + value + "'");
    } else if (auto it = ints.find(name); it != ints.end()) {
      if (!parseInt(value, it->second.second, o.*(it->second.first)))
        return bad("expected an integer, got '" + value + "'");
      if (name == "port") port_given = true;
    } else if (name == "model") {
      o.model = value;
    } else if (name == "listen") {
      listen = value;
    } else if (name == "mode") {
      if (value != "random" && value != "echo") return bad("expected random or echo");
      o.mode = value;
    } else if (name == "latency-calculator") {
      if (value == "constant")
        o.latency.calculator = LatencyConfig::Calculator::kConstant;
      else if (value == "per-token")
        o.latency.calculator = LatencyConfig::Calculator::kPerToken;
      else if (value.empty())
        o.latency.calculator = LatencyConfig::Calculator::kAuto;
      else
        return bad("expected constant or per-token");
    } else if (name == "time-factor-under-load") {
      char* end = nullptr;
      double f = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(f >= 1.0) || f > 1e6)
        return bad("expected a number >= 1");
      o.latency.time_factor_under_load = f;
    } else if (name == "seed") {
      auto s = parseUint(value);
      if (!s) return bad("expected an unsigned integer");
      o.seed = *s;
      o.seed_given = true;
    } else if (!ignored.count(name)) {
      return Error{"unknown flag --" + name};
    }
  }
  if (o.model.empty()) return Error{"--model is required"};
  if (!listen.empty()) {
    auto colon = listen.rfind(':');
    auto port = colon == std::string::npos ? std::nullopt
                                           : parseUint(std::string_view(listen).substr(colon + 1));
    if (!port || *port > 65535) return Error{"--listen: expected ADDR:PORT, got '" + listen + "'"};
    o.host = listen.substr(0, colon);
    if (o.host.size() > 2 && o.host.front() == '[' && o.host.back() == ']')
      o.host = o.host.substr(1, o.host.size() - 2);
    if (o.host.empty()) o.host = "0.0.0.0";
    o.port = int(*port);
  } else if (port_given && o.port > 65535) {
    return Error{"--port: out of range"};
  }
  if (o.served_model_names.empty()) o.served_model_names.push_back(o.model);
  o.latency.max_num_seqs = o.max_num_seqs;
  return o;
}

}  // namespace torii::llmsim
