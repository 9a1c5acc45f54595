#pragma once
// Status of the Gateway API objects, exactly as a Kubernetes controller writes it: produced by the
// Translator (without times), stamped with lastTransitionTime by stampTransitions(), served as
// JSON by admin GET /status and printed as YAML by `torii validate` / `torii status`.
#include <cstdint>
#include <string>
#include <vector>

#include "config/resources.h"

namespace torii::config {

struct Condition {
  std::string type;
  std::string status;  // True, False, Unknown
  std::string reason;
  std::string message;
  int64_t observed_generation = 0;
  std::string last_transition_time;  // RFC 3339; set by stampTransitions()
};

struct ListenerStatus {
  std::string name;
  std::vector<RouteGroupKind> supported_kinds;
  int attached_routes = 0;
  std::vector<Condition> conditions;
};

struct RouteParentStatus {
  ParentRef parent_ref;  // as the route wrote it (group and kind filled in)
  std::string controller_name;
  std::vector<Condition> conditions;
};

struct GatewayStatusAddress {
  std::string type = "IPAddress";
  std::string value;
};

// One object's status. Which fields are printed depends on `kind`.
struct ObjectStatus {
  // GatewayClass, Gateway, ListenerSet, HTTPRoute, InferencePool (parents[]: the Gateways),
  // InferenceObjective, InferenceModelRewrite, InferenceModel (conditions)
  std::string kind;
  std::string api_version;  // "" = apiVersionOf(kind); inference kinds live in several groups
  std::string namespace_;
  std::string name;
  int64_t generation = 1;
  std::vector<Condition> conditions;            // GatewayClass, Gateway, ListenerSet
  std::vector<GatewayStatusAddress> addresses;  // Gateway
  std::vector<ListenerStatus> listeners;        // Gateway, ListenerSet
  int attached_listeners = 0;                   // Gateway: ListenerSets attached and accepted
  std::vector<RouteParentStatus> parents;       // routes, InferencePools
};

struct StatusSet {
  std::vector<ObjectStatus> objects;
  // Configuration problems that belong to no object (files that fail to parse), one line each.
  std::vector<std::string> errors;
};

// A listening socket the data plane could not open: its address and the spec's port.
struct ListenerBindError {
  std::string address;
  int port = 0;
  std::string message;
};

// Marks every Gateway and ListenerSet listener served by a socket that could not be opened:
// Accepted=False/PortUnavailable and Programmed=False/Invalid, the error as message (a condition
// whose status changes gets lastTransitionTime `now`). `objects` are the resources the status was
// translated from.
void applyListenerBindErrors(StatusSet& s, const std::vector<Object>& objects,
                             const std::vector<ListenerBindError>& errors, const std::string& now);

// Sets every condition's lastTransitionTime: kept from `previous` when the same object has the
// same condition (same listener / parentRef) with the same status, `now` otherwise
// (metav1.Condition semantics: the time changes only when the status changes).
void stampTransitions(StatusSet& next, const StatusSet* previous, const std::string& now);

// True when some object is not Accepted or has unresolved references (`torii validate` exits 1).
bool hasProblems(const StatusSet& s);

// {"apiVersion":"v1","kind":"List","items":[...],"errors":[...]}
std::string statusToJson(const StatusSet& s);
// The same document as YAML (for people): used by `torii validate` and `torii status`.
std::string jsonToYaml(const std::string& json);

// Current time as RFC 3339 UTC with seconds ("2026-11-26T04:22:57Z").
std::string nowRfc3339();

}  // namespace torii::config
