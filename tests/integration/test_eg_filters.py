"""Envoy Gateway HTTPRouteFilter (gateway.envoyproxy.io/v1alpha1) through ExtensionRef: the
regex path rewrite with capture groups, the host taken from a header, and direct responses."""

import unittest

from harness import Config, Torii, free_port, request, rule
from origins import Origin


def eg_filter(name, spec):
    return {
        "apiVersion": "gateway.envoyproxy.io/v1alpha1",
        "kind": "HTTPRouteFilter",
        "metadata": {"name": name, "namespace": "default"},
        "spec": spec,
    }


def with_filter(r, name):
    r = dict(r)
    r["filters"] = [{"type": "ExtensionRef",
                     "extensionRef": {"group": "gateway.envoyproxy.io", "kind": "HTTPRouteFilter",
                                      "name": name}}]
    return r


class EgFiltersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin(name="eg").start()
        cls.addClassCleanup(cls.origin.stop)
        port = free_port()
        cfg = Config().gateway(port)
        cfg.service("svc", [cls.origin.port])
        cfg.docs.append(eg_filter("regex", {"urlRewrite": {"path": {"type": "ReplaceRegexMatch",
            "replaceRegexMatch": {"pattern": "^/service/([^/]+)(/.*)$",
                                  "substitution": "\\2/instance/\\1"}}}}))
        cfg.docs.append(eg_filter("host-from-header", {"urlRewrite": {"hostname": {
            "type": "Header", "header": "x-backend-host"}}}))
        cfg.docs.append(eg_filter("direct", {"directResponse": {
            "statusCode": 418, "contentType": "application/json",
            "body": {"type": "Inline", "inline": "{\"teapot\":true}"}}}))
        cfg.route("route", [
            with_filter(rule(["svc"], path="/service"), "regex"),
            with_filter(rule(["svc"], path="/hosted"), "host-from-header"),
            with_filter(rule(["svc"], path="/direct"), "direct"),
            with_filter(rule(["svc"], path="/missing"), "does-not-exist"),
            rule(["svc"], path="/"),
        ])
        cls.torii = Torii(cfg).start()
        cls.addClassCleanup(cls.torii.close)
        cls.port = cls.torii.port

    def test_regex_rewrite_with_capture_groups_keeps_query(self):
        r = request(self.port, "GET", "/service/foo/v1/api?x=1")
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.json()["target"], "/v1/api/instance/foo?x=1")

    def test_host_from_header(self):
        r = request(self.port, "GET", "/hosted/a", headers=[("X-Backend-Host", "internal.example")])
        self.assertEqual(r.status, 200, r)
        hosts = [v for k, v in r.json()["headers"] if k.lower() == "host"]
        self.assertEqual(hosts, ["internal.example"])

    def test_direct_response(self):
        r = request(self.port, "GET", "/direct")
        self.assertEqual(r.status, 418)
        self.assertEqual(r.header("content-type"), "application/json")
        self.assertEqual(r.body, b'{"teapot":true}')
        with self.origin.lock:
            self.assertFalse(any(x.target.startswith("/direct") for x in self.origin.requests))

    def test_unresolved_extension_ref_answers_500(self):
        self.assertEqual(request(self.port, "GET", "/missing").status, 500)
        self.assertEqual(request(self.port, "GET", "/other").status, 200)


if __name__ == "__main__":
    unittest.main()
