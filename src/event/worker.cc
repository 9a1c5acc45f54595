#include "event/worker.h"

#include <pthread.h>

namespace torii::event {

Worker::Worker(int index) : index_(index) {}

Worker::~Worker() { stop(); }

void Worker::start() {
  guard_ = std::make_unique<asio::executor_work_guard<asio::io_context::executor_type>>(
      io_.get_executor());
  thread_ = std::thread([this] {
    std::string name = "torii-w" + std::to_string(index_);
    pthread_setname_np(pthread_self(), name.c_str());
    io_.run();
  });
}

void Worker::post(std::function<void()> fn) { asio::post(io_, std::move(fn)); }

void Worker::stop() {
  if (!thread_.joinable()) return;
  guard_.reset();
  io_.stop();
  thread_.join();
}

}  // namespace torii::event
