#include "config/store.h"

namespace torii::config {

void ResourceStore::replace(std::vector<Object> objects, const std::string& now) {
  std::map<std::string, Tracked> next;
  for (auto& o : objects) {
    ObjectMeta& m = metaOf(o);
    const std::string k = groupKindOf(o) + "/" + m.namespace_ + "/" + m.name;
    Tracked t;
    auto it = tracked_.find(k);
    if (it == tracked_.end()) {
      t.generation = 1;
      t.creation_timestamp = m.creation_timestamp.empty() ? now : m.creation_timestamp;
    } else {
      t = it->second;
      if (t.spec_hash != m.spec_hash) ++t.generation;
      if (!m.creation_timestamp.empty()) t.creation_timestamp = m.creation_timestamp;
    }
    t.spec_hash = m.spec_hash;
    m.generation = t.generation;
    m.creation_timestamp = t.creation_timestamp;
    next[k] = t;
  }
  tracked_ = std::move(next);
  objects_ = std::move(objects);
}

}  // namespace torii::config
