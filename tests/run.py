#!/usr/bin/env python3
"""Torii's test runner: every suite `make test` runs, one summary.

Stages (each can be chosen with --only):
  unit         GoogleTest unit tests (release build)
  asan         the same unit tests under AddressSanitizer + UndefinedBehaviorSanitizer
  fuzz         the HTTP/1.1 codec fuzzer, bounded time (FUZZ_SECONDS, default 30)
  integration  real processes on loopback (tests/integration)
  integration-asan  the same suite against the ASan/UBSan build of torii and torii-echo
  conformance  the Gateway API conformance corpus (tests/conformance)

The last line is `N passed, N failed, N skipped`; the exit status is 1 when anything failed or
when a stage that must run could not.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STAGES = ["unit", "asan", "fuzz", "integration", "integration-asan", "conformance"]
COUNTS = re.compile(r"^(?:\w+:\s*)?(\d+) passed, (\d+) failed(?:, (\d+) skipped)?\s*$")


def run_gtest(binary, label):
    if not os.path.exists(binary):
        print(f"[{label}] {binary} is missing: build it first")
        return 0, 1, 0
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "gtest.json")
        env = dict(os.environ)
        env.setdefault("ASAN_OPTIONS", "detect_leaks=1:abort_on_error=0")
        env.setdefault("UBSAN_OPTIONS", "print_stacktrace=1:halt_on_error=1")
        proc = subprocess.run([binary, f"--gtest_output=json:{out}", "--gtest_brief=1"],
                              cwd=ROOT, env=env, capture_output=True, text=True)
        passed = failed = skipped = 0
        if os.path.exists(out):
            with open(out) as f:
                report = json.load(f)
            for suite in report.get("testsuites", []):
                for t in suite.get("testsuite", []):
                    name = f"{suite['name']}.{t['name']}"
                    if t.get("result") == "SKIPPED" or t.get("status") == "NOTRUN":
                        skipped += 1
                        print(f"[{label}] SKIP {name}")
                    elif t.get("failures"):
                        failed += 1
                        print(f"[{label}] FAIL {name}")
                        for fl in t["failures"]:
                            print("    " + fl.get("failure", "").replace("\n", "\n    "))
                    else:
                        passed += 1
        if proc.returncode != 0 and failed == 0:
            # A crash or sanitizer report outside any single test's result.
            failed += 1
            print(f"[{label}] FAIL {binary} exited {proc.returncode}")
            print(proc.stdout[-4000:] + proc.stderr[-4000:])
        print(f"[{label}] {passed} passed, {failed} failed, {skipped} skipped")
        return passed, failed, skipped


def run_fuzz():
    binary = os.path.join(ROOT, "build-fuzz", "http1_parser_fuzz")
    if not os.path.exists(binary):
        print("[fuzz] build-fuzz/http1_parser_fuzz is missing: run `make fuzz-build`")
        return 0, 1, 0
    seconds = int(os.environ.get("FUZZ_SECONDS", "30"))
    with tempfile.TemporaryDirectory() as corpus:
        proc = subprocess.run([binary, f"-max_total_time={seconds}", "-print_final_stats=1", corpus,
                               os.path.join(ROOT, "tests", "fuzz", "corpus")],
                              cwd=ROOT, capture_output=True, text=True)
    runs = re.search(r"stat::number_of_executed_units:\s*(\d+)", proc.stderr)
    if proc.returncode == 0:
        print(f"[fuzz] PASS http1_parser_fuzz ({runs.group(1) if runs else '?'} inputs in {seconds}s)")
        return 1, 0, 0
    print(f"[fuzz] FAIL http1_parser_fuzz exited {proc.returncode}")
    print(proc.stderr[-6000:])
    return 0, 1, 0


def run_script(label, argv):
    print(f"[{label}] {' '.join(argv)}", flush=True)
    proc = subprocess.Popen(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    last = ""
    for line in proc.stdout:
        sys.stdout.write(f"[{label}] {line}")
        sys.stdout.flush()
        if line.strip():
            last = line.strip()
    rc = proc.wait()
    m = COUNTS.match(last)
    if not m:
        print(f"[{label}] FAIL: no summary line (exit {rc})")
        return 0, 1, 0
    passed, failed, skipped = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    if rc != 0 and failed == 0:
        failed = 1
        print(f"[{label}] FAIL: exited {rc}")
    return passed, failed, skipped


def run_unittest(label, directory, pattern):
    """Python unittest discovery (the runners' own self-tests): counts from its summary."""
    argv = [sys.executable, "-m", "unittest", "discover", "-s", directory, "-p", pattern]
    print(f"[{label}] {' '.join(argv)}", flush=True)
    proc = subprocess.run(argv, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True)
    for line in proc.stdout.splitlines():
        print(f"[{label}] {line}")
    ran = re.search(r"^Ran (\d+) tests?", proc.stdout, re.M)
    if not ran:
        print(f"[{label}] FAIL: no summary (exit {proc.returncode})")
        return 0, 1, 0
    total = int(ran.group(1))
    bad = sum(int(n) for n in re.findall(r"(?:failures|errors)=(\d+)", proc.stdout))
    skipped = sum(int(n) for n in re.findall(r"skipped=(\d+)", proc.stdout))
    if proc.returncode != 0 and bad == 0:
        bad = 1
    return total - bad - skipped, bad, skipped


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--only", help="comma-separated stages: " + ",".join(STAGES))
    args = ap.parse_args()
    stages = args.only.split(",") if args.only else STAGES
    for s in stages:
        if s not in STAGES:
            ap.error(f"unknown stage {s}")
    totals = [0, 0, 0]
    per_stage = []
    t0 = time.time()
    for stage in stages:
        start = time.time()
        if stage == "unit":
            r = run_gtest(os.path.join(ROOT, "build", "unit_tests"), "unit")
        elif stage == "asan":
            r = run_gtest(os.path.join(ROOT, "build-asan", "unit_tests"), "asan")
        elif stage == "fuzz":
            r = run_fuzz()
        elif stage == "integration":
            r = run_script("integration", [sys.executable, "tests/integration/run.py"])
        elif stage == "integration-asan":
            r = run_script("integration-asan", [sys.executable, "tests/integration/run.py",
                                                "--build", os.path.join(ROOT, "build-asan")])
        else:
            # The runner's own self-tests (status matching, traffic checks, skip rules), then the
            # corpus.
            a = run_unittest("conformance", "tests/conformance", "test_*.py")
            b = run_script("conformance", [sys.executable, "tests/conformance/run.py"])
            r = tuple(x + y for x, y in zip(a, b))
        per_stage.append((stage, r, time.time() - start))
        for i in range(3):
            totals[i] += r[i]
    print()
    print("stage         passed  failed  skipped  seconds")
    for stage, r, secs in per_stage:
        print(f"{stage:12} {r[0]:7} {r[1]:7} {r[2]:8} {secs:8.1f}")
    print(f"total time {time.time() - t0:.1f}s")
    print(f"{totals[0]} passed, {totals[1]} failed, {totals[2]} skipped")
    sys.exit(1 if totals[1] else 0)


if __name__ == "__main__":
    main()
