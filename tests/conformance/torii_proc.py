"""Driving Torii only through its CLI and admin API (DESIGN.md §4)."""

import http.client
import json
import os
import signal
import socket
import subprocess
import time


def free_port(host="127.0.0.1"):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind((host, 0))
    port = s.getsockname()[1]
    s.close()
    return port


class AdminClient:
    def __init__(self, host, port):
        self.host = host
        self.port = port

    def get(self, path, timeout=5.0):
        c = http.client.HTTPConnection(self.host, self.port, timeout=timeout)
        try:
            c.request("GET", path)
            r = c.getresponse()
            return r.status, r.read()
        finally:
            c.close()

    def ready(self):
        try:
            st, _ = self.get("/ready", timeout=2.0)
            return st == 200
        except OSError:
            return False

    def status_items(self):
        """The items of GET /status, or raises OSError/ValueError."""
        st, body = self.get("/status")
        if st != 200:
            raise ValueError("GET /status answered %d" % st)
        doc = json.loads(body)
        return doc.get("items") or []


class Torii:
    def __init__(self, build_dir, config_dirs, log_path, address_pool, port_offset,
                 extra_args=None):
        self.binary = os.path.join(build_dir, "torii")
        self.config_dirs = config_dirs
        self.log_path = log_path
        self.address_pool = address_pool
        self.port_offset = port_offset
        self.extra_args = extra_args or []
        self.proc = None
        self.admin = None

    def start(self):
        port = free_port()
        cmd = [self.binary, "run"]
        for d in self.config_dirs:
            cmd += ["--config", d]
        cmd += ["--admin", "127.0.0.1:%d" % port, "--address-pool", self.address_pool,
                "--port-offset", str(self.port_offset)] + self.extra_args
        self.cmd = cmd
        log = open(self.log_path, "wb")
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        self.admin = AdminClient("127.0.0.1", port)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def wait_admin(self, timeout=20.0):
        """Waits until the admin port answers (any status on /ready)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if not self.alive():
                raise RuntimeError("torii exited with %s; log tail:\n%s" %
                                   (self.proc.returncode, self.log_tail()))
            try:
                self.admin.get("/ready", timeout=1.0)
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("torii admin API did not answer within %.0fs" % timeout)

    def log_tail(self, n=20):
        try:
            with open(self.log_path, "rb") as f:
                lines = f.read().decode(errors="replace").splitlines()
            return "\n".join(lines[-n:])
        except OSError:
            return ""

    def stop(self):
        p = self.proc
        if p is None or p.poll() is not None:
            return
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=5)
