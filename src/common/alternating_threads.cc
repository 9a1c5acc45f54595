#include "common/alternating_threads.h"

#include <pthread.h>

namespace torii {

AlternatingThreads::~AlternatingThreads() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) {
    if (t.joinable()) t.join();
  }
}

void AlternatingThreads::run(const std::function<void()>& task) {
  const int index = next_;
  next_ ^= 1;
  if (!threads_[index].joinable()) {
    threads_[index] = std::thread([this, index] { loop(index); });
    pthread_setname_np(threads_[index].native_handle(),
                       (name_ + std::to_string(index)).substr(0, 15).c_str());
  }
  std::unique_lock lock(mu_);
  task_ = &task;
  turn_ = index;
  cv_.notify_all();
  cv_.wait(lock, [&] { return task_ == nullptr; });
}

void AlternatingThreads::loop(int index) {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stop_ || (task_ && turn_ == index); });
    if (stop_) return;
    const std::function<void()>* task = task_;
    lock.unlock();
    (*task)();
    lock.lock();
    task_ = nullptr;
    cv_.notify_all();
  }
}

}  // namespace torii
