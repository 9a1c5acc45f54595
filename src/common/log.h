#pragma once
// Leveled logging to stderr. Used on the control plane and for rare data-plane events (errors,
// drops); never per request on the hot path except the optional access log.
#include <fmt/core.h>

#include <string_view>

namespace torii::log {

enum class Level { kTrace = 0, kDebug, kInfo, kWarn, kError, kOff };

void setLevel(Level level);
Level level();
// Parses "trace|debug|info|warn|error|off"; returns false for anything else.
bool parseLevel(std::string_view s, Level* out);
void write(Level level, std::string_view msg);

template <typename... Args>
void info(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kInfo) write(Level::kInfo, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void warn(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kWarn) write(Level::kWarn, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void error(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kError) write(Level::kError, fmt::format(f, std::forward<Args>(args)...));
}
template <typename... Args>
void debug(fmt::format_string<Args...> f, Args&&... args) {
  if (level() <= Level::kDebug) write(Level::kDebug, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace torii::log
