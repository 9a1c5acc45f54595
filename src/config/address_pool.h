#pragma once
// AddressPool: --address-pool CIDR. Gives each Gateway without spec.addresses its own IPv4
// address, so that several Gateways may use the same port on one host (DESIGN.md §4). A Gateway
// keeps its address for as long as it exists. Main thread only.
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/result.h"

namespace torii::config {

class AddressPool {
 public:
  // "127.0.1.0/24". For prefixes shorter than /31 the network and broadcast addresses are skipped.
  static Result<AddressPool> parse(const std::string& cidr);

  // Returns the address of every key in `gateways` ("namespace/name"): kept from earlier calls,
  // new ones get the lowest free address; keys not listed give theirs back. Gateways beyond the
  // pool's size get no address (absent from the map).
  std::map<std::string, std::string> assign(const std::vector<std::string>& gateways);

 private:
  uint32_t first_ = 0, last_ = 0;  // host byte order, inclusive
  std::map<std::string, uint32_t> assigned_;
};

}  // namespace torii::config
