#pragma once
// Ir: the validated, plain-struct description of what to serve, produced by the Translator from
// the resources and consumed by the Compiler. No pointers into the resources; cheap to copy.
#include <string>
#include <vector>

namespace torii::config {

struct IrEndpoint {
  std::string address;  // IPv4 literal
  int port = 0;
};

struct IrCluster {
  std::string name;  // "namespace/service:port"
  std::vector<IrEndpoint> endpoints;
};

struct IrBackend {
  int cluster = -1;  // index into Ir::clusters; -1 = invalid reference (its share answers 500)
  int weight = 1;
};

struct IrRoute {
  std::string path_type = "PathPrefix";  // Exact | PathPrefix
  std::string path_value = "/";
  std::vector<IrBackend> backends;
  std::string route;  // "namespace/name" of the HTTPRoute, for logs
  std::string creation_timestamp;
  int rule_index = 0;
};

struct IrVirtualHost {
  std::string hostname;  // exact name, "*.suffix" wildcard, or "*" for any
  std::vector<IrRoute> routes;
};

// One listening socket: every Gateway listener on the same address and port shares it.
struct IrListener {
  std::string address;
  int port = 0;      // the spec's port
  int bind_port = 0; // the port bound (port plus --port-offset)
  std::vector<IrVirtualHost> vhosts;
};

struct Ir {
  std::vector<IrListener> listeners;
  std::vector<IrCluster> clusters;
};

}  // namespace torii::config
