#!/usr/bin/env python3
"""Control plane at scale: 100 Gateways x 100 HTTPRoutes (10,000 routes, mixed matches and
filters) served by one Torii from a directory of YAML.

Reports: time from start to /ready (initial decode + translate + compile + listeners), Torii's
RSS once serving, and the time from a file change (one route's path edited in place) to the new
route serving, over several edits. Prints numbers; asserts nothing (DESIGN.md §6). The translate
and compile times alone are in bench/micro (BM_TranslateAndCompile10kRoutes).
"""
import argparse
import http.client
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gateway_file(g, port, echo_port, routes, changed=None):
    ns = f"ns{g}"
    y = [f"""apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: gw, namespace: {ns}}}
spec:
  gatewayClassName: torii
  addresses: [{{type: IPAddress, value: 127.0.3.{g + 1}}}]
  listeners: [{{name: http, protocol: HTTP, port: {port}}}]
---
apiVersion: v1
kind: Service
metadata: {{name: svc, namespace: {ns}}}
spec: {{ports: [{{name: http, port: 80, targetPort: {echo_port}}}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: svc-1, namespace: {ns}, labels: {{kubernetes.io/service-name: svc}}}}
addressType: IPv4
endpoints: [{{addresses: [127.0.0.1]}}]
ports: [{{name: http, port: {echo_port}}}]
"""]
    for r in range(routes):
        path = changed if (changed and r == 0) else f"/api/{r}"
        kind = r % 4
        if r == 0 or kind == 0:
            match = f"{{path: {{type: PathPrefix, value: {path}}}}}"
            filters = ""
        elif kind == 1:
            match = f"{{path: {{type: Exact, value: /exact/{r}}}, headers: [{{name: x-version, value: v2}}]}}"
            filters = ""
        elif kind == 2:
            match = f"{{path: {{type: RegularExpression, value: \"/re/[0-9]+/{r}\"}}, queryParams: [{{name: q, value: x}}]}}"
            filters = ""
        else:
            match = f"{{path: {{type: PathPrefix, value: /m/{r}}}, method: POST}}"
            filters = ("    filters:\n    - type: RequestHeaderModifier\n      requestHeaderModifier:\n"
                       f"        set: [{{name: x-route, value: r{r}}}]\n")
        y.append(f"""---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: r{r}, namespace: {ns}}}
spec:
  parentRefs: [{{name: gw}}]
  hostnames: [h{r}.example.com]
  rules:
  - matches: [{match}]
{filters}    backendRefs: [{{name: svc, port: 80}}]
""")
    return "".join(y)


def get_status(addr, port, host, path, timeout=2):
    c = http.client.HTTPConnection(addr, port, timeout=timeout)
    try:
        c.request("GET", path, headers={"Host": host})
        r = c.getresponse()
        r.read()
        return r.status
    except OSError:
        return None
    finally:
        c.close()


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def settled_rss_mib(pid, wait=0.5):
    """RSS once the post-publish work (old snapshot freed, malloc_trim) has run: the last of
    several samples taken `wait` seconds apart that stop changing."""
    last = rss_mib(pid)
    for _ in range(10):
        time.sleep(wait)
        now = rss_mib(pid)
        if abs(now - last) < 0.5:
            return now
        last = now
    return last


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gateways", type=int, default=100)
    ap.add_argument("--routes", type=int, default=100, help="HTTPRoutes per Gateway")
    ap.add_argument("--edits", type=int, default=5)
    ap.add_argument("--build", "--build-dir", dest="build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--rss-per-edit", action="store_true",
                    help="print RSS (settled) after each edit")
    args = ap.parse_args()
    torii = os.path.join(args.build, "torii")
    echo = os.path.join(args.build, "torii-echo")
    for b in (torii, echo):
        if not os.path.exists(b):
            print(f"{b} is missing: run `make` first")
            return 1
    work = tempfile.mkdtemp(prefix="torii-bench-translate-")
    procs = []
    try:
        echo_port = free_port()
        procs.append(subprocess.Popen([echo, "--listen", f"127.0.0.1:{echo_port}"],
                                      stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        port = free_port()
        cfg = os.path.join(work, "config")
        os.makedirs(cfg)
        with open(os.path.join(cfg, "class.yaml"), "w") as f:
            f.write("apiVersion: gateway.networking.k8s.io/v1\nkind: GatewayClass\n"
                    "metadata: {name: torii}\nspec: {controllerName: torii.dev/gateway-controller}\n")
        for g in range(args.gateways):
            with open(os.path.join(cfg, f"gw{g:03d}.yaml"), "w") as f:
                f.write(gateway_file(g, port, echo_port, args.routes))
        admin = free_port()
        t0 = time.monotonic()
        p = subprocess.Popen([torii, "run", "--config", cfg, "--admin", f"127.0.0.1:{admin}",
                              "--log-level", "warn"], stdout=subprocess.DEVNULL,
                             stderr=open(os.path.join(work, "torii.log"), "w"))
        procs.append(p)
        deadline = t0 + 120
        while time.monotonic() < deadline:
            if p.poll() is not None:
                print("torii exited; log in", work)
                return 1
            if get_status("127.0.0.1", admin, "x", "/ready", timeout=1) == 200:
                break
            time.sleep(0.02)
        ready = time.monotonic() - t0
        # The last Gateway's first route answers once everything is programmed.
        last = args.gateways
        while get_status(f"127.0.3.{last}", port, "h4.example.com", "/api/4") != 200:
            if time.monotonic() > deadline:
                print("routes never served")
                return 1
            time.sleep(0.02)
        serving = time.monotonic() - t0
        rss = settled_rss_mib(p.pid)
        edits = []
        rss_edits = []
        for i in range(args.edits):
            new_path = f"/changed-{i}"
            path = os.path.join(cfg, "gw000.yaml")
            tmp = path + ".tmp"
            with open(tmp, "w") as f:
                f.write(gateway_file(0, port, echo_port, args.routes, changed=new_path))
            t1 = time.monotonic()
            os.replace(tmp, path)  # atomic, as editors and config tools do
            while get_status("127.0.3.1", port, "h0.example.com", new_path) != 200:
                if time.monotonic() - t1 > 60:
                    print("edit never served")
                    return 1
                time.sleep(0.005)
            edits.append((time.monotonic() - t1) * 1000)
            if args.rss_per_edit:
                rss_edits.append(settled_rss_mib(p.pid))
        rss_after = settled_rss_mib(p.pid)
        print(f"control plane at scale: {args.gateways} Gateways x {args.routes} HTTPRoutes = "
              f"{args.gateways * args.routes} routes")
        print(f"  start to /ready            {ready * 1000:8.0f} ms")
        print(f"  start to last route served {serving * 1000:8.0f} ms")
        print(f"  file change to serving     median {statistics.median(edits):.0f} ms, "
              f"max {max(edits):.0f} ms over {len(edits)} edits (150 ms of it is the debounce)")
        print(f"  RSS serving                {rss:8.1f} MiB (after edits {rss_after:.1f} MiB)")
        if rss_edits:
            print("  RSS after each edit        " + " ".join(f"{r:.1f}" for r in rss_edits) + " MiB")
        print(f"  TARGET RSS < 100 MiB: {'MET' if max(rss, rss_after) < 100 else 'NOT MET'}")
        grown = max([rss_after] + rss_edits) / rss - 1 if rss else 0.0
        print(f"  TARGET RSS after edits within 10% of serving ({grown * 100:+.0f}%): "
              f"{'MET' if grown <= 0.10 else 'NOT MET'}")
        return 0
    finally:
        for pr in reversed(procs):
            if pr.poll() is None:
                pr.send_signal(signal.SIGTERM)
                try:
                    pr.wait(10)
                except subprocess.TimeoutExpired:
                    pr.kill()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
