"""Integration-test harness for Torii: processes, configuration, raw HTTP/1.1 clients.

Everything here is standard library only. Rules the tests follow (DESIGN.md §6):
  * every port is ephemeral (bind to port 0), every listener binds 127.0.0.1;
  * nothing sleeps without a bound: conditions are polled with a deadline (`wait_until`);
  * only processes started here are stopped, by pid (Popen objects), never by name.

The build directory is taken from $TORII_BUILD_DIR (run.py sets it from --build), defaulting to
../../build relative to this file.
"""

import hashlib
import http.client
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_BUILD_DIR = os.path.normpath(os.path.join(HERE, "..", "..", "build"))
NAMESPACE = "default"
CONTROLLER_NAME = "torii.dev/gateway-controller"
GATEWAY_CLASS = "torii"


def build_dir():
    return os.environ.get("TORII_BUILD_DIR") or DEFAULT_BUILD_DIR


def torii_path():
    return os.path.join(build_dir(), "torii")


def echo_path():
    return os.path.join(build_dir(), "torii-echo")


def require_binary(path):
    if not (os.path.isfile(path) and os.access(path, os.X_OK)):
        raise AssertionError(
            f"{path} is missing: build it first (cmake --preset release && cmake --build build)")


# ---------------------------------------------------------------------------------------------
# Small utilities


def free_port():
    """A TCP port that was free on 127.0.0.1 a moment ago (bind to port 0, then release)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(cond, timeout, interval=0.02, what="condition"):
    """Polls cond() until it returns a truthy value; returns it. Raises AssertionError on timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = cond()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def proc_status(pid):
    """Fields of /proc/PID/status as a dict of strings."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            out[key.strip()] = value.strip()
    return out


def _kib(value):
    # "12345 kB"
    return int(value.split()[0])


def rss_kib(pid):
    """Current resident set size of pid in KiB (VmRSS)."""
    return _kib(proc_status(pid)["VmRSS"])


def hwm_kib(pid):
    """Peak resident set size of pid in KiB (VmHWM)."""
    return _kib(proc_status(pid)["VmHWM"])


# Deterministic body pattern shared by the origins and the clients: a 64 KiB block of all byte
# values repeated, so large bodies are generated on the fly with constant memory.
PATTERN_BLOCK = bytes(range(256)) * 256  # 64 KiB


def pattern_chunks(n, chunk=256 * 1024):
    """Yields n bytes of the pattern in pieces of max(64 KiB, chunk rounded down to 64 KiB)."""
    # Pieces are whole 64 KiB blocks (except the last), so the byte stream is the same for any
    # piece size.
    big = PATTERN_BLOCK * max(1, chunk // len(PATTERN_BLOCK))
    offset = 0
    while offset < n:
        take = min(len(big), n - offset)
        yield big[:take]
        offset += take


def pattern_digest(n):
    h = hashlib.sha256()
    for piece in pattern_chunks(n, 1024 * 1024):
        h.update(piece)
    return h.hexdigest()


# ---------------------------------------------------------------------------------------------
# YAML emitter (block style, strings double-quoted as JSON, which is valid YAML)


def _scalar(v):
    if v is None:
        return "null"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return str(v)
    return json.dumps(str(v))


def to_yaml(obj, indent=0):
    pad = " " * indent
    lines = []
    if isinstance(obj, dict):
        if not obj:
            return pad + "{}\n"
        for k, v in obj.items():
            if isinstance(v, (dict, list)) and v:
                lines.append(f"{pad}{k}:\n" + to_yaml(v, indent + 2))
            elif isinstance(v, dict):
                lines.append(f"{pad}{k}: {{}}\n")
            elif isinstance(v, list):
                lines.append(f"{pad}{k}: []\n")
            else:
                lines.append(f"{pad}{k}: {_scalar(v)}\n")
        return "".join(lines)
    if isinstance(obj, list):
        if not obj:
            return pad + "[]\n"
        for item in obj:
            if isinstance(item, (dict, list)) and item:
                inner = to_yaml(item, indent + 2)
                # Put the first line right after "- ".
                lines.append(f"{pad}- " + inner[indent + 2:])
            else:
                lines.append(f"{pad}- {_scalar(item) if not isinstance(item, (dict, list)) else ('{}' if isinstance(item, dict) else '[]')}\n")
        return "".join(lines)
    return pad + _scalar(obj) + "\n"


# ---------------------------------------------------------------------------------------------
# Gateway API configuration builder


class Config:
    """Builds a directory of Gateway API YAML for `torii run --config DIR`.

    Typical use:
        cfg = Config()
        cfg.gateway(port)                                   # Gateway "gw", listener "http"
        cfg.service("svc", [origin.port])                   # Service + EndpointSlice
        cfg.route("r", [rule(backends=[("svc", 1)])])       # HTTPRoute attached to "gw"
    """

    def __init__(self, namespace=NAMESPACE):
        self.namespace = namespace
        self.docs = [{
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "GatewayClass",
            "metadata": {"name": GATEWAY_CLASS},
            "spec": {"controllerName": CONTROLLER_NAME},
        }]
        self.listener_ports = {}

    def _meta(self, name, **extra):
        meta = {"name": name, "namespace": self.namespace}
        meta.update(extra)
        return meta

    def gateway(self, port=None, name="gw", listeners=None):
        """listeners: list of dicts {name, port, hostname?, protocol?}; or one listener on `port`."""
        if listeners is None:
            listeners = [{"name": "http", "port": port}]
        specs = []
        for l in listeners:
            spec = {"name": l["name"], "protocol": l.get("protocol", "HTTP"), "port": l["port"]}
            if l.get("hostname"):
                spec["hostname"] = l["hostname"]
            specs.append(spec)
            self.listener_ports[l["name"]] = l["port"]
        self.docs.append({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": self._meta(name),
            "spec": {
                "gatewayClassName": GATEWAY_CLASS,
                "addresses": [{"type": "IPAddress", "value": "127.0.0.1"}],
                "listeners": specs,
            },
        })
        return self

    def service(self, name, backend_ports, address="127.0.0.1", svc_port=80, slice_endpoints=True):
        """A Service `name` (port svc_port) whose endpoints are address:P for each P in backend_ports.
        backend_ports == [] gives an EndpointSlice with no endpoints; slice_endpoints=False gives no
        EndpointSlice at all."""
        target = backend_ports[0] if backend_ports else 8080
        self.docs.append({
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": self._meta(name),
            "spec": {"ports": [{"name": "http", "protocol": "TCP", "port": svc_port,
                                "targetPort": target}]},
        })
        if not slice_endpoints:
            return self
        by_port = {}
        for p in backend_ports:
            by_port.setdefault(p, []).append(address)
        if not by_port:
            by_port = {target: []}
        for i, (p, addrs) in enumerate(sorted(by_port.items())):
            self.docs.append({
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": self._meta(f"{name}-{i}",
                                       labels={"kubernetes.io/service-name": name}),
                "addressType": "IPv4",
                "endpoints": [{"addresses": [a], "conditions": {"ready": True}} for a in addrs],
                "ports": [{"name": "http", "protocol": "TCP", "port": p}],
            })
        return self

    def route(self, name, rules, hostnames=None, parent="gw", section=None):
        parent_ref = {"name": parent}
        if section:
            parent_ref["sectionName"] = section
        spec = {"parentRefs": [parent_ref]}
        if hostnames:
            spec["hostnames"] = list(hostnames)
        spec["rules"] = rules
        self.docs.append({
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "HTTPRoute",
            "metadata": self._meta(name),
            "spec": spec,
        })
        return self

    def yaml(self):
        return "".join("---\n" + to_yaml(d) for d in self.docs)

    def write(self, directory):
        os.makedirs(directory, exist_ok=True)
        with open(os.path.join(directory, "config.yaml"), "w") as f:
            f.write(self.yaml())


def rule(backends, path=None, path_type="PathPrefix", svc_port=80):
    """An HTTPRoute rule. backends: list of service names or (name, weight) tuples."""
    r = {}
    if path is not None:
        r["matches"] = [{"path": {"type": path_type, "value": path}}]
    refs = []
    for b in backends:
        if isinstance(b, tuple):
            refs.append({"name": b[0], "port": svc_port, "weight": b[1]})
        else:
            refs.append({"name": b, "port": svc_port})
    r["backendRefs"] = refs
    return r


def simple_config(listener_port, backend_ports, service="svc"):
    """Gateway on listener_port + one catch-all route to one service."""
    cfg = Config().gateway(listener_port)
    cfg.service(service, list(backend_ports))
    cfg.route("route", [rule([service], path="/")])
    return cfg


# ---------------------------------------------------------------------------------------------
# Processes


class _Process:
    """Owns one child process started by the harness; its output goes to a log file."""

    def __init__(self):
        self.proc = None
        self.tmpdir = None
        self.log_path = None
        self._log = None

    @property
    def pid(self):
        return self.proc.pid

    def _spawn(self, cmd, env=None, prefix="torii-it-"):
        self.tmpdir = tempfile.mkdtemp(prefix=prefix)
        self.log_path = os.path.join(self.tmpdir, "output.log")
        self._log = open(self.log_path, "wb")
        self.cmd = cmd
        self.proc = subprocess.Popen(cmd, stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, env=env)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def _wait_healthy(self, what):
        """Waits (bounded by self.ready_timeout) for GET /health on self.port to answer 200; kills
        the process and raises if it exits first or never gets healthy."""
        def healthy():
            if not self.running():
                raise AssertionError(f"{what} exited with {self.proc.returncode}:\n"
                                     f"{self.log_text()}")
            try:
                return request(self.port, "GET", "/health", timeout=1).status == 200
            except OSError:
                return False

        try:
            wait_until(healthy, self.ready_timeout, 0.05, f"{what} /health")
        except BaseException:
            self._kill()
            self._cleanup()
            raise
        return self

    def log_text(self, tail=6000):
        if not self.log_path or not os.path.exists(self.log_path):
            return ""
        with open(self.log_path, "rb") as f:
            data = f.read()
        return data[-tail:].decode("utf-8", "replace")

    def signal(self, sig=signal.SIGTERM):
        if self.running():
            self.proc.send_signal(sig)

    def wait(self, timeout):
        """Waits for exit; returns the exit code or None if still running after timeout."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def _kill(self):
        if self.running():
            self.proc.kill()  # by pid, the process we started
            self.proc.wait(timeout=10)

    def _cleanup(self):
        if self._log:
            self._log.close()
            self._log = None
        if self.tmpdir and not os.environ.get("TORII_KEEP_TMP"):
            shutil.rmtree(self.tmpdir, ignore_errors=True)


class Torii(_Process):
    """Runs build/torii on a generated config.

        with Torii(cfg, args=["--response-timeout", "500ms"]) as t:
            resp = request(t.port, "GET", "/")

    Waits for admin /ready (bounded), stops with SIGTERM on exit and asserts exit code 0 (unless
    the with-block raised, or expect_exit_code=None). Output (stdout+stderr) goes to a log file
    whose tail is attached to failure messages (`t.log_text()`).
    """

    def __init__(self, config, args=(), workers=1, ready_timeout=20, drain_timeout="5s",
                 stop_timeout=20, log_level="info", expect_exit_code=0):
        super().__init__()
        self.config = config
        self.args = list(args)
        self.workers = workers
        self.ready_timeout = ready_timeout
        self.drain_timeout = drain_timeout
        self.stop_timeout = stop_timeout
        self.log_level = log_level
        self.expect_exit_code = expect_exit_code
        self.admin_port = None
        self.exit_code = None

    @property
    def port(self):
        """The first listener's port."""
        return next(iter(self.config.listener_ports.values()))

    @property
    def ports(self):
        return dict(self.config.listener_ports)

    def start(self):
        require_binary(torii_path())
        self.admin_port = free_port()
        tmp = tempfile.mkdtemp(prefix="torii-it-cfg-")
        self.config_dir = os.path.join(tmp, "config")
        self.config.write(self.config_dir)
        self._cfg_tmp = tmp
        cmd = [torii_path(), "run", "--config", self.config_dir,
               "--admin", f"127.0.0.1:{self.admin_port}",
               "--workers", str(self.workers), "--log-level", self.log_level]
        if self.drain_timeout and "--drain-timeout" not in self.args:
            cmd += ["--drain-timeout", self.drain_timeout]
        cmd += self.args
        self._spawn(cmd)
        try:
            self.wait_ready(self.ready_timeout)
        except BaseException:
            self._kill()
            self._cleanup_all()
            raise
        return self

    def wait_ready(self, timeout):
        deadline = time.monotonic() + timeout
        last = "no answer"
        while time.monotonic() < deadline:
            if not self.running():
                raise AssertionError(
                    f"torii exited with code {self.proc.returncode} before /ready.\n"
                    f"command: {' '.join(self.cmd)}\nconfig:\n{self.config.yaml()}\n"
                    f"output:\n{self.log_text()}")
            try:
                status, _, _ = self.admin_get("/ready", timeout=1)
                if status == 200:
                    return
                last = f"status {status}"
            except OSError as e:
                last = repr(e)
            time.sleep(0.05)
        raise AssertionError(f"torii not ready after {timeout}s (last /ready: {last}).\n"
                             f"command: {' '.join(self.cmd)}\noutput:\n{self.log_text()}")

    def admin_get(self, path, timeout=5):
        conn = http.client.HTTPConnection("127.0.0.1", self.admin_port, timeout=timeout)
        try:
            conn.request("GET", path)
            r = conn.getresponse()
            return r.status, dict((k.lower(), v) for k, v in r.getheaders()), r.read()
        finally:
            conn.close()

    def stop(self, timeout=None):
        """SIGTERM, wait (bounded), SIGKILL as a last resort. Returns the exit code (None if the
        process had to be killed)."""
        if self.proc is None:
            return None
        timeout = self.stop_timeout if timeout is None else timeout
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            rc = self.wait(timeout)
            if rc is None:
                self._kill()
                self.exit_code = None
                return None
        self.exit_code = self.proc.returncode
        return self.exit_code

    def _cleanup_all(self):
        self._cleanup()
        if getattr(self, "_cfg_tmp", None) and not os.environ.get("TORII_KEEP_TMP"):
            shutil.rmtree(self._cfg_tmp, ignore_errors=True)

    def close(self, check=True):
        was_running = self.running()
        rc = self.stop()
        log = self.log_text()
        self._cleanup_all()
        if check and self.expect_exit_code is not None:
            if was_running and rc is None:
                raise AssertionError(
                    f"torii did not exit within {self.stop_timeout}s of SIGTERM (killed).\n"
                    f"output:\n{log}")
            if rc != self.expect_exit_code:
                raise AssertionError(f"torii exited with {rc}, expected {self.expect_exit_code}.\n"
                                     f"output:\n{log}")
        return rc

    def __enter__(self):
        return self.start()

    def __exit__(self, exc_type, exc, tb):
        self.close(check=exc_type is None)
        return False


class Echo(_Process):
    """Runs build/torii-echo on an ephemeral port (flags by default, or environment variables)."""

    def __init__(self, namespace=None, pod=None, service=None, ingress=None, use_env=False,
                 ready_timeout=10):
        super().__init__()
        self.namespace, self.pod, self.service, self.ingress = namespace, pod, service, ingress
        self.use_env = use_env
        self.ready_timeout = ready_timeout
        self.port = None

    def start(self):
        require_binary(echo_path())
        self.port = free_port()
        env = dict(os.environ)
        cmd = [echo_path()]
        values = {"--namespace": ("NAMESPACE", self.namespace), "--pod": ("POD_NAME", self.pod),
                  "--service": ("SERVICE_NAME", self.service),
                  "--ingress": ("INGRESS_NAME", self.ingress)}
        if self.use_env:
            env["HTTP_PORT"] = str(self.port)
            for _, (var, val) in values.items():
                if val is not None:
                    env[var] = val
        else:
            cmd += ["--listen", f"127.0.0.1:{self.port}"]
            for flag, (_, val) in values.items():
                if val is not None:
                    cmd += [flag, val]
        self._spawn(cmd, env=env, prefix="torii-echo-it-")
        return self._wait_healthy("torii-echo")

    def stop(self):
        if self.running():
            self.proc.send_signal(signal.SIGTERM)
            if self.wait(10) is None:
                self._kill()

    def close(self):
        self.stop()
        self._cleanup()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()
        return False


# ---------------------------------------------------------------------------------------------
# Raw HTTP/1.1 client


class Response:
    def __init__(self):
        self.version = ""
        self.status = 0
        self.reason = ""
        self.headers = []  # [(name, value)] as received
        self.body = b""  # empty when the body was not stored
        self.body_len = 0
        self.sha256 = None
        self.chunked = False  # the body was chunked on the wire
        self.interim = []  # 1xx responses seen before this one: [(status, headers)]
        self.raw_head = b""

    def header(self, name, default=None):
        """All values of header `name` (case-insensitive) joined with ", ", or default."""
        values = self.header_values(name)
        return ", ".join(values) if values else default

    def header_values(self, name):
        name = name.lower()
        return [v for k, v in self.headers if k.lower() == name]

    def has_header(self, name):
        return bool(self.header_values(name))

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def __repr__(self):
        return (f"<Response {self.version} {self.status} {self.reason!r} headers={self.headers} "
                f"body[{self.body_len}]={self.body[:300]!r}>")


class ConnectionClosed(Exception):
    pass


def build_request(method="GET", path="/", host="example.com", headers=(), body=None,
                  version="HTTP/1.1", chunked=False):
    """Bytes of one request. A Host header is added unless host is None. Content-Length is added
    for a body unless chunked=True (then the body is sent as one chunk plus the last chunk) or
    the caller already gave a Content-Length/Transfer-Encoding header."""
    lines = [f"{method} {path} {version}"]
    names = {k.lower() for k, _ in headers}
    if host is not None and "host" not in names:
        lines.append(f"Host: {host}")
    for k, v in headers:
        lines.append(f"{k}: {v}")
    payload = b""
    if body is not None:
        if isinstance(body, str):
            body = body.encode()
        if chunked:
            if "transfer-encoding" not in names:
                lines.append("Transfer-Encoding: chunked")
            payload = (b"%x\r\n" % len(body) + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
        else:
            if "content-length" not in names and "transfer-encoding" not in names:
                lines.append(f"Content-Length: {len(body)}")
            payload = body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + payload


class HttpConn:
    """One client TCP connection with a read buffer; reads whole responses honouring
    Content-Length, chunked and close-delimited framing."""

    def __init__(self, port, host="127.0.0.1", timeout=10):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buf = bytearray()
        self.eof = False
        self.timeout = timeout

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def settimeout(self, t):
        self.timeout = t
        self.sock.settimeout(t)

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def request(self, method="GET", path="/", host="example.com", headers=(), body=None,
                version="HTTP/1.1", chunked=False, **read_kw):
        self.send(build_request(method, path, host, headers, body, version, chunked))
        return self.read_response(method=method, **read_kw)

    # -- reading

    def _fill(self, size=65536):
        if self.eof:
            return False
        try:
            data = self.sock.recv(size)
        except ConnectionResetError:
            data = b""
        if not data:
            self.eof = True
            return False
        self.buf += data
        return True

    def read_line(self, limit=1 << 20):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                line = bytes(self.buf[:i + 1])
                del self.buf[:i + 1]
                return line
            if len(self.buf) > limit:
                raise AssertionError("line too long")
            if not self._fill():
                raise ConnectionClosed(f"connection closed while reading a line "
                                       f"(partial: {bytes(self.buf[:200])!r})")

    def read_exact(self, n):
        while len(self.buf) < n:
            if not self._fill():
                raise ConnectionClosed(f"connection closed with {n - len(self.buf)} bytes missing")
        data = bytes(self.buf[:n])
        del self.buf[:n]
        return data

    def _read_head(self):
        raw = bytearray()
        line = self.read_line()
        raw += line
        status_line = line.rstrip(b"\r\n").decode("latin-1")
        parts = status_line.split(" ", 2)
        if len(parts) < 2 or not parts[0].startswith("HTTP/"):
            raise AssertionError(f"bad status line {status_line!r}")
        headers = []
        while True:
            line = self.read_line()
            raw += line
            if line in (b"\r\n", b"\n"):
                break
            text = line.rstrip(b"\r\n").decode("latin-1")
            name, _, value = text.partition(":")
            headers.append((name.strip(), value.strip()))
        return parts[0], int(parts[1]), parts[2] if len(parts) > 2 else "", headers, bytes(raw)

    def read_response(self, method="GET", store_body=True, read_size=65536, pause=0.0,
                      on_progress=None, skip_interim=True):
        """Reads one response. Interim 1xx responses are collected in resp.interim (unless
        skip_interim=False, then a 1xx is returned as the response). store_body=False only counts
        and hashes the body (for large bodies). pause: seconds to sleep after each recv (slow
        reader). on_progress(bytes_so_far) is called after each piece."""
        resp = Response()
        while True:
            version, status, reason, headers, raw = self._read_head()
            if 100 <= status < 200 and status != 101 and skip_interim:
                resp.interim.append((status, headers))
                continue
            break
        resp.version, resp.status, resp.reason, resp.headers, resp.raw_head = (
            version, status, reason, headers, raw)
        h = hashlib.sha256()
        parts = []
        count = 0

        def take(data):
            nonlocal count
            count += len(data)
            h.update(data)
            if store_body:
                parts.append(data)
            if on_progress:
                on_progress(count)

        te = ",".join(resp.header_values("transfer-encoding")).lower()
        cl = resp.header_values("content-length")
        no_body = (method == "HEAD" or 100 <= status < 200 or status in (204, 304))
        if no_body:
            pass
        elif "chunked" in te:
            resp.chunked = True
            while True:
                size_line = self.read_line().rstrip(b"\r\n")
                size = int(size_line.split(b";")[0].strip(), 16)
                if size == 0:
                    # trailers
                    while self.read_line() not in (b"\r\n", b"\n"):
                        pass
                    break
                remaining = size
                while remaining:
                    if not self.buf and not self._fill(min(read_size, remaining)):
                        raise ConnectionClosed("connection closed inside a chunk")
                    n = min(remaining, len(self.buf), read_size)
                    take(bytes(self.buf[:n]))
                    del self.buf[:n]
                    remaining -= n
                    if pause:
                        time.sleep(pause)
                if self.read_exact(2) != b"\r\n":
                    raise AssertionError("chunk not followed by CRLF")
        elif cl:
            remaining = int(cl[0])
            while remaining:
                if not self.buf and not self._fill(min(read_size, remaining)):
                    raise ConnectionClosed(f"connection closed with {remaining} body bytes missing")
                n = min(remaining, len(self.buf), read_size)
                take(bytes(self.buf[:n]))
                del self.buf[:n]
                remaining -= n
                if pause:
                    time.sleep(pause)
        else:
            # close-delimited
            while True:
                if self.buf:
                    take(bytes(self.buf))
                    self.buf.clear()
                if not self._fill(read_size):
                    break
                if pause:
                    time.sleep(pause)
        resp.body = b"".join(parts)
        resp.body_len = count
        resp.sha256 = h.hexdigest()
        return resp

    def wait_closed(self, timeout):
        """True when the peer closes (EOF or reset) within timeout with no data pending.
        Data that arrives meanwhile is kept in the buffer and makes the result False."""
        if self.buf:
            return False
        deadline = time.monotonic() + timeout
        old = self.sock.gettimeout()
        try:
            while True:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self.sock.settimeout(left)
                try:
                    data = self.sock.recv(65536)
                except socket.timeout:
                    return False
                except (ConnectionResetError, BrokenPipeError):
                    self.eof = True
                    return True
                if not data:
                    self.eof = True
                    return True
                self.buf += data
                return False
        finally:
            try:
                self.sock.settimeout(old)
            except OSError:
                pass

    def read_all_until_close(self, timeout=10):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self._fill():
                break
        return bytes(self.buf)


def request(port, method="GET", path="/", host="example.com", headers=(), body=None,
            version="HTTP/1.1", chunked=False, timeout=10, **read_kw):
    """One request on a fresh connection, which is then closed."""
    with HttpConn(port, timeout=timeout) as c:
        return c.request(method, path, host, headers, body, version, chunked, **read_kw)


def connect_refused(port, timeout=1.0):
    """True if a TCP connect to 127.0.0.1:port is refused."""
    try:
        s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    except ConnectionRefusedError:
        return True
    except OSError:
        return False
    s.close()
    return False


def parse_metrics(text):
    """Prometheus text → {metric_name_with_labels: float}."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        name, _, value = line.rpartition(" ")
        try:
            out[name] = float(value)
        except ValueError:
            pass
    return out
