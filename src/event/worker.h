#pragma once
// Worker: one thread running one asio::io_context. Everything created on a worker (connections,
// pools, timers) is touched only by that thread; other threads reach it only through post().
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "event/asio.h"

namespace torii::event {

class Worker {
 public:
  explicit Worker(int index);
  ~Worker();
  Worker(const Worker&) = delete;
  Worker& operator=(const Worker&) = delete;

  // Starts the thread; the loop runs until stop() (a work guard keeps it alive while idle).
  void start();
  // Runs `fn` on the worker thread. Callable from any thread.
  void post(std::function<void()> fn);
  // Lets the loop finish and joins the thread. Called from the main thread once.
  void stop();
  asio::io_context& io() { return io_; }
  int index() const { return index_; }

 private:
  int index_;
  // Sockets and timers of a worker are used on its thread only, so the reactor needs no locks;
  // the scheduler keeps its lock because other threads post() to it.
  asio::io_context io_{BOOST_ASIO_CONCURRENCY_HINT_UNSAFE_IO};
  std::unique_ptr<asio::executor_work_guard<asio::io_context::executor_type>> guard_;
  std::thread thread_;
};

}  // namespace torii::event
