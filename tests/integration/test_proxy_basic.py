"""HTTP/1.1 proxying basics: keep-alive, pipelining, framing, Expect, HEAD, HTTP/1.0, hop-by-hop
headers, X-Forwarded-*, X-Request-Id, Host, upstream connection reuse, workers, --port-offset,
admin."""

import socket
import threading
import time
import unittest

from harness import (PATTERN_BLOCK, Config, HttpConn, Torii, build_request, connect_refused,
                     free_port, parse_metrics, pattern_chunks, pattern_digest, request, rule,
                     simple_config, wait_until)
from origins import Origin


def start_origin(cls, **kw):
    o = Origin(**kw).start()
    cls.addClassCleanup(o.stop)
    return o


def start_torii(cls, cfg, **kw):
    t = Torii(cfg, **kw).start()
    cls.addClassCleanup(t.close)
    return t


def seen(resp):
    """The echo document of the Python origin."""
    assert resp.status == 200, resp
    return resp.json()


def seen_headers(doc, name):
    name = name.lower()
    return [v for k, v in doc["headers"] if k.lower() == name]


class ProxyBasicTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = start_origin(cls, name="basic")
        cls.torii = start_torii(cls, simple_config(free_port(), [cls.origin.port]))
        cls.port = cls.torii.port

    def test_get_is_proxied_with_path_and_query(self):
        r = request(self.port, "GET", "/hello/world?x=1&y=%20z")
        doc = seen(r)
        self.assertEqual(doc["method"], "GET")
        self.assertEqual(doc["target"], "/hello/world?x=1&y=%20z")
        self.assertEqual(r.header("x-origin"), "basic")
        self.assertEqual(r.header("content-type"), "application/json")

    def test_keep_alive_serves_many_requests_on_one_connection(self):
        with HttpConn(self.port) as c:
            for i in range(10):
                r = c.request("GET", f"/ka/{i}")
                self.assertEqual(seen(r)["path"], f"/ka/{i}")
                self.assertNotIn("close", (r.header("connection") or "").lower())
            self.assertFalse(c.wait_closed(0.2), "connection closed after keep-alive requests")

    def test_pipelined_requests_are_answered_in_order(self):
        # The first request is slow at the origin, the later ones fast: the answers must still
        # come back in request order.
        reqs = [("GET", "/delay?ms=300&n=1", None), ("POST", "/p2", b"body-two"),
                ("GET", "/bytes?n=100000", None), ("HEAD", "/bytes?n=777", None),
                ("GET", "/p5", None)]
        data = b"".join(build_request(m, p, body=b) for m, p, b in reqs)
        with HttpConn(self.port) as c:
            c.send(data)
            r1 = c.read_response("GET")
            r2 = c.read_response("POST")
            r3 = c.read_response("GET")
            r4 = c.read_response("HEAD")
            r5 = c.read_response("GET")
        self.assertEqual(seen(r1)["target"], "/delay?ms=300&n=1")
        self.assertEqual(seen(r2)["path"], "/p2")
        self.assertEqual(seen(r2)["body"], "body-two")
        self.assertEqual(r3.status, 200)
        self.assertEqual(r3.sha256, pattern_digest(100000))
        self.assertEqual(r4.status, 200)
        self.assertEqual(r4.header("content-length"), "777")
        self.assertEqual(r4.body_len, 0)
        self.assertEqual(seen(r5)["path"], "/p5")

    def test_content_length_request_body(self):
        body = b"".join(pattern_chunks(300000))
        doc = seen(request(self.port, "POST", "/upload", body=body,
                           headers=[("Content-Type", "application/octet-stream")]))
        self.assertEqual(doc["method"], "POST")
        self.assertEqual(doc["body_len"], 300000)
        self.assertEqual(doc["sha256"], pattern_digest(300000))

    def test_content_length_request_body_sent_after_head(self):
        # Same as above but the head goes first and the body follows in small pieces.
        with HttpConn(self.port) as c:
            c.send(build_request("POST", "/upload-paced", headers=[("Content-Length", "300000")]))
            time.sleep(0.05)
            for piece in pattern_chunks(300000, 65536):
                for i in range(0, len(piece), 16384):
                    c.send(piece[i:i + 16384])
            doc = seen(c.read_response("POST"))
        self.assertEqual(doc["body_len"], 300000)
        self.assertEqual(doc["sha256"], pattern_digest(300000))

    def test_chunked_request_body_several_chunks(self):
        pieces = [b"a" * 10, b"b" * 4000, b"c" * 1, b"d" * 70000]
        wire = b"".join(b"%x\r\n" % len(p) + p + b"\r\n" for p in pieces) + b"0\r\n\r\n"
        head = build_request("POST", "/chunked-up", headers=[("Transfer-Encoding", "chunked")])
        with HttpConn(self.port) as c:
            c.send(head)
            c.send(wire[:5])  # split across writes
            c.send(wire[5:])
            doc = seen(c.read_response("POST"))
            # The connection is still usable afterwards (the body was framed correctly).
            self.assertEqual(seen(c.request("GET", "/after-chunked"))["path"], "/after-chunked")
        self.assertEqual(doc["body_len"], sum(map(len, pieces)))
        import hashlib
        self.assertEqual(doc["sha256"], hashlib.sha256(b"".join(pieces)).hexdigest())
        names = [k.lower() for k, _ in doc["headers"]]
        self.assertFalse("content-length" in names and "transfer-encoding" in names,
                         f"backend got both Content-Length and Transfer-Encoding: {doc['headers']}")
        self.assertTrue("content-length" in names or "transfer-encoding" in names,
                        f"backend got no body framing: {doc['headers']}")

    def test_empty_chunked_request_body(self):
        doc = seen(request(self.port, "POST", "/empty-chunked", body=b"", chunked=True))
        self.assertEqual(doc["body_len"], 0)

    def test_chunked_response_body(self):
        r = request(self.port, "GET", "/bytes?n=1000003&chunked=1&chunk=65536", store_body=False)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body_len, 1000003)
        self.assertEqual(r.sha256, pattern_digest(1000003))

    def test_content_length_response_body(self):
        r = request(self.port, "GET", "/bytes?n=123457", store_body=False)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.header("content-length"), "123457")
        self.assertFalse(r.chunked)
        self.assertEqual(r.sha256, pattern_digest(123457))

    def test_close_delimited_upstream_body(self):
        with HttpConn(self.port) as c:
            r = c.request("GET", "/eof-body?n=200001", store_body=False)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body_len, 200001)
            self.assertEqual(r.sha256, pattern_digest(200001))
            if r.chunked or r.has_header("content-length"):
                # Re-framed for the client: the connection stays usable.
                self.assertEqual(c.request("GET", "/after-eof").status, 200)

    def test_small_close_delimited_upstream_body_ends_promptly(self):
        # The origin sends head, body and FIN back to back, so one read usually takes all three:
        # the FIN must still end the response at once (not after a timeout).
        for i in range(30):
            start = time.monotonic()
            with HttpConn(self.port) as c:
                r = c.request("GET", f"/eof-body?n={5 + i}")
                self.assertEqual(r.status, 200)
                self.assertEqual(r.body, PATTERN_BLOCK[:5 + i])
            self.assertLess(time.monotonic() - start, 3, f"request {i} waited for a timeout")

    def test_client_half_close_after_request_gets_answer_and_close(self):
        # Request and FIN arrive together: Torii answers, then sees the FIN and closes promptly
        # instead of waiting out the keep-alive idle timeout.
        for i in range(30):
            with HttpConn(self.port) as c:
                c.send(f"GET /half-close/{i} HTTP/1.1\r\nHost: example.com\r\n\r\n".encode())
                c.sock.shutdown(socket.SHUT_WR)
                r = c.read_response("GET")
                self.assertEqual(seen(r)["path"], f"/half-close/{i}")
                self.assertTrue(c.wait_closed(3), f"connection {i} not closed after half-close")

    def test_expect_100_continue(self):
        body = b"x" * 1000
        with HttpConn(self.port) as c:
            c.send(build_request("POST", "/expect", headers=[("Content-Length", "1000"),
                                                            ("Expect", "100-continue")]))
            interim = c.read_response("POST", skip_interim=False)  # before sending the body
            self.assertEqual(interim.status, 100, interim)
            c.send(body)
            final = c.read_response("POST")
        doc = seen(final)
        self.assertEqual(doc["body_len"], 1000)

    def test_head_has_no_body_and_connection_stays_usable(self):
        with HttpConn(self.port) as c:
            r = c.request("HEAD", "/bytes?n=5000")
            self.assertEqual(r.status, 200)
            self.assertEqual(r.header("content-length"), "5000")
            r = c.request("HEAD", "/bytes?n=5000&chunked=1")
            self.assertEqual(r.status, 200)
            r2 = c.request("GET", "/after-head")
            self.assertEqual(seen(r2)["path"], "/after-head")

    def test_http10_client_gets_unchunked_response_and_close(self):
        with HttpConn(self.port) as c:
            c.send(b"GET /bytes?n=5000&chunked=1 HTTP/1.0\r\nHost: example.com\r\n\r\n")
            r = c.read_response("GET", store_body=False)
            self.assertEqual(r.status, 200)
            self.assertFalse(r.chunked, f"chunked response to an HTTP/1.0 client: {r.raw_head!r}")
            self.assertNotIn("chunked", (r.header("transfer-encoding") or "").lower())
            self.assertEqual(r.body_len, 5000)
            self.assertEqual(r.sha256, pattern_digest(5000))
            self.assertTrue(c.wait_closed(5), "HTTP/1.0 connection without keep-alive not closed")

    def test_http10_keep_alive(self):
        with HttpConn(self.port) as c:
            for i in range(3):
                c.send(f"GET /ka10/{i} HTTP/1.0\r\nHost: example.com\r\n"
                       "Connection: keep-alive\r\n\r\n")
                r = c.read_response("GET")
                self.assertEqual(seen(r)["path"], f"/ka10/{i}")
                self.assertFalse(r.chunked)

    def test_http10_keep_alive_with_chunked_origin_response(self):
        # Torii cannot chunk for an HTTP/1.0 client: it must send a length or close.
        with HttpConn(self.port) as c:
            c.send(b"GET /bytes?n=70000&chunked=1 HTTP/1.0\r\nHost: example.com\r\n"
                   b"Connection: keep-alive\r\n\r\n")
            r = c.read_response("GET", store_body=False)
            self.assertEqual(r.status, 200)
            self.assertFalse(r.chunked, f"chunked response to an HTTP/1.0 client: {r.raw_head!r}")
            self.assertEqual(r.body_len, 70000)
            self.assertEqual(r.sha256, pattern_digest(70000))

    def test_hop_by_hop_request_headers_are_removed(self):
        headers = [("Connection", "keep-alive, X-Hop-A"), ("X-Hop-A", "1"),
                   ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
                   ("TE", "trailers"), ("Trailer", "X-Some-Trailer"), ("Upgrade", "foo/1"),
                   ("X-End-To-End", "yes")]
        doc = seen(request(self.port, "GET", "/hop-req", headers=headers))
        for name in ("X-Hop-A", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Upgrade"):
            self.assertEqual(seen_headers(doc, name), [],
                             f"hop-by-hop header {name} reached the backend: {doc['headers']}")
        for v in seen_headers(doc, "Connection"):
            self.assertNotIn("x-hop-a", v.lower(), doc["headers"])
        self.assertEqual(seen_headers(doc, "X-End-To-End"), ["yes"])

    def test_hop_by_hop_request_headers_removed_with_chunked_body(self):
        # Transfer-Encoding is hop-by-hop too: the backend must get a correctly framed body, once.
        doc = seen(request(self.port, "POST", "/hop-te", body=b"hello", chunked=True,
                           headers=[("Connection", "X-Hop-B"), ("X-Hop-B", "1")]))
        self.assertEqual(doc["body_len"], 5)
        self.assertEqual(seen_headers(doc, "X-Hop-B"), [])
        self.assertLessEqual(len(seen_headers(doc, "Transfer-Encoding")), 1, doc["headers"])

    def test_hop_by_hop_response_headers_are_removed(self):
        r = request(self.port, "GET", "/hop")
        self.assertEqual(r.status, 200)
        self.assertIsNone(r.header("x-hop-resp"), r.headers)
        self.assertIsNone(r.header("proxy-connection"), r.headers)
        self.assertIsNone(r.header("keep-alive"), r.headers)
        self.assertEqual(r.header("x-end-to-end"), "kept")

    def test_x_forwarded_for_and_proto_are_set(self):
        doc = seen(request(self.port, "GET", "/xff"))
        self.assertEqual(seen_headers(doc, "X-Forwarded-For"), ["127.0.0.1"], doc["headers"])
        self.assertEqual(seen_headers(doc, "X-Forwarded-Proto"), ["http"], doc["headers"])

    def test_x_forwarded_for_is_appended(self):
        doc = seen(request(self.port, "GET", "/xff2",
                           headers=[("X-Forwarded-For", "10.1.2.3"),
                                    ("X-Forwarded-Proto", "https")]))
        xff = ", ".join(seen_headers(doc, "X-Forwarded-For"))
        self.assertEqual([p.strip() for p in xff.split(",")], ["10.1.2.3", "127.0.0.1"],
                         doc["headers"])
        self.assertEqual(seen_headers(doc, "X-Forwarded-Proto"), ["http"], doc["headers"])

    def test_x_request_id_generated_when_absent(self):
        ids = []
        for _ in range(2):
            doc = seen(request(self.port, "GET", "/rid"))
            values = seen_headers(doc, "X-Request-Id")
            self.assertEqual(len(values), 1, doc["headers"])
            self.assertGreaterEqual(len(values[0]), 8, values)
            ids.append(values[0])
        self.assertNotEqual(ids[0], ids[1])

    def test_x_request_id_kept_when_present(self):
        doc = seen(request(self.port, "GET", "/rid2", headers=[("X-Request-Id", "my-id-123")]))
        self.assertEqual(seen_headers(doc, "X-Request-Id"), ["my-id-123"])

    def test_host_is_preserved(self):
        doc = seen(request(self.port, "GET", "/host", host="Preserved.Example.com:8080"))
        self.assertEqual(seen_headers(doc, "Host"), ["Preserved.Example.com:8080"])


class UpstreamPoolTest(unittest.TestCase):
    """Upstream connection reuse and upstream-initiated closes."""

    @classmethod
    def setUpClass(cls):
        cls.reuse = start_origin(cls, name="reuse")
        cls.idle = start_origin(cls, name="idle", idle_close=0.2)
        cls.silent = start_origin(cls, name="silent", close_after_response=True)
        cfg = Config().gateway(free_port())
        cfg.service("svc-reuse", [cls.reuse.port])
        cfg.service("svc-idle", [cls.idle.port])
        cfg.service("svc-silent", [cls.silent.port])
        cfg.route("r", [rule(["svc-reuse"], path="/"), rule(["svc-idle"], path="/idle"),
                        rule(["svc-silent"], path="/silent")])
        cls.torii = start_torii(cls, cfg)
        cls.port = cls.torii.port

    def test_upstream_keep_alive_reuse(self):
        request(self.port, "GET", "/warmup")
        before = self.reuse.snapshot()
        with HttpConn(self.port) as c:
            for i in range(30):
                self.assertEqual(c.request("GET", f"/reuse/{i}").status, 200)
        for i in range(20):
            self.assertEqual(request(self.port, "GET", f"/reuse-new/{i}").status, 200)
        after = self.reuse.snapshot()
        self.assertEqual(after["requests"] - before["requests"], 50)
        self.assertLessEqual(after["accepted"] - before["accepted"], 2,
                             f"50 sequential requests opened {after['accepted'] - before['accepted']}"
                             " upstream connections")

    def test_upstream_idle_close_then_next_request_succeeds(self):
        for i in range(4):
            closed_before = self.idle.snapshot()["closed"]
            r = request(self.port, "GET", f"/idle/{i}")
            self.assertEqual(seen(r)["origin"], "idle")
            # Wait until the origin has closed the now idle connection, then send again.
            wait_until(lambda: self.idle.snapshot()["closed"] > closed_before, 5,
                       what="origin closing the idle upstream connection")

    def test_upstream_closes_after_each_response(self):
        with HttpConn(self.port) as c:
            for i in range(20):
                r = c.request("GET", f"/silent/{i}")
                self.assertEqual(r.status, 200, f"request {i}: {r}")
                self.assertEqual(seen(r)["origin"], "silent")

    def test_upstream_connection_close_header_does_not_close_client(self):
        with HttpConn(self.port) as c:
            for i in range(10):
                r = c.request("GET", "/close")
                self.assertEqual(r.status, 200)
                self.assertNotIn("close", (r.header("connection") or "").lower(),
                                 "upstream Connection: close leaked to the client")


class UpstreamPoolLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = start_origin(cls, name="limits")
        cls.torii = start_torii(cls, simple_config(free_port(), [cls.origin.port]),
                                args=["--upstream-max-requests", "3",
                                      "--upstream-idle-timeout", "300ms"])
        cls.port = cls.torii.port

    def test_upstream_max_requests_per_connection(self):
        before = self.origin.snapshot()
        with HttpConn(self.port) as c:
            for i in range(12):
                self.assertEqual(c.request("GET", f"/max/{i}").status, 200)
        after = self.origin.snapshot()
        self.assertGreaterEqual(after["accepted"] - before["accepted"], 4)
        # Each upstream connection carried at most 3 requests.
        with self.origin.lock:
            per_conn = {}
            for rec in self.origin.requests:
                per_conn[rec.conn_id] = per_conn.get(rec.conn_id, 0) + 1
        self.assertLessEqual(max(per_conn.values()), 3, per_conn)

    def test_upstream_idle_timeout_closes_pooled_connection(self):
        self.assertEqual(request(self.port, "GET", "/idle-timeout").status, 200)
        wait_until(lambda: self.origin.snapshot()["active"] == 0, 5,
                   what="torii closing its idle upstream connection (--upstream-idle-timeout 300ms)")
        self.assertEqual(request(self.port, "GET", "/idle-timeout-2").status, 200)


class WorkersTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = start_origin(cls, name="workers")
        cls.torii = start_torii(cls, simple_config(free_port(), [cls.origin.port]), workers=2)
        cls.port = cls.torii.port

    def test_two_workers_serve_concurrent_clients(self):
        errors = []

        def client(k):
            try:
                for i in range(10):
                    r = request(self.port, "GET", f"/w/{k}/{i}")
                    if r.status != 200 or r.json()["path"] != f"/w/{k}/{i}":
                        errors.append(repr(r))
                with HttpConn(self.port) as c:
                    for i in range(10):
                        r = c.request("GET", f"/wk/{k}/{i}")
                        if r.status != 200:
                            errors.append(repr(r))
            except Exception as e:  # reported below
                errors.append(repr(e))

        threads = [threading.Thread(target=client, args=(k,)) for k in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        self.assertEqual(errors, [])
        self.assertGreaterEqual(self.origin.request_count(), 160)


class ConnectionBalanceTest(unittest.TestCase):
    """SO_REUSEPORT hashes connections onto workers unevenly; a worker holding more than the least
    loaded one plus one hands a newly accepted connection over, so the split stays within 2."""

    N = 100

    @classmethod
    def setUpClass(cls):
        cls.origin = start_origin(cls, name="balance")

    def open_connections(self, torii):
        conns = []
        for i in range(self.N):
            c = HttpConn(torii.port)
            self.addCleanup(c.close)
            # One request each, so every connection is accepted and placed before the next opens.
            self.assertEqual(c.request("GET", f"/balance/{i}").status, 200)
            conns.append(c)
        return conns

    def worker_gauges(self, torii):
        status, _, body = torii.admin_get("/metrics")
        self.assertEqual(status, 200)
        m = parse_metrics(body.decode())
        per_worker = [m[f'torii_worker_downstream_cx_active{{worker="{w}"}}'] for w in (0, 1)]
        return per_worker, m["torii_downstream_cx_rebalanced"]

    def test_connections_are_spread_evenly_and_moved_ones_keep_working(self):
        torii = Torii(simple_config(free_port(), [self.origin.port]), workers=2).start()
        self.addCleanup(torii.close)
        conns = self.open_connections(torii)
        (w0, w1), moved = self.worker_gauges(torii)
        self.assertEqual(w0 + w1, self.N)
        self.assertLessEqual(abs(w0 - w1), 2, f"workers hold {w0} and {w1} connections")
        # Every connection, moved or not, still serves requests on its worker.
        for i, c in enumerate(conns):
            r = c.request("GET", f"/again/{i}")
            self.assertEqual((r.status, r.json()["path"]), (200, f"/again/{i}"))
        self.assertGreaterEqual(moved, 0)

    def test_no_connection_balance_leaves_the_kernel_choice(self):
        torii = Torii(simple_config(free_port(), [self.origin.port]), workers=2,
                      args=["--no-connection-balance"]).start()
        self.addCleanup(torii.close)
        self.open_connections(torii)
        (w0, w1), moved = self.worker_gauges(torii)
        self.assertEqual((w0 + w1, moved), (self.N, 0))


class ConcurrencyTest(unittest.TestCase):
    """One worker serves many slow requests at once (nothing blocks the event loop)."""

    @classmethod
    def setUpClass(cls):
        cls.origin = start_origin(cls, name="concurrent")
        cls.torii = start_torii(cls, simple_config(free_port(), [cls.origin.port]), workers=1)
        cls.port = cls.torii.port

    def test_fifty_concurrent_slow_requests_on_one_worker(self):
        results = []
        lock = threading.Lock()

        def client(i):
            try:
                r = request(self.port, "GET", f"/delay?ms=500&i={i}", timeout=15)
                status = r.status
            except Exception as e:  # reported below
                status = repr(e)
            with lock:
                results.append(status)

        start = time.monotonic()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(50)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        elapsed = time.monotonic() - start
        self.assertEqual(results, [200] * 50)
        # Serialised they would take 25 s.
        self.assertLess(elapsed, 5.0, f"50 concurrent 500 ms requests took {elapsed:.1f}s")


class PortOffsetTest(unittest.TestCase):
    def test_port_offset_shifts_the_bound_port_only(self):
        origin = Origin(name="offset").start()
        self.addCleanup(origin.stop)
        bound = free_port()
        spec_port = bound - 1000
        cfg = simple_config(spec_port, [origin.port])
        with Torii(cfg, args=["--port-offset", "1000"]) as t:
            r = request(bound, "GET", "/offset", host="example.com")
            self.assertEqual(seen(r)["origin"], "offset")
            self.assertTrue(connect_refused(spec_port), "the spec port itself was bound")
            self.assertEqual(t.port, spec_port)


class AdminTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = start_origin(cls, name="admin")
        cls.torii = start_torii(cls, simple_config(free_port(), [cls.origin.port]))

    def test_ready(self):
        status, _, _ = self.torii.admin_get("/ready")
        self.assertEqual(status, 200)

    def test_metrics_prometheus_text(self):
        request(self.torii.port, "GET", "/m")
        status, headers, body = self.torii.admin_get("/metrics")
        self.assertEqual(status, 200)
        self.assertTrue(headers.get("content-type", "").startswith("text/plain"), headers)
        text = body.decode()
        self.assertTrue(any(line and not line.startswith("#") for line in text.splitlines()),
                        text[:500])


if __name__ == "__main__":
    unittest.main()
