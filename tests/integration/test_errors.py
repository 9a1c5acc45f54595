"""Upstream failures become the right local replies: 502 / 503 / 504, text/plain, short body."""

import time
import unittest

from harness import Config, HttpConn, Torii, free_port, request, rule
from origins import Origin


def assert_local_reply(test, resp, status):
    test.assertEqual(resp.status, status, resp)
    ctype = (resp.header("content-type") or "").split(";")[0].strip()
    test.assertEqual(ctype, "text/plain", resp)
    test.assertGreater(resp.body_len, 0, resp)
    test.assertLess(resp.body_len, 1024, resp)
    test.assertIsNone(resp.header("x-origin"), "local reply carries origin headers")


class UpstreamErrorsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin(name="errors").start()
        cls.addClassCleanup(cls.origin.stop)
        cls.closed_port = free_port()  # nothing listens there
        cfg = Config().gateway(free_port())
        cfg.service("svc-origin", [cls.origin.port])
        cfg.service("svc-refused", [cls.closed_port])
        cfg.service("svc-empty", [])  # EndpointSlice without endpoints
        cfg.service("svc-noslice", [cls.origin.port], slice_endpoints=False)
        cfg.route("r", [rule(["svc-origin"], path="/"),
                        rule(["svc-refused"], path="/refused"),
                        rule(["svc-empty"], path="/no-endpoints"),
                        rule(["svc-noslice"], path="/no-slice")])
        cls.torii = Torii(cfg, args=["--response-timeout", "1s", "--connect-timeout", "1s"]).start()
        cls.addClassCleanup(cls.torii.close)
        cls.port = cls.torii.port

    def test_upstream_reset_before_response_is_502(self):
        assert_local_reply(self, request(self.port, "GET", "/reset"), 502)

    def test_upstream_reset_after_head_with_body_pending_is_502(self):
        r = request(self.port, "POST", "/reset-head", body=b"z" * 2000)
        assert_local_reply(self, r, 502)

    def test_upstream_garbage_is_502(self):
        assert_local_reply(self, request(self.port, "GET", "/garbage"), 502)

    def test_upstream_invalid_content_length_is_502(self):
        assert_local_reply(self, request(self.port, "GET", "/badcl"), 502)

    def test_client_connection_survives_upstream_502(self):
        with HttpConn(self.port) as c:
            c.send(b"GET /reset HTTP/1.1\r\nHost: example.com\r\n\r\n")
            r = c.read_response()
            assert_local_reply(self, r, 502)
            if "close" in (r.header("connection") or "").lower():
                self.skipTest("torii closes the client connection after a 502 (allowed)")
            self.assertEqual(c.request("GET", "/after-502").status, 200)

    def test_connection_refused_is_503(self):
        assert_local_reply(self, request(self.port, "GET", "/refused"), 503)

    def test_no_endpoints_is_503(self):
        assert_local_reply(self, request(self.port, "GET", "/no-endpoints"), 503)

    def test_no_endpoint_slice_is_503(self):
        assert_local_reply(self, request(self.port, "GET", "/no-slice"), 503)

    def test_slow_upstream_beyond_response_timeout_is_504(self):
        start = time.monotonic()
        r = request(self.port, "GET", "/delay?ms=4000", timeout=10)
        elapsed = time.monotonic() - start
        assert_local_reply(self, r, 504)
        self.assertGreaterEqual(elapsed, 0.8, "504 came before --response-timeout 1s")
        self.assertLess(elapsed, 3.5, "504 came long after --response-timeout 1s")

    def test_upstream_within_response_timeout_is_200(self):
        self.assertEqual(request(self.port, "GET", "/delay?ms=300").status, 200)


if __name__ == "__main__":
    unittest.main()
