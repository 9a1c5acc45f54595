#pragma once
// Snapshot: everything a worker needs to serve, compiled and immutable. Handed around only as
// std::shared_ptr<const Snapshot>; a stream keeps the snapshot it started with (DESIGN.md §3).
#include <netinet/in.h>

#include <memory>
#include <string>
#include <vector>

#include "config/ir.h"
#include "routing/route_table.h"

namespace torii::inference {
struct PoolView;
}

namespace torii::config {

struct ClusterEndpoint {
  sockaddr_in addr{};
  uint64_t key = 0;       // (ipv4 << 16) | port: identifies the endpoint in connection pools
  std::string text;       // "ip:port" for logs
  uint32_t ir_index = 0;  // index into IrCluster::endpoints (and IrInferencePool's endpoint_*)
};

struct Cluster {
  std::string name;
  std::vector<ClusterEndpoint> endpoints;
  std::string app_protocol;  // IrCluster::app_protocol: "", "kubernetes.io/h2c", "kubernetes.io/ws"
  // InferencePool backends: the picker's configuration (endpoint i is IrInferencePool's pod i).
  std::shared_ptr<const IrInferencePool> inference;
  // Its runtime view (endpoint counters, picker settings), bound by inference::Registry::bind
  // before the snapshot is published; null for other clusters.
  std::shared_ptr<const inference::PoolView> pool;
};

struct ListenerConfig {
  std::string address;
  int port = 0;                             // spec port
  int bind_port = 0;                        // bound port
  std::string protocol = "HTTP";            // HTTP | HTTPS
  std::vector<IrCertificate> certificates;  // HTTPS: chain + key per listener hostname (SNI)
  routing::RouteTable routes;
};

// Set to true once proxy/ terminates TLS with ListenerConfig::certificates; until then compile()
// leaves HTTPS listeners out (reporting them) rather than serving them in plain text.
inline constexpr bool kDataPlaneServesTls = false;

struct Snapshot {
  std::vector<ListenerConfig> listeners;
  std::vector<Cluster> clusters;
  uint64_t version = 0;
};

// Compiles an Ir into a Snapshot. Endpoint addresses that are not IPv4 literals are dropped and
// reported in `messages`. The snapshot keeps parts of `ir` (route actions): pass it with
// std::move when it is not needed afterwards, to save a copy.
std::shared_ptr<Snapshot> compile(Ir ir, uint64_t version, std::vector<std::string>* messages);

}  // namespace torii::config
