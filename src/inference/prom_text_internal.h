#pragma once
// Streaming core of the Prometheus text parser, shared by parsePrometheusText and extractMetrics
// (which only materialises the label values of the metrics it reads).
#include <cstddef>
#include <string>
#include <string_view>
#include <type_traits>

#include "inference/prom_text.h"

namespace torii::inference::detail {

// Calls want(name) for each sample line; when it returns true the sample (labels unescaped) is
// passed to emit(Sample&), which may move from it. The Sample object is reused between calls. Lines
// of unwanted metrics are still fully validated, so the same text yields the same error either way.
// Returns "" on success, else the error message.
template <typename Want, typename Emit>
std::string forEachSample(std::string_view text, Want&& want, Emit&& emit);

// Implementation detail of forEachSample: parses one line (without its newline). Returns "" or an
// error (without the line number). Labels and name are stored into `out` only when want(name);
// otherwise out.name stays empty.
std::string parseSampleLine(std::string_view line, Sample& out,
                            bool (*want)(void*, std::string_view), void* want_ctx);

template <typename Want, typename Emit>
std::string forEachSample(std::string_view text, Want&& want, Emit&& emit) {
  Sample sample;
  size_t line_no = 0;
  size_t pos = 0;
  auto want_thunk = [](void* ctx, std::string_view name) -> bool {
    return (*static_cast<std::remove_reference_t<Want>*>(ctx))(name);
  };
  while (pos < text.size()) {
    ++line_no;
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    pos = end + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = line.find_first_not_of(" \t");
    if (first == std::string_view::npos || line[first] == '#') continue;
    line.remove_prefix(first);
    sample.name = {};
    sample.labels.clear();
    sample.value = 0;
    std::string err = parseSampleLine(line, sample, want_thunk, &want);
    if (!err.empty()) return "line " + std::to_string(line_no) + ": " + err;
    if (!sample.name.empty()) emit(sample);
  }
  return {};
}

}  // namespace torii::inference::detail
