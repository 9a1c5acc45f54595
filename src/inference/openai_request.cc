#include "inference/openai_request.h"

#include <simdjson.h>

#include <optional>
#include <utility>

namespace torii::inference {

namespace od = simdjson::ondemand;

namespace {

enum class Api { kChat, kCompletions, kResponses, kOther };

Api apiOf(std::string_view path) {
  size_t q = path.find_first_of("?#");
  if (q != std::string_view::npos) path = path.substr(0, q);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  // Suffix match: the route may sit under a prefix (for example /openai/v1/…).
  if (path.ends_with("/v1/chat/completions")) return Api::kChat;
  if (path.ends_with("/v1/completions")) return Api::kCompletions;
  if (path.ends_with("/v1/responses")) return Api::kResponses;
  return Api::kOther;
}

// Client-facing messages for the 400 response.
constexpr const char* kInvalidJson = "request body is not valid JSON";

struct Failure {
  std::string message;
};

// An error while reading: either malformed JSON (simdjson error) or a field of the wrong type.
using Err = std::optional<Failure>;

Err jsonError(simdjson::error_code) { return Failure{kInvalidJson}; }

// Calls fn(key, value) for each field of `obj`; stops at the first error, the reader's or fn's.
template <class Fn>
Err forEachField(od::object& obj, Fn&& fn) {
  for (auto field_result : obj) {
    od::field field;
    if (auto e = std::move(field_result).get(field)) return jsonError(e);
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return jsonError(e);
    if (Err err = fn(key, field.value())) return err;
  }
  return {};
}

// Appends the text of a message `content`: a string, or an array of parts of which those with a
// "text" string (types text / input_text / output_text; images and audio are skipped) are joined.
// null or other types add nothing.
Err appendContent(od::value v, std::string& out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return jsonError(e);
  if (type == od::json_type::string) {
    std::string_view s;
    if (auto e = v.get_string().get(s)) return jsonError(e);
    out.append(s);
    return {};
  }
  if (type != od::json_type::array) return {};
  od::array parts;
  if (auto e = v.get_array().get(parts)) return jsonError(e);
  for (auto part_result : parts) {
    od::value part;
    if (auto e = part_result.get(part)) return jsonError(e);
    od::json_type ptype;
    if (auto e = part.type().get(ptype)) return jsonError(e);
    if (ptype == od::json_type::string) {  // some clients send bare strings
      std::string_view s;
      if (auto e = part.get_string().get(s)) return jsonError(e);
      out.append(s);
      continue;
    }
    if (ptype != od::json_type::object) continue;
    od::object obj;
    if (auto e = part.get_object().get(obj)) return jsonError(e);
    std::string text;
    bool is_text = true;  // a part without "type" but with "text" counts as text
    Err err = forEachField(obj, [&](std::string_view key, od::value fv) -> Err {
      std::string_view s;
      if (key == "text") {
        if (fv.get_string().get(s) == simdjson::SUCCESS) text.assign(s);
      } else if (key == "type") {
        if (fv.get_string().get(s) == simdjson::SUCCESS)
          is_text = s == "text" || s == "input_text" || s == "output_text";
      }
      return {};
    });
    if (err) return err;
    if (is_text) out.append(text);
  }
  return {};
}

// Renders one chat message object as "<|role|>\ncontent\n". Non-objects are skipped.
Err appendMessage(od::value v, std::string& out) {
  od::json_type type;
  if (auto e = v.type().get(type)) return jsonError(e);
  if (type == od::json_type::string) {  // a bare string item in a responses `input` array
    std::string_view s;
    if (auto e = v.get_string().get(s)) return jsonError(e);
    out.append(s);
    return {};
  }
  if (type != od::json_type::object) return Failure{"each message must be an object"};
  od::object obj;
  if (auto e = v.get_object().get(obj)) return jsonError(e);
  std::string role, content;
  bool has_content = false;
  Err err = forEachField(obj, [&](std::string_view key, od::value fv) -> Err {
    if (key == "role") {
      std::string_view s;
      if (fv.get_string().get(s) != simdjson::SUCCESS)
        return Failure{"message role must be a string"};
      role.assign(s);
    } else if (key == "content") {
      has_content = true;
      return appendContent(fv, content);
    }
    return {};
  });
  if (err) return err;
  if (role.empty() && !has_content) return {};  // e.g. a function_call item in responses input
  out += "<|";
  out += role;
  out += "|>\n";
  out += content;
  out += '\n';
  return {};
}

Err appendMessages(od::value v, std::string& out, const char* not_array_message) {
  od::array arr;
  if (v.get_array().get(arr) != simdjson::SUCCESS) return Failure{not_array_message};
  for (auto item_result : arr) {
    od::value item;
    if (auto e = item_result.get(item)) return jsonError(e);
    if (Err err = appendMessage(item, out)) return err;
  }
  return {};
}

Err parseInto(Api api, const simdjson::padded_string& padded, OpenAiRequest& req) {
  od::parser parser;
  od::document doc;
  if (auto e = parser.iterate(padded).get(doc)) return jsonError(e);
  od::object root;
  if (auto e = doc.get_object().get(root)) {
    if (e == simdjson::INCORRECT_TYPE) return Failure{"request body must be a JSON object"};
    return jsonError(e);
  }
  bool seen_model = false;
  std::string instructions, input;
  Err err = forEachField(root, [&](std::string_view key, od::value v) -> Err {
    if (key == "model") {
      // Different JSON parsers keep the first or the last duplicate: refuse rather than route by
      // one value while the model server reads the other.
      if (seen_model) return Failure{"model must appear only once"};
      seen_model = true;
      od::json_type type;
      if (auto e = v.type().get(type)) return jsonError(e);
      if (type != od::json_type::string) return Failure{"model must be a string"};
      std::string_view raw = v.raw_json_token();
      while (!raw.empty() &&
             (raw.back() == ' ' || raw.back() == '\t' || raw.back() == '\n' || raw.back() == '\r'))
        raw.remove_suffix(1);
      std::string_view s;
      if (auto e = v.get_string().get(s)) return jsonError(e);
      req.model.assign(s);
      req.model_offset = size_t(raw.data() - padded.data());
      req.model_length = raw.size();
    } else if (key == "stream") {
      od::json_type type;
      if (auto e = v.type().get(type)) return jsonError(e);
      if (type == od::json_type::boolean) {
        bool b = false;
        if (auto e = v.get_bool().get(b)) return jsonError(e);
        req.stream = b;
      } else if (type != od::json_type::null) {
        return Failure{"stream must be a boolean"};
      }
    } else if (api == Api::kCompletions && key == "prompt") {
      // Completions `prompt`: a string or an array of strings, joined as message content is;
      // token-id arrays contribute nothing (we hash characters, inference.md §3.4).
      return appendContent(v, req.prompt);
    } else if (api == Api::kChat && key == "messages") {
      return appendMessages(v, req.prompt, "messages must be an array");
    } else if (api == Api::kResponses && key == "input") {
      od::json_type type;
      if (auto e = v.type().get(type)) return jsonError(e);
      if (type == od::json_type::string) {
        std::string_view s;
        if (auto e = v.get_string().get(s)) return jsonError(e);
        input.assign(s);
      } else if (type == od::json_type::array) {
        return appendMessages(v, input, "input must be a string or an array");
      } else {
        return Failure{"input must be a string or an array"};
      }
    } else if (api == Api::kResponses && key == "instructions") {
      std::string_view s;
      if (v.get_string().get(s) == simdjson::SUCCESS) instructions.assign(s);
    }
    return {};
  });
  if (err) return err;
  // Anything after the root object is malformed JSON.
  if (doc.current_location().error() == simdjson::SUCCESS) return Failure{kInvalidJson};
  if (api == Api::kResponses) {
    // Instructions act as the system prompt: put them first so requests sharing them share a
    // prefix (inference.md §3.4).
    if (!instructions.empty()) {
      req.prompt += "<|system|>\n";
      req.prompt += instructions;
      req.prompt += '\n';
    }
    req.prompt += input;
  }
  return {};
}

void appendJsonString(std::string& out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xf];
        } else {
          out += ch;
        }
    }
  }
  out += '"';
}

}  // namespace

Result<OpenAiRequest> parseOpenAiRequest(std::string_view path, std::string_view body) {
  size_t first = body.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return Error{"request body is empty"};
  // simdjson reads SIMDJSON_PADDING bytes past the end: parse a padded copy.
  simdjson::padded_string padded(body);
  OpenAiRequest req;
  if (Err err = parseInto(apiOf(path), padded, req)) return Error{std::move(err->message)};
  return req;
}

std::string replaceModel(std::string_view body, const OpenAiRequest& req,
                         std::string_view new_model) {
  std::string out;
  out.reserve(body.size() + new_model.size() + 16);
  if (req.model_length > 0 && req.model_offset + req.model_length <= body.size()) {
    out.append(body.substr(0, req.model_offset));
    appendJsonString(out, new_model);
    out.append(body.substr(req.model_offset + req.model_length));
    return out;
  }
  size_t brace = body.find_first_not_of(" \t\r\n");
  if (brace == std::string_view::npos || body[brace] != '{') {
    // Not an object (parseOpenAiRequest would have refused it): the smallest valid body.
    out = "{\"model\":";
    appendJsonString(out, new_model);
    out += '}';
    return out;
  }
  size_t next = body.find_first_not_of(" \t\r\n", brace + 1);
  bool empty_object = next != std::string_view::npos && body[next] == '}';
  out.append(body.substr(0, brace + 1));
  out += "\"model\":";
  appendJsonString(out, new_model);
  if (!empty_object) out += ',';
  out.append(body.substr(brace + 1));
  return out;
}

}  // namespace torii::inference
