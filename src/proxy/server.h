#pragma once
// Server: the data plane. Owns the workers, publishes snapshots to them, opens each worker's
// SO_REUSEPORT listeners and drains on shutdown. Its public methods are called from the main
// thread only.
#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "common/stats.h"
#include "config/snapshot.h"
#include "proxy/options.h"

namespace torii::event {
class Worker;
}

namespace torii::proxy {

struct WorkerState;

// A listening socket that could not be opened: address, the spec's port, and why.
struct ListenerError {
  std::string address;
  int port = 0;
  std::string message;
};

class Server {
 public:
  Server(ProxyOptions opts, int workers);
  ~Server();

  void start();
  // Hands `snapshot` to every worker; each opens the listeners it names and closes the others.
  // `done(errors)` runs on a worker thread once every worker has applied it; errors lists listeners
  // that could not be opened (they are tried again on the next publish).
  void publish(std::shared_ptr<const config::Snapshot> snapshot,
               std::function<void(std::vector<ListenerError>)> done);
  // Stops accepting, lets in-flight requests finish, then calls `done` (from a worker thread) once
  // every connection is closed or the drain timeout passed.
  void drain(std::function<void()> done);
  // Runs `fn` on every worker's thread, posted (returns at once). For state the workers own, such
  // as the inference metrics rounds.
  void postToWorkers(std::function<void(WorkerState&)> fn);
  void stop();
  std::vector<const Stats*> stats() const;

 private:
  ProxyOptions opts_;
  std::vector<std::unique_ptr<Stats>> stats_;
  std::vector<std::unique_ptr<event::Worker>> workers_;
  std::vector<std::unique_ptr<WorkerState>> states_;
};

}  // namespace torii::proxy
