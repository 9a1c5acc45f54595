"""Self-tests of the runner's pure parts: `cd tests/conformance && python3 -m unittest -v`
(or `python3 -m unittest discover -s tests/conformance -p 'test_*.py'` from the repo root)."""

import glob
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import backends  # noqa: E402
import corpus  # noqa: E402
import run  # noqa: E402
import status_checks as sc  # noqa: E402
import traffic  # noqa: E402
import yamlmini  # noqa: E402

SHARED = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(HERE))), "shared",
                      "conformance", "gateway-api")


def cap(status=200, req=None, headers=None, redirect=None):
    return traffic.Captured(status, headers or {}, b"", req or {}, redirect)


ECHO = {"path": "/", "host": "example.com", "method": "GET", "namespace": "ns",
        "pod": "infra-backend-v1-abcde12345-xyz12",
        "headers": {"Version": ["one"], "X-Multi": ["a", "b"]}}


class CompareRoundTripTest(unittest.TestCase):
    def expect(self, **kw):
        e = {"status": 200, "backend": "infra-backend-v1", "namespace": "ns",
             "request": {"path": "/", "method": "GET"}}
        e.update(kw)
        return e

    def test_match(self):
        self.assertIsNone(traffic.compare_round_trip({}, cap(req=ECHO), self.expect()))

    def test_status_mismatch(self):
        m = traffic.compare_round_trip({}, cap(404), self.expect())
        self.assertEqual(m, "expected status code to be 200, got 404")

    def test_status_list(self):
        self.assertIsNone(traffic.compare_round_trip({}, cap(503), {"status": [500, 502, 503]}))

    def test_timeout_equivalence(self):
        self.assertIsNone(traffic.compare_round_trip({}, cap(408), {"status": 504}))
        self.assertIsNone(traffic.compare_round_trip({}, cap(504), {"status": [408]}))
        self.assertIsNotNone(traffic.compare_round_trip({}, cap(504), {"status": 200}))

    def test_backend_checked_only_for_200_204(self):
        self.assertIsNone(traffic.compare_round_trip({}, cap(500, req={}),
                                                     self.expect(status=500)))
        m = traffic.compare_round_trip({}, cap(204, req={"method": "GET", "path": "/",
                                                         "namespace": "ns", "pod": "other"}),
                                       self.expect(status=204))
        self.assertIn("pod name to start with infra-backend-v1", m)

    def test_non_json_body_means_empty_request(self):
        # CORS preflight answered by the gateway: path "", namespace "", backend "".
        e = {"status": [200, 204], "backend": "", "namespace": "",
             "request": {"path": "", "method": "OPTIONS"}}
        self.assertIsNone(traffic.compare_round_trip({}, cap(204, req={"method": "OPTIONS"}), e))

    def test_request_headers_joined_case_insensitive(self):
        e = self.expect(request={"path": "/", "method": "GET",
                                 "headers": {"version": "one", "x-multi": "a,b"}})
        self.assertIsNone(traffic.compare_round_trip({}, cap(req=ECHO), e))
        e["request"]["headers"]["x-multi"] = "a"
        self.assertIn("x-multi header to be set to a, got a,b",
                      traffic.compare_round_trip({}, cap(req=ECHO), e))

    def test_absent_headers(self):
        e = self.expect(request={"path": "/", "method": "GET", "absentHeaders": ["Version"]})
        self.assertIn("Version header to not be set",
                      traffic.compare_round_trip({}, cap(req=ECHO), e))
        e = self.expect(response={"absentHeaders": ["X-Gone"]})
        self.assertIn("X-Gone response header to not be set", traffic.compare_round_trip(
            {}, cap(req=ECHO, headers={"x-gone": ["1"]}), e))

    def test_response_headers_and_valid_values(self):
        e = self.expect(response={"headers": {"X-A": "1,2"},
                                  "validHeaderValues": {"x-b": ["GET, OPTIONS", "OPTIONS, GET"]},
                                  "ignoreWhitespace": True})
        c = cap(req=ECHO, headers={"x-a": ["1", "2"], "x-b": ["OPTIONS,GET"]})
        self.assertIsNone(traffic.compare_round_trip({}, c, e))
        c = cap(req=ECHO, headers={"x-a": ["1", "2"], "x-b": ["PUT"]})
        self.assertIn("x-b response header to be one of", traffic.compare_round_trip({}, c, e))

    def test_host_only_when_given(self):
        e = self.expect(request={"path": "/", "method": "GET", "host": "other"})
        self.assertIn("expected host to be other",
                      traffic.compare_round_trip({}, cap(req=ECHO), e))

    def test_method_default_get(self):
        e = self.expect(request={"path": "/"})
        self.assertIsNone(traffic.compare_round_trip({}, cap(req=ECHO), e))


class RedirectTest(unittest.TestCase):
    def rt(self, location, expect_redirect, scheme="http", path="/p?q=1", status=302):
        c = cap(status, redirect=traffic.parse_redirect(location))
        return traffic.compare_round_trip({"scheme": scheme, "path": path}, c,
                                          {"status": status, "redirect": expect_redirect})

    def test_defaults_scheme_and_path(self):
        self.assertIsNone(self.rt("http://example.org/p", {"host": "example.org"}))
        self.assertIn("scheme", self.rt("https://example.org/p", {"host": "example.org"}))
        self.assertIn("path", self.rt("http://example.org/other", {"host": "example.org"}))

    def test_port_defaults(self):
        self.assertIsNone(self.rt("http://example.org:80/p", {"host": "example.org"}))
        self.assertIn("80 or not set", self.rt("http://example.org:8080/p",
                                               {"host": "example.org"}))
        self.assertIsNone(self.rt("https://example.org:443/p", {"scheme": "https"}))
        self.assertIn("443 or not set", self.rt("https://example.org:8443/p",
                                                {"scheme": "https"}))
        self.assertIsNone(self.rt("https://example.org:8443/p",
                                  {"scheme": "https", "port": "8443"}))
        self.assertIn("expected redirected port", self.rt("https://example.org/p",
                                                          {"scheme": "https", "port": "8443"}))

    def test_host_not_checked_when_absent(self):
        self.assertIsNone(self.rt("http://10.1.2.3/p", {}))

    def test_no_redirect_expectation(self):
        self.assertIsNone(traffic.compare_round_trip({}, cap(301), {"status": 301}))

    def test_parse_redirect(self):
        self.assertEqual(traffic.parse_redirect("https://[::1]:8443/a?b"),
                         {"scheme": "https", "host": "::1", "port": "8443", "path": "/a"})
        self.assertEqual(traffic.parse_redirect("/rel"),
                         {"scheme": "", "host": "", "port": "", "path": "/rel"})


class HelpersTest(unittest.TestCase):
    def test_calculate_host(self):
        self.assertEqual(traffic.calculate_host("127.0.1.1:80", "http"), "127.0.1.1")
        self.assertEqual(traffic.calculate_host("127.0.1.1:443", "https"), "127.0.1.1")
        self.assertEqual(traffic.calculate_host("127.0.1.1:443", "http"), "127.0.1.1:443")

    def test_go_hostname_match(self):
        self.assertTrue(traffic.go_match_hostname("*.org", "example.org"))
        self.assertFalse(traffic.go_match_hostname("*.org", "a.example.org"))
        self.assertTrue(traffic.go_match_hostname("*.wildcard.org", "fourth-example.wildcard.org"))
        self.assertFalse(traffic.go_match_hostname("*", "example.org"))

    def test_await_convergence(self):
        t = [0.0]
        seq = iter([None, "x", None, None, None])
        self.assertIsNone(traffic.await_convergence(lambda: next(seq), clock=lambda: t[0],
                                                    sleep=lambda d: t.__setitem__(0, t[0] + d)))
        t = [0.0]
        m = traffic.await_convergence(lambda: "bad", clock=lambda: t[0],
                                      sleep=lambda d: t.__setitem__(0, t[0] + d), max_time=5)
        self.assertIn("timeout after 5 attempts", m)

    def test_echo_set_header(self):
        self.assertEqual(traffic.echo_set_header(None), "")
        self.assertEqual(traffic.echo_set_header({"A": "1", "B": "2"}), "A:1,B:2")

    def test_duration(self):
        self.assertEqual(corpus.parse_duration("500ms"), 0.5)
        self.assertEqual(corpus.parse_duration("1m30s"), 90.0)
        self.assertEqual(corpus.parse_duration("0s"), 0.0)

    def test_pod_names(self):
        p = backends.pod_name("ns", "infra-backend-v1", 0)
        self.assertTrue(p.startswith("infra-backend-v1-"))
        self.assertEqual(backends.backend_name_from_pod(p), "infra-backend-v1")
        self.assertNotEqual(p, backends.pod_name("ns", "infra-backend-v1", 1))

    def test_skip_reason(self):
        t = {"features": ["Gateway", "HTTPRoute"]}
        self.assertIsNone(run.skip_reason(t, {"Gateway", "HTTPRoute"}))
        self.assertIn("HTTPRoute", run.skip_reason(t, {"Gateway"}))

    def test_programmed_https_listener_needs_tls(self):
        class FakeCorpus:
            def test_documents(self, test):
                gw_obj = {"kind": "Gateway", "metadata": {"namespace": "ns", "name": "g"},
                          "spec": {"listeners": [{"name": "https", "protocol": "HTTPS"},
                                                 {"name": "http", "protocol": "HTTP"}]}}
                return [corpus.Document("", gw_obj, "x.yaml")]

        def test_for(listener, status="True"):
            return {"features": ["Gateway"], "status": [
                {"object": "Gateway ns/g", "listeners": "*"},
                {"object": "Gateway ns/g", "listenersExact": [
                    {"name": listener,
                     "conditions": [{"type": "Programmed", "status": status}]}]}]}

        claimed = {"Gateway"}
        self.assertIn("TLS", run.skip_reason(test_for("https"), claimed, FakeCorpus()))
        self.assertIsNone(run.skip_reason(test_for("https", "False"), claimed, FakeCorpus()))
        self.assertIsNone(run.skip_reason(test_for("http"), claimed, FakeCorpus()))
        self.assertIsNone(run.skip_reason(test_for("https"), claimed | {"capability:TLS"},
                                          FakeCorpus()))


def gw(listeners=None, conditions=None, addresses=None, generation=1, **status):
    st = {"conditions": conditions or [], "listeners": listeners or [],
          "addresses": addresses if addresses is not None else [{"type": "IPAddress",
                                                                  "value": "127.0.1.1"}]}
    st.update(status)
    return {"kind": "Gateway", "metadata": {"name": "gw", "namespace": "infra",
                                            "generation": generation}, "status": st}


def cond(t, s="True", r=None, gen=1):
    return {"type": t, "status": s, "reason": r or t, "observedGeneration": gen}


def route(parents, kind="HTTPRoute", ns="infra", generation=1):
    return {"kind": kind, "metadata": {"name": "r", "namespace": ns, "generation": generation},
            "status": {"parents": parents}}


def parent(name="gw", ns=None, conds=(), controller=sc.CONTROLLER_NAME, kind=None, group=None):
    ref = {"name": name}
    if ns:
        ref["namespace"] = ns
    if kind:
        ref["kind"] = kind
    if group is not None:
        ref["group"] = group
    return {"parentRef": ref, "controllerName": controller, "conditions": list(conds)}


class StatusTest(unittest.TestCase):
    def check(self, entry, *items):
        return sc.check_entry(entry, sc.index_items(items))

    def test_addresses(self):
        e = {"object": "Gateway infra/gw", "addresses": "non-empty"}
        self.assertIsNone(self.check(e, gw()))
        self.assertIn("addresses is empty", self.check(e, gw(addresses=[])))
        self.assertIn("not in /status", self.check(e))

    def test_listener_conditions(self):
        l1 = {"name": "a", "attachedRoutes": 1, "conditions": [cond("Accepted"),
                                                               cond("Programmed")]}
        l2 = {"name": "b", "attachedRoutes": 0, "conditions": [cond("Accepted", "False",
                                                                    "Invalid")]}
        every = {"object": "Gateway infra/gw", "listeners": "*",
                 "conditions": [{"type": "Accepted", "status": "True"}]}
        self.assertIsNone(self.check(every, gw([l1])))
        self.assertIn("listener b", self.check(every, gw([l1, l2])))
        one = {"object": "Gateway infra/gw", "listener": "b",
               "conditions": [{"type": "Accepted", "status": "False"}]}
        self.assertIsNone(self.check(one, gw([l1, l2])))
        exact = {"object": "Gateway infra/gw", "listenersExact": [
            {"name": "a", "attachedRoutes": 1, "conditions": [{"type": "Accepted"}],
             "supportedKinds": [{"group": sc.GROUP, "kind": "HTTPRoute"}]}]}
        self.assertIn("lacks HTTPRoute", self.check(exact, gw([l1])))
        l1["supportedKinds"] = [{"group": sc.GROUP, "kind": "HTTPRoute"},
                                {"group": sc.GROUP, "kind": "GRPCRoute"}]
        self.assertIsNone(self.check(exact, gw([l1])))
        self.assertIn("expected exactly", self.check(exact, gw([l1, l2])))
        empty = {"object": "Gateway infra/gw", "listenersExact": [
            {"name": "a", "attachedRoutes": 1, "supportedKinds": [], "conditions": []}]}
        self.assertIn("expected empty", self.check(empty, gw([l1])))

    def test_condition_any_reason_any_status(self):
        self.assertIsNone(sc.conditions_missing([cond("Accepted", "False", "X")],
                                                [{"type": "Accepted"}]))
        self.assertIsNotNone(sc.conditions_missing([cond("Accepted", "False", "X")],
                                                   [{"type": "Accepted", "status": "True"}]))
        self.assertIsNone(sc.conditions_missing([cond("Accepted", "True", "X")],
                                                [{"type": "Accepted", "status": "True"}]))

    def test_route_parent_strict_and_loose(self):
        acc = {"object": "HTTPRoute infra/r", "parent": "infra/gw",
               "conditions": [{"type": "Accepted", "status": "True", "reason": "Accepted"}]}
        ok = route([parent(conds=[cond("Accepted")])])
        self.assertIsNone(self.check(acc, ok))
        other_ctrl = route([parent(conds=[cond("Accepted")], controller="x/y")])
        self.assertIn("no status.parents entry", self.check(acc, other_ctrl))
        wrong_kind = route([parent(conds=[cond("Accepted")], kind="ListenerSet")])
        self.assertIn("no status.parents entry", self.check(acc, wrong_kind))
        ls = dict(acc, parentKind="ListenerSet")
        self.assertIsNone(self.check(ls, wrong_kind))
        # single-condition entries compare only name / namespace
        rr = {"object": "HTTPRoute infra/r", "parent": "infra/gw",
              "conditions": [{"type": "ResolvedRefs", "status": "True",
                              "reason": "ResolvedRefs"}]}
        self.assertIsNone(self.check(rr, route([parent(conds=[cond("ResolvedRefs")],
                                                       controller="x/y")])))
        acc_app = dict(acc, object="HTTPRoute app/r")
        cross = route([parent(ns="infra", conds=[cond("Accepted")])], ns="app")
        self.assertIsNone(self.check(acc_app, cross))
        cross_wrong = route([parent(conds=[cond("Accepted")])], ns="app")
        self.assertIn("no status.parents entry", self.check(acc_app, cross_wrong))

    def test_no_accepted_parents(self):
        e = {"object": "HTTPRoute infra/r", "noAcceptedParents": True}
        self.assertIsNone(self.check(e, route([])))
        self.assertIsNone(self.check(e, route([parent(conds=[cond("Accepted", "False",
                                                                  "NotAllowed")])])))
        self.assertIsNotNone(self.check(e, route([parent(conds=[cond("Accepted")])])))

    def test_latest_observed_generation(self):
        e = {"object": "HTTPRoute infra/r", "latestObservedGeneration": True}
        self.assertIsNone(self.check(e, route([parent(conds=[cond("Accepted", gen=2)])],
                                              generation=2)))
        self.assertIn("observedGeneration 1", self.check(
            e, route([parent(conds=[cond("Accepted", gen=1)])], generation=2)))
        g = {"object": "Gateway infra/gw", "latestObservedGeneration": True}
        self.assertIsNone(self.check(g, gw(conditions=[cond("Accepted")])))

    def test_attached_and_zero_routes(self):
        self.assertIsNone(self.check({"object": "Gateway infra/gw", "attachedListeners": 0},
                                     gw(attachedListeners=0)))
        z = {"object": "Gateway infra/gw", "zeroAttachedRoutes": True}
        self.assertIsNone(self.check(z, gw([])))
        self.assertIsNotNone(self.check(z, gw([{"name": "a", "attachedRoutes": 1}])))

    def test_backend_tls_policy_ancestor(self):
        pol = {"kind": "BackendTLSPolicy", "metadata": {"name": "p", "namespace": "infra",
                                                        "generation": 1},
               "status": {"ancestors": [{"ancestorRef": {"name": "gw", "namespace": "infra"},
                                         "controllerName": sc.CONTROLLER_NAME,
                                         "conditions": [cond("Accepted")]}]}}
        e = {"object": "BackendTLSPolicy infra/p", "ancestor": "infra/gw",
             "conditions": [{"type": "Accepted", "status": "True"}]}
        self.assertIsNone(self.check(e, pol))
        e["ancestor"] = "infra/other"
        self.assertIn("not in status.ancestors", self.check(e, pol))

    def test_parse_object_ref(self):
        self.assertEqual(sc.parse_object_ref("GatewayClass foo"), ("GatewayClass", "", "foo"))
        self.assertEqual(sc.parse_object_ref("HTTPRoute a/b"), ("HTTPRoute", "a", "b"))


class EndpointSliceTest(unittest.TestCase):
    def test_slices_follow_selectors_and_named_ports(self):
        dep = backends.Deployment({
            "kind": "Deployment", "metadata": {"name": "web", "namespace": "ns"},
            "spec": {"replicas": 2, "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"image": "echo", "ports": [
                    {"name": "http", "containerPort": 3000}]}]}}}})
        pods = {("ns", "web"): [backends.Pod(dep, i, "127.0.2.%d" % (i + 1)) for i in range(2)]}
        svc = {"kind": "Service", "metadata": {"name": "web", "namespace": "ns"},
               "spec": {"selector": {"app": "web"}, "ports": [
                   {"name": "a", "port": 8080, "targetPort": "http"},
                   {"name": "b", "port": 8081, "targetPort": 3001,
                    "appProtocol": "kubernetes.io/h2c"}]}}
        manual = {"kind": "Service", "metadata": {"name": "m", "namespace": "ns"},
                  "spec": {"ports": [{"port": 80}]}}
        slices = backends.endpoint_slices([svc, manual], pods)
        self.assertEqual(len(slices), 1)
        s = slices[0]
        self.assertEqual(s["metadata"]["labels"]["kubernetes.io/service-name"], "web")
        self.assertEqual([p["port"] for p in s["ports"]], [3000, 3001])
        self.assertEqual(s["ports"][1]["appProtocol"], "kubernetes.io/h2c")
        self.assertEqual([e["addresses"][0] for e in s["endpoints"]], ["127.0.2.1", "127.0.2.2"])
        self.assertEqual(dep.mode, backends.MODE_HTTP)


class YamlTest(unittest.TestCase):
    def test_subset(self):
        text = """
a: 1            # comment
b: "x # not a comment"
c: [1, two, {d: e}]
list:
- name: x
  v: 'it''s'
- - nested
empty:
block: |
  line1
  line2
seq_same_indent:
- 1
t: true
n: null
---
second: doc
"""
        docs = yamlmini.load_all(text)
        self.assertEqual(docs[0]["a"], 1)
        self.assertEqual(docs[0]["b"], "x # not a comment")
        self.assertEqual(docs[0]["c"], [1, "two", {"d": "e"}])
        self.assertEqual(docs[0]["list"], [{"name": "x", "v": "it's"}, ["nested"]])
        self.assertIsNone(docs[0]["empty"])
        self.assertEqual(docs[0]["block"], "line1\nline2\n")
        self.assertEqual(docs[0]["seq_same_indent"], [1])
        self.assertIs(docs[0]["t"], True)
        self.assertEqual(docs[1], {"second": "doc"})

    @unittest.skipUnless(os.path.isdir(SHARED), "corpus (../shared) absent")
    def test_corpus_manifests_match_pyyaml(self):
        try:
            import yaml
        except ImportError:
            self.skipTest("PyYAML not importable by this interpreter")
        for f in glob.glob(os.path.join(SHARED, "manifests", "**", "*.yaml"), recursive=True):
            with open(f) as fh:
                text = fh.read()
            want = [d for d in yaml.safe_load_all(text) if d is not None]
            self.assertEqual(yamlmini.load_all(text), want, f)

    @unittest.skipUnless(os.path.isdir(SHARED), "corpus (../shared) absent")
    def test_corpus_loads(self):
        c = corpus.Corpus(SHARED)
        self.assertEqual(len(c.tests), 131)
        docs = c.test_documents(c.test("HTTPRouteSimpleSameNamespace"))
        gws = [d.obj for d in docs if d.obj.get("kind") == "Gateway"]
        self.assertTrue(gws)
        self.assertTrue(all(g["spec"]["gatewayClassName"] == corpus.DEFAULT_CLASS_NAME
                            for g in gws))
        self.assertNotIn("{GATEWAY_CLASS_NAME}", "".join(d.text for d in docs))


if __name__ == "__main__":
    unittest.main()
