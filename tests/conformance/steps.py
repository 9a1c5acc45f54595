"""Test flow: default order (cases, then statistical checks) and the corpus `steps`.

The corpus describes steps as text. Generic step sentences ("send case k", "delete Kind ns/name",
"check the status entr(y|ies) with afterStep k") are interpreted here; the spec mutations are
implemented per test in HANDLERS, following the step text exactly. `prepare` applies the
run-time patches a test needs before Torii starts (HTTPRouteServiceTypes EndpointSlices).
"""

import copy
import re
import time

import case_runner
import status_checks
from errors import TestFailure

INFRA = "gateway-conformance-infra"


# --- before Torii starts ----------------------------------------------------------------------


def prepare(tr):
    if tr.name == "HTTPRouteServiceTypes":
        # The Go test points the manually managed IPv4 slices at the infra-backend-v1 pods.
        pods = tr.pods.get((INFRA, "infra-backend-v1"), [])
        for key, obj in list(tr.cfg.objects.items()):
            if key[0] != "EndpointSlice" or obj.get("addressType") != "IPv4":
                continue
            o = copy.deepcopy(obj)
            o["endpoints"] = [{"addresses": [p.ip],
                               "conditions": {"ready": True, "serving": True,
                                              "terminating": False},
                               "targetRef": {"kind": "Pod", "namespace": p.namespace,
                                             "name": p.name}} for p in pods]
            tr.cfg.put(o)


# --- helpers ----------------------------------------------------------------------------------


def _generation_changed(tr, kind, ns, name, before):
    def check():
        g = status_checks.generation_of(tr.items, kind, ns, name)
        if g is None:
            return "%s %s/%s not in /status" % (kind, ns, name)
        if before is not None and g <= before:
            return "%s %s/%s metadata.generation is still %s" % (kind, ns, name, g)
        return None
    return check


def _patch(tr, kind, ns, name, fn):
    obj = tr.cfg.get(kind, ns, name)
    if obj is None:
        raise TestFailure("step: %s %s/%s is not among the test's objects" % (kind, ns, name))
    before = status_checks.generation_of(tr.items, kind, ns, name)
    o = copy.deepcopy(obj)
    fn(o)
    tr.cfg.put(o)
    tr.log("patched %s %s/%s (generation was %s)" % (kind, ns, name, before))
    return before


def _latest(kind, ref):
    return {"object": "%s %s" % (kind, ref), "latestObservedGeneration": True}


def _ancestor_conditions(tr, ns, name, conditions):
    def check():
        obj = status_checks.index_items(tr.items).get(("BackendTLSPolicy", ns, name))
        if obj is None:
            return "BackendTLSPolicy %s/%s not in /status" % (ns, name)
        ancestors = (obj.get("status") or {}).get("ancestors") or []
        if not ancestors:
            return "BackendTLSPolicy %s/%s has no status.ancestors" % (ns, name)
        for a in ancestors:
            m = status_checks.conditions_missing(a.get("conditions"), conditions)
            if m:
                return "BackendTLSPolicy %s/%s ancestor %s: %s" % (
                    ns, name, (a.get("ancestorRef") or {}).get("name"), m)
        return None
    return check


# --- per-test mutations -----------------------------------------------------------------------


def _observed_generation_bump(kind, ns, name, mutate, extra_entries):
    def handler(tr):
        ref = "%s/%s" % (ns, name) if ns else name
        tr.wait_status([_latest(kind, ref)], "latest observedGeneration before the patch")
        before = _patch(tr, kind, ns, name, mutate)
        tr.wait_status([_latest(kind, ref)] + extra_entries, "status after the patch",
                       extra=_generation_changed(tr, kind, ns, name, before))
    return handler


def _append_listener(listener):
    return lambda o: o["spec"].setdefault("listeners", []).append(listener)


def _gateway_modify_listeners(tr):
    add = "gateway-add-listener"
    tr.wait_status([_latest("Gateway", INFRA + "/" + add)], "gateway-add-listener latest status")
    before = _patch(tr, "Gateway", INFRA, add, _append_listener({
        "name": "http", "port": 80, "protocol": "HTTP", "hostname": "data.test.com",
        "allowedRoutes": {"namespaces": {"from": "All"}}}))
    tr.wait_status(tr.status_after(0) + [_latest("Gateway", INFRA + "/" + add)],
                   "status after adding a listener",
                   extra=_generation_changed(tr, "Gateway", INFRA, add, before))
    rem = "gateway-remove-listener"
    obj = tr.cfg.get("Gateway", INFRA, rem)
    if obj is None or len(obj["spec"].get("listeners") or []) != 2:
        raise TestFailure("gateway-remove-listener must have 2 listeners")
    tr.wait_status([_latest("Gateway", INFRA + "/" + rem)], "gateway-remove-listener status")

    def keep_http(o):
        o["spec"]["listeners"] = [l for l in o["spec"]["listeners"] if l.get("name") == "http"]
    before = _patch(tr, "Gateway", INFRA, rem, keep_http)
    tr.wait_status(tr.status_after(2) + [_latest("Gateway", INFRA + "/" + rem)],
                   "status after removing a listener",
                   extra=_generation_changed(tr, "Gateway", INFRA, rem, before))


def _backend_tls_policy(tr):
    run_cases_and_stats(tr)
    policy = "reconcile-test"
    cm_name = "tls-checks-ca-certificate-reconcile-test"
    src = tr.cfg.get("ConfigMap", INFRA, "tls-checks-ca-certificate")
    ca = (src or {}).get("data", {}).get("ca.crt", "")
    pol = tr.cfg.get("BackendTLSPolicy", INFRA, policy)
    if pol is None:
        raise TestFailure("BackendTLSPolicy %s not found in the manifests" % policy)
    original_refs = copy.deepcopy(pol["spec"]["validation"].get("caCertificateRefs"))
    bad = [{"type": "Accepted", "status": "False", "reason": "NoValidCACertificate"},
           {"type": "ResolvedRefs", "status": "False", "reason": "InvalidCACertificateRef"}]
    good = [{"type": "Accepted", "status": "True", "reason": "Accepted"},
            {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs"}]

    def set_refs(o):
        o["spec"]["validation"]["caCertificateRefs"] = [
            {"group": "", "kind": "ConfigMap", "name": cm_name}]
    _patch(tr, "BackendTLSPolicy", INFRA, policy, set_refs)
    tr.wait_status([], "policy referencing a missing ConfigMap",
                   extra=_ancestor_conditions(tr, INFRA, policy, bad))
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": cm_name, "namespace": INFRA}, "data": {"ca.crt": ca}}
    tr.cfg.put(cm)
    tr.wait_status([], "policy after creating the ConfigMap",
                   extra=_ancestor_conditions(tr, INFRA, policy, good))
    empty = copy.deepcopy(cm)
    empty["data"]["ca.crt"] = ""
    tr.cfg.put(empty)
    tr.wait_status([], "policy after emptying ca.crt",
                   extra=_ancestor_conditions(tr, INFRA, policy, bad))
    tr.cfg.put(cm)
    tr.wait_status([], "policy after restoring ca.crt",
                   extra=_ancestor_conditions(tr, INFRA, policy, good))

    def restore(o):
        o["spec"]["validation"]["caCertificateRefs"] = original_refs
    _patch(tr, "BackendTLSPolicy", INFRA, policy, restore)


def _create_route(kind, name, gateway, section, backend, port):
    def step(tr):
        api = "gateway.networking.k8s.io/v1alpha2"
        for key, obj in tr.cfg.objects.items():
            if key[0] == kind:
                api = obj.get("apiVersion", api)
                break
        tr.cfg.put({"apiVersion": api, "kind": kind,
                    "metadata": {"name": name, "namespace": INFRA},
                    "spec": {"parentRefs": [{"name": gateway, "sectionName": section}],
                             "rules": [{"backendRefs": [{"name": backend, "port": port}]}]}})
    return step


HANDLERS = {
    "HTTPRouteObservedGenerationBump": _observed_generation_bump(
        "HTTPRoute", INFRA, "observed-generation-bump",
        lambda o: o["spec"]["rules"][0]["backendRefs"][0].__setitem__("name",
                                                                       "infra-backend-v2"),
        [{"object": "HTTPRoute %s/observed-generation-bump" % INFRA,
          "parent": "%s/same-namespace" % INFRA,
          "conditions": [{"type": "Accepted", "status": "True"},
                         {"type": "ResolvedRefs", "status": "True", "reason": "ResolvedRefs"}]}]),
    "GatewayObservedGenerationBump": _observed_generation_bump(
        "Gateway", INFRA, "gateway-observed-generation-bump",
        _append_listener({"name": "alternate", "port": 80, "protocol": "HTTP",
                          "hostname": "foo.com",
                          "allowedRoutes": {"namespaces": {"from": "All"}}}), []),
    "GatewayClassObservedGenerationBump": _observed_generation_bump(
        "GatewayClass", "", "gatewayclass-observed-generation-bump",
        lambda o: o["spec"].__setitem__("description", "new"),
        [{"object": "GatewayClass gatewayclass-observed-generation-bump",
          "conditions": [{"type": "Accepted"}]}]),
    "BackendTLSPolicyObservedGenerationBump": _observed_generation_bump(
        "BackendTLSPolicy", INFRA, "observed-generation-bump",
        lambda o: o["spec"]["validation"].__setitem__("hostname", "foo.example.com"),
        [{"object": "BackendTLSPolicy %s/observed-generation-bump" % INFRA,
          "ancestor": "%s/same-namespace" % INFRA,
          "conditions": [{"type": "Accepted", "status": "True"}]}]),
    "GatewayModifyListeners": _gateway_modify_listeners,
    "BackendTLSPolicy": _backend_tls_policy,
}

# Step sentences that create objects (stream tests), keyed by (test, step index).
CREATE_STEPS = {
    ("TCPRouteMultipleRoutesAttachment", 1): _create_route(
        "TCPRoute", "tcproute-attach-newer", "tcp-multi-route-attach-gateway", "tcp",
        "tcp-attach-backend-2", 3000),
    ("UDPRouteMultipleRoutesAttachment", 1): _create_route(
        "UDPRoute", "udproute-attach-newer", "udp-multi-route-attach-gateway", "udp",
        "udp-attach-backend-2", 8080),
}


# --- generic flow -----------------------------------------------------------------------------


def run_stats(tr):
    dist = tr.test.get("distribution")
    rep = tr.test.get("repeat")
    if dist:
        if dist.get("weights"):
            m = case_runner.weight_distribution(tr, dist)
        else:
            m = case_runner.percentage_mirror(tr, dist)
        if m:
            raise TestFailure("distribution: %s" % m)
    if rep:
        m = case_runner.repeat_check(tr, rep)
        if m:
            raise TestFailure("repeat: %s" % m)


def run_cases_and_stats(tr):
    for i in range(len(tr.test.get("cases") or [])):
        tr.run_case(i)
    run_stats(tr)


_SEND = re.compile(r"^send case (\d+)")
_DELETE = re.compile(r"^delete (\w+) ([\w.-]+)/([\w.-]+)")
_CHECK = re.compile(r"check the status entr(?:y|ies) with afterStep (\d+)")


def run_generic_steps(tr):
    sent = set()
    for k, text in enumerate(tr.test["steps"]):
        m = _SEND.match(text)
        if m:
            tr.run_case(int(m.group(1)))
            sent.add(int(m.group(1)))
            if "repeat check" in text:
                run_stats(tr)
            continue
        m = _DELETE.match(text)
        if m:
            key = (m.group(1), m.group(2), m.group(3))
            if key not in tr.cfg.objects:
                raise TestFailure("step %d: %s not among the test's objects" % (k, key))
            tr.cfg.remove(key)
            tr.log("deleted %s %s/%s" % key)
            continue
        if (tr.name, k) in CREATE_STEPS:
            CREATE_STEPS[(tr.name, k)](tr)
            m = _CHECK.search(text)
            if m:
                tr.wait_status(tr.status_after(int(m.group(1))), "status after step %d" % k)
            continue
        m = _CHECK.search(text)
        if m:
            tr.wait_status(tr.status_after(int(m.group(1))), "status after step %d" % k)
            continue
        if text.startswith("wait for the initial status entries"):
            time.sleep(1.0)  # the step text asks for it: the next route must be newer
            continue
        if text.startswith("run the repeat check"):
            run_stats(tr)
            continue
        raise TestFailure("step %d not understood by the runner: %s" % (k, text))
    for i in range(len(tr.test.get("cases") or [])):
        if i not in sent and not any(_SEND.match(s) for s in tr.test["steps"]):
            tr.run_case(i)


def execute(tr):
    handler = HANDLERS.get(tr.name)
    if handler:
        handler(tr)
    elif tr.test.get("steps"):
        if tr.test.get("kind") == "unsupported-by-format":
            raise TestFailure("unsupported-by-format")
        run_generic_steps(tr)
    else:
        run_cases_and_stats(tr)
