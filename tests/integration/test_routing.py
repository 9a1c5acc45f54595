"""Routing: hostnames (exact, wildcard, listener hostname), path PathPrefix / Exact with
precedence, weighted backendRefs, 404 for unknown hosts."""

import collections
import unittest

from harness import Config, HttpConn, Torii, free_port, request, rule
from origins import Origin

NAMES = ["a", "b", "api", "exact", "wild", "only", "w1", "w3", "w0"]


class RoutingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origins = {}
        for n in NAMES:
            o = Origin(name=n).start()
            cls.addClassCleanup(o.stop)
            cls.origins[n] = o
        cls.main_port = free_port()
        cls.restricted_port = free_port()
        cfg = Config().gateway(listeners=[
            {"name": "http", "port": cls.main_port},
            {"name": "restricted", "port": cls.restricted_port, "hostname": "only.example.com"},
        ])
        for n, o in cls.origins.items():
            cfg.service(f"svc-{n}", [o.port])
        cfg.route("route-a", [rule(["svc-a"])], hostnames=["a.example.com"], section="http")
        # "/" first: precedence must come from the match, not from rule order.
        cfg.route("route-b", [rule(["svc-b"], path="/"),
                              rule(["svc-api"], path="/api"),
                              rule(["svc-exact"], path="/exact", path_type="Exact")],
                  hostnames=["b.example.com"], section="http")
        cfg.route("route-wild", [rule(["svc-wild"], path="/")],
                  hostnames=["*.wild.example.com"], section="http")
        cfg.route("route-weights", [rule([("svc-w1", 1), ("svc-w3", 3), ("svc-w0", 0)])],
                  hostnames=["weights.example.com"], section="http")
        cfg.route("route-c", [rule(["svc-a"], path="/c-only")], hostnames=["c.example.com"],
                  section="http")
        cfg.route("route-only", [rule(["svc-only"], path="/")], section="restricted")
        cls.torii = Torii(cfg).start()
        cls.addClassCleanup(cls.torii.close)

    def origin_for(self, host, path="/", port=None):
        r = request(port or self.main_port, "GET", path, host=host)
        if r.status != 200:
            return r.status
        return r.json()["origin"]

    def test_exact_hostname(self):
        self.assertEqual(self.origin_for("a.example.com"), "a")
        self.assertEqual(self.origin_for("a.example.com", "/any/path"), "a")

    def test_hostname_is_case_insensitive_and_ignores_port(self):
        self.assertEqual(self.origin_for("A.Example.COM"), "a")
        self.assertEqual(self.origin_for(f"a.example.com:{self.main_port}"), "a")

    def test_unknown_host_is_404(self):
        r = request(self.main_port, "GET", "/", host="unknown.example.org")
        self.assertEqual(r.status, 404, r)
        self.assertEqual((r.header("content-type") or "").split(";")[0], "text/plain")
        self.assertLess(r.body_len, 1024)

    def test_known_host_unmatched_path_is_404(self):
        self.assertEqual(self.origin_for("c.example.com", "/c-only/x"), "a")
        r = request(self.main_port, "GET", "/elsewhere", host="c.example.com")
        self.assertEqual(r.status, 404, r)
        self.assertEqual((r.header("content-type") or "").split(";")[0], "text/plain")

    def test_path_prefix_matches_segments(self):
        cases = {"/api": "api", "/api/": "api", "/api/v1/users": "api", "/api?x=1": "api",
                 "/apix": "b", "/ap": "b", "/": "b", "/other/api": "b"}
        got = {p: self.origin_for("b.example.com", p) for p in cases}
        self.assertEqual(got, cases)

    def test_exact_path(self):
        cases = {"/exact": "exact", "/exact?q=1": "exact", "/exact/": "b", "/exactly": "b",
                 "/exact/sub": "b"}
        got = {p: self.origin_for("b.example.com", p) for p in cases}
        self.assertEqual(got, cases)

    def test_wildcard_hostname(self):
        self.assertEqual(self.origin_for("x.wild.example.com"), "wild")
        self.assertEqual(self.origin_for("x.y.wild.example.com"), "wild")
        self.assertEqual(self.origin_for("wild.example.com"), 404)

    def test_listener_hostname(self):
        self.assertEqual(self.origin_for("only.example.com", port=self.restricted_port), "only")
        self.assertEqual(self.origin_for("a.example.com", port=self.restricted_port), 404)
        # Routes bound to the restricted listener are not served on the other one.
        self.assertEqual(self.origin_for("only.example.com"), 404)

    def test_weighted_backends(self):
        counts = collections.Counter()
        with HttpConn(self.main_port) as c:
            for i in range(400):
                r = c.request("GET", f"/w/{i}", host="weights.example.com")
                self.assertEqual(r.status, 200, r)
                counts[r.json()["origin"]] += 1
        self.assertEqual(counts["w0"], 0, counts)
        self.assertEqual(counts["w1"] + counts["w3"], 400, counts)
        # Expected 100 : 300; binomial sd ~8.7, tolerance ~4.6 sd.
        self.assertTrue(60 <= counts["w1"] <= 140, counts)
        self.assertTrue(260 <= counts["w3"] <= 340, counts)


if __name__ == "__main__":
    unittest.main()
