"""SIGTERM drain: in-flight requests complete, listeners close, the process exits 0."""

import signal
import time
import unittest

from harness import (HttpConn, Torii, build_request, connect_refused, free_port, simple_config,
                     wait_until)
from origins import Origin


class DrainTest(unittest.TestCase):
    def setUp(self):
        self.origin = Origin(name="drain").start()
        self.addCleanup(self.origin.stop)

    def start(self, **kw):
        t = Torii(simple_config(free_port(), [self.origin.port]), **kw).start()
        self.addCleanup(t.close)
        return t

    def wait_origin_saw(self, path):
        def saw():
            with self.origin.lock:
                return any(r.target == path for r in self.origin.requests)
        wait_until(saw, 5, what=f"origin receiving {path}")

    def test_sigterm_lets_inflight_request_finish_refuses_new_and_exits_0(self):
        t = self.start(drain_timeout="10s")
        port = t.port
        # An idle keep-alive connection: it must be closed during the drain.
        idle = HttpConn(port)
        self.addCleanup(idle.close)
        self.assertEqual(idle.request("GET", "/before").status, 200)

        slow = HttpConn(port, timeout=10)
        self.addCleanup(slow.close)
        slow.send(build_request("GET", "/delay?ms=1000"))
        self.wait_origin_saw("/delay?ms=1000")
        sent_at = time.monotonic()
        t.signal(signal.SIGTERM)

        wait_until(lambda: connect_refused(port, 0.5), 3, 0.05,
                   "new connections being refused after SIGTERM")
        r = slow.read_response()
        self.assertEqual(r.status, 200, f"in-flight request after SIGTERM: {r}\n{t.log_text()}")
        self.assertEqual(r.json()["target"], "/delay?ms=1000")
        self.assertTrue(idle.wait_closed(5), "idle keep-alive connection not closed on drain")
        rc = t.wait(8)
        self.assertIsNotNone(rc, "torii still running 8s after the in-flight request finished")
        self.assertEqual(rc, 0, t.log_text())
        self.assertLess(time.monotonic() - sent_at, 9)

    def test_sigterm_with_two_workers(self):
        t = self.start(workers=2, drain_timeout="10s")
        port = t.port
        conns = [HttpConn(port, timeout=10) for _ in range(4)]
        for c in conns:
            self.addCleanup(c.close)
        for i, c in enumerate(conns):
            c.send(build_request("GET", f"/delay?ms=1000&c={i}"))
        for i in range(4):
            self.wait_origin_saw(f"/delay?ms=1000&c={i}")
        t.signal(signal.SIGTERM)
        wait_until(lambda: connect_refused(port, 0.5), 3, 0.05,
                   "new connections being refused after SIGTERM (2 workers)")
        for i, c in enumerate(conns):
            r = c.read_response()
            self.assertEqual(r.status, 200, f"in-flight request {i}: {r}")
        rc = t.wait(8)
        self.assertEqual(rc, 0, t.log_text())

    def test_drain_without_traffic_is_quick(self):
        t = self.start(drain_timeout="20s")
        with HttpConn(t.port) as c:
            self.assertEqual(c.request("GET", "/x").status, 200)
            start = time.monotonic()
            t.signal(signal.SIGTERM)
            self.assertTrue(c.wait_closed(5), "idle connection not closed on drain")
        rc = t.wait(5)
        self.assertEqual(rc, 0, f"exit code {rc} {time.monotonic() - start:.1f}s after SIGTERM\n"
                                f"{t.log_text()}")

    def test_drain_timeout_bounds_shutdown(self):
        t = self.start(drain_timeout="1s", expect_exit_code=None)
        slow = HttpConn(t.port, timeout=15)
        self.addCleanup(slow.close)
        slow.send(build_request("GET", "/delay?ms=20000"))
        self.wait_origin_saw("/delay?ms=20000")
        start = time.monotonic()
        t.signal(signal.SIGTERM)
        rc = t.wait(6)
        self.assertIsNotNone(rc, "torii did not exit within 6s with --drain-timeout 1s")
        self.assertGreaterEqual(time.monotonic() - start, 0.8,
                                "torii exited before --drain-timeout with a request in flight")
        # The client sees its connection end (with or without a local reply).
        slow.settimeout(5)
        try:
            slow.read_all_until_close(5)
        except OSError:
            pass
        self.assertTrue(slow.eof)


if __name__ == "__main__":
    unittest.main()
