#include "config/snapshot.h"

#include <arpa/inet.h>

namespace torii::config {

std::shared_ptr<Snapshot> compile(Ir ir, uint64_t version, std::vector<std::string>* messages) {
  auto s = std::make_shared<Snapshot>();
  s->version = version;
  for (auto& l : ir.listeners) {
    if (l.protocol != "HTTP" && !kDataPlaneServesTls) {
      if (messages) {
        messages->push_back("listener " + l.address + ":" + std::to_string(l.port) + ": " +
                            l.protocol + " is not served by the data plane yet");
      }
      continue;
    }
    ListenerConfig lc;
    lc.address = l.address;
    lc.port = l.port;
    lc.bind_port = l.bind_port;
    lc.protocol = l.protocol;
    lc.certificates = l.certificates;
    // The routes keep the listener's Ir (their actions) rather than a copy each.
    for (auto& vh : l.vhosts) vh.routes.shrink_to_fit();
    lc.routes = routing::RouteTable::compile(std::make_shared<const IrListener>(std::move(l)));
    s->listeners.push_back(std::move(lc));
  }
  for (const auto& c : ir.clusters) {
    Cluster cl;
    cl.name = c.name;
    cl.app_protocol = c.app_protocol;
    cl.inference = c.inference;
    for (const auto& e : c.endpoints) {
      ClusterEndpoint ce;
      ce.ir_index = uint32_t(&e - c.endpoints.data());
      ce.addr.sin_family = AF_INET;
      ce.addr.sin_port = htons(uint16_t(e.port));
      if (inet_pton(AF_INET, e.address.c_str(), &ce.addr.sin_addr) != 1) {
        if (messages)
          messages->push_back("cluster " + c.name + ": endpoint address " + e.address +
                              " is not IPv4");
        continue;
      }
      ce.key = (uint64_t(ntohl(ce.addr.sin_addr.s_addr)) << 16) | uint64_t(e.port);
      ce.text = e.address + ":" + std::to_string(e.port);
      cl.endpoints.push_back(std::move(ce));
    }
    s->clusters.push_back(std::move(cl));
  }
  return s;
}

}  // namespace torii::config
