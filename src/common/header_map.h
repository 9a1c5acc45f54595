#pragma once
// HeaderMap: an ordered list of HTTP header fields stored in one arena string, so that parsing and
// forwarding a request allocates nothing once the map has warmed up (clear() keeps capacity).
// Names keep the case they arrived with; lookups are case-insensitive.
// string_views returned by accessors stay valid until the next mutation of the map.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace torii {

class HeaderMap {
 public:
  struct Entry {
    uint32_t name_off, name_len, value_off, value_len;
    bool removed;
  };

  void add(std::string_view name, std::string_view value);
  // Replaces every field called `name` with one field.
  void set(std::string_view name, std::string_view value);
  // Removes every field called `name`; returns how many were removed.
  size_t remove(std::string_view name);
  // First value of `name`, or empty view when absent (use has() to tell empty from absent).
  std::string_view get(std::string_view name) const;
  bool has(std::string_view name) const;
  size_t count(std::string_view name) const;
  // Number of fields (removed ones excluded).
  size_t size() const { return entries_.size() - removed_; }
  void clear();

  // Iteration over live fields: for (size_t i = 0; i < map.slots(); ++i) if (map.live(i)) ...
  size_t slots() const { return entries_.size(); }
  bool live(size_t i) const { return !entries_[i].removed; }
  std::string_view name(size_t i) const {
    return {arena_.data() + entries_[i].name_off, entries_[i].name_len};
  }
  std::string_view value(size_t i) const {
    return {arena_.data() + entries_[i].value_off, entries_[i].value_len};
  }
  void removeAt(size_t i);

  // Incremental construction used by the HTTP/1 parser: callbacks may deliver a name or value in
  // several pieces; pieces of the same field must arrive contiguously.
  void beginField() { entries_.push_back({uint32_t(arena_.size()), 0, 0, 0, false}); }
  void appendName(std::string_view piece) {
    arena_.append(piece);
    entries_.back().name_len += uint32_t(piece.size());
  }
  void beginValue() { entries_.back().value_off = uint32_t(arena_.size()); }
  void appendValue(std::string_view piece) {
    arena_.append(piece);
    entries_.back().value_len += uint32_t(piece.size());
  }
  bool empty() const { return size() == 0; }
  size_t bytes() const { return arena_.size(); }

 private:
  std::string arena_;
  std::vector<Entry> entries_;
  size_t removed_ = 0;
};

}  // namespace torii
