"""Gateway API status (admin GET /status, `torii status`, `torii validate`) and --address-pool."""

import json
import os
import socket
import subprocess
import tempfile
import unittest

from harness import (Config, HttpConn, Torii, free_port, request, rule, torii_path, wait_until)
from origins import Origin


def items_by_key(body):
    doc = json.loads(body)
    assert doc["kind"] == "List", doc
    return {(i["kind"], i["metadata"].get("namespace", ""), i["metadata"]["name"]): i
            for i in doc["items"]}


def cond(conds, type_):
    for c in conds:
        if c["type"] == type_:
            return c
    return None


class StatusTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin(name="a").start()
        cls.addClassCleanup(cls.origin.stop)
        cls.port = free_port()
        cfg = Config().gateway(cls.port)
        cfg.service("svc", [cls.origin.port])
        cfg.route("good", [rule(["svc"], path="/")], hostnames=["good.example.com"])
        cfg.route("missing", [rule(["nope"], path="/")], hostnames=["missing.example.com"])
        cfg.route("elsewhere", [rule(["svc"])], hostnames=["x.example.com"], section="nope")
        cls.torii = Torii(cfg).start()
        cls.addClassCleanup(cls.torii.close)

    def status(self):
        st, headers, body = self.torii.admin_get("/status")
        self.assertEqual(st, 200)
        self.assertEqual(headers["content-type"], "application/json")
        return items_by_key(body)

    def test_gateway_class_and_gateway(self):
        items = self.status()
        gc = items[("GatewayClass", "", "torii")]
        self.assertEqual(cond(gc["status"]["conditions"], "Accepted")["status"], "True")
        gw = items[("Gateway", "default", "gw")]
        self.assertEqual(gw["metadata"]["generation"], 1)
        st = gw["status"]
        self.assertEqual(st["addresses"], [{"type": "IPAddress", "value": "127.0.0.1"}])
        for t in ("Accepted", "Programmed"):
            c = cond(st["conditions"], t)
            self.assertEqual((c["status"], c["reason"]), ("True", t))
            self.assertEqual(c["observedGeneration"], 1)
            self.assertRegex(c["lastTransitionTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$")
        [l] = st["listeners"]
        self.assertEqual(l["name"], "http")
        self.assertEqual(l["attachedRoutes"], 2)  # good and missing; elsewhere names no listener
        self.assertEqual(l["supportedKinds"],
                         [{"group": "gateway.networking.k8s.io", "kind": "HTTPRoute"}])
        self.assertEqual(cond(l["conditions"], "Conflicted")["status"], "False")

    def test_route_parents(self):
        items = self.status()
        good = items[("HTTPRoute", "default", "good")]["status"]["parents"]
        self.assertEqual(len(good), 1)
        self.assertEqual(good[0]["controllerName"], "torii.dev/gateway-controller")
        self.assertEqual(good[0]["parentRef"]["name"], "gw")
        self.assertEqual(cond(good[0]["conditions"], "Accepted")["reason"], "Accepted")
        self.assertEqual(cond(good[0]["conditions"], "ResolvedRefs")["reason"], "ResolvedRefs")
        missing = items[("HTTPRoute", "default", "missing")]["status"]["parents"][0]
        self.assertEqual(cond(missing["conditions"], "Accepted")["status"], "True")
        rr = cond(missing["conditions"], "ResolvedRefs")
        self.assertEqual((rr["status"], rr["reason"]), ("False", "BackendNotFound"))
        elsewhere = items[("HTTPRoute", "default", "elsewhere")]["status"]["parents"][0]
        acc = cond(elsewhere["conditions"], "Accepted")
        self.assertEqual((acc["status"], acc["reason"]), ("False", "NoMatchingParent"))

    def test_traffic_follows_status(self):
        self.assertEqual(request(self.port, "GET", "/", host="good.example.com").status, 200)
        # An unresolved backend's share answers 500; the route itself is served.
        self.assertEqual(request(self.port, "GET", "/", host="missing.example.com").status, 500)
        self.assertEqual(request(self.port, "GET", "/", host="x.example.com").status, 404)

    def test_torii_status_prints_yaml(self):
        out = subprocess.run([torii_path(), "status", "--admin",
                              f"127.0.0.1:{self.torii.admin_port}"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("kind: List", out.stdout)
        self.assertIn("name: good", out.stdout)
        self.assertIn("reason: BackendNotFound", out.stdout)

    def test_torii_status_unreachable(self):
        out = subprocess.run([torii_path(), "status", "--admin", f"127.0.0.1:{free_port()}"],
                             capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 1)
        self.assertIn("cannot connect", out.stderr)


class ValidateTest(unittest.TestCase):
    def validate(self, cfg):
        with tempfile.TemporaryDirectory(prefix="torii-it-validate-") as d:
            cfg.write(d)
            return subprocess.run([torii_path(), "validate", "--config", d],
                                  capture_output=True, text=True, timeout=20)

    def test_valid_config_exits_0(self):
        cfg = Config().gateway(8080)
        cfg.service("svc", [9000])
        cfg.route("r", [rule(["svc"])])
        out = self.validate(cfg)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("type: Accepted", out.stdout)
        self.assertIn("# ok", out.stdout)

    def test_unresolved_reference_exits_1(self):
        cfg = Config().gateway(8080)
        cfg.route("r", [rule(["nope"])])
        out = self.validate(cfg)
        self.assertEqual(out.returncode, 1, out.stdout)
        self.assertIn("reason: BackendNotFound", out.stdout)

    def test_decode_error_exits_1_and_names_field(self):
        with tempfile.TemporaryDirectory(prefix="torii-it-validate-") as d:
            with open(os.path.join(d, "bad.yaml"), "w") as f:
                f.write("apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
                        "metadata: {name: g}\nspec: {gatewayClassName: torii, listeners: "
                        "[{name: l, protocol: HTTP, port: nope}]}\n")
            out = subprocess.run([torii_path(), "validate", "--config", d],
                                 capture_output=True, text=True, timeout=20)
        self.assertEqual(out.returncode, 1)
        self.assertIn("spec.listeners[0].port: must be an integer", out.stdout)


class AddressPoolTest(unittest.TestCase):
    def test_each_gateway_gets_its_own_address(self):
        origin = Origin(name="pool").start()
        self.addCleanup(origin.stop)
        port = free_port()
        cfg = Config()
        for name in ("one", "two"):
            cfg.gateway(port, name=name)
            del cfg.docs[-1]["spec"]["addresses"]
        cfg.service("svc", [origin.port])
        cfg.route("r1", [rule(["svc"])], parent="one")
        cfg.route("r2", [rule(["svc"])], parent="two")
        with Torii(cfg, args=["--address-pool", "127.0.9.0/24"]) as t:
            items = items_by_key(t.admin_get("/status")[2])
            addrs = [items[("Gateway", "default", n)]["status"]["addresses"][0]["value"]
                     for n in ("one", "two")]
            self.assertEqual(sorted(addrs), ["127.0.9.1", "127.0.9.2"])
            for a in addrs:  # same port, two addresses: both serve
                with HttpConn(port, host=a) as c:
                    self.assertEqual(c.request("GET", "/", "h").status, 200)


class ListenerBindFailureTest(unittest.TestCase):
    def test_port_in_use_is_reported_then_recovers(self):
        origin = Origin(name="bind").start()
        self.addCleanup(origin.stop)
        busy_port, free = free_port(), free_port()
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", busy_port))
        blocker.listen(1)
        cfg = Config().gateway(listeners=[{"name": "busy", "port": busy_port},
                                          {"name": "ok", "port": free}])
        cfg.service("svc", [origin.port])
        cfg.route("r", [rule(["svc"])])
        with Torii(cfg) as t:
            def listeners():
                gw = items_by_key(t.admin_get("/status")[2])[("Gateway", "default", "gw")]
                return {l["name"]: l for l in gw["status"]["listeners"]}
            wait_until(lambda: cond(listeners()["busy"]["conditions"], "Programmed")["status"]
                       == "False", 5, what="busy listener reported")
            busy = listeners()["busy"]["conditions"]
            self.assertEqual(cond(busy, "Accepted")["reason"], "PortUnavailable")
            self.assertEqual(cond(busy, "Programmed")["reason"], "Invalid")
            self.assertIn(f"127.0.0.1:{busy_port}", cond(busy, "Programmed")["message"])
            self.assertIn("in use", cond(busy, "Programmed")["message"])
            ok = listeners()["ok"]["conditions"]
            self.assertEqual(cond(ok, "Programmed")["status"], "True")
            # The other listener serves.
            self.assertEqual(request(free, "GET", "/").status, 200)
            # Port freed, config touched: the next publish binds it and the status clears.
            blocker.close()
            path = os.path.join(t.config_dir, "config.yaml")
            with open(path, "a") as f:
                f.write("\n# touched\n")
            wait_until(lambda: cond(listeners()["busy"]["conditions"], "Programmed")["status"]
                       == "True", 10, what="busy listener recovered")
            self.assertEqual(request(busy_port, "GET", "/").status, 200)


if __name__ == "__main__":
    unittest.main()
