#!/usr/bin/env python3
"""HTTP/1.1 load comparison: Torii against nginx, haproxy and a direct connection, in one run.

One origin (nginx returning a fixed body: 0 B and 1 KiB from `return 200`, 64 KiB from a static file)
runs for the whole benchmark. For every (workers, size) point the script starts each proxy in turn,
fresh, in front of that origin — Torii (`--workers N`), nginx (`worker_processes N`, upstream
keepalive, `keepalive_requests` raised) and haproxy (http mode, keep-alive, `nbthread N`) — and
drives it with wrk at a fixed number of connections for a fixed time, after a short warm-up. wrk is
also pointed straight at the origin ("direct"), and through "splice" (bench/http1/splice.cc), a
byte-forwarding proxy with no HTTP parsing, the floor of what a proxy costs: where the floor gets no
more req/s than nginx, wrk and the origin bound the point and its req/s ratio cannot rank proxies;
the report says so. In a round of a point all targets are started and warmed up, then the measured
time is cut into 1 s slices (`--slice`) and the targets take turns slice by slice, the order
rotating with the round and the slice, so that a slow phase of the shared host lands on all of them
alike; a target's numbers pool its slices (latency percentiles from the pooled distribution). With
`--rounds R` the report gives the median round per target and the median of the paired per-round
ratios.

With fewer proxy workers than CPUs, the harness (wrk and the origin) is pinned to the CPUs the
workers do not need (`--pin-harness auto`, the default; on two cores: CPU 1 at 1 worker). Unpinned,
the scheduler sometimes puts wrk or the origin on the proxy's CPU for part of a round. Proxies are
never pinned. bench/README.md ("Pinning") gives what this changed in measured spreads.

For each proxy it records requests/s, p50 and p99 latency (wrk `--latency` histogram, via a small Lua
`done()` hook), peak RSS (VmHWM summed over the proxy's processes), idle RSS (VmRSS summed, read after
the proxy is ready and before any request), and requests per CPU-second (utime+stime from
/proc/PID/stat of all the proxy's processes, delta over the measured wrk run, divided into the
requests wrk completed).

This is a benchmark, not a test: it prints numbers and ratios and a MET / NOT MET line per target; it
exits non-zero only when the harness itself cannot run (no wrk, no nginx for the origin). On a
2-core machine shared by wrk, the origin and the proxy, absolute numbers are noise; compare the ratios
measured in the same run.

Python 3 standard library only. Every process runs from its own temp dir, bound to 127.0.0.1 on
ephemeral ports; only the processes this script started are signalled, by pid.
"""

from __future__ import annotations

import argparse
import bisect
import datetime as dt
import http.client
import json
import os
import platform
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE.parent / "lib"))
from proc import Proc as BaseProc, cpu_ticks, interrupt_on_sigterm  # noqa: E402  (bench/lib)
LUA_REPORT = HERE / "wrk_report.lua"

SIZES = {"0": 0, "1k": 1024, "64k": 65536}  # --sizes names -> body bytes
ORIGIN_LITERAL_MAX = 4000  # bodies up to this size are nginx config literals, larger ones are files
TARGETS = ("direct", "splice", "torii", "nginx", "haproxy")
# The floor: when the byte-forwarding splice proxy gets less than this times nginx's req/s at a
# point (median of paired rounds), the harness, not the proxies, bounds that point.
FLOOR_RANKS_RATIO = 1.05
# The percentiles wrk_report.lua prints for every run (same loops there), so that the latencies of
# several runs can be pooled: 1..99, 99.1..99.9, 99.91..99.99.
QUANTILE_GRID = tuple([float(i) for i in range(1, 100)] + [i / 10 for i in range(991, 1000)] +
                      [i / 100 for i in range(9991, 10000)])
CLK_TCK = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024

# Targets the issue asks us to check (printed as MET / NOT MET, never asserted).
TARGET_RPS_SIZES = (0, 1024)  # Torii req/s >= 1.0x nginx with p99 no worse, at equal workers
TARGET_RPS_RATIO = 1.0
TARGET_IDLE_RSS_MIB = 20.0
OTHER_CPUS_WARN = 0.2  # CPUs used by unrelated processes during a run before the report warns


class BenchError(Exception):
    """A target could not be started or measured; the point is recorded as failed, the run goes on."""


# --------------------------------------------------------------------------------------------------
# Small helpers: ports, /proc, HTTP probes, bounded waits.


def free_ports(n: int) -> list[int]:
    """Ephemeral ports picked by the kernel (bind to port 0); all sockets held open together so the
    n ports are distinct, then released for the peers to bind."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def wait_until(what: str, cond: Callable[[], bool], timeout: float, alive: Callable[[], bool] = None):
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        if cond():
            return
        if alive is not None and not alive():
            raise BenchError(f"{what}: process exited")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not ready after {timeout:.0f}s")
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def http_get(port: int, path: str, timeout: float = 2.0) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path, headers={"Connection": "close"})
        resp = conn.getresponse()
        return resp.status, resp.read()
    finally:
        conn.close()


def http_ok(port: int, path: str, size: int | None = None) -> bool:
    try:
        status, body = http_get(port, path)
    except (OSError, http.client.HTTPException):
        return False
    return status == 200 and (size is None or len(body) == size)


def _proc_table() -> dict[int, int]:
    """pid -> ppid for every process visible in /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                data = f.read()
        except OSError:
            continue
        rest = data[data.rfind(b")") + 2:].split()
        table[int(entry)] = int(rest[1])
    return table


def process_tree(root: int) -> list[int]:
    """root and all its descendants (nginx master + workers; haproxy and Torii are one process)."""
    table = _proc_table()
    if root not in table:
        return []
    children: dict[int, list[int]] = {}
    for pid, ppid in table.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def cpu_delta_seconds(before: dict[int, int], after: dict[int, int]) -> float:
    # A process that appeared during the run counts from zero; one that vanished is lost (rare:
    # none of the peers forks during a run).
    ticks = sum(t - before.get(pid, 0) for pid, t in after.items())
    return ticks / CLK_TCK


def system_cpu() -> dict[str, int]:
    """Machine-wide jiffies from the first line of /proc/stat: process time (user, nice, system;
    guest time is inside user), interrupt time (irq, softirq: loopback packet processing lands
    here), steal, and the total."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]] + [0] * 8
    return {"proc": v[0] + v[1] + v[2], "irq": v[5] + v[6], "steal": v[7], "total": sum(v[:8])}


def children_cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def mem_kib(pids: list[int], field: str) -> int:
    """Sum of a /proc/PID/status field (VmRSS, VmHWM) in KiB. Shared pages (nginx master and
    workers) are counted once per process, as `ps` would."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith(field + ":"):
                        total += int(line.split()[1])
                        break
        except OSError:
            continue
    return total


def pss_kib(pids: list[int]) -> int | None:
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as f:
                for line in f:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except OSError:
            return None
    return total


# --------------------------------------------------------------------------------------------------
# Processes we start. Each has its own directory; output goes to files there.


class Proc(BaseProc):
    def __init__(self, name: str, argv: list[str], workdir: Path):
        super().__init__(name, argv, workdir, log_suffix=".out")

    def pids(self) -> list[int]:
        return process_tree(self.pid) if self.alive() else []


# --------------------------------------------------------------------------------------------------
# Configurations.


def nginx_common(workdir: Path, workers: int) -> str:
    user = "user root root;\n" if os.geteuid() == 0 else ""
    tmp = workdir / "tmp"
    tmp.mkdir(exist_ok=True)
    temps = "\n".join(f"    {kind}_temp_path {tmp}/{kind};"
                      for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    return f"""{user}worker_processes {workers};
daemon off;
master_process on;
pid {workdir}/nginx.pid;
error_log {workdir}/error.log warn;
worker_rlimit_nofile 65536;
events {{
    worker_connections 16384;
}}
http {{
    access_log off;
{temps}
    default_type application/octet-stream;
    server_tokens off;
    tcp_nodelay on;
    keepalive_timeout 120s;
    keepalive_requests 1000000;
"""


def origin_config(workdir: Path, port: int, workers: int) -> str:
    www = workdir / "www"
    www.mkdir(exist_ok=True)
    # Small bodies are config literals (`return 200 "..."`): one write per response, so the origin
    # costs less CPU than a writev + sendfile of a static file and leaves more of the harness CPU to
    # wrk. nginx limits a config token to 4 KiB, so larger bodies stay files served with sendfile.
    literals = ""
    for size in SIZES.values():
        if size <= ORIGIN_LITERAL_MAX:
            literals += f"        location = /b{size} {{ return 200 \"{'x' * size}\"; }}\n"
        else:
            (www / f"b{size}").write_bytes(b"x" * size)
    return nginx_common(workdir, workers) + f"""    sendfile on;
    tcp_nopush on;
    etag off;
    open_file_cache max=64 inactive=1h;
    open_file_cache_valid 1h;
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        root {www};
{literals}        location / {{ }}
    }}
}}
"""


def nginx_proxy_config(workdir: Path, port: int, origin_port: int, workers: int) -> str:
    # Upstream keepalive with keepalive_requests raised (dependencies.md §9: the default 1000 closes
    # connections mid-run). reuseport gives each worker its own listener, as Torii does. Buffers are
    # large enough to hold a 64 KiB body in memory, so nginx never spills to a temp file.
    return nginx_common(workdir, workers) + f"""    upstream origin {{
        server 127.0.0.1:{origin_port};
        keepalive 256;
        keepalive_requests 1000000;
        keepalive_timeout 120s;
    }}
    server {{
        listen 127.0.0.1:{port} reuseport backlog=4096;
        location / {{
            proxy_pass http://origin;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_buffer_size 16k;
            proxy_buffers 8 16k;
        }}
    }}
}}
"""


def haproxy_config(workdir: Path, port: int, origin_port: int, workers: int) -> str:
    # No `log` lines: logging off. http-reuse always shares idle server connections across clients,
    # like nginx's upstream keepalive pool.
    return f"""global
    nbthread {workers}
    maxconn 4096

defaults
    mode http
    option http-keep-alive
    http-reuse always
    timeout connect 5s
    timeout client 60s
    timeout server 60s
    timeout http-keep-alive 120s
    timeout http-request 30s

frontend bench
    bind 127.0.0.1:{port}
    default_backend origin

backend origin
    server origin 127.0.0.1:{origin_port}
"""


def torii_config(port: int, origin_port: int) -> str:
    return f"""apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata:
  name: torii-bench
spec:
  controllerName: torii.dev/gateway-controller
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata:
  name: bench
  namespace: default
spec:
  gatewayClassName: torii-bench
  addresses:
  - type: IPAddress
    value: 127.0.0.1
  listeners:
  - name: http
    protocol: HTTP
    port: {port}
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata:
  name: bench
  namespace: default
spec:
  parentRefs:
  - name: bench
  rules:
  - matches:
    - path:
        type: PathPrefix
        value: /
    backendRefs:
    - name: origin
      port: 80
---
apiVersion: v1
kind: Service
metadata:
  name: origin
  namespace: default
spec:
  ports:
  - name: http
    protocol: TCP
    port: 80
    targetPort: {origin_port}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata:
  name: origin-1
  namespace: default
  labels:
    kubernetes.io/service-name: origin
addressType: IPv4
endpoints:
- addresses:
  - 127.0.0.1
  conditions:
    ready: true
ports:
- name: http
  protocol: TCP
  port: {origin_port}
"""


# --------------------------------------------------------------------------------------------------
# Starting each target.


class Running:
    """A started target: its port, its process (None for direct) and idle RSS."""

    def __init__(self, port: int, proc: Proc | None, idle_rss_kib: int | None = None,
                 idle_pss_kib: int | None = None):
        self.port = port
        self.proc = proc
        self.idle_rss_kib = idle_rss_kib
        self.idle_pss_kib = idle_pss_kib

    def stop(self):
        if self.proc is not None:
            self.proc.stop()


def start_origin(root: Path, workers: int) -> tuple[Proc, int]:
    workdir = root / "origin"
    workdir.mkdir()
    (port,) = free_ports(1)
    conf = workdir / "nginx.conf"
    conf.write_text(origin_config(workdir, port, workers))
    proc = Proc("origin", ["nginx", "-p", str(workdir), "-e", str(workdir / "error.log"),
                           "-c", str(conf)], workdir)
    try:
        wait_until("origin", lambda: http_ok(port, "/b0", 0), 10, proc.alive)
    except BenchError:
        proc.stop()
        raise
    return proc, port


def start_proxy(kind: str, root: Path, workers: int, origin_port: int, args) -> Running:
    workdir = Path(tempfile.mkdtemp(prefix=f"{kind}-w{workers}-", dir=root))
    if kind == "nginx":
        (port,) = free_ports(1)
        conf = workdir / "nginx.conf"
        conf.write_text(nginx_proxy_config(workdir, port, origin_port, workers))
        argv = ["nginx", "-p", str(workdir), "-e", str(workdir / "error.log"), "-c", str(conf)]
        ready = lambda: http_ok(port, "/b0", 0)
    elif kind == "haproxy":
        (port,) = free_ports(1)
        conf = workdir / "haproxy.cfg"
        conf.write_text(haproxy_config(workdir, port, origin_port, workers))
        argv = ["haproxy", "-db", "-f", str(conf), "-p", str(workdir / "haproxy.pid")]
        ready = lambda: http_ok(port, "/b0", 0)
    elif kind == "splice":
        (port,) = free_ports(1)
        argv = [str(args.splice), "--listen", str(port), "--upstream", str(origin_port),
                "--workers", str(workers)]
        ready = lambda: http_ok(port, "/b0", 0)
    elif kind == "torii":
        port, admin = free_ports(2)
        confdir = workdir / "config"
        confdir.mkdir()
        (confdir / "bench.yaml").write_text(torii_config(port, origin_port))
        argv = [str(args.torii), "run", "--config", str(confdir), "--admin", f"127.0.0.1:{admin}",
                "--workers", str(workers), "--log-level", "warn"]

        def ready():
            try:
                status, _ = http_get(admin, "/ready", timeout=1.0)
            except (OSError, http.client.HTTPException):
                return False
            return status == 200
    else:
        raise ValueError(kind)

    proc = Proc(kind, argv, workdir)
    try:
        wait_until(f"{kind} ready", ready, args.start_timeout, proc.alive)
        # Idle RSS: ready, no request served yet.
        pids = proc.pids()
        idle = mem_kib(pids, "VmRSS")
        idle_pss = pss_kib(pids)
        if kind == "torii":
            # /ready promises open listeners; a proxied request must work at once, but allow a
            # short bounded grace for the first connection to the origin.
            wait_until("torii first proxied request", lambda: http_ok(port, "/b0", 0), 5,
                       proc.alive)
        return Running(port, proc, idle, idle_pss)
    except BenchError as e:
        tail = proc.log_tail()
        proc.stop()
        raise BenchError(f"{e}\n{tail}" if tail else str(e)) from None


# --------------------------------------------------------------------------------------------------
# wrk.


def harness_cpus(mode: str, workers: int) -> set[int] | None:
    """The CPUs wrk and the origin are pinned to at a point with `workers` proxy workers, or None
    for unpinned: `auto` pins to the CPUs beyond the first `workers` when there are any, `on` also
    pins (to the last CPU) when there are not, `off` never pins."""
    allowed = sorted(os.sched_getaffinity(0))
    if mode == "off" or len(allowed) < 2:
        return None
    if workers < len(allowed):
        return set(allowed[workers:])
    return {allowed[-1]} if mode == "on" else None


def pin(pids: list[int], cpus: list[int] | None):
    """Sets the CPU affinity of `pids` (None: every CPU this script may use)."""
    target = cpus if cpus else os.sched_getaffinity(0)
    for pid in pids:
        try:
            os.sched_setaffinity(pid, target)
        except OSError:
            pass  # exited meanwhile


def run_wrk(port: int, path: str, conns: int, seconds: int, threads: int,
            cpus: list[int] | None = None) -> dict:
    # wrk takes whole seconds only.
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--latency", "--timeout", "5s",
            "-s", str(LUA_REPORT), f"http://127.0.0.1:{port}{path}"]
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60,
                             preexec_fn=(lambda: os.sched_setaffinity(0, cpus)) if cpus else None)
    except subprocess.TimeoutExpired:
        raise BenchError("wrk did not finish") from None
    for line in out.stdout.splitlines():
        if line.startswith("WRK_JSON "):
            doc = json.loads(line[len("WRK_JSON "):])
            if len(doc["latency_us"]["grid"]) != len(QUANTILE_GRID):
                raise BenchError("wrk_report.lua: quantile grid does not match QUANTILE_GRID")
            return doc
    msg = " / ".join(line.strip() for line in (out.stderr or out.stdout).strip().splitlines()[:3])
    raise BenchError(f"wrk failed (rc {out.returncode}): {msg}")


def check_and_warm(running: Running, size: int, args, cpus: list[int] | None = None):
    """One GET must return 200 with the expected body length; then the unmeasured warm-up."""
    path = f"/b{size}"
    if not http_ok(running.port, path, size):
        try:
            status, body = http_get(running.port, path)
            got = f"status {status}, {len(body)} bytes"
        except (OSError, http.client.HTTPException) as e:
            got = str(e)
        raise BenchError(f"check GET {path}: expected 200 with {size} bytes, got {got}")
    if args.warmup > 0:
        run_wrk(running.port, path, args.connections, args.warmup, args.wrk_threads, cpus)


def measure_slice(kind: str, running: Running, origin: Proc, size: int, seconds: int, args,
                  cpus: list[int] | None = None) -> dict:
    """One wrk run of `seconds` against a started target, with the CPU the proxy, the origin, wrk
    and the rest of the machine used meanwhile."""
    proxy_before = cpu_ticks(running.proc.pids()) if running.proc else {}
    origin_before = cpu_ticks(origin.pids())
    sys_before = system_cpu()
    wrk_before = children_cpu_seconds()  # wrk is the only child reaped during the run
    t0 = time.monotonic()
    wrk = run_wrk(running.port, f"/b{size}", args.connections, seconds, args.wrk_threads, cpus)
    wall = time.monotonic() - t0
    wrk_cpu = children_cpu_seconds() - wrk_before
    sys_after = system_cpu()
    proxy_after = cpu_ticks(running.proc.pids()) if running.proc else {}
    origin_after = cpu_ticks(origin.pids())
    if running.proc is not None and not running.proc.alive():
        raise BenchError(f"{kind} exited during the run\n{running.proc.log_tail()}")
    return {
        "wrk": wrk,
        "wall": wall,
        "wrk_cpu": wrk_cpu,
        "origin_cpu": cpu_delta_seconds(origin_before, origin_after),
        "proxy_cpu": cpu_delta_seconds(proxy_before, proxy_after) if running.proc else None,
        "sys": {k: sys_after[k] - sys_before[k] for k in sys_after},
    }


def pooled_quantile(slices: list[dict], q: float) -> float:
    """The q-th percentile (microseconds) of the latencies of all requests of several wrk runs,
    from each run's quantile grid (wrk_report.lua): the pooled CDF is the request-weighted mix of
    the runs' CDFs, inverted by bisection."""
    curves = []
    for w in slices:
        lat = w["latency_us"]
        xs = [float(lat["min"])] + [float(x) for x in lat["grid"]] + [float(lat["max"])]
        qs = [0.0] + list(QUANTILE_GRID) + [100.0]
        curves.append((w["requests"], xs, qs))
    total = sum(n for n, _, _ in curves)
    if total == 0:
        return 0.0

    def cdf(x: float) -> float:
        acc = 0.0
        for n, xs, qs in curves:
            if x < xs[0]:
                continue
            if x >= xs[-1]:
                acc += n * 100.0
                continue
            i = bisect.bisect_right(xs, x) - 1
            x0, x1, q0, q1 = xs[i], xs[i + 1], qs[i], qs[i + 1]
            acc += n * (q0 + (q1 - q0) * ((x - x0) / (x1 - x0) if x1 > x0 else 1.0))
        return acc / total

    lo = min(xs[0] for _, xs, _ in curves)
    hi = max(xs[-1] for _, xs, _ in curves)
    for _ in range(60):
        mid = (lo + hi) / 2
        if cdf(mid) < q:
            lo = mid
        else:
            hi = mid
    return hi


def combine(kind: str, running: Running, slices: list[dict],
            cpus: list[int] | None = None) -> dict:
    """A target's result at a point and round from its measured slices."""
    wrks = [x["wrk"] for x in slices]
    requests = sum(w["requests"] for w in wrks)
    seconds = sum(w["duration_us"] for w in wrks) / 1e6
    wall = sum(x["wall"] for x in slices)
    errors = {k: sum(w["errors"][k] for w in wrks) for k in wrks[0]["errors"]}
    lat = {
        "min": min(w["latency_us"]["min"] for w in wrks),
        "max": max(w["latency_us"]["max"] for w in wrks),
        "mean": (sum(w["latency_us"]["mean"] * w["requests"] for w in wrks) / requests
                 if requests else 0.0),
    }
    for name, q in (("p50", 50.0), ("p75", 75.0), ("p90", 90.0), ("p99", 99.0),
                    ("p999", 99.9)):
        lat[name] = round(pooled_quantile(wrks, q))
    wrk_cpu = sum(x["wrk_cpu"] for x in slices)
    origin_cpu = sum(x["origin_cpu"] for x in slices)
    proxy_cpu = sum(x["proxy_cpu"] for x in slices) if running.proc else None
    sys_delta = {k: sum(x["sys"][k] for x in slices) for k in slices[0]["sys"]}
    result = {
        "target": kind,
        "requests": requests,
        "rps": requests / seconds if seconds > 0 else 0.0,
        "p50_ms": lat["p50"] / 1000.0,
        "p99_ms": lat["p99"] / 1000.0,
        "latency_us": lat,
        "bytes": sum(w["bytes"] for w in wrks),
        "errors": errors,
        "error_count": sum(errors.values()),
        "slices": len(slices),
        "slice_rps": [w["requests"] / (w["duration_us"] / 1e6) if w["duration_us"] else 0.0
                      for w in wrks],
        "wrk_seconds": seconds,
        "wall_seconds": wall,
        "origin_cpu_seconds": origin_cpu,
        "wrk_cpu_seconds": wrk_cpu,
        "harness_cpus": cpus,
    }
    # Machine-wide view over the run, in CPUs (cores busy on average). "other" is process time of
    # everything that is neither the proxy, the origin nor wrk — other jobs on a shared machine,
    # including short-lived ones (compilers) that a per-pid scan would miss. It contaminates the
    # numbers; the report warns when it is large.
    if sys_delta["total"] > 0 and seconds > 0:
        scale = (os.cpu_count() or 1) / sys_delta["total"]
        ours = origin_cpu + wrk_cpu + (proxy_cpu or 0.0)
        result["system_busy_cpus"] = (sys_delta["proc"] + sys_delta["irq"] +
                                      sys_delta["steal"]) * scale
        result["irq_cpus"] = sys_delta["irq"] * scale
        result["steal_cpus"] = sys_delta["steal"] * scale
        result["other_cpus"] = max(0.0, sys_delta["proc"] * scale - ours / wall)
    if running.proc is not None:
        pids = running.proc.pids()
        result.update({
            "processes": len(pids),
            "cpu_seconds": proxy_cpu,
            "cpu_cores": proxy_cpu / seconds if seconds > 0 else None,
            "req_per_cpu_s": requests / proxy_cpu if proxy_cpu else None,
            "peak_rss_mib": mem_kib(pids, "VmHWM") / 1024.0,
            "idle_rss_mib": running.idle_rss_kib / 1024.0,
            # PSS splits shared pages between processes: fairer than summed RSS for nginx's
            # master + workers. JSON only.
            "idle_pss_mib": (running.idle_pss_kib / 1024.0
                             if running.idle_pss_kib is not None else None),
        })
    return result


def run_round(targets: list[str], rnd: int, workers: int, size: int, root: Path, origin: Proc,
              origin_port: int, args, cpus: list[int] | None) -> dict[str, dict]:
    """One round of a point: every target is started and warmed up, then the measured time is cut
    into slices of --slice seconds and the targets take turns slice by slice (the order rotates
    with the round and the slice), so a slow phase of the shared host lands on all of them rather
    than on whichever ran then. With --slice 0 each target runs its whole --duration at once, in
    turn."""
    order = targets[rnd % len(targets):] + targets[:rnd % len(targets)]
    slice_s = args.slice if args.slice > 0 else args.duration
    n_slices = max(1, args.duration // slice_s)
    running: dict[str, Running] = {}
    failed: dict[str, str] = {}
    slices: dict[str, list[dict]] = {k: [] for k in order}

    def fail(kind: str, e: BenchError):
        failed[kind] = str(e)
        print(f"[{workers}w {size_label(size):>6}] {kind:<8} FAILED: {e}")
        r = running.pop(kind, None)
        if r is not None:
            r.stop()

    try:
        for kind in order:
            try:
                running[kind] = (Running(origin_port, None) if kind == "direct"
                                 else start_proxy(kind, root, workers, origin_port, args))
                check_and_warm(running[kind], size, args, cpus)
            except BenchError as e:
                fail(kind, e)
        for i in range(n_slices):
            turn = order[i % len(order):] + order[:i % len(order)]
            for kind in turn:
                if kind not in running:
                    continue
                try:
                    slices[kind].append(measure_slice(kind, running[kind], origin, size, slice_s,
                                                      args, cpus))
                except BenchError as e:
                    fail(kind, e)
        out = {}
        for kind in order:
            if kind in failed:
                out[kind] = {"target": kind, "error": failed[kind]}
            else:
                out[kind] = combine(kind, running[kind], slices[kind], cpus)
                print(f"[{workers}w {size_label(size):>6}] {kind:<8} {progress_line(out[kind])}")
            out[kind]["round"] = rnd
        sys.stdout.flush()
        return out
    finally:
        for r in running.values():
            r.stop()


# --------------------------------------------------------------------------------------------------
# Report.


def fmt(v, spec: str, missing: str = "-") -> str:
    return missing if v is None else format(v, spec)


def size_label(size: int) -> str:
    return {0: "0 B", 1024: "1 KiB", 65536: "64 KiB"}.get(size, f"{size} B")


def ratio(a, b):
    return a / b if a is not None and b else None


def paired_ratios(runs: dict[str, list[dict]], a: str, b: str) -> list[tuple[float, float]]:
    """(req/s ratio, p99 ratio) of a over b for every round where both ran: the two were measured
    minutes apart at most, on the same machine state, so the host's slow drifts cancel."""
    by_round = {}
    for kind in (a, b):
        for r in runs.get(kind, []):
            if "error" not in r:
                by_round.setdefault(r["round"], {})[kind] = r
    out = []
    for rnd in sorted(by_round):
        pair = by_round[rnd]
        if a in pair and b in pair and pair[b]["rps"] and pair[b]["p99_ms"]:
            out.append((pair[a]["rps"] / pair[b]["rps"], pair[a]["p99_ms"] / pair[b]["p99_ms"]))
    return out


def median(values: list[float]) -> float:
    v = sorted(values)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


# With at least this many rounds the targets are judged on the median of the per-round (paired)
# ratios rather than on one median round per target.
PAIRED_MIN_ROUNDS = 3


def paired_line(runs: dict[str, list[dict]], peer: str, a: str = "torii") -> str | None:
    pairs = paired_ratios(runs, a, peer)
    if len(pairs) < 2:
        return None
    rps = " ".join(f"{x:.2f}" for x, _ in pairs)
    p99 = " ".join(f"{y:.2f}" for _, y in pairs)
    return (f"paired {a}/{peer} over {len(pairs)} rounds: req/s median "
            f"{median([x for x, _ in pairs]):.2f}x ({rps}), p99 median "
            f"{median([y for _, y in pairs]):.2f}x ({p99})")


def point_report(workers: int, size: int, results: dict[str, dict],
                 runs: dict[str, list[dict]] | None = None) -> list[str]:
    cols = (("target", "<8"), ("req/s", ">9"), ("p50 ms", ">8"), ("p99 ms", ">8"), ("errors", ">6"),
            ("peak MiB", ">8"), ("idle MiB", ">8"), ("CPU", ">5"), ("req/CPU-s", ">9"),
            ("other", ">5"))

    def row(cells):
        return " ".join(format(c, spec) for c, (_, spec) in zip(cells, cols)).rstrip()

    lines = [f"== {size_label(size)}, {workers} worker{'s' if workers > 1 else ''} ==",
             row([name for name, _ in cols])]
    for kind in TARGETS:
        r = results.get(kind)
        if r is None:
            continue
        if "error" in r:
            lines.append(f"{kind:<8} FAILED: {r['error'].splitlines()[0]}")
            continue
        lines.append(row([kind, f"{r['rps']:.0f}", f"{r['p50_ms']:.3f}", f"{r['p99_ms']:.3f}",
                          str(r["error_count"]), fmt(r.get("peak_rss_mib"), ".1f"),
                          fmt(r.get("idle_rss_mib"), ".1f"), fmt(r.get("cpu_cores"), ".2f"),
                          fmt(r.get("req_per_cpu_s"), ".0f"),
                          fmt(r.get("other_cpus"), ".2f")]))
    t = results.get("torii")
    if t is None or "error" in t:
        lines.append("ratios: torii not run" if t is None else "ratios: torii failed")
        return lines
    parts = []
    for peer in ("nginx", "haproxy", "direct"):
        p = results.get(peer)
        if p is None or "error" in p:
            parts.append(f"torii/{peer}: n/a")
            continue
        s = f"torii/{peer}: req/s {fmt(ratio(t['rps'], p['rps']), '.2f')}x"
        s += f", p99 {fmt(ratio(t['p99_ms'], p['p99_ms']), '.2f')}x"
        if peer != "direct":
            s += f", req/CPU-s {fmt(ratio(t.get('req_per_cpu_s'), p.get('req_per_cpu_s')), '.2f')}x"
        parts.append(s)
    lines.append("ratios: " + " | ".join(parts))
    for peer in ("nginx", "haproxy"):
        line = paired_line(runs or {}, peer)
        if line:
            lines.append(line)
    floor = floor_ratio(results, runs or {})
    if floor is not None:
        line = paired_line(runs or {}, "nginx", "splice")
        if line:
            lines.append(line)
        if floor < FLOOR_RANKS_RATIO:
            lines.append(f"floor: the byte-forwarding splice proxy gets {floor:.2f}x nginx's req/s "
                         f"here: the harness, not the proxy, bounds this point")
    return lines


def floor_ratio(results: dict[str, dict], runs: dict[str, list[dict]]) -> float | None:
    """splice/nginx req/s at a point: the median of the paired rounds when there are enough, else
    the median rounds' ratio; None when either did not run."""
    pairs = paired_ratios(runs, "splice", "nginx")
    if len(pairs) >= PAIRED_MIN_ROUNDS:
        return median([x for x, _ in pairs])
    f, n = results.get("splice"), results.get("nginx")
    if f is None or n is None or "error" in f or "error" in n:
        return None
    return ratio(f["rps"], n["rps"])


def progress_line(r: dict) -> str:
    secs = r["wrk_seconds"] or 1.0
    out = f"{r['rps']:>9.0f} req/s  p50 {r['p50_ms']:.3f} ms  p99 {r['p99_ms']:.3f} ms"
    if "req_per_cpu_s" in r:
        out += (f"  {fmt(r['req_per_cpu_s'], '.0f')} req/CPU-s  peak {r['peak_rss_mib']:.1f} MiB"
                f"  idle {r['idle_rss_mib']:.1f} MiB")
    cpus = [("proxy", r.get("cpu_seconds")), ("origin", r["origin_cpu_seconds"]),
            ("wrk", r["wrk_cpu_seconds"])]
    out += "  cpu " + " ".join(f"{n} {v / secs:.2f}" for n, v in cpus if v is not None)
    out += (f" irq {fmt(r.get('irq_cpus'), '.2f')} other {fmt(r.get('other_cpus'), '.2f')}"
            f" (busy {fmt(r.get('system_busy_cpus'), '.2f')})")
    if r["error_count"]:
        out += f"  ERRORS {r['errors']}"
    return out


def evaluate_targets(points: dict, rounds_raw: dict, torii_ran: bool) -> tuple[list[str], dict]:
    lines, summary = [], {}
    # Target 1: throughput and p99 against nginx at equal workers, 0 B and 1 KiB.
    checks, detail = [], []
    for (workers, size), results in sorted(points.items()):
        if size not in TARGET_RPS_SIZES:
            continue
        t, n = results.get("torii"), results.get("nginx")
        if t is None or n is None or "error" in t or "error" in n:
            detail.append(f"  {size_label(size)}, {workers}w: not measured")
            checks.append(None)
            continue
        noisy = max(t.get("other_cpus") or 0.0, n.get("other_cpus") or 0.0) > OTHER_CPUS_WARN
        pairs = paired_ratios(rounds_raw.get((workers, size), {}), "torii", "nginx")
        if len(pairs) >= PAIRED_MIN_ROUNDS:
            # Median of the per-round ratios: each round measures both back to back.
            rr = median([x for x, _ in pairs])
            pr = median([y for _, y in pairs])
            ok = rr >= TARGET_RPS_RATIO and pr <= 1.0
            how = (f"median of {len(pairs)} paired rounds: req/s {rr:.2f}x nginx, p99 {pr:.2f}x "
                   f"(rounds won on req/s: {sum(x >= 1.0 for x, _ in pairs)}/{len(pairs)})")
        else:
            rr = ratio(t["rps"], n["rps"])
            pr = ratio(t["p99_ms"], n["p99_ms"])
            ok = rr is not None and rr >= TARGET_RPS_RATIO and t["p99_ms"] <= n["p99_ms"]
            how = (f"req/s {rr:.2f}x nginx, p99 {t['p99_ms']:.3f} vs {n['p99_ms']:.3f} ms "
                   f"({fmt(pr, '.2f')}x)")
        checks.append(ok)
        floor = floor_ratio(results, rounds_raw.get((workers, size), {}))
        bound = ""
        if floor is not None:
            bound = (f"; floor splice/nginx {floor:.2f}x"
                     + (" [harness-bound]" if floor < FLOOR_RANKS_RATIO else ""))
        detail.append(f"  {size_label(size)}, {workers}w: {how} -> {'MET' if ok else 'NOT MET'}"
                      f"{bound}{' [machine not quiet]' if noisy else ''}")
    name = (f"Torii req/s >= {TARGET_RPS_RATIO:.1f}x nginx with p99 no worse, equal workers, "
            f"0 B and 1 KiB")
    measured = [c for c in checks if c is not None]
    if not torii_ran:
        verdict = "NOT MEASURED (torii not run)"
    elif not checks:
        verdict = "NOT MEASURED (sizes 0 B and 1 KiB not run)"
    elif not measured:
        verdict = "NOT MEASURED (torii or nginx failed)"
    elif len(measured) < len(checks):
        verdict = ("NOT MET" if not all(measured) else "INCOMPLETE") + \
            f" ({sum(measured)}/{len(checks)} points met, {len(checks) - len(measured)} not measured)"
    else:
        verdict = ("MET" if all(measured) else "NOT MET") + f" ({sum(measured)}/{len(checks)} points)"
    lines.append(f"TARGET {name}: {verdict}")
    lines.extend(detail)
    summary["rps_vs_nginx"] = {"target": name, "verdict": verdict.split(" (")[0], "points": detail}

    # Target 2: idle RSS of Torii, after ready and before any request, over every start.
    idle = [r["idle_rss_mib"] for raw in rounds_raw.values() for r in raw.get("torii", [])
            if "idle_rss_mib" in r]
    name = f"Torii idle RSS < {TARGET_IDLE_RSS_MIB:.0f} MiB"
    if not idle:
        verdict = "NOT MEASURED" + (" (torii not run)" if not torii_ran else "")
    else:
        worst = max(idle)
        verdict = (f"{'MET' if worst < TARGET_IDLE_RSS_MIB else 'NOT MET'} "
                   f"(max {worst:.1f} MiB over {len(idle)} starts, min {min(idle):.1f} MiB)")
    lines.append(f"TARGET {name}: {verdict}")
    summary["idle_rss"] = {"target": name, "verdict": verdict.split(" (")[0],
                           "idle_rss_mib": idle}
    return lines, summary


# --------------------------------------------------------------------------------------------------
# Main.


def tool_version(argv: list[str]) -> str:
    try:
        out = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    text = (out.stdout + out.stderr).strip().splitlines()
    return text[0] if text else "unknown"


def git_rev() -> str | None:
    try:
        out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10)
        return out.stdout.strip() or None
    except (OSError, subprocess.TimeoutExpired):
        return None


def median_round(raw: dict[str, list[dict]]) -> dict[str, dict]:
    """Per target, the median round by req/s (lower median for an even count); a failed round is
    reported only when every round failed."""
    chosen = {}
    for kind, runs in raw.items():
        ok = sorted((r for r in runs if "error" not in r), key=lambda r: r["rps"])
        if ok or runs:
            chosen[kind] = ok[(len(ok) - 1) // 2] if ok else runs[-1]
    return chosen


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=int, default=None,
                    help="whole seconds of measured load per point (default 8, --quick 3)")
    ap.add_argument("--warmup", type=int, default=None,
                    help="whole seconds of unmeasured load before each point, 0 for none "
                         "(default 2, --quick 1)")
    ap.add_argument("--slice", type=int, default=1,
                    help="whole seconds per measured slice: the targets of a point take turns "
                         "slice by slice (default 1); 0 runs each target's --duration at once")
    ap.add_argument("--connections", type=int, default=64, help="wrk connections (default 64)")
    ap.add_argument("--wrk-threads", type=int, default=1, help="wrk threads (default 1)")
    ap.add_argument("--quick", action="store_true", help="short run: 3 s per point, 1 s warm-up")
    ap.add_argument("--sizes", default="0,1k,64k",
                    help="comma-separated response sizes from 0, 1k, 64k (default all)")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts (default 1,2)")
    ap.add_argument("--targets", default=",".join(TARGETS),
                    help=f"comma-separated subset of {','.join(TARGETS)}")
    ap.add_argument("--peers-only", action="store_true", help="do not run Torii")
    ap.add_argument("--torii", type=Path,
                    default=Path(os.environ.get("TORII_BIN", REPO / "build" / "torii")),
                    help="Torii binary (default $TORII_BIN or build/torii)")
    ap.add_argument("--splice", type=Path,
                    default=Path(os.environ.get("TORII_SPLICE_BIN",
                                                REPO / "build" / "torii-bench-splice")),
                    help="byte-forwarding floor proxy (default $TORII_SPLICE_BIN or "
                         "build/torii-bench-splice)")
    ap.add_argument("--origin-workers", type=int, default=1,
                    help="nginx worker_processes of the origin (default 1)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="repeat each point, rotating the target order; report the median round "
                         "by req/s (default 1)")
    ap.add_argument("--pin-harness", choices=("auto", "on", "off"), default="auto",
                    help="pin wrk and the origin to the CPUs the proxy's workers do not need: auto "
                         "(default) when there are such CPUs, on also at as many workers as CPUs "
                         "(to the last CPU), off never")
    ap.add_argument("--start-timeout", type=float, default=15.0,
                    help="seconds to wait for a proxy to become ready (default 15)")
    ap.add_argument("--json", type=Path, default=None,
                    help="results file (default bench/results/http1-<timestamp>.json)")
    ap.add_argument("--no-json", action="store_true", help="do not write a results file")
    ap.add_argument("--keep-temp", action="store_true", help="keep the temp dir (configs, logs)")
    args = ap.parse_args(argv)
    if args.duration is None:
        args.duration = 3 if args.quick else 8
    if args.warmup is None:
        args.warmup = 1 if args.quick else 2
    try:
        args.sizes = [SIZES[s.strip()] for s in args.sizes.split(",") if s.strip()]
    except KeyError as e:
        ap.error(f"--sizes: unknown size {e}; use {', '.join(SIZES)}")
    args.workers = [int(w) for w in args.workers.split(",") if w.strip()]
    args.targets = [t.strip() for t in args.targets.split(",") if t.strip()]
    for t in args.targets:
        if t not in TARGETS:
            ap.error(f"--targets: unknown target {t!r}")
    if args.warmup < 0:
        ap.error("--warmup must be >= 0")
    if args.slice < 0 or (args.slice and args.duration % args.slice):
        ap.error("--slice must be 0 or divide --duration")
    if args.duration <= 0 or args.connections <= 0 or args.rounds <= 0 or min(args.workers) <= 0:
        ap.error("--duration, --connections, --rounds and --workers must be positive")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    interrupt_on_sigterm()

    for tool in ("wrk", "nginx"):
        if shutil.which(tool) is None:
            print(f"bench/http1: {tool} not found; cannot run", file=sys.stderr)
            return 2
    targets = list(args.targets)
    notes = []
    if "torii" in targets:
        if args.peers_only:
            targets.remove("torii")
            notes.append("torii: skipped (--peers-only)")
        elif not os.access(args.torii, os.X_OK):
            targets.remove("torii")
            notes.append(f"torii: not built ({args.torii} missing); running the peers only")
    if "splice" in targets and not os.access(args.splice, os.X_OK):
        targets.remove("splice")
        notes.append(f"splice: not built ({args.splice} missing)")
    if "haproxy" in targets and shutil.which("haproxy") is None:
        targets.remove("haproxy")
        notes.append("haproxy: not installed")
    torii_ran = "torii" in targets

    ncpu = os.cpu_count()
    env = {
        "host": platform.node(), "kernel": platform.release(), "cpus": ncpu,
        "nginx": tool_version(["nginx", "-v"]), "haproxy": tool_version(["haproxy", "-v"]),
        "wrk": tool_version(["wrk", "--version"]), "git": git_rev(),
        "torii": str(args.torii) if torii_ran else None,
    }
    print(f"bench/http1: {len(args.workers)} worker counts x {len(args.sizes)} sizes x "
          f"{len(targets)} targets x {args.rounds} round(s); wrk -t{args.wrk_threads} "
          f"-c{args.connections} -d{args.duration:g}s (+{args.warmup:g}s warm-up); "
          f"origin nginx with {args.origin_workers} worker(s); {ncpu} CPUs")
    for n in notes:
        print(n)
    # Per worker count: the sorted CPUs wrk and the origin are pinned to, or None.
    harness = {w: sorted(c) if (c := harness_cpus(args.pin_harness, w)) else None
               for w in args.workers}
    for workers, cpus in harness.items():
        print(f"{workers} worker(s): wrk and the origin "
              + (f"pinned to CPU {','.join(map(str, cpus))}" if cpus else "not pinned")
              + f" (--pin-harness {args.pin_harness})")
    if ncpu and ncpu <= 2:
        print(f"note: {ncpu} CPUs shared by wrk, the origin and the proxy: absolute numbers are "
              f"noise, compare the ratios from this run")
    sys.stdout.flush()

    root = Path(tempfile.mkdtemp(prefix="torii-bench-http1-"))
    origin = None
    points: dict[tuple[int, int], dict[str, dict]] = {}
    rounds_raw: dict[tuple[int, int], dict[str, list[dict]]] = {}
    started = dt.datetime.now()
    interrupted = False
    try:
        origin, origin_port = start_origin(root, args.origin_workers)
        for workers in args.workers:
            cpus = harness[workers]
            pin(origin.pids(), cpus)
            for size in args.sizes:
                raw = rounds_raw.setdefault((workers, size), {k: [] for k in targets})
                for rnd in range(args.rounds):
                    results = run_round(targets, rnd, workers, size, root, origin, origin_port,
                                        args, cpus)
                    for kind, r in results.items():
                        raw[kind].append(r)
                if not origin.alive():
                    raise BenchError(f"origin exited\n{origin.log_tail()}")
                points[(workers, size)] = median_round(raw)
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted; reporting what was measured", file=sys.stderr)
    except BenchError as e:
        print(f"bench/http1: {e}", file=sys.stderr)
        if origin is None:
            return 2
    finally:
        for key, raw in rounds_raw.items():  # a point cut short by an interrupt
            if key not in points and any(raw.values()):
                points[key] = median_round(raw)
        if origin is not None:
            origin.stop()
        if args.keep_temp:
            print(f"temp dir kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    # Report.
    print()
    print(f"HTTP/1.1 load, wrk -t{args.wrk_threads} -c{args.connections} -d{args.duration:g}s; "
          f"peak/idle RSS = VmHWM/VmRSS summed over the proxy's processes (MiB); CPU = cores used "
          f"by the proxy; req/CPU-s = requests / proxy CPU seconds; other = CPUs used by unrelated "
          f"processes; torii "
          f"{'included' if torii_ran else 'NOT included'}")
    for (workers, size) in sorted(points):
        print()
        print("\n".join(point_report(workers, size, points[(workers, size)],
                                     rounds_raw.get((workers, size)))))
    others = [r["other_cpus"] for raw in rounds_raw.values() for runs in raw.values()
              for r in runs if r.get("other_cpus") is not None]
    if others and max(others) > OTHER_CPUS_WARN:
        print(f"\nWARNING: other processes used up to {max(others):.2f} CPUs during the measured "
              f"runs (column 'other'): the machine was not quiet and the numbers, ratios "
              f"included, are contaminated. Rerun on a quiet machine, or with --rounds 3.")
    print()
    target_lines, target_summary = evaluate_targets(points, rounds_raw, torii_ran)
    print("\n".join(target_lines))

    if not args.no_json:
        path = args.json or (REPO / "bench" / "results" /
                             f"http1-{started.strftime('%Y%m%d-%H%M%S')}.json")
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {
            "benchmark": "http1",
            "started": started.isoformat(timespec="seconds"),
            "finished": dt.datetime.now().isoformat(timespec="seconds"),
            "interrupted": interrupted,
            "config": {"duration_s": args.duration, "warmup_s": args.warmup,
                       "connections": args.connections, "wrk_threads": args.wrk_threads,
                       "sizes": args.sizes, "workers": args.workers, "targets": targets,
                       "rounds": args.rounds, "origin_workers": args.origin_workers,
                       "pin_harness": args.pin_harness,
                       "harness_cpus": {str(w): c for w, c in harness.items()}},
            "environment": env,
            "notes": notes,
            "points": [{"workers": w, "size": s, "results": points[(w, s)],
                        "rounds": rounds_raw.get((w, s))} for (w, s) in sorted(points)],
            "targets": target_summary,
        }
        path.write_text(json.dumps(doc, indent=2) + "\n")
        print(f"\nresults: {path}")
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
