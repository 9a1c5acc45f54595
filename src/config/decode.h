#pragma once
// Decoding of Kubernetes manifests (YAML, multi-document, or JSON) into typed objects.
// Untrusted input: every error names the source, the document index and the field path, and one
// bad document never prevents the others from loading.
#include <string>
#include <string_view>
#include <vector>

#include "config/resources.h"

namespace torii::config {

struct DecodeResult {
  std::vector<Object> objects;
  std::vector<std::string> errors;   // one line each: "<source> doc <i>: <field path>: <problem>"
  std::vector<std::string> ignored;  // kinds Torii does not use: "<source> doc <i>: <kind> ns/name"
};

// Decodes every document of `text`; `source` names it in messages (usually the file path).
DecodeResult decodeManifests(std::string_view text, const std::string& source);
// Reads and decodes one file.
DecodeResult decodeFile(const std::string& path);

}  // namespace torii::config
