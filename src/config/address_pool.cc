#include "config/address_pool.h"

#include <arpa/inet.h>

#include <set>

namespace torii::config {

Result<AddressPool> AddressPool::parse(const std::string& cidr) {
  auto slash = cidr.find('/');
  std::string ip = cidr.substr(0, slash);
  int bits = 32;
  if (slash != std::string::npos) {
    std::string b = cidr.substr(slash + 1);
    if (b.empty() || b.size() > 2 || b.find_first_not_of("0123456789") != std::string::npos) {
      return Error{"address pool " + cidr + ": invalid prefix length"};
    }
    bits = std::stoi(b);
    if (bits > 32) return Error{"address pool " + cidr + ": invalid prefix length"};
  }
  in_addr a;
  if (inet_pton(AF_INET, ip.c_str(), &a) != 1)
    return Error{"address pool " + cidr + ": not an IPv4 CIDR"};
  uint32_t base = ntohl(a.s_addr);
  uint32_t mask = bits == 0 ? 0 : ~uint32_t(0) << (32 - bits);
  AddressPool p;
  p.first_ = base & mask;
  p.last_ = p.first_ | ~mask;
  if (bits < 31) {
    ++p.first_;
    --p.last_;
  }
  return p;
}

std::map<std::string, std::string> AddressPool::assign(const std::vector<std::string>& gateways) {
  std::map<std::string, uint32_t> next;
  std::set<uint32_t> used;
  for (const auto& g : gateways) {
    if (auto it = assigned_.find(g); it != assigned_.end()) {
      next[g] = it->second;
      used.insert(it->second);
    }
  }
  uint64_t cursor = first_;
  for (const auto& g : gateways) {
    if (next.count(g)) continue;
    while (cursor <= last_ && used.count(uint32_t(cursor))) ++cursor;
    if (cursor > last_) break;
    next[g] = uint32_t(cursor);
    used.insert(uint32_t(cursor));
  }
  assigned_ = std::move(next);
  std::map<std::string, std::string> out;
  for (const auto& [g, addr] : assigned_) {
    in_addr a;
    a.s_addr = htonl(addr);
    char buf[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    out[g] = buf;
  }
  return out;
}

}  // namespace torii::config
