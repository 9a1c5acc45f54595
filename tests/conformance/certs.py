"""TLS material the Go suite creates during setup, generated with the `openssl` CLI.

See the corpus README, "TLS material": Secrets are kubernetes.io/tls (`tls.crt`/`tls.key`,
base64 in `data`), CA ConfigMaps hold `ca.crt`. Everything is generated once per run into a
directory and turned into Kubernetes objects that every test's config directory receives.
"""

import base64
import os
import subprocess

INFRA = "gateway-conformance-infra"
WEB = "gateway-conformance-web-backend"
APP = "gateway-conformance-app-backend"


class CertError(RuntimeError):
    pass


def _openssl(args, cwd):
    p = subprocess.run(["openssl"] + args, cwd=cwd, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        raise CertError("openssl %s failed: %s" % (" ".join(args), p.stderr.strip()))
    return p.stdout


def _san(sans):
    out = []
    for s in sans:
        out.append(s if ":" in s and s.split(":", 1)[0] in ("URI", "IP", "email") else "DNS:" + s)
    return ",".join(out)


class Material:
    """Generates and holds PEM files: name -> (cert path, key path)."""

    def __init__(self, directory):
        self.dir = directory
        os.makedirs(directory, exist_ok=True)
        self.files = {}

    def _key(self, name):
        path = os.path.join(self.dir, name + ".key")
        _openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048",
                  "-out", path], self.dir)
        return path

    def ca(self, name, cn="gatewayapi"):
        key = self._key(name)
        crt = os.path.join(self.dir, name + ".crt")
        _openssl(["req", "-x509", "-new", "-key", key, "-out", crt, "-days", "365", "-sha256",
                  "-subj", "/O=kubernetes/CN=%s" % cn,
                  "-addext", "basicConstraints=critical,CA:TRUE",
                  "-addext", "keyUsage=critical,keyCertSign,cRLSign,digitalSignature"], self.dir)
        self.files[name] = (crt, key)
        return crt, key

    def self_signed(self, name, sans, cn="default"):
        key = self._key(name)
        crt = os.path.join(self.dir, name + ".crt")
        _openssl(["req", "-x509", "-new", "-key", key, "-out", crt, "-days", "365", "-sha256",
                  "-subj", "/O=kubernetes/CN=%s" % cn,
                  "-addext", "subjectAltName=" + _san(sans),
                  "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
                  "-addext", "extendedKeyUsage=serverAuth,clientAuth"], self.dir)
        self.files[name] = (crt, key)
        return crt, key

    def signed(self, name, ca_name, sans, cn="default", usage="serverAuth,clientAuth"):
        ca_crt, ca_key = self.files[ca_name]
        key = self._key(name)
        csr = os.path.join(self.dir, name + ".csr")
        crt = os.path.join(self.dir, name + ".crt")
        ext = os.path.join(self.dir, name + ".ext")
        with open(ext, "w") as f:
            f.write("basicConstraints=CA:FALSE\n")
            f.write("keyUsage=critical,digitalSignature,keyEncipherment\n")
            f.write("extendedKeyUsage=%s\n" % usage)
            if sans:
                f.write("subjectAltName=%s\n" % _san(sans))
        _openssl(["req", "-new", "-key", key, "-out", csr, "-subj", "/O=kubernetes/CN=%s" % cn],
                 self.dir)
        _openssl(["x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key,
                  "-CAcreateserial", "-out", crt, "-days", "365", "-sha256",
                  "-extfile", ext], self.dir)
        self.files[name] = (crt, key)
        return crt, key

    def pem(self, name):
        with open(self.files[name][0]) as f:
            return f.read()

    def key_pem(self, name):
        with open(self.files[name][1]) as f:
            return f.read()


def tls_secret(ns, name, crt_pem, key_pem):
    b64 = lambda s: base64.b64encode(s.encode()).decode()
    return {"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/tls",
            "metadata": {"name": name, "namespace": ns},
            "data": {"tls.crt": b64(crt_pem), "tls.key": b64(key_pem)}}


def ca_configmap(ns, name, ca_pem):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns},
            "data": {"ca.crt": ca_pem}}


class TlsObjects:
    """All generated objects plus lookup of PEMs by object reference ("Secret ns/name")."""

    def __init__(self, directory):
        m = Material(directory)
        self.material = m
        m.self_signed("web-certificate", ["*"])
        m.self_signed("tls-validity-checks-certificate", ["*", "*.org", "*.wildcard.org"])
        m.ca("web-backend-cm", cn="kubernetes")
        m.ca("tls-validity-checks-ca-certificate")
        m.signed("tls-validity-checks-client-certificate", "tls-validity-checks-ca-certificate",
                 [], usage="clientAuth")
        m.ca("tls-validity-checks-per-port-ca-certificate")
        m.signed("tls-validity-checks-per-port-client-certificate",
                 "tls-validity-checks-per-port-ca-certificate", [], usage="clientAuth")
        m.ca("tls-checks-ca-certificate")
        m.signed("tls-checks-certificate", "tls-checks-ca-certificate",
                 ["abc.example.com", "URI:spiffe://abc.example.com/test-identity",
                  "other.example.com"])
        m.signed("tls-checks-client-certificate", "tls-checks-ca-certificate", [],
                 usage="clientAuth")
        m.signed("tls-passthrough-checks-certificate", "tls-checks-ca-certificate",
                 ["abc.example.com"])
        m.signed("tls-terminate-checks-certificate", "tls-checks-ca-certificate",
                 ["tls.example.com"])
        m.ca("mismatch-ca-certificate")

        def sec(ns, name, mat=None):
            mat = mat or name
            return tls_secret(ns, name, m.pem(mat), m.key_pem(mat))

        self.objects = [
            sec(WEB, "certificate", "web-certificate"),
            sec(INFRA, "tls-validity-checks-certificate"),
            ca_configmap(WEB, "web-backend-cm", m.pem("web-backend-cm")),
            ca_configmap(INFRA, "tls-validity-checks-ca-certificate",
                         m.pem("tls-validity-checks-ca-certificate")),
            sec(INFRA, "tls-validity-checks-client-certificate"),
            ca_configmap(INFRA, "tls-validity-checks-per-port-ca-certificate",
                         m.pem("tls-validity-checks-per-port-ca-certificate")),
            sec(INFRA, "tls-validity-checks-per-port-client-certificate"),
            ca_configmap(INFRA, "tls-checks-ca-certificate", m.pem("tls-checks-ca-certificate")),
            sec(INFRA, "tls-checks-certificate"),
            sec(INFRA, "tls-checks-client-certificate"),
            sec(INFRA, "tls-passthrough-checks-certificate"),
            sec(APP, "tls-passthrough-checks-certificate"),
            sec(INFRA, "tls-terminate-checks-certificate"),
            ca_configmap(INFRA, "mismatch-ca-certificate", m.pem("mismatch-ca-certificate")),
        ]

    def find(self, kind, ns, name):
        for o in self.objects:
            md = o["metadata"]
            if o["kind"] == kind and md["namespace"] == ns and md["name"] == name:
                return o
        return None

    def files_for_secret(self, ns, name):
        """(cert path, key path) of a generated Secret, e.g. for a client certificate."""
        o = self.find("Secret", ns, name)
        if o is None:
            raise CertError("no generated Secret %s/%s" % (ns, name))
        mat = "web-certificate" if (ns, name) == (WEB, "certificate") else name
        return self.material.files[mat]

    def trust_pem(self, ref):
        """PEM for a `trust` reference: "ConfigMap ns/name ca.crt" or "Secret ns/name tls.crt"."""
        parts = ref.split()
        kind, nsname = parts[0], parts[1]
        ns, name = nsname.split("/", 1)
        o = self.find(kind, ns, name)
        if o is None:
            raise CertError("unknown trust reference %r" % ref)
        if kind == "ConfigMap":
            return o["data"][parts[2] if len(parts) > 2 else "ca.crt"]
        return base64.b64decode(o["data"][parts[2] if len(parts) > 2 else "tls.crt"]).decode()

    def secret_cert_pem(self, ns, name):
        o = self.find("Secret", ns, name)
        return base64.b64decode(o["data"]["tls.crt"]).decode() if o else None
