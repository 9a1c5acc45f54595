#pragma once
// Snapshot: everything a worker needs to serve, compiled and immutable. Handed around only as
// std::shared_ptr<const Snapshot>; a stream keeps the snapshot it started with (DESIGN.md §3).
#include <netinet/in.h>

#include <memory>
#include <string>
#include <vector>

#include "config/ir.h"
#include "routing/route_table.h"

namespace torii::config {

struct ClusterEndpoint {
  sockaddr_in addr{};
  uint64_t key = 0;  // (ipv4 << 16) | port: identifies the endpoint in connection pools
  std::string text;  // "ip:port" for logs
};

struct Cluster {
  std::string name;
  std::vector<ClusterEndpoint> endpoints;
  std::string app_protocol;  // IrCluster::app_protocol: "", "kubernetes.io/h2c", "kubernetes.io/ws"
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
// reported in `messages`.
std::shared_ptr<const Snapshot> compile(const Ir& ir, uint64_t version,
                                        std::vector<std::string>* messages);

}  // namespace torii::config
