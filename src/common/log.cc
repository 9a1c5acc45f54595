#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace torii::log {
namespace {
// Written once at start-up (or by an admin call), read by every thread: an atomic for that reason.
std::atomic<Level> g_level{Level::kInfo};
const char* kNames[] = {"trace", "debug", "info", "warn", "error", "off"};
}  // namespace

void setLevel(Level level) { g_level.store(level, std::memory_order_relaxed); }
Level level() { return g_level.load(std::memory_order_relaxed); }

bool parseLevel(std::string_view s, Level* out) {
  for (int i = 0; i <= int(Level::kOff); ++i) {
    if (s == kNames[i]) {
      *out = Level(i);
      return true;
    }
  }
  return false;
}

void write(Level level, std::string_view msg) {
  auto now = std::chrono::system_clock::now();
  auto secs = std::chrono::system_clock::to_time_t(now);
  auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm;
  gmtime_r(&secs, &tm);
  char ts[32];
  std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
  // One fwrite per line keeps lines from different threads whole.
  std::string line = fmt::format("{}.{:03d}Z {} {}\n", ts, int(ms), kNames[int(level)], msg);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace torii::log
