#include "providers/file_provider.h"

#include <algorithm>
#include <filesystem>

namespace torii::providers {

config::DecodeResult loadDirectories(const std::vector<std::string>& dirs) {
  namespace fs = std::filesystem;
  config::DecodeResult all;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (fs::is_regular_file(dir, ec)) {
        auto r = config::decodeFile(dir);
        for (auto& o : r.objects) all.objects.push_back(std::move(o));
        all.errors.insert(all.errors.end(), r.errors.begin(), r.errors.end());
        all.ignored.insert(all.ignored.end(), r.ignored.begin(), r.ignored.end());
        continue;
      }
      all.errors.push_back(dir + ": not a directory");
      continue;
    }
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      auto ext = it->path().extension().string();
      auto name = it->path().filename().string();
      if (!name.empty() && name[0] == '.') continue;  // editor swap files, atomic-rename temporaries
      if (ext == ".yaml" || ext == ".yml" || ext == ".json") files.push_back(it->path().string());
    }
    if (ec) all.errors.push_back(dir + ": " + ec.message());
    std::sort(files.begin(), files.end());
    for (const auto& f : files) {
      auto r = config::decodeFile(f);
      for (auto& o : r.objects) all.objects.push_back(std::move(o));
      all.errors.insert(all.errors.end(), r.errors.begin(), r.errors.end());
      all.ignored.insert(all.ignored.end(), r.ignored.begin(), r.ignored.end());
    }
  }
  return all;
}

}  // namespace torii::providers
