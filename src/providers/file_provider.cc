#include "providers/file_provider.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <iterator>
#include <optional>

namespace torii::providers {
namespace fs = std::filesystem;
namespace {

bool isConfigFile(const fs::path& p) {
  auto name = p.filename().string();
  if (name.empty() || name[0] == '.') return false;  // editor swap files, atomic-rename temporaries
  auto ext = p.extension().string();
  return ext == ".yaml" || ext == ".yml" || ext == ".json";
}

void append(config::DecodeResult& all, config::DecodeResult&& r) {
  for (auto& o : r.objects) all.objects.push_back(std::move(o));
  all.errors.insert(all.errors.end(), r.errors.begin(), r.errors.end());
  all.ignored.insert(all.ignored.end(), r.ignored.begin(), r.ignored.end());
}

std::vector<std::string> listConfigFiles(const std::vector<std::string>& dirs,
                                         std::vector<std::string>* errors) {
  std::vector<std::string> out;
  for (const auto& dir : dirs) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) {
      if (fs::is_regular_file(dir, ec)) {
        out.push_back(dir);
      } else {
        errors->push_back(dir + ": not a directory");
      }
      continue;
    }
    std::vector<std::string> files;
    for (auto it = fs::recursive_directory_iterator(
             dir, fs::directory_options::skip_permission_denied, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file(ec)) continue;
      if (isConfigFile(it->path())) files.push_back(it->path().string());
    }
    if (ec) errors->push_back(dir + ": " + ec.message());
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
  }
  return out;
}

std::string objectKey(const config::Object& o) {
  const auto& m = config::metaOf(o);
  return config::kindOf(o) + "/" + m.namespace_ + "/" + m.name;
}

}  // namespace

config::DecodeResult loadDirectories(const std::vector<std::string>& dirs) {
  config::DecodeResult all;
  for (const auto& f : listConfigFiles(dirs, &all.errors)) append(all, config::decodeFile(f));
  return all;
}

FileProvider::~FileProvider() {
  if (fd_ >= 0) ::close(fd_);
}

config::DecodeResult FileProvider::load(std::vector<config::Object> previous) {
  config::DecodeResult all;
  // `previous` holds the last result's objects in order only if the counts agree.
  const bool have_previous = previous.size() == last_count_;
  auto takePrevious = [&](const Cached& c) {
    auto first = previous.begin() + ptrdiff_t(c.offset);
    return std::vector<config::Object>(std::make_move_iterator(first),
                                       std::make_move_iterator(first + ptrdiff_t(c.count)));
  };
  std::map<std::string, Cached> cache;
  std::map<std::string, std::vector<config::Object>> last_good;
  all.objects.reserve(previous.size());
  for (const auto& f : listConfigFiles(dirs_, &all.errors)) {
    std::vector<config::Object> objects;
    if (auto dup = cache.find(f); dup != cache.end()) {
      // Named twice (overlapping --config paths): the same contribution again.
      const Cached& c = dup->second;
      auto first = all.objects.begin() + ptrdiff_t(c.offset);
      objects.assign(first, first + ptrdiff_t(c.count));
      for (auto& o : objects) all.objects.push_back(std::move(o));
      all.errors.insert(all.errors.end(), c.errors.begin(), c.errors.end());
      all.ignored.insert(all.ignored.end(), c.ignored.begin(), c.ignored.end());
      continue;
    }
    Cached c;
    struct stat st;
    if (::stat(f.c_str(), &st) == 0) {
      c.stat_ok = true;
      c.ino = uint64_t(st.st_ino);
      c.size = uint64_t(st.st_size);
      c.mtime_ns = int64_t(st.st_mtim.tv_sec) * 1000000000 + st.st_mtim.tv_nsec;
    }
    auto it = cache_.find(f);
    const Cached* old = it == cache_.end() ? nullptr : &it->second;
    const bool old_objects = old && have_previous && old->offset + old->count <= previous.size();
    if (c.stat_ok && old_objects && old->stat_ok && !dirty_.count(f) && !dirty_.count("*") &&
        old->ino == c.ino && old->size == c.size && old->mtime_ns == c.mtime_ns) {
      // Unchanged: the same objects, errors and ignored documents as last time.
      objects = takePrevious(*old);
      c.good = old->good;
      c.errors = old->errors;
      c.ignored = old->ignored;
      if (auto lg = last_good_.find(f); lg != last_good_.end()) {
        last_good[f] = std::move(lg->second);
      }
    } else {
      config::DecodeResult r = config::decodeFile(f);  // also reports a file stat() failed on
      c.good = r.errors.empty();
      // Keep the last good version of what this file no longer provides: still held since an
      // earlier failure, or what the last load returned for it when it decoded cleanly.
      std::optional<std::vector<config::Object>> good;
      if (!c.good) {
        if (auto lg = last_good_.find(f); lg != last_good_.end()) {
          good = std::move(lg->second);
        } else if (old_objects && old->good) {
          good = takePrevious(*old);
        }
      }
      if (good) {
        std::set<std::string> have;
        for (const auto& o : r.objects) have.insert(objectKey(o));
        size_t kept = 0;
        for (const auto& o : *good) {
          if (!have.count(objectKey(o))) {
            r.objects.push_back(o);
            ++kept;
          }
        }
        if (kept)
          r.errors.push_back(f + ": kept " + std::to_string(kept) +
                             " object(s) of its last good version");
        last_good[f] = std::move(*good);
      }
      objects = std::move(r.objects);
      c.errors = std::move(r.errors);
      c.ignored = std::move(r.ignored);
    }
    c.offset = all.objects.size();
    c.count = objects.size();
    for (auto& o : objects) all.objects.push_back(std::move(o));
    all.errors.insert(all.errors.end(), c.errors.begin(), c.errors.end());
    all.ignored.insert(all.ignored.end(), c.ignored.begin(), c.ignored.end());
    cache[f] = std::move(c);
  }
  last_good_ = std::move(last_good);
  cache_ = std::move(cache);
  last_count_ = all.objects.size();
  all.objects.shrink_to_fit();  // kept until the next load: ~600 bytes per unused slot
  dirty_.clear();
  return all;
}

Result<int> FileProvider::watch() {
  if (fd_ < 0) {
    fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd_ < 0) return Error{std::string("inotify_init1: ") + std::strerror(errno)};
  }
  addWatches();
  return fd_;
}

void FileProvider::addWatches() {
  // Close-write and renames cover editors, `cp`, `kubectl`-style writers and write-then-rename;
  // IN_MODIFY is left out on purpose (a file being written is read once it is closed).
  constexpr uint32_t kMask = IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE |
                             IN_DELETE_SELF | IN_MOVE_SELF;
  for (const auto& dir : dirs_) {
    std::error_code ec;
    std::vector<std::string> paths;
    if (fs::is_directory(dir, ec)) {
      paths.push_back(dir);
      for (auto it = fs::recursive_directory_iterator(
               dir, fs::directory_options::skip_permission_denied, ec);
           !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->is_directory(ec)) paths.push_back(it->path().string());
      }
    } else {
      // A single file (or a path that does not exist yet): watch the directory holding it.
      auto parent = fs::path(dir).parent_path();
      paths.push_back(parent.empty() ? "." : parent.string());
    }
    for (const auto& p : paths) {
      int wd = inotify_add_watch(fd_, p.c_str(), kMask);
      if (wd >= 0) watch_dirs_[wd] = p;
    }
  }
}

bool FileProvider::readEvents() {
  if (fd_ < 0) return false;
  alignas(inotify_event) char buf[16384];
  bool relevant = false;
  bool new_dirs = false;
  for (;;) {
    ssize_t n = ::read(fd_, buf, sizeof buf);
    if (n <= 0) break;
    for (char* p = buf; p < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(p);
      p += sizeof(inotify_event) + ev->len;
      if (ev->mask & IN_Q_OVERFLOW) {
        relevant = true;
        dirty_.insert("*");
        continue;
      }
      if (ev->mask & IN_IGNORED) {  // a watched directory went away (or was replaced)
        new_dirs = true;
        relevant = true;
        continue;
      }
      std::string name = ev->len ? std::string(ev->name) : std::string();
      if (ev->mask & IN_ISDIR) {
        new_dirs = true;
        relevant = true;
        continue;
      }
      if (name.empty() || isConfigFile(name)) {
        relevant = true;
        auto dir = watch_dirs_.find(ev->wd);
        if (dir == watch_dirs_.end() || name.empty()) {
          dirty_.insert("*");
        } else {
          dirty_.insert((fs::path(dir->second) / name).string());
        }
      }
    }
  }
  if (new_dirs) addWatches();
  return relevant;
}

}  // namespace torii::providers
