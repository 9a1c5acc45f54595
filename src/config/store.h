#pragma once
// ResourceStore: the typed objects every provider feeds, keyed by kind/namespace/name. In
// standalone mode it plays the API server's part for metadata (DESIGN.md §4): generation is 1 when
// an object first appears and grows by one whenever its spec (everything outside metadata and
// status) changes; creationTimestamp is the time it was first seen unless the file sets it.
// Main thread only.
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "config/resources.h"

namespace torii::config {

class ResourceStore {
 public:
  // Replaces the whole set of objects with `objects` (the providers' full view) and sets their
  // generation and creationTimestamp. Objects no longer present are forgotten: one that comes back
  // starts again at generation 1. `now` is RFC 3339.
  void replace(std::vector<Object> objects, const std::string& now);
  const std::vector<Object>& objects() const { return objects_; }
  // Moves the objects out, for a provider to reuse what has not changed (FileProvider::load);
  // objects() is empty until the next replace(), which still knows every object's generation.
  std::vector<Object> releaseObjects() { return std::exchange(objects_, {}); }

 private:
  struct Tracked {
    int64_t generation = 1;
    std::string spec_hash;
    std::string creation_timestamp;
  };
  std::map<std::string, Tracked> tracked_;  // kind/namespace/name
  std::vector<Object> objects_;
};

}  // namespace torii::config
