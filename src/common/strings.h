#pragma once
// Small string helpers shared by codecs, config decoding and the CLI.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace torii {

inline char asciiLower(char c) { return (c >= 'A' && c <= 'Z') ? char(c + 32) : c; }
bool iequals(std::string_view a, std::string_view b);
std::string toLower(std::string_view s);
std::string_view trim(std::string_view s);  // optional whitespace: SP and HTAB
// Splits on `sep`, trimming each element; empty elements are kept.
std::vector<std::string_view> splitList(std::string_view s, char sep);
// True when the comma-separated list `list` contains `token` (case-insensitive).
bool listContainsToken(std::string_view list, std::string_view token);
bool startsWith(std::string_view s, std::string_view prefix);

// Parses durations as Go and Kubernetes write them: "250ms", "10s", "1m30s", "2h", "100us".
// A bare number is seconds. Returns nullopt for malformed input.
std::optional<std::chrono::nanoseconds> parseDuration(std::string_view s);
std::optional<uint64_t> parseUint(std::string_view s);

}  // namespace torii
