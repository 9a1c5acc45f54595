#include "openai.h"

#include <algorithm>
#include <boost/json.hpp>

namespace torii::llmsim {

namespace json = boost::json;

namespace {

// Message content is a string or a list of parts [{"type":"text","text":…}]; other part types
// (images, audio) contribute nothing a text simulator can count.
Result<std::string> contentText(const json::value& c) {
  if (c.is_null()) return std::string();
  if (c.is_string()) return std::string(c.as_string());
  if (!c.is_array()) return Error{"'content' must be a string or an array of content parts"};
  std::string out;
  for (const auto& part : c.as_array()) {
    if (!part.is_object()) return Error{"content parts must be objects"};
    if (auto* t = part.as_object().if_contains("text"); t && t->is_string()) {
      if (!out.empty()) out += '\n';
      out += std::string(t->as_string());
    }
  }
  return out;
}

Result<int> optionalCount(const json::object& o, const char* key) {
  auto* v = o.if_contains(key);
  if (!v || v->is_null()) return -1;
  if (!v->is_int64() && !v->is_uint64())
    return Error{std::string("'") + key + "' must be an integer"};
  int64_t n = v->is_int64() ? v->as_int64() : int64_t(std::min<uint64_t>(v->as_uint64(), 1u << 30));
  if (n < 1) return Error{std::string("'") + key + "' must be at least 1"};
  return int(std::min<int64_t>(n, 1 << 30));
}

json::object usageObject(const Usage& u) {
  return json::object{{"prompt_tokens", u.prompt_tokens},
                      {"completion_tokens", u.completion_tokens},
                      {"total_tokens", u.prompt_tokens + u.completion_tokens},
                      {"prompt_tokens_details", json::object{{"cached_tokens", u.cached_tokens}}}};
}

json::object envelope(const ResponseMeta& m, bool chunk) {
  const char* object = m.api == Api::kChat ? (chunk ? "chat.completion.chunk" : "chat.completion")
                                           : "text_completion";
  return json::object{{"id", m.id}, {"object", object}, {"created", m.created}, {"model", m.model}};
}

std::string sse(const json::object& o) { return "data: " + json::serialize(o) + "\n\n"; }

}  // namespace

Result<CompletionRequest> parseCompletionRequest(std::string_view body, Api api) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec) return Error{"invalid JSON body: " + ec.message()};
  if (!v.is_object()) return Error{"the request body must be a JSON object"};
  const auto& o = v.as_object();
  CompletionRequest r;
  auto* model = o.if_contains("model");
  if (!model || !model->is_string() || model->as_string().empty())
    return Error{"'model' is required"};
  r.model = std::string(model->as_string());

  if (api == Api::kChat) {
    auto* msgs = o.if_contains("messages");
    if (!msgs || !msgs->is_array() || msgs->as_array().empty()) {
      return Error{"'messages' must be a non-empty array"};
    }
    for (const auto& m : msgs->as_array()) {
      if (!m.is_object()) return Error{"each message must be an object"};
      const auto& mo = m.as_object();
      auto* role = mo.if_contains("role");
      if (!role || !role->is_string()) return Error{"each message needs a string 'role'"};
      auto text = contentText(mo.contains("content") ? mo.at("content") : json::value());
      if (!text) return Error{text.error()};
      // A fixed chat template, so equal conversation prefixes give equal token prefixes.
      r.prompt_text += "<|" + std::string(role->as_string()) + "|>\n" + *text + "\n";
      r.echo_text = *text;
    }
    r.prompt_text += "<|assistant|>\n";
  } else {
    auto* p = o.if_contains("prompt");
    if (!p) return Error{"'prompt' is required"};
    if (p->is_string()) {
      r.prompt_text = std::string(p->as_string());
    } else if (p->is_array() && p->as_array().size() == 1 && p->as_array()[0].is_string()) {
      r.prompt_text = std::string(p->as_array()[0].as_string());
    } else {
      return Error{"'prompt' must be a string (batched and token-ID prompts are not simulated)"};
    }
    r.echo_text = r.prompt_text;
  }

  if (auto* s = o.if_contains("stream"); s && !s->is_null()) {
    if (!s->is_bool()) return Error{"'stream' must be a boolean"};
    r.stream = s->as_bool();
  }
  if (auto* so = o.if_contains("stream_options"); so && so->is_object()) {
    if (auto* iu = so->as_object().if_contains("include_usage"); iu && iu->is_bool()) {
      r.include_usage = iu->as_bool();
    }
  }
  if (auto* ie = o.if_contains("ignore_eos"); ie && ie->is_bool()) r.ignore_eos = ie->as_bool();
  auto mct = optionalCount(o, "max_completion_tokens");
  if (!mct) return Error{mct.error()};
  auto mt = optionalCount(o, "max_tokens");
  if (!mt) return Error{mt.error()};
  r.max_tokens = *mct >= 0 ? *mct : *mt;
  return r;
}

std::string completionBody(const ResponseMeta& m, std::string_view text,
                           std::string_view finish_reason, const Usage& u) {
  json::object choice{{"index", 0}, {"finish_reason", finish_reason}, {"logprobs", nullptr}};
  if (m.api == Api::kChat) {
    choice["message"] = json::object{{"role", "assistant"}, {"content", text}};
  } else {
    choice["text"] = text;
  }
  json::object o = envelope(m, false);
  o["choices"] = json::array{std::move(choice)};
  o["usage"] = usageObject(u);
  return json::serialize(o);
}

std::string streamChunk(const ResponseMeta& m, std::string_view text, bool first,
                        std::string_view finish_reason) {
  json::object choice{{"index", 0}, {"logprobs", nullptr}};
  if (m.api == Api::kChat) {
    json::object delta;
    if (first) delta["role"] = "assistant";
    if (!text.empty() || finish_reason.empty()) delta["content"] = text;
    choice["delta"] = std::move(delta);
  } else {
    choice["text"] = text;
  }
  choice["finish_reason"] =
      finish_reason.empty() ? json::value(nullptr) : json::value(finish_reason);
  json::object o = envelope(m, true);
  o["choices"] = json::array{std::move(choice)};
  return sse(o);
}

std::string usageChunk(const ResponseMeta& m, const Usage& u) {
  json::object o = envelope(m, true);
  o["choices"] = json::array{};
  o["usage"] = usageObject(u);
  return sse(o);
}

std::string errorBody(int status, std::string_view message) {
  const char* type = status == 400   ? "BadRequestError"
                     : status == 404 ? "NotFoundError"
                     : status == 405 ? "MethodNotAllowed"
                     : status == 413 ? "RequestEntityTooLarge"
                     : status == 429 ? "TooManyRequestsError"
                     : status >= 500 ? "InternalServerError"
                                     : "Error";
  json::object e{{"message", message}, {"type", type}, {"param", nullptr}, {"code", status}};
  return json::serialize(json::object{{"error", std::move(e)}});
}

std::string modelsBody(const std::vector<ModelEntry>& models, int64_t created, int max_model_len) {
  json::array data;
  for (const auto& m : models) {
    json::object o{{"id", m.id},         {"object", "model"}, {"created", created},
                   {"owned_by", "vllm"}, {"root", m.root},    {"max_model_len", max_model_len}};
    o["parent"] = m.parent.empty() ? json::value(nullptr) : json::value(m.parent);
    data.push_back(std::move(o));
  }
  return json::serialize(json::object{{"object", "list"}, {"data", std::move(data)}});
}

Result<LoraModule> parseLoraAdapterRequest(std::string_view body) {
  boost::system::error_code ec;
  json::value v = json::parse(body, ec);
  if (ec || !v.is_object()) return Error{"the request body must be a JSON object"};
  auto* name = v.as_object().if_contains("lora_name");
  if (!name || !name->is_string() || name->as_string().empty())
    return Error{"'lora_name' is required"};
  LoraModule m;
  m.name = std::string(name->as_string());
  if (auto* p = v.as_object().if_contains("lora_path"); p && p->is_string())
    m.path = std::string(p->as_string());
  return m;
}

}  // namespace torii::llmsim
