#pragma once
// Prometheus text exposition format (version 0.0.4) parser for model-server /metrics scrapes
// (inference.md §4). Pure, asio-free, allocation per sample only for label values.
//
// Called on the main thread by the metrics scraper after each scrape; the returned samples point
// into `text` (names, label names), so `text` must outlive them. Untrusted input: never crashes,
// returns an error naming the 1-based line number of the first malformed line.
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"

namespace torii::inference {

struct Sample {
  std::string_view name;  // metric name, points into the parsed text
  // Label name (points into the text) and unescaped value (\\ \" \n decoded), in text order.
  std::vector<std::pair<std::string_view, std::string>> labels;
  double value = 0;  // NaN, +Inf, -Inf accepted
};

// Parses every sample line; comment lines (# HELP, # TYPE, any '#') and blank lines are skipped; an
// optional trailing timestamp is accepted and ignored.
Result<std::vector<Sample>> parsePrometheusText(std::string_view text);

// The value of label `name` in `s`, or nullptr when absent.
const std::string* findLabel(const Sample& s, std::string_view name);

}  // namespace torii::inference
