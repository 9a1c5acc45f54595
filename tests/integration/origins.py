"""Programmable Python HTTP/1.1 origins for the integration tests.

An Origin is a threaded socket server on 127.0.0.1 (ephemeral port). Its behaviour is chosen by the
request path, so one origin serves a whole test class:

  /bytes?n=N[&chunked=1][&chunk=BYTES]   200 with N bytes of harness.pattern_chunks (streamed)
  /delay?ms=N[...]                        sleep N ms (bounded, interruptible by stop()) before the head,
                                          then behave like echo
  /reset                                  read the request, then reset the TCP connection (RST)
  /reset-head                             reset as soon as the head has been read (body unread)
  /garbage                                answer bytes that are not HTTP, then close
  /badcl                                  a status line with an invalid Content-Length
  /close                                  echo with `Connection: close`, then close
  /eof-body?n=N                           N pattern bytes, no Content-Length / chunked: the body
                                          ends with the connection (close-delimited)
  /sink[?pace_ms=N][&piece=BYTES]         read the body (slowly if pace_ms), answer JSON
                                          {"body_len", "sha256"}
  /hop                                    echo plus hop-by-hop response headers
                                          (Connection: X-Hop-Resp, X-Hop-Resp, Keep-Alive,
                                          Proxy-Connection, Upgrade is NOT sent)
  /status?code=N                          that status with a short text body
  anything else                           echo: JSON describing the request (see _echo_doc)

Origin-wide options: close_after_response (close each connection after one response, without
announcing it), idle_close (seconds: close a keep-alive connection after that much idle time),
name (reported in every echo so tests can tell origins apart).

Counters (thread-safe reads): accepted (connections accepted), closed (connections finished),
requests (list of RequestRecord), active connections.
"""

import hashlib
import json
import socket
import struct
import threading
import time
import urllib.parse

from harness import pattern_chunks

MAX_STORED_BODY = 64 * 1024
MAX_DELAY_S = 30.0


class RequestRecord:
    """What the origin saw for one request."""

    def __init__(self):
        self.method = ""
        self.target = ""
        self.version = ""
        self.headers = []  # [(name, value)] exactly as received
        self.body = b""  # stored only up to MAX_STORED_BODY bytes
        self.body_len = 0
        self.sha256 = None
        self.chunked = False
        self.conn_id = 0
        self.index_on_conn = 0
        self.peer = None
        self.time = 0.0

    @property
    def path(self):
        return urllib.parse.urlsplit(self.target).path

    @property
    def query(self):
        return dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.target).query))

    def header(self, name, default=None):
        values = self.header_values(name)
        return ", ".join(values) if values else default

    def header_values(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]


class _Closed(Exception):
    pass


class _Conn:
    """Server side of one accepted connection with a read buffer."""

    def __init__(self, sock, conn_id, peer):
        self.sock = sock
        self.conn_id = conn_id
        self.peer = peer
        self.buf = bytearray()

    def fill(self, size=65536):
        try:
            data = self.sock.recv(size)
        except (ConnectionResetError, OSError) as e:
            if isinstance(e, socket.timeout):
                raise
            data = b""
        if not data:
            raise _Closed()
        self.buf += data

    def read_line(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return line
            if len(self.buf) > 1 << 20:
                raise _Closed()
            self.fill()

    def read_body_bytes(self, n, consume, piece=65536, pace=0.0):
        while n:
            if not self.buf:
                self.fill(min(piece, n))
            take = min(n, len(self.buf), piece)
            consume(bytes(self.buf[:take]))
            del self.buf[:take]
            n -= take
            if pace:
                time.sleep(pace)

    def send(self, data):
        self.sock.sendall(data)


class Origin:
    def __init__(self, name="origin", close_after_response=False, idle_close=None):
        self.name = name
        self.close_after_response = close_after_response
        self.idle_close = idle_close
        self.lock = threading.Lock()
        self.accepted = 0
        self.closed = 0
        self.requests = []
        self._conns = {}
        self._stopping = threading.Event()
        self._threads = []
        self.listener = None
        self.port = None

    # -- lifecycle

    def start(self):
        self.listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(512)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        t = threading.Thread(target=self._accept_loop, name=f"origin-{self.name}", daemon=True)
        t.start()
        self._threads.append(t)
        return self

    def stop(self):
        self._stopping.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            conns = list(self._conns.values())
        for s in conns:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for t in list(self._threads):
            t.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False

    # -- counters

    def request_count(self):
        with self.lock:
            return len(self.requests)

    def snapshot(self):
        with self.lock:
            return {"accepted": self.accepted, "closed": self.closed,
                    "requests": len(self.requests), "active": len(self._conns)}

    def reset_counters(self):
        with self.lock:
            self.accepted = 0
            self.closed = 0
            self.requests = []

    def last_request(self):
        with self.lock:
            return self.requests[-1] if self.requests else None

    # -- server

    def _accept_loop(self):
        conn_id = 0
        while not self._stopping.is_set():
            try:
                sock, peer = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            conn_id += 1
            with self.lock:
                self.accepted += 1
                self._conns[conn_id] = sock
            t = threading.Thread(target=self._serve, args=(sock, conn_id, peer), daemon=True)
            t.start()
            self._threads = [x for x in self._threads if x.is_alive()]
            self._threads.append(t)

    def _serve(self, sock, conn_id, peer):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn = _Conn(sock, conn_id, peer)
        index = 0
        try:
            while not self._stopping.is_set():
                # Between requests: wait for the next one (idle_close bounds the wait).
                sock.settimeout(self.idle_close if self.idle_close else 1.0)
                try:
                    while not conn.buf:
                        try:
                            conn.fill()
                        except socket.timeout:
                            if self.idle_close or self._stopping.is_set():
                                raise _Closed()
                except _Closed:
                    return
                sock.settimeout(30)
                index += 1
                keep = self._handle(conn, index)
                if not keep or self.close_after_response:
                    return
        except (_Closed, OSError):
            return
        finally:
            try:
                sock.close()
            except OSError:
                pass
            with self.lock:
                self.closed += 1
                self._conns.pop(conn_id, None)

    def _read_head(self, conn, index):
        rec = RequestRecord()
        line = conn.read_line()
        while line in (b"\r\n", b"\n"):  # tolerate stray CRLF between requests
            line = conn.read_line()
        parts = line.rstrip(b"\r\n").decode("latin-1").split(" ")
        if len(parts) != 3:
            raise _Closed()
        rec.method, rec.target, rec.version = parts
        while True:
            line = conn.read_line()
            if line in (b"\r\n", b"\n"):
                break
            name, _, value = line.rstrip(b"\r\n").decode("latin-1").partition(":")
            rec.headers.append((name.strip(), value.strip()))
        rec.conn_id = conn.conn_id
        rec.index_on_conn = index
        rec.peer = conn.peer
        rec.time = time.monotonic()
        return rec

    def _read_body(self, conn, rec, piece=65536, pace=0.0):
        h = hashlib.sha256()
        stored = []
        count = 0

        def consume(data):
            nonlocal count
            h.update(data)
            if count < MAX_STORED_BODY:
                stored.append(data[:MAX_STORED_BODY - count])
            count += len(data)

        te = ",".join(rec.header_values("transfer-encoding")).lower()
        cl = rec.header_values("content-length")
        if "chunked" in te:
            rec.chunked = True
            while True:
                size = int(conn.read_line().rstrip(b"\r\n").split(b";")[0], 16)
                if size == 0:
                    while conn.read_line() not in (b"\r\n", b"\n"):
                        pass
                    break
                conn.read_body_bytes(size, consume, piece, pace)
                if conn.read_line() not in (b"\r\n", b"\n"):
                    raise _Closed()
        elif cl:
            conn.read_body_bytes(int(cl[0]), consume, piece, pace)
        rec.body = b"".join(stored)
        rec.body_len = count
        rec.sha256 = h.hexdigest()

    def _record(self, rec):
        with self.lock:
            self.requests.append(rec)

    def _echo_doc(self, rec):
        return {
            "origin": self.name,
            "method": rec.method,
            "target": rec.target,
            "path": rec.path,
            "version": rec.version,
            "headers": [[k, v] for k, v in rec.headers],
            "body_len": rec.body_len,
            "sha256": rec.sha256,
            "body": rec.body.decode("latin-1") if rec.body_len <= MAX_STORED_BODY else None,
            "chunked": rec.chunked,
            "conn_id": rec.conn_id,
            "index_on_conn": rec.index_on_conn,
        }

    def _respond(self, conn, rec, status, body, ctype="application/json", extra=(), close=False,
                 reason=None):
        reasons = {200: "OK", 404: "Not Found", 500: "Internal Server Error", 503: "Unavailable"}
        lines = [f"HTTP/1.1 {status} {reason or reasons.get(status, 'Status')}",
                 f"Content-Type: {ctype}", f"Content-Length: {len(body)}",
                 f"X-Origin: {self.name}"]
        lines += [f"{k}: {v}" for k, v in extra]
        if close:
            lines.append("Connection: close")
        head = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        conn.send(head if rec.method == "HEAD" else head + body)

    def _sleep(self, seconds):
        self._stopping.wait(min(seconds, MAX_DELAY_S))

    def _handle(self, conn, index):
        """Serves one request; returns False when the connection must be closed afterwards."""
        rec = self._read_head(conn, index)
        path, q = rec.path, rec.query
        if rec.header("expect", "").lower() == "100-continue" and path != "/reset-head":
            conn.send(b"HTTP/1.1 100 Continue\r\n\r\n")

        if path == "/reset-head":
            self._record(rec)
            self._reset(conn)
            return False
        if path == "/sink":
            pace = float(q.get("pace_ms", "0")) / 1000.0
            self._read_body(conn, rec, int(q.get("piece", "65536")), pace)
        else:
            self._read_body(conn, rec)
        self._record(rec)
        http10_close = rec.version == "HTTP/1.0" and \
            "keep-alive" not in rec.header("connection", "").lower()
        client_close = "close" in rec.header("connection", "").lower() or http10_close

        if path == "/reset":
            self._reset(conn)
            return False
        if path == "/garbage":
            conn.send(b"this is not an HTTP response\r\n\r\n\x00\x01\x02garbage\r\n")
            return False
        if path == "/badcl":
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Length: twelve\r\n\r\nhello world!")
            return False
        if path == "/bytes":
            self._send_bytes(conn, rec, int(q.get("n", "0")), q.get("chunked") == "1",
                             int(q.get("chunk", str(256 * 1024))), client_close)
            return not client_close
        if path == "/eof-body":
            # No Content-Length, not chunked: the body ends when the connection closes.
            conn.send(b"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\n"
                      b"X-Origin: " + self.name.encode() + b"\r\n\r\n")
            if rec.method != "HEAD":
                for piece in pattern_chunks(int(q.get("n", "0"))):
                    conn.send(piece)
            return False
        if path == "/sink":
            body = json.dumps({"origin": self.name, "body_len": rec.body_len,
                               "sha256": rec.sha256, "chunked": rec.chunked}).encode()
            self._respond(conn, rec, 200, body, close=client_close)
            return not client_close
        if path == "/status":
            code = int(q.get("code", "200"))
            self._respond(conn, rec, code, f"status {code}\n".encode(), ctype="text/plain",
                          close=client_close)
            return not client_close
        if path == "/delay":
            self._sleep(float(q.get("ms", "0")) / 1000.0)
        extra = []
        if path == "/hop":
            extra = [("Connection", "X-Hop-Resp"), ("X-Hop-Resp", "1"),
                     ("Keep-Alive", "timeout=5"), ("Proxy-Connection", "keep-alive"),
                     ("X-End-To-End", "kept")]
        close = client_close or path == "/close"
        body = json.dumps(self._echo_doc(rec)).encode()
        self._respond(conn, rec, 200, body, extra=extra, close=close)
        return not close

    def _reset(self, conn):
        conn.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        conn.sock.close()
        raise _Closed()

    def _send_bytes(self, conn, rec, n, chunked, chunk, close):
        lines = ["HTTP/1.1 200 OK", "Content-Type: application/octet-stream",
                 f"X-Origin: {self.name}"]
        if chunked:
            lines.append("Transfer-Encoding: chunked")
        else:
            lines.append(f"Content-Length: {n}")
        if close:
            lines.append("Connection: close")
        conn.send(("\r\n".join(lines) + "\r\n\r\n").encode())
        if rec.method == "HEAD":
            return
        for piece in pattern_chunks(n, chunk):
            if self._stopping.is_set():
                raise _Closed()
            if chunked:
                conn.send(b"%x\r\n" % len(piece))
                conn.send(piece)
                conn.send(b"\r\n")
            else:
                conn.send(piece)
        if chunked:
            conn.send(b"0\r\n\r\n")


class RawOrigin:
    """A listener whose connections are handed to `handler(sock, conn_index)` in a thread.
    For one-off behaviours that Origin does not cover. Counts accepted connections."""

    def __init__(self, handler):
        self.handler = handler
        self.accepted = 0
        self.lock = threading.Lock()
        self._stopping = threading.Event()
        self._socks = []

    def start(self):
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def _loop(self):
        while not self._stopping.is_set():
            try:
                sock, _ = self.listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self.lock:
                self.accepted += 1
                idx = self.accepted
                self._socks.append(sock)
            threading.Thread(target=self._run, args=(sock, idx), daemon=True).start()

    def _run(self, sock, idx):
        try:
            sock.settimeout(30)
            self.handler(sock, idx)
        except OSError:
            pass
        finally:
            try:
                sock.close()
            except OSError:
                pass

    def stop(self):
        self._stopping.set()
        try:
            self.listener.close()
        except OSError:
            pass
        with self.lock:
            socks = list(self._socks)
        for s in socks:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
        return False


def read_request_head(sock, timeout=10):
    """Reads from sock until the end of a request head; returns the bytes read (head and any
    bytes after it)."""
    sock.settimeout(timeout)
    data = b""
    while b"\r\n\r\n" not in data:
        piece = sock.recv(65536)
        if not piece:
            break
        data += piece
    return data
