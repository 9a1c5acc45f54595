#pragma once
// File provider: reads every *.yaml, *.yml and *.json file under the configured directories
// (recursively, in a stable order; names starting with '.' are skipped, so write-then-rename
// temporaries are never read) into typed objects, and watches the directories with inotify.
//
// A file that fails to decode keeps its last good objects: objects of its last error-free
// version that the new version does not provide are kept, and the errors are reported.
// Main thread only; no asio here: main() waits on fd() and calls readEvents().
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
  config::DecodeResult load();

  // Starts watching (inotify, non-blocking); returns the descriptor to wait on for readability.
  Result<int> watch();
  // Reads the pending inotify events; true when one of them may change the configuration.
  // Adds watches for directories created since.
  bool readEvents();

 private:
  std::vector<std::string> listFiles(std::vector<std::string>* errors) const;
  void addWatches();

  std::vector<std::string> dirs_;
  std::map<std::string, std::vector<config::Object>> last_good_;  // file -> objects
  int fd_ = -1;
  std::set<std::string> watched_;
};

}  // namespace torii::providers
