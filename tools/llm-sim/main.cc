// torii-llm-sim: a vLLM-compatible model-server simulator (OpenAI API, vLLM metrics) with the
// queueing, LoRA, KV-cache and latency behaviour of llm-d-inference-sim, so the gateway's
// inference extension can be tested and benchmarked without GPUs. See options.cc for flags.
#include <csignal>
#include <cstdio>
#include <string>
#include <vector>

#include "options.h"
#include "server.h"

int main(int argc, char** argv) {
  std::signal(SIGPIPE, SIG_IGN);
  std::vector<std::string> args(argv + 1, argv + argc);
  auto opts = torii::llmsim::parseOptions(args);
  if (!opts) {
    if (opts.error() == "help") {
      std::fputs(torii::llmsim::usage(), stdout);
      return 0;
    }
    std::fprintf(stderr, "torii-llm-sim: %s\n%s", opts.error().c_str(), torii::llmsim::usage());
    return 2;
  }
  return torii::llmsim::runServer(*opts);
}
