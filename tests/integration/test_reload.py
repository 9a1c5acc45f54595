"""Hot reload from the config directory (inotify): atomic apply, generation tracking, a broken
file keeps its last good objects, removed listeners close."""

import json
import os
import unittest

from harness import Config, HttpConn, Torii, connect_refused, free_port, request, rule, wait_until
from origins import Origin


def write_atomically(directory, name, text):
    tmp = os.path.join(directory, "." + name + ".tmp")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, os.path.join(directory, name))


class ReloadTest(unittest.TestCase):
    def setUp(self):
        self.a = Origin(name="a").start()
        self.addCleanup(self.a.stop)
        self.b = Origin(name="b").start()
        self.addCleanup(self.b.stop)
        self.port = free_port()
        self.cfg = Config().gateway(self.port)
        self.cfg.service("svc-a", [self.a.port])
        self.cfg.service("svc-b", [self.b.port])
        self.cfg.route("r", [rule(["svc-a"])], hostnames=["a.example.com"])
        self.torii = Torii(self.cfg).start()
        self.addCleanup(self.torii.close)

    def origin(self, host, port=None):
        try:
            r = request(port or self.port, "GET", "/", host=host, timeout=2)
        except OSError:
            return None
        return r.json()["origin"] if r.status == 200 else r.status

    def status_item(self, kind, name):
        doc = json.loads(self.torii.admin_get("/status")[2])
        for i in doc["items"]:
            if i["kind"] == kind and i["metadata"]["name"] == name:
                return i, doc
        return None, doc

    def test_added_route_is_served_without_restart(self):
        self.assertEqual(self.origin("b.example.com"), 404)
        extra = Config()
        extra.docs = []
        extra.route("r-b", [rule(["svc-b"])], hostnames=["b.example.com"])
        write_atomically(self.torii.config_dir, "extra.yaml", extra.yaml())
        wait_until(lambda: self.origin("b.example.com") == "b", 10, what="new route served")
        self.assertEqual(self.origin("a.example.com"), "a")

    def test_generation_grows_when_spec_changes(self):
        item, _ = self.status_item("HTTPRoute", "r")
        self.assertEqual(item["metadata"]["generation"], 1)
        self.cfg.docs[-1]["spec"]["rules"] = [rule(["svc-b"])]
        write_atomically(self.torii.config_dir, "config.yaml", self.cfg.yaml())
        wait_until(lambda: self.origin("a.example.com") == "b", 10, what="route change applied")
        item, _ = self.status_item("HTTPRoute", "r")
        self.assertEqual(item["metadata"]["generation"], 2)
        for c in item["status"]["parents"][0]["conditions"]:
            self.assertEqual(c["observedGeneration"], 2)
        gw, _ = self.status_item("Gateway", "gw")
        self.assertEqual(gw["metadata"]["generation"], 1)  # unchanged object, unchanged generation

    def test_broken_file_keeps_last_good_objects(self):
        write_atomically(self.torii.config_dir, "config.yaml", "kind: [unterminated\n")
        wait_until(lambda: self.status_item("Gateway", "gw")[1].get("errors"), 10,
                   what="error reported in /status")
        _, doc = self.status_item("Gateway", "gw")
        self.assertIn("config.yaml", doc["errors"][0])
        self.assertIn("invalid YAML", doc["errors"][0])
        self.assertEqual(self.origin("a.example.com"), "a")  # still served
        self.assertIn("invalid YAML", self.torii.log_text())
        write_atomically(self.torii.config_dir, "config.yaml", self.cfg.yaml())
        wait_until(lambda: not self.status_item("Gateway", "gw")[1].get("errors"), 10,
                   what="error cleared")

    def test_removed_listener_closes_and_new_one_opens(self):
        port2 = free_port()
        self.cfg.docs[1]["spec"]["listeners"] = [{"name": "other", "protocol": "HTTP",
                                                 "port": port2}]
        self.cfg.docs[-1]["spec"]["parentRefs"] = [{"name": "gw"}]
        write_atomically(self.torii.config_dir, "config.yaml", self.cfg.yaml())
        wait_until(lambda: self.origin("a.example.com", port2) == "a", 10,
                   what="new listener serves")
        wait_until(lambda: connect_refused(self.port), 10, what="old listener closed")

    def test_keep_alive_connection_survives_reload(self):
        with HttpConn(self.port) as c:
            self.assertEqual(c.request("GET", "/", "a.example.com").status, 200)
            extra = Config()
            extra.docs = []
            extra.route("r-b", [rule(["svc-b"])], hostnames=["b.example.com"])
            write_atomically(self.torii.config_dir, "extra.yaml", extra.yaml())
            wait_until(lambda: self.origin("b.example.com") == "b", 10, what="reload")
            self.assertEqual(c.request("GET", "/", "a.example.com").status, 200)


if __name__ == "__main__":
    unittest.main()
