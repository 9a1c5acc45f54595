#include "inference/prom_text.h"

#include <charconv>
#include <cmath>
#include <limits>

#include "inference/prom_text_internal.h"

namespace torii::inference {
namespace detail {
namespace {

bool isNameStart(char c, bool colon_ok) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon_ok && c == ':');
}
bool isNameChar(char c, bool colon_ok) {
  return isNameStart(c, colon_ok) || (c >= '0' && c <= '9');
}

void skipBlanks(std::string_view s, size_t& i) {
  while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
}

// Reads a metric (colon_ok) or label name at i.
std::string_view readName(std::string_view s, size_t& i, bool colon_ok) {
  size_t start = i;
  if (i >= s.size() || !isNameStart(s[i], colon_ok)) return {};
  ++i;
  while (i < s.size() && isNameChar(s[i], colon_ok)) ++i;
  return s.substr(start, i - start);
}

// Prometheus values: Go ParseFloat syntax plus "+Inf"/"-Inf"/"NaN" in any case.
bool parseValue(std::string_view tok, double& out) {
  if (tok.empty()) return false;
  bool neg = false;
  std::string_view body = tok;
  if (body[0] == '+' || body[0] == '-') {
    neg = body[0] == '-';
    body.remove_prefix(1);
    if (body.empty() || body[0] == '+' || body[0] == '-') return false;
  }
  auto ieq = [](std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t k = 0; k < a.size(); ++k) {
      char c = a[k];
      if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
      if (c != b[k]) return false;
    }
    return true;
  };
  if (ieq(body, "inf") || ieq(body, "infinity")) {
    out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (ieq(body, "nan")) {
    out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v);
  if (r.ptr != body.data() + body.size()) return false;
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow → ±Inf, underflow → 0, as Go's ParseFloat reports them.
    size_t e = body.find_first_of("eE");
    bool underflow = e != std::string_view::npos && e + 1 < body.size() && body[e + 1] == '-';
    v = underflow ? 0.0 : std::numeric_limits<double>::infinity();
  } else if (r.ec != std::errc()) {
    return false;
  }
  out = neg ? -v : v;
  return true;
}

bool parseTimestamp(std::string_view tok) {
  if (!tok.empty() && (tok[0] == '-' || tok[0] == '+')) tok.remove_prefix(1);
  if (tok.empty()) return false;
  int64_t ts = 0;
  auto r = std::from_chars(tok.data(), tok.data() + tok.size(), ts);
  return r.ec == std::errc() && r.ptr == tok.data() + tok.size();
}

}  // namespace

std::string parseSampleLine(std::string_view line, Sample& out,
                            bool (*want)(void*, std::string_view), void* want_ctx) {
  size_t i = 0;
  std::string_view name = readName(line, i, true);
  if (name.empty()) return "expected a metric name";
  bool keep = want(want_ctx, name);
  size_t after_name = i;
  skipBlanks(line, i);
  bool has_labels = i < line.size() && line[i] == '{';
  if (!has_labels) i = after_name;
  if (has_labels) {
    ++i;
    for (;;) {
      skipBlanks(line, i);
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      std::string_view lname = readName(line, i, false);
      if (lname.empty()) return "expected a label name";
      skipBlanks(line, i);
      if (i >= line.size() || line[i] != '=') return "expected '=' after label name";
      ++i;
      skipBlanks(line, i);
      if (i >= line.size() || line[i] != '"') return "expected '\"' to open the label value";
      ++i;
      std::string* value = nullptr;
      if (keep) value = &out.labels.emplace_back(lname, std::string()).second;
      for (;;) {
        if (i >= line.size()) return "unterminated label value";
        char c = line[i++];
        if (c == '"') break;
        if (c == '\\') {
          if (i >= line.size()) return "unterminated label value";
          char e = line[i++];
          if (e == 'n')
            c = '\n';
          else if (e == '\\' || e == '"')
            c = e;
          else
            return "invalid escape in label value";
        }
        if (value) value->push_back(c);
      }
      skipBlanks(line, i);
      if (i < line.size() && line[i] == ',') {
        ++i;
        continue;
      }
      if (i < line.size() && line[i] == '}') {
        ++i;
        break;
      }
      return "expected ',' or '}' after label value";
    }
  }
  if (i < line.size() && line[i] != ' ' && line[i] != '\t')
    return "expected a space before the value";
  skipBlanks(line, i);
  size_t vstart = i;
  while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
  double value = 0;
  if (!parseValue(line.substr(vstart, i - vstart), value)) return "invalid sample value";
  skipBlanks(line, i);
  if (i < line.size()) {
    size_t tstart = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (!parseTimestamp(line.substr(tstart, i - tstart))) return "invalid timestamp";
    skipBlanks(line, i);
    if (i < line.size()) return "unexpected text after the timestamp";
  }
  if (keep) {
    out.name = name;
    out.value = value;
  } else {
    out.labels.clear();
  }
  return {};
}

}  // namespace detail

Result<std::vector<Sample>> parsePrometheusText(std::string_view text) {
  std::vector<Sample> samples;
  std::string err = detail::forEachSample(
      text, [](std::string_view) { return true; },
      [&](Sample& s) { samples.push_back(std::move(s)); });
  if (!err.empty()) return Error{std::move(err)};
  return samples;
}

const std::string* findLabel(const Sample& s, std::string_view name) {
  for (const auto& [k, v] : s.labels)
    if (k == name) return &v;
  return nullptr;
}

}  // namespace torii::inference
