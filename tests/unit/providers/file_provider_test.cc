#include "providers/file_provider.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace torii::providers {
namespace {
namespace fs = std::filesystem;

class TempDir {
 public:
  TempDir() {
    char tmpl[] = "/tmp/torii-fp-XXXXXX";
    path_ = mkdtemp(tmpl);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  void write(const std::string& name, const std::string& text) const {
    fs::create_directories(fs::path(path_ / fs::path(name)).parent_path());
    std::ofstream(path_ + "/" + name) << text;
  }

 private:
  std::string path_;
};

const char* kSvc =
    "apiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: n}\nspec: {ports: [{port: "
    "80}]}\n";

std::string svc(const std::string& name) {
  char buf[256];
  std::snprintf(buf, sizeof buf, kSvc, name.c_str());
  return buf;
}

TEST(FileProvider, KeepsLastGoodObjectsOfABrokenFile) {
  TempDir d;
  d.write("a.yaml", svc("one") + "---\n" + svc("two"));
  d.write("sub/b.json", R"({"apiVersion":"v1","kind":"Service","metadata":{"name":"three"}})");
  d.write(".hidden.yaml", svc("hidden"));
  d.write("notes.txt", svc("txt"));
  FileProvider p({d.path()});
  auto r = p.load({});
  EXPECT_TRUE(r.errors.empty());
  EXPECT_EQ(r.objects.size(), 3u);
  // Second document broken: "two" is kept from the last good version, the error is reported.
  d.write("a.yaml", svc("one") + "---\napiVersion: v1\nkind: Service\nmetadata: {namespace: n}\n");
  r = p.load(std::move(r.objects));
  EXPECT_EQ(r.objects.size(), 3u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_NE(r.errors[0].find("metadata.name: required field is missing"), std::string::npos);
  EXPECT_NE(r.errors[1].find("kept 1 object(s)"), std::string::npos);
  // Invalid YAML: everything of the file is kept.
  d.write("a.yaml", "{{{");
  r = p.load(std::move(r.objects));
  EXPECT_EQ(r.objects.size(), 3u);
  r = p.load(std::move(r.objects));  // unchanged and still broken: the same answer
  EXPECT_EQ(r.objects.size(), 3u);
  ASSERT_EQ(r.errors.size(), 2u);
  EXPECT_NE(r.errors[1].find("kept 2 object(s)"), std::string::npos);
  d.write("a.yaml", "{{{ ");  // broken again, differently: the last good version still counts
  r = p.load(std::move(r.objects));
  EXPECT_EQ(r.objects.size(), 3u);
  // Fixed: the new content wins; deleting a file drops its objects.
  d.write("a.yaml", svc("four"));
  fs::remove(d.path() + "/sub/b.json");
  r = p.load(std::move(r.objects));
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(config::metaOf(r.objects[0]).name, "four");
}

TEST(FileProvider, MissingDirectoryIsAnError) {
  FileProvider p({"/nonexistent/torii"});
  auto r = p.load({});
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0], "/nonexistent/torii: not a directory");
}

bool waitEvents(FileProvider& p) {
  for (int i = 0; i < 200; ++i) {
    if (p.readEvents()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

TEST(FileProvider, WatchSeesWritesRenamesAndNewDirectories) {
  TempDir d;
  FileProvider p({d.path()});
  auto fd = p.watch();
  ASSERT_TRUE(fd.ok()) << fd.error();
  EXPECT_FALSE(p.readEvents());
  d.write("a.yaml", svc("a"));
  EXPECT_TRUE(waitEvents(p));
  d.write(".tmp", svc("b"));
  while (p.readEvents()) {
  }
  fs::rename(d.path() + "/.tmp", d.path() + "/b.yaml");
  EXPECT_TRUE(waitEvents(p));
  fs::create_directories(d.path() + "/new");
  EXPECT_TRUE(waitEvents(p));
  d.write("new/c.yaml", svc("c"));
  EXPECT_TRUE(waitEvents(p));
  d.write("ignored.txt", "x");
  EXPECT_FALSE(waitEvents(p));
}

TEST(FileProvider, SameSizeRewriteInPlaceIsNotMissed) {
  TempDir d;
  d.write("a.yaml", svc("aaa"));
  FileProvider p({d.path()});
  ASSERT_TRUE(p.watch().ok());
  auto r = p.load({});
  ASSERT_EQ(r.objects.size(), 1u);
  d.write("a.yaml", svc("bbb"));  // same size, same inode, likely the same coarse mtime
  EXPECT_TRUE(waitEvents(p));
  r = p.load(std::move(r.objects));
  ASSERT_EQ(r.objects.size(), 1u);
  EXPECT_EQ(config::metaOf(r.objects[0]).name, "bbb");
  r = p.load(std::move(r.objects));  // unchanged: reused
  EXPECT_EQ(config::metaOf(r.objects[0]).name, "bbb");
}

TEST(FileProvider, ReusesTheObjectsOfUnchangedFilesFromThePreviousLoad) {
  TempDir d;
  d.write("a.yaml", svc("a"));
  d.write("b.yaml", svc("b1") + "---\n" + svc("b2"));
  d.write("c.yaml", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\n");
  FileProvider p({d.path()});
  auto r = p.load({});
  ASSERT_EQ(r.objects.size(), 3u);
  ASSERT_EQ(r.ignored.size(), 1u);
  // What the ResourceStore does to objects it holds; reused objects come back as given.
  for (auto& o : r.objects) config::metaOf(o).generation = 7;
  d.write("b.yaml", svc("b1") + "---\n" + svc("b33"));  // another size: seen without a watch
  r = p.load(std::move(r.objects));
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(r.ignored.size(), 1u);
  EXPECT_EQ(config::metaOf(r.objects[0]).name, "a");
  EXPECT_EQ(config::metaOf(r.objects[0]).generation, 7);  // reused, not decoded again
  EXPECT_EQ(config::metaOf(r.objects[1]).name, "b1");
  EXPECT_EQ(config::metaOf(r.objects[1]).generation, 1);  // decoded again
  EXPECT_EQ(config::metaOf(r.objects[2]).name, "b33");
  // A previous result that does not match the last one is not trusted: everything is decoded.
  r.objects.pop_back();
  r = p.load(std::move(r.objects));
  ASSERT_EQ(r.objects.size(), 3u);
  EXPECT_EQ(config::metaOf(r.objects[0]).generation, 1);
  EXPECT_EQ(config::metaOf(r.objects[2]).name, "b33");
}

TEST(FileProvider, AFileNamedTwiceCountsTwiceOnEveryLoad) {
  TempDir d;
  d.write("a.yaml", svc("a"));
  FileProvider p({d.path(), d.path() + "/a.yaml"});
  auto r = p.load({});
  ASSERT_EQ(r.objects.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    r = p.load(std::move(r.objects));
    ASSERT_EQ(r.objects.size(), 2u);
    EXPECT_EQ(config::metaOf(r.objects[0]).name, "a");
    EXPECT_EQ(config::metaOf(r.objects[1]).name, "a");
  }
}

}  // namespace
}  // namespace torii::providers
