#include "lora.h"

#include <algorithm>

namespace torii::llmsim {

void LoraSlots::registerAdapter(LoraModule m) {
  std::string name = m.name;
  registered_[name] = std::move(m);
}

bool LoraSlots::unregisterAdapter(const std::string& name) {
  if (!registered_.count(name)) return false;
  auto it = findSlot(name);
  if (it != slots_.end()) {
    if (it->refs > 0) return false;
    slots_.erase(it);
  }
  registered_.erase(name);
  return true;
}

const LoraModule* LoraSlots::find(const std::string& name) const {
  auto it = registered_.find(name);
  return it == registered_.end() ? nullptr : &it->second;
}

std::list<LoraSlots::Slot>::iterator LoraSlots::findSlot(const std::string& name) {
  return std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.name == name; });
}
std::list<LoraSlots::Slot>::const_iterator LoraSlots::findSlot(const std::string& name) const {
  return std::find_if(slots_.begin(), slots_.end(), [&](const Slot& s) { return s.name == name; });
}

bool LoraSlots::isLoaded(const std::string& name) const { return findSlot(name) != slots_.end(); }

bool LoraSlots::canAcquire(const std::string& name) const {
  if (isLoaded(name)) return true;
  if (int(slots_.size()) < max_loras_) return true;
  return std::any_of(slots_.begin(), slots_.end(), [](const Slot& s) { return s.refs == 0; });
}

bool LoraSlots::acquire(const std::string& name) {
  auto it = findSlot(name);
  if (it == slots_.end()) {
    if (int(slots_.size()) >= max_loras_) {
      auto idle =
          std::find_if(slots_.begin(), slots_.end(), [](const Slot& s) { return s.refs == 0; });
      if (idle == slots_.end()) return false;
      slots_.erase(idle);
    }
    slots_.push_back(Slot{name, 0});
    it = std::prev(slots_.end());
    ++loads_;
  } else {
    slots_.splice(slots_.end(), slots_, it);  // most recently used at the back
  }
  ++it->refs;
  return true;
}

void LoraSlots::release(const std::string& name) {
  auto it = findSlot(name);
  if (it != slots_.end() && it->refs > 0) --it->refs;
}

int LoraSlots::refs(const std::string& name) const {
  auto it = findSlot(name);
  return it == slots_.end() ? 0 : it->refs;
}

std::vector<std::string> LoraSlots::loaded() const {
  std::vector<std::string> out;
  for (const auto& s : slots_) out.push_back(s.name);
  return out;
}

}  // namespace torii::llmsim
