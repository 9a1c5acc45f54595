#include "common/header_map.h"

#include "common/strings.h"

namespace torii {

void HeaderMap::add(std::string_view name, std::string_view value) {
  beginField();
  appendName(name);
  beginValue();
  appendValue(value);
}

void HeaderMap::set(std::string_view name, std::string_view value) {
  remove(name);
  add(name, value);
}

size_t HeaderMap::remove(std::string_view name) {
  size_t n = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!entries_[i].removed && iequals(this->name(i), name)) {
      removeAt(i);
      ++n;
    }
  }
  return n;
}

void HeaderMap::removeAt(size_t i) {
  if (!entries_[i].removed) {
    entries_[i].removed = true;
    ++removed_;
  }
}

std::string_view HeaderMap::get(std::string_view name) const {
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!entries_[i].removed && iequals(this->name(i), name)) return value(i);
  }
  return {};
}

bool HeaderMap::has(std::string_view name) const { return count(name) > 0; }

size_t HeaderMap::count(std::string_view name) const {
  size_t n = 0;
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (!entries_[i].removed && iequals(this->name(i), name)) ++n;
  }
  return n;
}

void HeaderMap::clear() {
  arena_.clear();
  entries_.clear();
  removed_ = 0;
}

}  // namespace torii
