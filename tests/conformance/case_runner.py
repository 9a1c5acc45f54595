"""Sending one CASE of the corpus and judging it (README "CASE" semantics).

`cases_run(tr, case)` returns None when the case passes or the first mismatch. HTTP and HTTPS
(HTTP/1.1) are implemented; GRPC, WEBSOCKET, HTTP/2, TLS/TCP/UDP/DNS stream cases raise
traffic.Unsupported (reported as FAIL only when their test is claimed).
"""

import random
import threading
import time

import backends
import traffic

DEFAULT_TRUST = "Secret gateway-conformance-infra/tls-validity-checks-certificate tls.crt"
REQUEST_ID = "gateway-api-conformance-request-id"
MIRROR_WAIT = traffic.MAX_TIME_TO_CONSISTENCY


def _with_query(path, kv):
    return path + ("&" if "?" in path else "?") + kv


class HttpCase:
    """A case request resolved against the running gateway (address, port, TLS settings)."""

    def __init__(self, tr, case):
        self.tr = tr
        self.case = case
        req = case["request"]
        self.req = req
        proto = req.get("protocol", "HTTP")
        if proto not in ("HTTP", "HTTPS"):
            raise traffic.Unsupported("protocol %s is not implemented by the runner yet" % proto)
        if req.get("httpVersion"):
            raise traffic.Unsupported("httpVersion %s is not implemented by the runner yet" %
                                      req["httpVersion"])
        self.scheme = "https" if proto == "HTTPS" else "http"
        self.ip = tr.gateway_address(req["gateway"])
        self.port = int(req["port"])
        self.connect_port = self.port + tr.r.args.port_offset
        self.host = req.get("host") or traffic.calculate_host("%s:%d" % (self.ip, self.port),
                                                              self.scheme)
        self.method = req.get("method") or "GET"
        self.tls = None
        if self.scheme == "https":
            tls_objs = tr.r.tls
            trust = tls_objs.trust_pem(req.get("trust") or DEFAULT_TRUST) \
                if req.get("trust") != "system" else "system"
            client = None
            if req.get("clientCertSecret"):
                ns, name = req["clientCertSecret"].split("/", 1)
                client = tls_objs.files_for_secret(ns, name)
            sni = req.get("sni")
            if not sni:
                sni = self.host
                if ":" in sni and not sni.startswith("["):
                    sni = sni.rsplit(":", 1)[0]
            self.tls = traffic.TlsSettings(trust, sni, client, req.get("minTLSVersion"))

    def headers(self, extra=None):
        h = list((self.req.get("headers") or {}).items())
        h.append(("X-Echo-Set-Header",
                  traffic.echo_set_header(self.req.get("backendSetResponseHeaders"))))
        if extra:
            h.extend(extra)
        return h

    def send(self, path, extra_headers=None):
        return traffic.round_trip(self.ip, self.connect_port, self.scheme, self.method, path,
                                  self.host, self.headers(extra_headers), tls=self.tls)

    def resolve_pem(self, text):
        # "<PEM of Secret ns/name tls.crt>"
        if text.startswith("<PEM of Secret "):
            ref = text[len("<PEM of Secret "):].rstrip(">").split()[0]
            ns, name = ref.split("/", 1)
            return self.tr.r.tls.secret_cert_pem(ns, name)
        return text


def _expect_for(case, path_expected):
    exp = dict(case["expect"])
    if "request" in exp and path_expected is not None:
        er = dict(exp["request"])
        er["path"] = path_expected
        exp["request"] = er
    return exp


def one_attempt(hc, path, exp_path, extra_headers=None):
    """One round trip judged by CompareRoundTrip; returns (mismatch, captured)."""
    uid = None
    if "<uuid>" in path:
        uid = traffic.fresh_uuid()
        path = path.replace("<uuid>", uid)
        exp_path = exp_path.replace("<uuid>", uid) if exp_path else exp_path
    cap = hc.send(path, extra_headers)
    if cap.error:
        return "request failed: %s" % cap.error, cap
    exp = _expect_for(hc.case, exp_path)
    req = {"scheme": hc.scheme, "path": path}
    return traffic.compare_round_trip(req, cap, exp, hc.resolve_pem), cap


def mirror_pods(tr, name, namespace):
    return tr.pods.get((namespace, name), [])


def check_mirrors(tr, case, uri):
    deadline = time.monotonic() + MIRROR_WAIT
    for m in case["expect"].get("mirroredTo") or []:
        pods = mirror_pods(tr, m["name"], m.get("namespace", ""))
        if not pods:
            return "mirror backend %s/%s has no pods" % (m.get("namespace"), m["name"])
        while not any(backends.mirror_log_contains(p, uri) for p in pods):
            if time.monotonic() >= deadline:
                return "mirror backend %s/%s did not log a request to %s" % (
                    m.get("namespace"), m["name"], uri)
            time.sleep(0.2)
    return None


def run_failure_case(hc):
    kind = hc.case["expect"]["failure"]
    path = hc.req.get("path", "/")
    if kind == "connection":
        def attempt():
            cap = hc.send(path)
            if cap.error:
                return None
            return "the round trip succeeded with status %d, expected a TLS/connection failure" \
                % cap.status
        m = traffic.await_convergence(attempt)
        if m:
            return m
        if hc.case["expect"].get("clientCertMustBeRequested"):
            sni = hc.tls.server_name if hc.tls else None
            if not traffic.client_cert_requested(hc.ip, hc.connect_port, sni):
                return "the server did not request a client certificate"
        return None
    if kind == "non-200":
        deadline = time.monotonic() + traffic.MAX_TIME_TO_CONSISTENCY
        in_row = 0
        last = None
        while time.monotonic() < deadline:
            cap = hc.send(path)
            if cap.error:
                in_row, last = 0, cap.error
            elif cap.status == 200:
                return "got 200, expected a non-200 answer"
            elif cap.status in traffic.TIMEOUT_STATUSES:
                in_row, last = 0, "status %d" % cap.status
            else:
                in_row += 1
                if in_row >= 5:
                    return None
                continue
            time.sleep(1.0)
        return "no 5 consecutive non-200 answers within %.0fs (last: %s)" % (
            traffic.MAX_TIME_TO_CONSISTENCY, last)
    raise traffic.Unsupported("failure kind %r is not implemented by the runner yet" % kind)


def cases_run(tr, case, request_id=None):
    req = case["request"]
    exp = case["expect"]
    if exp.get("connectOnly") or exp.get("tcpEcho") or exp.get("udpEcho") or \
            exp.get("dnsResponse") or exp.get("websocket") or exp.get("grpcStatus"):
        raise traffic.Unsupported("%s case is not implemented by the runner yet" %
                                  req.get("protocol"))
    hc = HttpCase(tr, case)
    if exp.get("failure"):
        return run_failure_case(hc)
    path = req.get("path", "/")
    exp_path = (exp.get("request") or {}).get("path")
    if exp.get("mirroredTo") or request_id:
        rid = request_id or traffic.fresh_uuid()
        path = _with_query(path, "%s=%s" % (REQUEST_ID, rid))
        if exp_path is not None:
            exp_path = _with_query(exp_path, "%s=%s" % (REQUEST_ID, rid))
    m = traffic.await_convergence(lambda: one_attempt(hc, path, exp_path)[0])
    if m:
        return m
    if exp.get("mirroredTo") and not any("percent" in x for x in exp["mirroredTo"]):
        return check_mirrors(tr, case, path)
    return None


# --- statistical checks -----------------------------------------------------------------------


def _parallel(n, concurrency, fn):
    """Runs fn(i) for i in range(n) on `concurrency` threads; returns the results in order."""
    results = [None] * n
    lock = threading.Lock()
    nxt = [0]

    def worker():
        while True:
            with lock:
                i = nxt[0]
                nxt[0] += 1
            if i >= n:
                return
            results[i] = fn(i)

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def weight_distribution(tr, dist):
    """HTTPRouteWeight: fractions per backend within tolerance, retried up to 10 times."""
    if dist.get("exchange") or tr.test["cases"][0]["request"].get("protocol") != "HTTP":
        raise traffic.Unsupported("distribution over %s is not implemented by the runner yet" %
                                  (dist.get("exchange") or
                                   tr.test["cases"][0]["request"].get("protocol")))
    case = tr.test["cases"][0]
    hc = HttpCase(tr, case)
    n = int(dist.get("requests", 500))
    conc = int(dist.get("concurrency", 10))
    tol = float(dist.get("tolerance", 0.05))
    weights = dist["weights"]
    path = case["request"].get("path", "/")
    exp_path = (case["expect"].get("request") or {}).get("path")
    last = None
    for attempt in range(10):
        def one(_i):
            extra = [("X-Jitter", str(random.randint(0, 9999)))] if random.random() < 0.5 else []
            m, cap = one_attempt(hc, path, exp_path, extra)
            if m:
                return ("error", m)
            return ("ok", backends.backend_name_from_pod((cap.req or {}).get("pod", "")))
        res = _parallel(n, conc, one)
        errors = [r[1] for r in res if r[0] == "error"]
        if errors:
            last = "%d of %d requests failed, first: %s" % (len(errors), n, errors[0])
            continue
        counts = {}
        for _, b in res:
            counts[b] = counts.get(b, 0) + 1
        bad = None
        for b in counts:
            if b not in weights:
                bad = "unexpected backend %s got %d requests" % (b, counts[b])
        for b, w in weights.items():
            got = counts.get(b, 0)
            if w == 0 and got:
                bad = "backend %s has weight 0 but got %d requests" % (b, got)
            elif w > 0 and not got:
                bad = "backend %s (weight %.2f) got no requests" % (b, w)
            elif abs(got / n - w) > tol:
                bad = "backend %s got %.3f of the requests, expected %.2f +- %.2f" % (
                    b, got / n, w, tol)
        if bad is None:
            return None
        last = "%s (counts %s)" % (bad, counts)
    return "distribution check failed 10 times; last: %s" % last


def repeat_check(tr, rep):
    """HTTPRouteRequestHeaderModifierBackendWeights: 100 more requests, each backend must have
    seen exactly one Backend header whose value prefixes the pod name."""
    if rep.get("exchange"):
        raise traffic.Unsupported("repeat over %s is not implemented by the runner yet" %
                                  rep["exchange"])
    case = tr.test["cases"][0]
    hc = HttpCase(tr, case)
    path = case["request"].get("path", "/")
    for i in range(int(rep.get("count", 100))):
        cap = hc.send(path)
        if cap.error:
            return "repeat request %d failed: %s" % (i, cap.error)
        if cap.status != 200:
            return "repeat request %d: status %d" % (i, cap.status)
        hdrs = traffic._lower_headers((cap.req or {}).get("headers"))
        vals = hdrs.get("backend", [])
        if len(vals) != 1:
            return "repeat request %d: backend saw Backend header values %s, expected one" % (
                i, vals)
        if not (cap.req or {}).get("pod", "").startswith(vals[0]):
            return "repeat request %d: pod %s does not start with %s" % (
                i, cap.req.get("pod"), vals[0])
    return None


def percentage_mirror(tr, dist):
    """HTTPRouteRequestPercentageMirror: mirror counts within 3 sigma of N*p, up to 5 tries."""
    n = int(dist.get("requests", 500))
    conc = int(dist.get("concurrency", 10))
    for case in tr.test["cases"]:
        mirrors = [m for m in case["expect"].get("mirroredTo") or [] if "percent" in m]
        if not mirrors:
            continue
        hc = HttpCase(tr, case)
        last = None
        for _attempt in range(int(dist.get("checks", 5))):
            rid = traffic.fresh_uuid()
            path = traffic_path = _with_query(case["request"].get("path", "/"),
                                              "%s=%s" % (REQUEST_ID, rid))
            res = _parallel(n, conc, lambda _i: hc.send(traffic_path))
            errs = [c.error or c.status for c in res if c.error or c.status != 200]
            if errs:
                last = "%d requests failed, first: %s" % (len(errs), errs[0])
                continue
            time.sleep(1.0)
            bad = None
            for m in mirrors:
                p = float(m["percent"]) / 100.0
                got = sum(backends.count_log_lines(pod, path)
                          for pod in mirror_pods(tr, m["name"], m.get("namespace", "")))
                sd = (n * p * (1 - p)) ** 0.5
                lo, hi = n * p - 3 * sd, n * p + 3 * sd
                if not lo <= got <= hi:
                    bad = "mirror %s received %d of %d requests, expected %.0f..%.0f" % (
                        m["name"], got, n, lo, hi)
            if bad is None:
                last = None
                break
            last = bad
        if last:
            return last
    return None
