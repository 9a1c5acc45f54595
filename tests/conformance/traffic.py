"""HTTP(S) client and the Go suite's CompareRoundTrip semantics (conformance/utils/http).

`compare_round_trip` is pure (captured request/response in, first mismatch out) so that it is
unit-tested; `round_trip` performs one request; `await_convergence` is Go's AwaitConvergence.
"""

import http.client
import ipaddress
import json
import re
import socket
import ssl
import subprocess
import time
import urllib.parse
import uuid as uuidlib

REQUEST_TIMEOUT = 10.0          # Go roundtripper default per request
MAX_TIME_TO_CONSISTENCY = 30.0  # Go MaxTimeToConsistency
REQUIRED_CONSECUTIVE = 3        # Go RequiredConsecutiveSuccesses
TIMEOUT_STATUSES = (408, 504)


class Unsupported(Exception):
    """A case the runner cannot send yet (protocol, HTTP version)."""


class Captured:
    """What CaptureRoundTrip returns: the echoed request (cReq) and the response (cRes)."""

    def __init__(self, status, headers, body, request_json, redirect=None, error=None):
        self.status = status
        self.headers = headers          # lower-case name -> [values]
        self.body = body
        self.req = request_json          # dict: path, host, method, namespace, pod, headers, tls
        self.redirect = redirect        # dict: scheme, host, port, path (3xx only)
        self.error = error


def as_status_list(v):
    if v is None:
        return [200]
    if isinstance(v, list):
        return [int(x) for x in v]
    return [int(v)]


def _lower_headers(h):
    out = {}
    for k, v in (h or {}).items():
        vals = v if isinstance(v, list) else [v]
        out.setdefault(k.lower(), []).extend(str(x) for x in vals)
    return out


def calculate_host(gw_addr, scheme):
    """Go CalculateHost: drop the port when it is implied by the scheme."""
    host, _, port = gw_addr.rpartition(":")
    if ":" in host and not host.startswith("["):
        host = "[" + host + "]"
    if (scheme == "http" and port == "80") or (scheme == "https" and port == "443"):
        return host
    return gw_addr


def parse_redirect(location):
    u = urllib.parse.urlsplit(location or "")
    port = ""
    netloc = u.netloc
    if netloc:
        hostport = netloc.rsplit("@", 1)[-1]
        if hostport.startswith("["):
            end = hostport.find("]")
            rest = hostport[end + 1:]
            port = rest[1:] if rest.startswith(":") else ""
        elif ":" in hostport:
            port = hostport.rsplit(":", 1)[1]
    return {"scheme": u.scheme, "host": u.hostname or "", "port": port, "path": u.path}


def _strip_ws(s):
    return re.sub(r"\s+", "", s)


def compare_round_trip(req, cap, expect, resolve_pem=None):
    """Go CompareRoundTrip over one captured round trip. `req` is the case request as sent
    (with 'scheme' and the effective 'path'); returns None or the first mismatch."""
    want_status = as_status_list(expect.get("status"))
    if cap.status in TIMEOUT_STATUSES and any(s in TIMEOUT_STATUSES for s in want_status):
        return None
    if cap.status not in want_status:
        return "expected status code to be %s, got %d" % (
            want_status[0] if len(want_status) == 1 else want_status, cap.status)
    if cap.status in (200, 204):
        er = dict(expect.get("request") or {})
        creq = cap.req or {}
        method = er.get("method") or "GET"
        if er.get("host") and er["host"] != creq.get("host", ""):
            return "expected host to be %s, got %s" % (er["host"], creq.get("host", ""))
        if er.get("path", "") != creq.get("path", ""):
            return "expected path to be %s, got %s" % (er.get("path", ""), creq.get("path", ""))
        if method != creq.get("method", ""):
            return "expected method to be %s, got %s" % (method, creq.get("method", ""))
        if expect.get("namespace", "") != creq.get("namespace", ""):
            return "expected namespace to be %s, got %s" % (expect.get("namespace", ""),
                                                          creq.get("namespace", ""))
        req_headers = _lower_headers(creq.get("headers"))
        if er.get("headers") is not None:
            if not creq.get("headers"):
                return "no headers captured, expected %d" % len(er["headers"])
            for name, val in er["headers"].items():
                actual = req_headers.get(name.lower())
                if actual is None:
                    return "expected %s header to be set, actual headers: %s" % (
                        name, creq.get("headers"))
                if ",".join(actual) != val:
                    return "expected %s header to be set to %s, got %s" % (name, val,
                                                                           ",".join(actual))
        resp = expect.get("response") or {}
        ignore_ws = resp.get("ignoreWhitespace", False)
        if resp.get("headers") is not None:
            for name, val in resp["headers"].items():
                actual = cap.headers.get(name.lower())
                if actual is None:
                    return "expected %s response header to be set, actual headers: %s" % (
                        name, sorted(cap.headers))
                got = ",".join(actual)
                if (_strip_ws(got) != _strip_ws(val)) if ignore_ws else got != val:
                    return "expected %s response header to be set to %s, got %s" % (name, val,
                                                                                    got)
        for name, allowed in (resp.get("validHeaderValues") or {}).items():
            actual = cap.headers.get(name.lower())
            if actual is None:
                return "expected %s response header to be set, actual headers: %s" % (
                    name, sorted(cap.headers))
            got = ",".join(actual)
            norm = _strip_ws if ignore_ws else (lambda s: s)
            if norm(got) not in [norm(a) for a in allowed]:
                return "expected %s response header to be one of %s, got %s" % (name, allowed,
                                                                                got)
        for name in resp.get("absentHeaders") or []:
            if name.lower() in cap.headers:
                return "expected %s response header to not be set, got %s" % (
                    name, cap.headers[name.lower()])
        for name in er.get("absentHeaders") or []:
            if name.lower() in req_headers:
                return "expected %s header to not be set, got %s" % (name,
                                                                     req_headers[name.lower()])
        backend = expect.get("backend", "")
        if not creq.get("pod", "").startswith(backend):
            return "expected pod name to start with %s, got %s" % (backend, creq.get("pod", ""))
        if "httpPort" in er and str(er["httpPort"]) != str(creq.get("httpPort", "")):
            return "expected httpPort %s, got %s" % (er["httpPort"], creq.get("httpPort"))
        tls = creq.get("tls") or {}
        if er.get("sni") and er["sni"] != tls.get("serverName", ""):
            return "expected backend TLS server name %s, got %r" % (er["sni"],
                                                                   tls.get("serverName", ""))
        if er.get("clientCert"):
            pem = resolve_pem(er["clientCert"]) if resolve_pem else er["clientCert"]
            peers = [_strip_ws(p) for p in tls.get("peerCertificates") or []]
            if _strip_ws(pem or "") not in peers:
                return "expected the backend to see client certificate %s" % er["clientCert"]
    elif 300 <= cap.status < 400:
        rr = expect.get("redirect")
        if rr is None:
            return None
        got = cap.redirect or {"scheme": "", "host": "", "port": "", "path": ""}
        host = rr.get("host") or got["host"]
        scheme = rr.get("scheme") or req.get("scheme", "http")
        path = rr.get("path") or urllib.parse.urlsplit(req.get("path", "/")).path
        if host != got["host"]:
            return "expected redirected hostname to be %r, got %r" % (host, got["host"])
        exp_port = str(rr.get("port") or "")
        if exp_port == "":
            if got["scheme"].lower() == "http" and got["port"] not in ("80", ""):
                return "for http scheme, expected redirected port to be 80 or not set, got %r" \
                    % got["port"]
            if got["scheme"].lower() == "https" and got["port"] not in ("443", ""):
                return ("for https scheme, expected redirected port to be 443 or not set, "
                        "got %r" % got["port"])
        elif exp_port != got["port"]:
            return "expected redirected port to be %r, got %r" % (exp_port, got["port"])
        if scheme != got["scheme"]:
            return "expected redirected scheme to be %r, got %r" % (scheme, got["scheme"])
        if path != got["path"]:
            return "expected redirected path to be %r, got %r" % (path, got["path"])
    return None


def go_match_hostname(pattern, host):
    """crypto/x509 matchHostnames: '*' only as a whole first label, equal label counts."""
    pattern = pattern.lower()
    host = host.lower().rstrip(".")
    if not pattern or not host:
        return False
    pp = pattern.split(".")
    hp = host.split(".")
    if len(pp) != len(hp):
        return False
    for i, part in enumerate(pp):
        if i == 0 and part == "*":
            continue
        if part != hp[i]:
            return False
    return True


def verify_peer_name(cert, name):
    """Go's VerifyHostname against the SANs of a verified peer certificate."""
    sans = cert.get("subjectAltName", ())
    try:
        ip = ipaddress.ip_address(name)
        return any(t == "IP Address" and ipaddress.ip_address(v.strip()) == ip for t, v in sans)
    except ValueError:
        pass
    return any(t == "DNS" and go_match_hostname(v, name) for t, v in sans)


class TlsSettings:
    def __init__(self, trust_pem, server_name, client_cert=None, min_version=None):
        self.trust_pem = trust_pem
        self.server_name = server_name
        self.client_cert = client_cert   # (cert path, key path)
        self.min_version = min_version

    def context(self, alpn=None):
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_REQUIRED
        if self.trust_pem == "system":
            ctx.load_default_certs()
        else:
            ctx.load_verify_locations(cadata=self.trust_pem)
        if self.client_cert:
            ctx.load_cert_chain(self.client_cert[0], self.client_cert[1])
        if self.min_version == "1.2":
            ctx.minimum_version = ssl.TLSVersion.TLSv1_2
        if alpn:
            ctx.set_alpn_protocols(alpn)
        return ctx


class _Conn(http.client.HTTPConnection):
    """HTTPConnection to a fixed address, optionally TLS with Go-style name verification."""

    def __init__(self, ip, port, tls=None, timeout=REQUEST_TIMEOUT):
        super().__init__(ip, port, timeout=timeout)
        self.tls = tls

    def connect(self):
        super().connect()
        if self.tls is not None:
            ctx = self.tls.context(alpn=["http/1.1"])
            sni = self.tls.server_name or None
            self.sock = ctx.wrap_socket(self.sock, server_hostname=sni)
            cert = self.sock.getpeercert()
            name = self.tls.server_name or self.host
            if not verify_peer_name(cert, name):
                raise ssl.SSLCertVerificationError(
                    "certificate is not valid for %r (SANs %s)" % (name,
                                                                 cert.get("subjectAltName")))


def round_trip(ip, port, scheme, method, path, host, headers, tls=None,
               timeout=REQUEST_TIMEOUT, body=None):
    """One HTTP/1.1 request; returns Captured (error set on transport failure)."""
    conn = _Conn(ip, port, tls=tls if scheme == "https" else None, timeout=timeout)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        conn.putheader("Host", host)
        conn.putheader("User-Agent", "Go-http-client/1.1")
        for k, v in headers:
            conn.putheader(k, v)
        if body is not None:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders(body)
        r = conn.getresponse()
        data = r.read()
        hdrs = {}
        for k, v in r.getheaders():
            hdrs.setdefault(k.lower(), []).append(v)
        creq = {}
        ctype = hdrs.get("content-type", [""])[0] if len(hdrs.get("content-type", [])) == 1 \
            else ",".join(hdrs.get("content-type", []))
        if ctype == "application/json":
            try:
                creq = json.loads(data.decode("utf-8"))
            except (ValueError, UnicodeDecodeError) as e:
                return Captured(r.status, hdrs, data, {}, error="bad JSON body: %s" % e)
        else:
            creq = {"method": method}
        redirect = None
        if 300 <= r.status < 400:
            redirect = parse_redirect(hdrs.get("location", [""])[0])
        return Captured(r.status, hdrs, data, creq, redirect)
    except (OSError, http.client.HTTPException, ssl.SSLError) as e:
        return Captured(0, {}, b"", {}, error="%s: %s" % (type(e).__name__, e))
    finally:
        conn.close()


def echo_set_header(backend_set):
    return ",".join("%s:%s" % (k, v) for k, v in (backend_set or {}).items())


def fresh_uuid():
    return str(uuidlib.uuid4())


def await_convergence(fn, threshold=REQUIRED_CONSECUTIVE, max_time=MAX_TIME_TO_CONSISTENCY,
                      delay=1.0, clock=time.monotonic, sleep=time.sleep):
    """Go AwaitConvergence: `fn()` returns None (success) or a mismatch; needs `threshold`
    successes in a row; a failure resets the count and waits `delay`. Returns None or the last
    mismatch (with attempt counts) on timeout."""
    start = clock()
    successes = 0
    attempts = 0
    last = None
    while True:
        if clock() - start >= max_time:
            return "timeout after %d attempts (%d/%d consecutive successes); last mismatch: %s" \
                % (attempts, successes, threshold, last)
        m = fn()
        attempts += 1
        if m is None:
            successes += 1
            if successes >= threshold:
                return None
            continue
        last = m
        successes = 0
        remaining = max_time - (clock() - start)
        if remaining <= 0:
            continue
        sleep(min(delay, remaining))


def client_cert_requested(ip, port, sni, timeout=10.0):
    """Whether the TLS server sends a CertificateRequest (asked via `openssl s_client`)."""
    try:
        p = subprocess.run(["openssl", "s_client", "-connect", "%s:%d" % (ip, port),
                            "-servername", sni or "localhost"],
                           input=b"", stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=timeout)
    except (OSError, subprocess.TimeoutExpired):
        return False
    out = p.stdout.decode(errors="replace")
    return any(marker in out for marker in ("Acceptable client certificate CA names",
                                            "Requested Signature Algorithms",
                                            "Client Certificate Types"))
