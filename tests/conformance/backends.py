"""Backends: the runner plays kube-controller-manager and the kubelet.

For every Deployment of a test it starts `replicas` echo processes, each on its own loopback
address (127.0.0.0/8 is local on Linux) on the container port, and for every Service it writes
the EndpointSlice (discovery.k8s.io/v1) that the EndpointSlice controller would write.
Pod names are `<deployment>-<rs-hash>-<pod-hash>` like Kubernetes ones.
"""

import hashlib
import ipaddress
import os
import signal
import socket
import subprocess
import threading
import time

# Which echo-basic variant a Deployment runs, decided from its env and image.
MODE_HTTP = "http"      # echo-basic default: HTTP/1.1 on HTTP_PORT (3000), h2c on H2C_PORT (3001)
MODE_HTTPS = "https"    # plus HTTPS on 8443 (TLS_SERVER_CERT)
MODE_GRPC = "grpc"
MODE_TCP = "tcp"
MODE_UDP = "udp"
MODE_DNS = "dns"        # coredns

# Modes torii-echo can serve today; others are described but not started (their tests are not
# claimed yet). Extend by adding a mode here and its command in EchoLauncher.command().
SUPPORTED_MODES = {MODE_HTTP}

_ALNUM = "bcdfghjklmnpqrstvwxz2456789"  # the Kubernetes name-suffix alphabet


def _suffix(seed, n):
    h = hashlib.sha256(seed.encode()).digest()
    return "".join(_ALNUM[b % len(_ALNUM)] for b in h[:n])


def pod_name(namespace, deployment, index):
    rs = _suffix("rs/%s/%s" % (namespace, deployment), 10)
    return "%s-%s-%s" % (deployment, rs, _suffix("pod/%s/%s/%d" % (namespace, deployment, index), 5))


def backend_name_from_pod(pod):
    """Weight tests: strip the last two '-' segments of the pod name."""
    parts = pod.split("-")
    return "-".join(parts[:-2]) if len(parts) > 2 else pod


class Deployment:
    def __init__(self, obj):
        md = obj.get("metadata") or {}
        spec = obj.get("spec") or {}
        self.namespace = md.get("namespace") or "default"
        self.name = md["name"]
        r = spec.get("replicas")
        self.replicas = 1 if r is None else int(r)
        tmpl = spec.get("template") or {}
        self.labels = ((tmpl.get("metadata") or {}).get("labels")) or {}
        containers = ((tmpl.get("spec") or {}).get("containers")) or [{}]
        c = containers[0]
        self.image = c.get("image", "")
        self.env = {}
        for e in c.get("env") or []:
            if "value" in e:
                self.env[e["name"]] = str(e["value"])
        self.ports = []  # (name, containerPort, protocol)
        for cc in containers:
            for p in cc.get("ports") or []:
                self.ports.append((p.get("name"), int(p["containerPort"]),
                                   p.get("protocol", "TCP")))
        self.mode = self._mode()

    def _mode(self):
        if "coredns" in self.image:
            return MODE_DNS
        if self.env.get("GRPC_ECHO_SERVER"):
            return MODE_GRPC
        if self.env.get("TCP_ECHO_SERVER"):
            return MODE_TCP
        if self.env.get("UDP_ECHO_SERVER"):
            return MODE_UDP
        if self.env.get("TLS_SERVER_CERT"):
            return MODE_HTTPS
        return MODE_HTTP

    def http_port(self):
        return int(self.env.get("HTTP_PORT", "3000"))

    def spec_key(self):
        return (self.namespace, self.name, self.replicas, self.image,
                tuple(sorted(self.env.items())), tuple(self.ports))


class Pod:
    def __init__(self, deployment, index, ip):
        self.deployment = deployment
        self.namespace = deployment.namespace
        self.name = pod_name(deployment.namespace, deployment.name, index)
        self.ip = ip
        self.labels = deployment.labels
        self.proc = None
        self.log_path = None
        self.started = False
        self.note = ""


class AddressAllocator:
    """Hands out loopback addresses from a base (e.g. 127.0.2.1) upwards, skipping .0/.255."""

    def __init__(self, first="127.0.2.1"):
        self.next = int(ipaddress.IPv4Address(first))
        self.lock = threading.Lock()

    def take(self):
        with self.lock:
            while True:
                a = ipaddress.IPv4Address(self.next)
                self.next += 1
                if a.packed[3] not in (0, 255):
                    return str(a)


def wait_tcp(host, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.05)
    return False


class EchoLauncher:
    def __init__(self, build_dir, log_dir, verbose=False):
        self.echo = os.path.join(build_dir, "torii-echo")
        self.log_dir = log_dir
        self.verbose = verbose
        os.makedirs(log_dir, exist_ok=True)

    def command(self, pod):
        d = pod.deployment
        if d.mode == MODE_HTTP:
            return [self.echo, "--listen", "%s:%d" % (pod.ip, d.http_port()),
                    "--namespace", pod.namespace, "--pod", pod.name,
                    "--service", d.env.get("SERVICE_NAME", "")], d.http_port()
        return None, None

    def start(self, pod):
        if pod.deployment.mode not in SUPPORTED_MODES:
            pod.note = "mode %s not supported by torii-echo yet: not started" % pod.deployment.mode
            return
        cmd, port = self.command(pod)
        pod.log_path = os.path.join(self.log_dir, "%s.%s.log" % (pod.namespace, pod.name))
        log = open(pod.log_path, "wb")
        pod.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        log.close()
        pod.port = port
        pod.started = True

    def wait_ready(self, pod, timeout=10.0):
        if not pod.started:
            return True
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pod.proc.poll() is not None:
                raise RuntimeError("torii-echo for %s exited with %s (log %s)" %
                                   (pod.name, pod.proc.returncode, pod.log_path))
            if wait_tcp(pod.ip, pod.port, 0.2):
                return True
        raise RuntimeError("torii-echo for %s did not listen on %s:%d within %.0fs" %
                           (pod.name, pod.ip, pod.port, timeout))

    @staticmethod
    def stop(pod):
        p = pod.proc
        if p is None or p.poll() is not None:
            return
        try:
            p.send_signal(signal.SIGTERM)
            p.wait(timeout=3)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait(timeout=3)


class BackendPool:
    """Keeps pods running across tests: a Deployment with an unchanged spec is reused."""

    def __init__(self, launcher, allocator):
        self.launcher = launcher
        self.alloc = allocator
        self.running = {}  # spec_key -> [Pod]

    def ensure(self, deployments):
        """Starts (or reuses) the pods of `deployments`; returns {(ns, name): [Pod]}."""
        out = {}
        fresh = []
        for d in deployments:
            k = d.spec_key()
            if k not in self.running:
                pods = [Pod(d, i, self.alloc.take()) for i in range(d.replicas)]
                for p in pods:
                    self.launcher.start(p)
                    fresh.append(p)
                self.running[k] = pods
            out[(d.namespace, d.name)] = self.running[k]
        for p in fresh:
            self.launcher.wait_ready(p)
        return out

    def release_except(self, keep_keys):
        for k in list(self.running):
            if k not in keep_keys:
                for p in self.running.pop(k):
                    self.launcher.stop(p)

    def stop_all(self):
        self.release_except(set())


def _selector_matches(selector, labels):
    return bool(selector) and all(labels.get(k) == v for k, v in selector.items())


def _resolve_target_port(svc_port, pod):
    tp = svc_port.get("targetPort", svc_port.get("port"))
    if isinstance(tp, int) or (isinstance(tp, str) and tp.isdigit()):
        return int(tp)
    for name, port, _proto in pod.deployment.ports:
        if name == tp:
            return port
    return None


def endpoint_slices(services, pods_by_deployment):
    """EndpointSlice objects for the Services that have a selector (the controller's job)."""
    all_pods = [p for pods in pods_by_deployment.values() for p in pods]
    slices = []
    for svc in services:
        md = svc.get("metadata") or {}
        spec = svc.get("spec") or {}
        ns = md.get("namespace") or "default"
        name = md["name"]
        selector = spec.get("selector")
        if not selector:
            continue  # manually managed: the manifest (or the test) provides the slices
        pods = [p for p in all_pods if p.namespace == ns and _selector_matches(selector, p.labels)]
        # One slice per distinct target-port mapping (Kubernetes groups endpoints that way).
        groups = {}
        for p in pods:
            ports = []
            for sp in spec.get("ports") or []:
                tp = _resolve_target_port(sp, p)
                if tp is None:
                    continue
                entry = {"name": sp.get("name", ""), "port": tp,
                         "protocol": sp.get("protocol", "TCP")}
                if sp.get("appProtocol"):
                    entry["appProtocol"] = sp["appProtocol"]
                ports.append(entry)
            key = repr(ports)
            groups.setdefault(key, (ports, []))[1].append(p)
        if not groups:
            groups[""] = ([{"name": sp.get("name", ""), "port": sp.get("targetPort", sp.get("port"))
                            if isinstance(sp.get("targetPort", sp.get("port")), int) else None,
                            "protocol": sp.get("protocol", "TCP")}
                           for sp in spec.get("ports") or []], [])
        for i, (ports, gpods) in enumerate(groups.values()):
            slices.append({
                "apiVersion": "discovery.k8s.io/v1",
                "kind": "EndpointSlice",
                "metadata": {
                    "name": "%s-%s" % (name, _suffix("slice/%s/%s/%d" % (ns, name, i), 5)),
                    "namespace": ns,
                    "labels": {"kubernetes.io/service-name": name,
                               "endpointslice.kubernetes.io/managed-by":
                                   "endpointslice-controller.k8s.io"},
                    "ownerReferences": [{"apiVersion": "v1", "kind": "Service", "name": name,
                                         "controller": True, "blockOwnerDeletion": True}],
                },
                "addressType": "IPv4",
                "ports": ports,
                "endpoints": [{
                    "addresses": [p.ip],
                    "conditions": {"ready": True, "serving": True, "terminating": False},
                    "targetRef": {"kind": "Pod", "namespace": p.namespace, "name": p.name},
                } for p in gpods],
            })
    return slices


def pod_objects(pods_by_deployment):
    """Pods with status.podIP and labels (what InferencePool selectors read)."""
    out = []
    for pods in pods_by_deployment.values():
        for p in pods:
            out.append({"apiVersion": "v1", "kind": "Pod",
                        "metadata": {"name": p.name, "namespace": p.namespace,
                                     "labels": dict(p.labels)},
                        "status": {"phase": "Running", "podIP": p.ip,
                                   "podIPs": [{"ip": p.ip}],
                                   "conditions": [{"type": "Ready", "status": "True"}]}})
    return out


def mirror_log_contains(pod, uri):
    """True when the pod's echo log has `Echoing back request made to <uri> to client`."""
    if not pod.log_path or not os.path.exists(pod.log_path):
        return False
    needle = ("Echoing back request made to %s to client" % uri).encode()
    with open(pod.log_path, "rb") as f:
        return needle in f.read()


def count_log_lines(pod, uri):
    if not pod.log_path or not os.path.exists(pod.log_path):
        return 0
    needle = ("Echoing back request made to %s to client" % uri).encode()
    with open(pod.log_path, "rb") as f:
        return f.read().count(needle)
