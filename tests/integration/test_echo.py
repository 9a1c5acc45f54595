"""torii-echo: the Gateway API conformance echo server (echo-basic) contract, directly and
behind Torii."""

import time
import unittest
import uuid

from harness import (ConnectionClosed, Echo, HttpConn, Torii, free_port, request, simple_config,
                     wait_until)


class EchoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.echo = Echo(namespace="ns-1", pod="backend-v1-7d9f8-abcde", service="svc-1",
                        ingress="gw-1").start()
        cls.addClassCleanup(cls.echo.close)
        cls.port = cls.echo.port

    def test_health(self):
        r = request(self.port, "GET", "/health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body.strip(), b"OK")

    def test_double_slash_is_collapsed(self):
        r = request(self.port, "GET", "//health")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body.strip(), b"OK")

    def test_status_path(self):
        for code in (418, 503, 201):
            r = request(self.port, "GET", f"/status/{code}")
            self.assertEqual(r.status, code)
            self.assertEqual(r.body, b"")

    def test_echo_document(self):
        r = request(self.port, "GET", "/foo/bar?x=1&y=2", host="echo.example.com",
                    headers=[("x-custom-header", "v1"), ("User-Agent", "torii-it")])
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("content-type"), "application/json")
        self.assertEqual(r.header("x-content-type-options"), "nosniff")
        self.assertTrue(r.body.startswith(b'{\n "'), f"not indented with one space: {r.body[:40]!r}")
        doc = r.json()
        self.assertEqual(doc["path"], "/foo/bar?x=1&y=2")
        self.assertEqual(doc["host"], "echo.example.com")
        self.assertEqual(doc["method"], "GET")
        self.assertEqual(doc["proto"], "HTTP/1.1")
        self.assertEqual(doc["headers"]["X-Custom-Header"], ["v1"])
        self.assertEqual(doc["headers"]["User-Agent"], ["torii-it"])
        self.assertEqual(doc["namespace"], "ns-1")
        self.assertEqual(doc["pod"], "backend-v1-7d9f8-abcde")
        self.assertEqual(doc["service"], "svc-1")
        self.assertEqual(doc["ingress"], "gw-1")
        self.assertNotIn("tls", doc)
        if "httpPort" in doc:
            self.assertEqual(doc["httpPort"], str(self.port))

    def test_repeated_header_values(self):
        r = request(self.port, "GET", "/multi", headers=[("X-Multi", "a"), ("X-Multi", "b")])
        self.assertEqual(r.json()["headers"]["X-Multi"], ["a", "b"])

    def test_post_and_keep_alive(self):
        with HttpConn(self.port) as c:
            r1 = c.request("POST", "/p", body=b"hello")
            r2 = c.request("PUT", "/q", body=b"x" * 100000)
        self.assertEqual(r1.json()["method"], "POST")
        self.assertEqual(r2.json()["method"], "PUT")
        self.assertEqual(r2.json()["path"], "/q")

    def test_large_body_in_one_write(self):
        # Head and a 200 KB body in a single send.
        with HttpConn(self.port) as c:
            r = c.request("PUT", "/big", body=b"y" * 200000)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.json()["method"], "PUT")
            self.assertEqual(c.request("GET", "/after").status, 200)

    def test_delay(self):
        start = time.monotonic()
        r = request(self.port, "GET", "/slow?delay=500ms")
        elapsed = time.monotonic() - start
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["path"], "/slow?delay=500ms")
        self.assertGreaterEqual(elapsed, 0.45)
        self.assertLess(elapsed, 3)
        start = time.monotonic()
        self.assertEqual(request(self.port, "GET", "/?delay=1s").status, 200)
        self.assertGreaterEqual(time.monotonic() - start, 0.95)

    def test_echo_set_header(self):
        r = request(self.port, "GET", "/set",
                    headers=[("X-Echo-Set-Header", "X-Foo:a,X-Bar:b,X-Foo:c")])
        self.assertEqual(r.status, 200)
        self.assertEqual(",".join(v.strip() for v in r.header_values("x-foo")).replace(" ", ""),
                         "a,c")
        self.assertEqual(r.header("x-bar"), "b")

    def test_empty_echo_set_header(self):
        r = request(self.port, "GET", "/set-empty", headers=[("X-Echo-Set-Header", "")])
        self.assertEqual(r.status, 200)

    def test_retry_with_response_code(self):
        u = uuid.uuid4().hex
        path = f"/retry/?uuid={u}&succeedAfter=2&responseCode=503"
        self.assertEqual(request(self.port, "GET", path).status, 503)
        self.assertEqual(request(self.port, "GET", path).status, 503)
        r = request(self.port, "GET", path)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.json()["path"], path)
        # Another uuid has its own counter.
        other = f"/retry/?uuid={uuid.uuid4().hex}&succeedAfter=1&responseCode=500"
        self.assertEqual(request(self.port, "GET", other).status, 500)
        self.assertEqual(request(self.port, "GET", other).status, 200)

    def test_retry_without_response_code_resets(self):
        path = f"/retry/?uuid={uuid.uuid4().hex}&succeedAfter=1"
        with self.assertRaises((ConnectionClosed, ConnectionResetError)):
            request(self.port, "GET", path)
        self.assertEqual(request(self.port, "GET", path).status, 200)

    def test_log_line(self):
        path = f"/logged?id={uuid.uuid4().hex}"
        self.assertEqual(request(self.port, "GET", path).status, 200)
        needle = f"Echoing back request made to {path} to client (127.0.0.1:"
        wait_until(lambda: needle in self.echo.log_text(1 << 20), 5, what=f"log line {needle!r}")


class EchoEnvTest(unittest.TestCase):
    def test_environment_variables(self):
        with Echo(namespace="env-ns", pod="env-pod-1-2", service="env-svc", ingress="env-gw",
                  use_env=True) as e:
            doc = request(e.port, "GET", "/env").json()
        self.assertEqual(doc["namespace"], "env-ns")
        self.assertEqual(doc["pod"], "env-pod-1-2")
        self.assertEqual(doc["service"], "env-svc")
        self.assertEqual(doc["ingress"], "env-gw")
        self.assertEqual(doc.get("httpPort", str(e.port)), str(e.port))


class EchoThroughToriiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.echo = Echo(namespace="default", pod="infra-backend-v1-abc-def").start()
        cls.addClassCleanup(cls.echo.close)
        cls.torii = Torii(simple_config(free_port(), [cls.echo.port])).start()
        cls.addClassCleanup(cls.torii.close)

    def test_request_seen_by_echo_through_torii(self):
        r = request(self.torii.port, "GET", "/through?x=1", host="gw.example.com",
                    headers=[("X-Test", "1"),
                             ("X-Echo-Set-Header", "X-From-Backend:yes")])
        self.assertEqual(r.status, 200, r)
        self.assertEqual(r.header("x-from-backend"), "yes")
        doc = r.json()
        self.assertEqual(doc["path"], "/through?x=1")
        self.assertEqual(doc["host"], "gw.example.com")
        self.assertEqual(doc["namespace"], "default")
        self.assertTrue(doc["pod"].startswith("infra-backend-v1"))
        self.assertEqual(doc["headers"]["X-Test"], ["1"])
        self.assertEqual(doc["headers"]["X-Forwarded-For"], ["127.0.0.1"])
        self.assertEqual(doc["headers"]["X-Forwarded-Proto"], ["http"])
        self.assertIn("X-Request-Id", doc["headers"])

    def test_status_through_torii(self):
        self.assertEqual(request(self.torii.port, "GET", "/status/418").status, 418)


if __name__ == "__main__":
    unittest.main()
