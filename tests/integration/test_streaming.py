"""Large streamed bodies in both directions, with Torii's memory bounded by back-pressure."""

import hashlib
import threading
import unittest

from harness import (HttpConn, Torii, build_request, free_port, hwm_kib, pattern_chunks,
                     pattern_digest, rss_kib, simple_config)
from origins import Origin

MIB = 1024 * 1024
BIG = 300 * MIB
MAX_GROWTH_KIB = 64 * 1024


class RssSampler:
    """Samples VmRSS of pid every 20 ms in a thread; peak() is the max seen (KiB)."""

    def __init__(self, pid):
        self.pid = pid
        self.max = rss_kib(pid)
        self._stop = threading.Event()
        self._t = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.wait(0.02):
            try:
                self.max = max(self.max, rss_kib(self.pid))
            except (OSError, KeyError):
                return

    def __enter__(self):
        self._t.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._t.join(5)
        return False


class StreamingTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.origin = Origin(name="stream").start()
        cls.addClassCleanup(cls.origin.stop)
        cls.torii = Torii(simple_config(free_port(), [cls.origin.port])).start()
        cls.addClassCleanup(cls.torii.close)
        cls.port = cls.torii.port
        cls.big_digest = pattern_digest(BIG)

    def baseline(self):
        # Warm up (pools, buffers) so the baseline includes steady-state allocations.
        with HttpConn(self.port) as c:
            self.assertEqual(c.request("GET", "/bytes?n=1048576", store_body=False).status, 200)
            # A small upload only: large request bodies are what the tests below measure.
            self.assertEqual(c.request("POST", "/sink", body=b"w" * 32768).status, 200)
        self.hwm_before = hwm_kib(self.torii.pid)
        return rss_kib(self.torii.pid)

    def assert_bounded(self, base, sampler, what):
        # VmHWM catches spikes between samples; it only counts when it moved during the test.
        hwm = hwm_kib(self.torii.pid)
        peak = max(sampler.max, hwm if hwm > self.hwm_before else 0)
        growth = peak - base
        self.assertLess(growth, MAX_GROWTH_KIB,
                        f"{what}: torii RSS grew by {growth} KiB (baseline {base} KiB, "
                        f"peak {peak} KiB); back-pressure missing?")

    def test_large_response_to_slow_reader_keeps_memory_bounded(self):
        base = self.baseline()
        with RssSampler(self.torii.pid) as sampler, HttpConn(self.port, timeout=30) as c:
            c.send(build_request("GET", f"/bytes?n={BIG}"))
            # 64 KiB per read, a pause after each: ~60 MB/s at most, far slower than the origin.
            r = c.read_response("GET", store_body=False, read_size=65536, pause=0.001)
        self.assertEqual(r.status, 200)
        self.assertEqual(r.body_len, BIG)
        self.assertEqual(r.sha256, self.big_digest)
        self.assert_bounded(base, sampler, "300 MiB download, slow client")

    def test_large_upload_to_slow_origin_keeps_memory_bounded(self):
        base = self.baseline()
        errors = []
        with RssSampler(self.torii.pid) as sampler, HttpConn(self.port, timeout=60) as c:
            def sender():
                try:
                    c.send(build_request("POST", "/sink?pace_ms=1&piece=65536",
                                         headers=[("Content-Length", str(BIG))]))
                    for piece in pattern_chunks(BIG, 1024 * 1024):
                        c.sock.sendall(piece)
                except OSError as e:
                    errors.append(repr(e))

            t = threading.Thread(target=sender, daemon=True)
            t.start()
            t.join(120)
            self.assertFalse(t.is_alive(), "upload did not finish in 120s")
            self.assertEqual(errors, [])
            r = c.read_response("POST")
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(doc["body_len"], BIG)
        self.assertEqual(doc["sha256"], self.big_digest)
        self.assert_bounded(base, sampler, "300 MiB upload, slow origin")

    def test_chunked_response_64mib(self):
        n = 64 * MIB + 12345
        with HttpConn(self.port, timeout=30) as c:
            r = c.request("GET", f"/bytes?n={n}&chunked=1&chunk=262144", store_body=False)
            self.assertEqual(r.status, 200)
            self.assertEqual(r.body_len, n)
            self.assertEqual(r.sha256, pattern_digest(n))
            # Connection still usable after a long chunked body.
            self.assertEqual(c.request("GET", "/after").status, 200)

    def test_chunked_upload_64mib(self):
        n = 64 * MIB + 777
        h = hashlib.sha256()
        with HttpConn(self.port, timeout=30) as c:
            c.send(build_request("POST", "/sink", headers=[("Transfer-Encoding", "chunked")]))
            for piece in pattern_chunks(n, 256 * 1024):
                h.update(piece)
                c.sock.sendall(b"%x\r\n" % len(piece) + piece + b"\r\n")
            c.send(b"0\r\n\r\n")
            r = c.read_response("POST")
        self.assertEqual(r.status, 200, r)
        doc = r.json()
        self.assertEqual(doc["body_len"], n)
        self.assertEqual(doc["sha256"], h.hexdigest())

    def test_client_abort_mid_download_does_not_break_torii(self):
        c = HttpConn(self.port, timeout=10)
        c.send(build_request("GET", f"/bytes?n={BIG}"))
        got = 0
        while got < 4 * MIB:
            if not c._fill():
                break
            got += len(c.buf)
            c.buf.clear()
        c.close()
        # Torii keeps serving, and tears the aborted upstream transfer down.
        with HttpConn(self.port) as c2:
            r = c2.request("GET", "/bytes?n=1000", store_body=False)
        self.assertEqual(r.status, 200)


if __name__ == "__main__":
    unittest.main()
