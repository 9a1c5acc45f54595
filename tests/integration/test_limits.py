"""Client-side limits and timeouts (408, 431, idle close) and a few request-smuggling cases
end to end (the thorough corpus is in the C++ parser unit tests)."""

import select
import time
import unittest

from harness import HttpConn, Torii, free_port, request, simple_config
from origins import Origin


def assert_local_reply(test, resp, status):
    test.assertEqual(resp.status, status, resp)
    ctype = (resp.header("content-type") or "").split(";")[0].strip()
    test.assertEqual(ctype, "text/plain", resp)
    test.assertLess(resp.body_len, 1024, resp)


def send_and_read(test, port, data, timeout=5):
    """Sends raw bytes (tolerating a reset while sending), reads one response."""
    c = HttpConn(port, timeout=timeout)
    test.addCleanup(c.close)
    try:
        c.send(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    return c, c.read_response()


class LimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin(name="limits").start()
        cls.addClassCleanup(cls.origin.stop)
        cls.torii = Torii(simple_config(free_port(), [cls.origin.port]),
                          args=["--request-headers-timeout", "500ms",
                                "--idle-timeout", "1s"]).start()
        cls.addClassCleanup(cls.torii.close)
        cls.port = cls.torii.port

    def origin_saw(self, marker):
        with self.origin.lock:
            return any(marker in r.target for r in self.origin.requests)

    # -- timeouts

    def test_partial_head_times_out_with_408_then_close(self):
        with HttpConn(self.port, timeout=5) as c:
            start = time.monotonic()
            c.send(b"GET /partial HTTP/1.1\r\nHost: example.com\r\nX-A: 1\r\n")
            r = c.read_response()
            elapsed = time.monotonic() - start
            assert_local_reply(self, r, 408)
            self.assertGreaterEqual(elapsed, 0.4)
            self.assertLess(elapsed, 3.0)
            self.assertTrue(c.wait_closed(3), "connection not closed after 408")
        self.assertFalse(self.origin_saw("/partial"))

    def test_slow_trickled_head_still_times_out(self):
        # One byte every 100 ms: the timeout covers the whole head, not each read.
        head = b"GET /trickle HTTP/1.1\r\nHost: example.com\r\nX-Long: " + b"a" * 100
        with HttpConn(self.port, timeout=5) as c:
            start = time.monotonic()
            for i in range(len(head)):
                readable, _, _ = select.select([c.sock], [], [], 0.1)
                if readable:
                    break
                try:
                    c.send(head[i:i + 1])
                except (BrokenPipeError, ConnectionResetError):
                    break
                if time.monotonic() - start > 4:
                    break
            r = c.read_response()
            assert_local_reply(self, r, 408)
            self.assertLess(time.monotonic() - start, 3.0)

    def test_idle_keep_alive_connection_is_closed_silently(self):
        with HttpConn(self.port, timeout=5) as c:
            self.assertEqual(c.request("GET", "/idle").status, 200)
            start = time.monotonic()
            self.assertTrue(c.wait_closed(4), "idle connection not closed (--idle-timeout 1s)"
                            if not c.buf else f"unexpected bytes on idle connection: {c.buf!r}")
            self.assertGreaterEqual(time.monotonic() - start, 0.5)

    # -- size limits

    def test_head_over_60k_is_431(self):
        big = b"GET /big HTTP/1.1\r\nHost: example.com\r\nX-Big: " + b"b" * (62 * 1024) + b"\r\n\r\n"
        c, r = send_and_read(self, self.port, big)
        assert_local_reply(self, r, 431)
        self.assertTrue(c.wait_closed(3))
        self.assertFalse(self.origin_saw("/big"))

    def test_head_just_under_limit_is_accepted(self):
        r = request(self.port, "GET", "/almost", headers=[("X-Big", "c" * (58 * 1024))])
        self.assertEqual(r.status, 200, r)

    def test_101_headers_is_431(self):
        headers = [(f"X-H-{i}", str(i)) for i in range(100)]  # + Host = 101
        c, r = send_and_read(self, self.port,
                             b"GET /many HTTP/1.1\r\nHost: example.com\r\n" +
                             b"".join(f"{k}: {v}\r\n".encode() for k, v in headers) + b"\r\n")
        assert_local_reply(self, r, 431)
        self.assertTrue(c.wait_closed(3))
        self.assertFalse(self.origin_saw("/many"))

    def test_100_headers_is_accepted(self):
        headers = [(f"X-H-{i}", str(i)) for i in range(99)]  # + Host = 100
        r = request(self.port, "GET", "/hundred", headers=headers)
        self.assertEqual(r.status, 200, r)

    # -- smuggling

    def test_content_length_and_transfer_encoding_is_400_and_close(self):
        data = (b"POST /clte HTTP/1.1\r\nHost: example.com\r\nContent-Length: 4\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\n"
                b"Host: example.com\r\n\r\n")
        c, r = send_and_read(self, self.port, data)
        assert_local_reply(self, r, 400)
        self.assertTrue(c.wait_closed(3), "connection not closed after 400")
        self.assertFalse(self.origin_saw("/smuggled"))

    def test_bad_chunk_size_is_400_and_close(self):
        data = (b"POST /badchunk HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n"
                b"\r\nzz\r\nhello\r\n0\r\n\r\n")
        c, r = send_and_read(self, self.port, data)
        assert_local_reply(self, r, 400)
        self.assertTrue(c.wait_closed(3), "connection not closed after 400")

    def test_obs_fold_is_400_and_close(self):
        data = b"GET /fold HTTP/1.1\r\nHost: example.com\r\nX-Folded: a\r\n b\r\n\r\n"
        c, r = send_and_read(self, self.port, data)
        assert_local_reply(self, r, 400)
        self.assertTrue(c.wait_closed(3), "connection not closed after 400")
        self.assertFalse(self.origin_saw("/fold"))

    def test_conflicting_content_lengths_is_400(self):
        data = (b"POST /dupcl HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n"
                b"Content-Length: 6\r\n\r\nhello!")
        c, r = send_and_read(self, self.port, data)
        assert_local_reply(self, r, 400)
        self.assertFalse(self.origin_saw("/dupcl"))

    def test_missing_host_is_400(self):
        c, r = send_and_read(self, self.port, b"GET /nohost HTTP/1.1\r\n\r\n")
        assert_local_reply(self, r, 400)
        self.assertFalse(self.origin_saw("/nohost"))


class CustomLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin(name="custom").start()
        cls.addClassCleanup(cls.origin.stop)
        cls.torii = Torii(simple_config(free_port(), [cls.origin.port]),
                          args=["--max-request-headers-size", "2048",
                                "--max-headers", "10"]).start()
        cls.addClassCleanup(cls.torii.close)
        cls.port = cls.torii.port

    def test_max_headers_flag(self):
        ok = [(f"X-H-{i}", "v") for i in range(9)]  # + Host = 10
        self.assertEqual(request(self.port, "GET", "/ten", headers=ok).status, 200)
        _, r = send_and_read(self, self.port,
                             b"GET /eleven HTTP/1.1\r\nHost: example.com\r\n" +
                             b"".join(f"X-H-{i}: v\r\n".encode() for i in range(10)) + b"\r\n")
        assert_local_reply(self, r, 431)

    def test_max_request_headers_size_flag(self):
        self.assertEqual(request(self.port, "GET", "/small",
                                 headers=[("X-Pad", "p" * 1500)]).status, 200)
        _, r = send_and_read(self, self.port,
                             b"GET /large HTTP/1.1\r\nHost: example.com\r\nX-Pad: " +
                             b"p" * 3000 + b"\r\n\r\n")
        assert_local_reply(self, r, 431)


class MaxConnectionsTest(unittest.TestCase):
    """--max-connections N: the (N+1)th concurrent connection on a worker is closed at once and
    counted; the N open ones keep working, and a slot frees up when one of them closes."""

    @classmethod
    def setUpClass(cls):
        cls.origin = Origin(name="maxconn").start()
        cls.addClassCleanup(cls.origin.stop)
        cls.torii = Torii(simple_config(free_port(), [cls.origin.port]),
                          args=["--max-connections", "3"], workers=1).start()
        cls.addClassCleanup(cls.torii.close)
        cls.port = cls.torii.port

    def overflow_count(self):
        for line in self.torii.admin_get("/metrics")[2].decode().splitlines():
            if line.startswith("torii_downstream_cx_overflow "):
                return int(line.split()[1])
        self.fail("torii_downstream_cx_overflow missing from /metrics")

    def test_connection_over_the_limit_is_closed(self):
        before = self.overflow_count()
        conns = [HttpConn(self.port, timeout=5) for _ in range(3)]
        for c in conns:
            self.addCleanup(c.close)
            self.assertEqual(c.request("GET", "/held").status, 200)
        extra = HttpConn(self.port, timeout=5)
        self.addCleanup(extra.close)
        self.assertTrue(extra.wait_closed(3), "connection over the limit was not closed")
        self.assertEqual(self.overflow_count(), before + 1)
        # The held connections are untouched.
        for c in conns:
            self.assertEqual(c.request("GET", "/still").status, 200)
        # Closing one frees a slot.
        conns[0].close()
        deadline = time.monotonic() + 5
        while True:
            c = HttpConn(self.port, timeout=5)
            self.addCleanup(c.close)
            try:
                if c.request("GET", "/after").status == 200:
                    break
            except Exception:
                pass
            self.assertLess(time.monotonic(), deadline, "slot never freed")
            time.sleep(0.05)


if __name__ == "__main__":
    unittest.main()
