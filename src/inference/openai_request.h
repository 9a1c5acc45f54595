#pragma once
// OpenAI API request-body parsing for the inference EndpointPicker (model name for routing and
// rewrite, prompt text for prefix hashing). Uses simdjson's error-code API: no exceptions escape.
//
// Called on a worker thread once the request body is complete. Untrusted input: every failure is
// a client-facing message for a 400 response.
#include <cstddef>
#include <string>
#include <string_view>

#include "common/result.h"

namespace torii::inference {

struct OpenAiRequest {
  std::string model;  // "" when absent
  // Byte span in the body of the JSON string token of "model" INCLUDING its quotes (for
  // rewriting); 0,0 when absent.
  size_t model_offset = 0, model_length = 0;
  // Text for prefix hashing: completions `prompt` (string or array of strings joined), chat
  // `messages` rendered as "<|role|>\ncontent\n" per message (content string, or array of
  // {type:text,text}), responses `input` (string or message array) + `instructions`.
  std::string prompt;
  bool stream = false;
};

// Parses an OpenAI API body for /v1/chat/completions, /v1/completions, /v1/responses (others: best
// effort: model only). Error text is a client-facing 400 message (e.g. "request body is not valid
// JSON", "model must be a string").
Result<OpenAiRequest> parseOpenAiRequest(std::string_view path, std::string_view body);

// The body with the model value replaced (JSON-escaped), or a body with "model" inserted when
// absent. `req` must come from parseOpenAiRequest(…, body) on the same body.
std::string replaceModel(std::string_view body, const OpenAiRequest& req,
                         std::string_view new_model);

}  // namespace torii::inference
