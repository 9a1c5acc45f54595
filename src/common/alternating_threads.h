#pragma once
// AlternatingThreads: runs a task on one of two parked threads, taking turns, and waits for it.
//
// Why: glibc gives each thread its own malloc arena (while there are fewer arenas than
// M_ARENA_MAX, 8 per core by default). The control plane builds each configuration generation
// (Ir, status, snapshot: tens of MiB at 10,000 routes) while the previous one is still serving.
// Built on one thread, the new generation's small allocations fill the holes the generations
// before it left all over the same heap, and freeing the old one then leaves pages that are
// partly in use, which malloc_trim cannot return: RSS grew by a third after a few reloads. Built
// on the thread that did not build the previous generation, each generation has an arena to
// itself, and freeing the old one frees whole pages.
//
// The caller blocks while the task runs, so the task may use the caller's data as if it ran on
// the calling thread (the hand-over orders memory both ways). Not for the request path.
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

namespace torii {

class AlternatingThreads {
 public:
  // `name` prefixes the threads' names ("<name>0", "<name>1"; at most 14 characters in all).
  explicit AlternatingThreads(std::string name) : name_(std::move(name)) {}
  ~AlternatingThreads();
  AlternatingThreads(const AlternatingThreads&) = delete;
  AlternatingThreads& operator=(const AlternatingThreads&) = delete;

  // Runs `task` on the thread that did not run the previous one (started on first use) and
  // returns when it has returned. One caller at a time.
  void run(const std::function<void()>& task);

 private:
  void loop(int index);

  std::string name_;
  std::thread threads_[2];
  int next_ = 0;
  std::mutex mu_;
  std::condition_variable cv_;
  const std::function<void()>* task_ = nullptr;  // guarded by mu_
  int turn_ = 0;                                 // the thread `task_` is for; guarded by mu_
  bool stop_ = false;                            // guarded by mu_
};

}  // namespace torii
