#pragma once
// File provider: reads every *.yaml, *.yml and *.json file under the configured directories
// (recursively, in a stable order; names starting with '.' are skipped, so write-then-rename
// temporaries are never read) into typed objects, and watches the directories with inotify.
//
// A file that fails to decode keeps its last good objects: objects of its last error-free
// version that the new version does not provide are kept, and the errors are reported.
// Main thread only; no asio here: main() waits on fd() and calls readEvents().
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "common/result.h"
#include "config/decode.h"

namespace torii::providers {

// Reads the directories once (no last-good memory); used by `torii validate` and tests.
config::DecodeResult loadDirectories(const std::vector<std::string>& dirs);

class FileProvider {
 public:
  explicit FileProvider(std::vector<std::string> dirs) : dirs_(std::move(dirs)) {}
  ~FileProvider();
  FileProvider(const FileProvider&) = delete;
  FileProvider& operator=(const FileProvider&) = delete;

  // Reads every file now. `errors` lists this load's problems (including files whose last good
  // objects were kept).
  //
  // `previous` is what the last load() returned, given back (the ResourceStore may have set
  // generation and creationTimestamp on the objects; nothing else may change, nor their order).
  // The objects of files that have not changed are moved from it instead of being decoded again,
  // and a file that stops decoding keeps the objects of its last good version from it: the
  // provider keeps no copy of the configuration of its own (one copy is ~20 MiB at 10,000
  // routes). An empty or mismatched `previous` decodes every file; a file that fails then has
  // no last good version to keep unless it was already failing.
  config::DecodeResult load(std::vector<config::Object> previous);

  // Starts watching (inotify, non-blocking); returns the descriptor to wait on for readability.
  Result<int> watch();
  // Reads the pending inotify events; true when one of them may change the configuration.
  // Adds watches for directories created since.
  bool readEvents();

 private:
  std::vector<std::string> listFiles(std::vector<std::string>* errors) const;
  void addWatches();

  std::vector<std::string> dirs_;
  // What each file contributed to the last load() (its objects are that result's
  // [offset, offset + count)), reused while (inode, size, mtime) are unchanged: a reload decodes
  // only the files that changed (YAML decoding dominates reload time at 10,000 routes).
  struct Cached {
    bool stat_ok = false;  // false: never reused
    uint64_t ino = 0, size = 0;
    int64_t mtime_ns = 0;
    size_t offset = 0, count = 0;
    bool good = false;  // decoded without errors: its objects are its last good version
    std::vector<std::string> errors;
    std::vector<std::string> ignored;
  };
  std::map<std::string, Cached> cache_;
  size_t last_count_ = 0;  // objects the last load() returned
  // Files whose current version fails to decode -> objects of their last good version.
  std::map<std::string, std::vector<config::Object>> last_good_;
  // Files named by inotify events since the last load: decoded again whatever their stat says
  // (file times are coarse; two same-size writes within a tick look alike). "*" = everything.
  std::set<std::string> dirty_;
  std::map<int, std::string> watch_dirs_;  // watch descriptor -> directory
  int fd_ = -1;
};

}  // namespace torii::providers
