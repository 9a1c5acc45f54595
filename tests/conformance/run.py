#!/usr/bin/env python3
"""Gateway API conformance runner for Torii (cluster-less).

Runs ../shared/conformance/gateway-api/cases.json against build/torii, driving it only through
its CLI and admin API: for every test it writes the test's manifests (placeholders substituted),
the generated TLS Secrets/ConfigMaps, the GatewayClass under test and the EndpointSlices of the
echo backends it starts into a config directory, runs `torii run`, waits for the expected status
on GET /status, then sends the cases. Tests whose features are not all claimed
(claimed-features.txt, --claim, --all) are skipped.

Usage: tests/conformance/run.py [--test NAME ...] [--claim F,G | --all] [--build DIR]
       [--shared DIR] [--keep] [--verbose]
Stdlib only (PyYAML is used when importable, otherwise the bundled yamlmini loader).
"""

import argparse
import json
import os
import subprocess
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import backends  # noqa: E402
import corpus  # noqa: E402
import report  # noqa: E402
import status_checks  # noqa: E402
import steps as steps_mod  # noqa: E402
import traffic  # noqa: E402
from errors import TestFailure  # noqa: E402
from report import FAIL, PASS, SKIP, Result  # noqa: E402

REPO = os.path.dirname(os.path.dirname(HERE))
CORPUS_SUBDIR = os.path.join("conformance", "gateway-api")


def read_claimed(path):
    out = []
    if not os.path.exists(path):
        return out
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                out.append(line)
    return out


# Data-plane capabilities a test's traffic needs beyond its Gateway API features. The corpus files
# HTTPS listeners, HTTP/2 and WebSocket cases under core features (HTTPRouteHTTPSListener is plain
# "HTTPRoute"), so a gateway that has not implemented TLS yet could never claim HTTPRoute. These
# are claimed in claimed-features.txt as "capability:NAME", and a test needing an unclaimed one is
# SKIPped with that reason, exactly like an unclaimed feature. A test that expects an HTTPS or TLS
# listener to be Programmed needs TLS too: Torii reports such listeners Programmed=False/Pending
# until it terminates TLS.
def tls_listeners_expected_programmed(test, corpus):
    """True when the test expects Programmed=True on a listener its manifests declare HTTPS or
    TLS: only a data plane that terminates TLS may report that."""
    expected = []
    for st in test.get("status") or []:
        obj = st.get("object") or ""
        if not obj.startswith("Gateway "):
            continue
        listeners = [l for key in ("listeners", "listenersExact")
                     if isinstance(st.get(key), list) for l in st[key] if isinstance(l, dict)]
        for l in listeners:
            for c in l.get("conditions") or []:
                if c.get("type") == "Programmed" and c.get("status") == "True":
                    expected.append((obj.split(" ", 1)[1], l.get("name")))
    if not expected:
        return False
    tls = set()
    for d in corpus.test_documents(test):
        o = d.obj
        if o.get("kind") != "Gateway":
            continue
        md = o.get("metadata") or {}
        gw = "%s/%s" % (md.get("namespace", ""), md.get("name", ""))
        for l in (o.get("spec") or {}).get("listeners") or []:
            if str(l.get("protocol", "")).upper() in ("HTTPS", "TLS"):
                tls.add((gw, l.get("name")))
    return any(e in tls for e in expected)


def capabilities(test, corpus=None):
    caps = set()
    if corpus is not None and tls_listeners_expected_programmed(test, corpus):
        caps.add("TLS")
    cases = list(test.get("cases") or [])
    for step in test.get("steps") or []:
        if isinstance(step, dict):
            cases.extend(step.get("cases") or [])
    for case in cases:
        req = case.get("request") or {}
        proto = (req.get("protocol") or "HTTP").upper()
        if proto in ("HTTPS", "TLS") or req.get("sni") or req.get("clientCertSecret"):
            caps.add("TLS")
        if req.get("httpVersion"):
            caps.add("HTTP2")
        if proto == "WEBSOCKET":
            caps.add("WebSocket")
        if proto == "GRPC":
            caps.add("GRPC")
        if proto in ("TCP", "UDP", "DNS"):
            caps.add(proto)
    return caps


def skip_reason(test, claimed, corpus=None):
    """Why a test is skipped (first unclaimed feature or capability), or None when it runs."""
    missing = [f for f in test.get("features") or [] if f not in claimed]
    if missing:
        return "%s %s not claimed" % ("feature" if len(missing) == 1 else "features",
                                      ", ".join(missing))
    caps = sorted(c for c in capabilities(test, corpus) if "capability:" + c not in claimed)
    if caps:
        return "needs %s (capability not claimed)" % ", ".join(caps)
    return None


class ConfigDir:
    """The directory Torii watches for one test: one object per file, replaced atomically."""

    def __init__(self, path):
        self.path = path
        os.makedirs(path, exist_ok=True)
        self.files = {}    # key -> filename
        self.objects = {}  # key -> object
        self.n = 0

    def _name(self, key, ext):
        self.n += 1
        kind, ns, name = key
        return "%03d-%s-%s-%s.%s" % (self.n, kind.lower(), ns or "cluster", name, ext)

    def _write(self, filename, text):
        tmp = os.path.join(self.path, "." + filename + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            f.write(text)
        os.replace(tmp, os.path.join(self.path, filename))

    def put_text(self, key, text, obj):
        self.remove(key)
        fn = self._name(key, "yaml")
        self._write(fn, text)
        self.files[key] = fn
        self.objects[key] = obj

    def put(self, obj):
        key = corpus.obj_key(obj)
        old = self.files.get(key)
        fn = self._name(key, "json")
        self._write(fn, json.dumps(obj, indent=1) + "\n")
        if old and old != fn:
            os.unlink(os.path.join(self.path, old))
        self.files[key] = fn
        self.objects[key] = obj

    def remove(self, key):
        fn = self.files.pop(key, None)
        self.objects.pop(key, None)
        if fn:
            os.unlink(os.path.join(self.path, fn))

    def get(self, kind, ns, name):
        return self.objects.get((kind, ns, name))


class Runner:
    def __init__(self, args):
        self.args = args
        self.verbose = args.verbose
        self.build = os.path.abspath(args.build)
        self.shared = os.path.abspath(args.shared)
        self.corpus_root = os.path.join(self.shared, CORPUS_SUBDIR)
        self.claimed = set(read_claimed(os.path.join(HERE, "claimed-features.txt")))
        if args.claim:
            self.claimed |= {c.strip() for c in args.claim.split(",") if c.strip()}
        self.work = None
        self.tls = None
        self.pool = None
        self.alloc = None
        self.class_name = args.gateway_class

    def log(self, msg):
        if self.verbose:
            print("  " + msg, flush=True)

    # --- shared resources, created only when a test actually runs ---------------------------

    def ensure_runtime(self):
        if self.work is not None:
            return
        root = os.path.join(HERE, "work")
        os.makedirs(root, exist_ok=True)
        self.work = tempfile.mkdtemp(prefix="run-", dir=root)
        for b in ("torii", "torii-echo"):
            if not os.access(os.path.join(self.build, b), os.X_OK):
                raise TestFailure("%s not found in %s (build first)" % (b, self.build))
        import certs  # noqa: E402  (openssl only needed when something runs)
        self.log("generating TLS material with openssl in %s" % self.work)
        self.tls = certs.TlsObjects(os.path.join(self.work, "tls"))
        self.alloc = backends.AddressAllocator(self.args.backend_base)
        launcher = backends.EchoLauncher(self.build, os.path.join(self.work, "pods"),
                                         self.verbose)
        self.pool = backends.BackendPool(launcher, self.alloc)

    def cleanup(self):
        if self.pool:
            self.pool.stop_all()
        if self.work and not self.args.keep:
            shutil.rmtree(self.work, ignore_errors=True)
        elif self.work:
            print("work directory kept: %s" % self.work)

    # --- one test ----------------------------------------------------------------------------

    def run_test(self, test):
        t0 = time.monotonic()
        reason = skip_reason(test, self.claimed, self.corpus)
        if reason:
            return Result(test, SKIP, reason)
        run_if = test.get("runIf") or {}
        if any(f in self.claimed for f in run_if.get("skipIfSupported", [])):
            return Result(test, PASS, "passes trivially: %s is claimed (Go returns at once)" %
                          ", ".join(run_if["skipIfSupported"]))
        req = run_if.get("requiresSupported", [])
        if req and not all(f in self.claimed for f in req):
            return Result(test, PASS, "passes trivially: requires %s, not claimed" %
                          ", ".join(req))
        if test.get("kind") == "unsupported-by-format":
            return Result(test, FAIL, "unsupported-by-format (%s); a claimed feature cannot be "
                          "verified cluster-less" % test.get("reason", ""))
        try:
            self.ensure_runtime()
            tr = TestRun(self, test)
            try:
                tr.run()
            finally:
                tr.close()
            return Result(test, PASS, "", time.monotonic() - t0)
        except (TestFailure, traffic.Unsupported) as e:
            return Result(test, FAIL, str(e), time.monotonic() - t0)
        except Exception as e:  # a runner bug must not hide the other results
            import traceback
            if self.verbose:
                traceback.print_exc()
            return Result(test, FAIL, "runner error: %s: %s" % (type(e).__name__, e),
                          time.monotonic() - t0)


class TestRun:
    """State of one running test: config dir, backends, the Torii process, addresses."""

    def __init__(self, runner, test):
        self.r = runner
        self.test = test
        self.name = test["name"]
        self.dir = os.path.join(runner.work, "tests", self.name)
        self.cfg = ConfigDir(os.path.join(self.dir, "config"))
        self.torii = None
        self.items = []
        self.pods = {}
        self.services = []
        self.status_timeout = runner.args.status_timeout

    def log(self, msg):
        self.r.log("[%s] %s" % (self.name, msg))

    # --- setup ---

    def setup(self):
        docs = self.r.corpus.test_documents(self.test, self.r.class_name)
        deployments = []
        for d in docs:
            kind = d.obj.get("kind")
            if kind == "Deployment":
                deployments.append(backends.Deployment(d.obj))
            elif kind == "Service":
                self.services.append(d.obj)
            self.cfg.put_text(d.key, d.text, d.obj)
        self.cfg.put(corpus.gateway_class_object(self.r.class_name))
        for o in self.r.tls.objects:
            if corpus.obj_key(o) not in self.cfg.objects:
                self.cfg.put(o)
        keep = {d.spec_key() for d in deployments}
        self.r.pool.release_except(keep)
        self.pods = self.r.pool.ensure(deployments)
        for pods in self.pods.values():
            for p in pods:
                if p.note and not getattr(p, "note_logged", False):
                    p.note_logged = True
                    self.log("%s/%s: %s" % (p.namespace, p.name, p.note))
        for s in backends.endpoint_slices(self.services, self.pods):
            self.cfg.put(s)
        for p in backends.pod_objects(self.pods):
            self.cfg.put(p)
        steps_mod.prepare(self)

    def start_torii(self):
        import torii_proc
        self.torii = torii_proc.Torii(self.r.build, [self.cfg.path],
                                      os.path.join(self.dir, "torii.log"),
                                      self.r.args.address_pool, self.r.args.port_offset)
        self.torii.start()
        self.log("torii: %s" % " ".join(self.torii.cmd))
        try:
            self.torii.wait_admin()
        except RuntimeError as e:
            raise TestFailure(str(e))

    def close(self):
        if self.torii:
            self.torii.stop()

    # --- status ---

    def fetch_status(self):
        if not self.torii.alive():
            raise TestFailure("torii exited (%s); log tail:\n%s" % (
                self.torii.proc.returncode, self.torii.log_tail()))
        try:
            self.items = self.torii.admin.status_items()
        except (OSError, ValueError) as e:
            self.items = []
            return "GET /status failed: %s" % e
        return None

    def wait_status(self, entries, what="status", extra=None, timeout=None):
        """Eventually-checks `entries` (and `extra()` -> None|mismatch) on GET /status."""
        if not entries and extra is None:
            return
        timeout = timeout or self.status_timeout
        need = 2 if any(e.get("noAcceptedParents") for e in entries) else 1
        ok_in_row = 0
        deadline = time.monotonic() + timeout
        last = None
        while True:
            err = self.fetch_status()
            if err is None:
                ok, last = status_checks.check_entries(entries, self.items)
                if ok and extra is not None:
                    last = extra()
                    ok = last is None
            else:
                ok, last = False, err
            ok_in_row = ok_in_row + 1 if ok else 0
            if ok_in_row >= need:
                return
            if time.monotonic() >= deadline:
                raise TestFailure("%s not reached within %.0fs: %s" % (what, timeout, last))
            time.sleep(0.25)

    def initial_status(self):
        return [e for e in self.test.get("status") or [] if "afterStep" not in e]

    def status_after(self, k):
        return [e for e in self.test.get("status") or [] if e.get("afterStep") == k]

    # --- addresses ---

    def gateway_address(self, gw):
        ns, name = gw.split("/", 1)
        for _ in range(2):
            idx = status_checks.index_items(self.items)
            obj = idx.get(("Gateway", ns, name))
            addrs = ((obj or {}).get("status") or {}).get("addresses") or []
            if addrs and addrs[0].get("value"):
                return addrs[0]["value"]
            self.fetch_status()
        spec_addrs = ((self.cfg.get("Gateway", ns, name) or {}).get("spec") or {}) \
            .get("addresses") or []
        for a in spec_addrs:
            if a.get("value") and a.get("type", "IPAddress") == "IPAddress":
                return a["value"]
        raise TestFailure("Gateway %s has no status.addresses" % gw)

    # --- the test ---

    def run(self):
        self.setup()
        self.start_torii()
        self.wait_status(self.initial_status(), "initial status")
        self.check_validate(self.initial_status())
        steps_mod.execute(self)

    def check_validate(self, entries):
        """`torii validate` on the same configuration must print the status the corpus expects
        (DESIGN.md §4: validate translates offline and prints every object's conditions)."""
        cmd = [os.path.join(self.r.build, "torii"), "validate", "--config", self.cfg.path,
               "--address-pool", self.r.args.address_pool]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        try:
            docs = corpus.load_yaml_documents(proc.stdout)
        except Exception as e:  # noqa: BLE001 - any parse error is a failure of validate's output
            raise TestFailure("torii validate: unparsable output: %s" % e)
        items = docs[0].get("items") if docs and isinstance(docs[0], dict) else None
        if not isinstance(items, list):
            raise TestFailure("torii validate printed no List (exit %d): %s" % (
                proc.returncode, proc.stderr[-2000:]))
        ok, mismatch = status_checks.check_entries(entries, items)
        if not ok:
            raise TestFailure("torii validate: %s" % mismatch)

    # --- cases (used by steps.execute) ---

    def run_case(self, index):
        case = self.test["cases"][index]
        label = "case %d%s" % (index, " (%s)" % case["name"] if case.get("name") else "")
        m = cases_run(self, case)
        if m:
            raise TestFailure("%s %s %s%s: %s" % (
                label, case["request"].get("method", "GET"), case["request"].get("host", ""),
                case["request"].get("path", ""), m))
        self.log("%s passed" % label)


from case_runner import cases_run  # noqa: E402


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=os.path.join(REPO, "build"))
    ap.add_argument("--shared", default=os.path.join(os.path.dirname(REPO), "shared"))
    ap.add_argument("--test", action="append", default=[],
                    help="run only this test (repeatable, or comma-separated)")
    ap.add_argument("--claim", default="", help="extra claimed features, comma-separated")
    ap.add_argument("--all", action="store_true", help="claim every feature")
    ap.add_argument("--keep", action="store_true", help="keep the work directory")
    ap.add_argument("--verbose", "-v", action="store_true")
    ap.add_argument("--gateway-class", default=corpus.DEFAULT_CLASS_NAME)
    ap.add_argument("--address-pool", default="127.0.1.0/24",
                    help="passed to torii --address-pool")
    ap.add_argument("--backend-base", default="127.0.2.1",
                    help="first loopback address for echo pods")
    ap.add_argument("--port-offset", type=int, default=20000,
                    help="passed to torii --port-offset")
    ap.add_argument("--status-timeout", type=float, default=60.0)
    args = ap.parse_args(argv)

    r = Runner(args)
    if not os.path.exists(os.path.join(r.corpus_root, "cases.json")):
        print("conformance corpus not found at %s (../shared absent): skipping" % r.corpus_root)
        print("0 passed, 0 failed, 0 skipped")
        return 0
    r.corpus = corpus.Corpus(r.corpus_root)
    tests = r.corpus.tests
    if args.all:
        r.claimed |= {f for t in tests for f in t.get("features") or []}
        r.claimed |= {"capability:" + c for t in tests for c in capabilities(t, r.corpus)}
    wanted = [n.strip() for item in args.test for n in item.split(",") if n.strip()]
    if wanted:
        unknown = [n for n in wanted if r.corpus.test(n) is None]
        if unknown:
            print("unknown test(s): %s" % ", ".join(unknown))
            return 2
        tests = [t for t in tests if t["name"] in wanted]
    print("Gateway API conformance (%s %s, %d tests); claimed: %s" % (
        r.corpus.data["source"].get("tag", ""), r.corpus_root, len(tests),
        ", ".join(sorted(r.claimed)) or "nothing"), flush=True)
    results = []
    try:
        for t in tests:
            res = r.run_test(t)
            results.append(res)
            print(report.format_result(res), flush=True)
    except KeyboardInterrupt:
        print("interrupted")
    finally:
        r.cleanup()
    print()
    print(report.feature_table(results, r.claimed))
    print()
    print(report.summary_line(results))
    return 1 if any(x.outcome == FAIL for x in results) else 0


if __name__ == "__main__":
    sys.exit(main())
