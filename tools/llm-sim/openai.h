#pragma once
// The OpenAI-compatible wire format of vLLM: request bodies in, completion objects, SSE chunks,
// model lists and error objects out. Pure functions over strings (Boost.JSON).
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "lora.h"

namespace torii::llmsim {

enum class Api { kChat, kCompletion };

struct CompletionRequest {
  std::string model;
  // What the model "reads": the chat messages rendered through a fixed template, or the prompt.
  std::string prompt_text;
  // What echo mode answers: the last message's content, or the prompt.
  std::string echo_text;
  bool stream = false;
  bool include_usage = true;  // stream_options.include_usage; only an explicit false turns it off
  int max_tokens = -1;        // max_completion_tokens or max_tokens; -1: not given
  bool ignore_eos = false;
};

// Parses a /v1/chat/completions or /v1/completions body. The error message is meant for a 400.
Result<CompletionRequest> parseCompletionRequest(std::string_view body, Api api);

struct Usage {
  int prompt_tokens = 0;
  int completion_tokens = 0;
  int cached_tokens = 0;
};

struct ResponseMeta {
  Api api = Api::kChat;
  std::string id;  // "chatcmpl-…" / "cmpl-…"
  int64_t created = 0;
  std::string model;
};

std::string completionBody(const ResponseMeta& m, std::string_view text,
                           std::string_view finish_reason, const Usage& u);
// One SSE event "data: {chunk}\n\n". The first chat chunk carries role "assistant"; a non-empty
// finish_reason marks the last content chunk.
std::string streamChunk(const ResponseMeta& m, std::string_view text, bool first,
                        std::string_view finish_reason);
std::string usageChunk(const ResponseMeta& m, const Usage& u);
inline constexpr std::string_view kDoneEvent = "data: [DONE]\n\n";

// {"error":{"message","type","param":null,"code"}} with the OpenAI type for the status.
std::string errorBody(int status, std::string_view message);

struct ModelEntry {
  std::string id, root, parent;  // parent empty for base models
};
std::string modelsBody(const std::vector<ModelEntry>& models, int64_t created, int max_model_len);

// Body of POST /v1/load_lora_adapter {"lora_name","lora_path"} and /v1/unload_lora_adapter.
Result<LoraModule> parseLoraAdapterRequest(std::string_view body);

}  // namespace torii::llmsim
