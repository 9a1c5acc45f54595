#!/usr/bin/env python3
"""Runs Torii's integration tests (unittest discovery of test_*.py in this folder).

    tests/integration/run.py [--build DIR] [-k PATTERN]... [-v]

Prints one line per test (PASS / FAIL / SKIP), the failure details, and as the last line
exactly "N passed, N failed, N skipped". Exits 1 on any failure (or when build/torii is missing),
0 otherwise.
"""

import argparse
import fnmatch
import os
import sys
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))


class LineResult(unittest.TestResult):
    def __init__(self, stream):
        super().__init__()
        self.stream = stream
        self.passed = 0
        self.failed_ids = []
        self.details = []
        self.skipped_count = 0
        self._start = {}
        self.setup_failures = []
        self.skipped_setups = set()

    def _line(self, verdict, test, extra=""):
        elapsed = time.monotonic() - self._start.get(test, time.monotonic())
        self.stream.write(f"{verdict} {test.id()} ({elapsed:.2f}s){extra}\n")
        self.stream.flush()

    def startTest(self, test):
        super().startTest(test)
        self._start[test] = time.monotonic()

    def addSuccess(self, test):
        super().addSuccess(test)
        self.passed += 1
        self._line("PASS", test)

    @staticmethod
    def _holder_target(test):
        """'setUpClass (mod.Class)' -> ('setUpClass', 'mod.Class')."""
        desc = str(test)
        if "(" in desc and desc.endswith(")"):
            kind, _, rest = desc.partition(" (")
            return kind, rest[:-1]
        return desc, ""

    def _fail(self, test, err, kind):
        test_id = test.id() if hasattr(test, "id") else str(test)
        if not isinstance(test, unittest.TestCase):
            which, target = self._holder_target(test)
            if which in ("setUpClass", "setUpModule") and target:
                self.setup_failures.append(target)
                test_id = f"setup:{target}"
        self.failed_ids.append(test_id)
        self.details.append((kind, test, self._exc_info_to_string(err, test)))
        if isinstance(test, unittest.TestCase):
            self._line("FAIL", test)
        else:  # setUpClass / tearDownClass / module errors
            self.stream.write(f"FAIL {test.id() if hasattr(test, 'id') else test}\n")
            self.stream.flush()

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self._fail(test, err, "FAILURE")

    def addError(self, test, err):
        super().addError(test, err)
        self._fail(test, err, "ERROR")

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self._fail(subtest, err, "FAILURE")

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        if isinstance(test, unittest.TestCase):
            self.skipped_count += 1
            self._line("SKIP", test, f": {reason}")
        else:  # a skipped setUpClass/setUpModule: its tests are reported by main()
            self.skipped_setups.add(self._holder_target(test)[1])
            self.stream.write(f"SKIP {test}: {reason}\n")

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.passed += 1
        self._line("PASS", test, " (expected failure)")

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.failed_ids.append(test.id())
        self.details.append(("UNEXPECTED SUCCESS", test, ""))
        self._line("FAIL", test, " (unexpected success)")


def iter_tests(suite):
    for t in suite:
        if isinstance(t, unittest.TestSuite):
            yield from iter_tests(t)
        else:
            yield t


def matches(test_id, patterns):
    if not patterns:
        return True
    for p in patterns:
        pat = p if any(ch in p for ch in "*?[") else f"*{p}*"
        if fnmatch.fnmatchcase(test_id, pat):
            return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--build", default=os.path.normpath(os.path.join(HERE, "..", "..", "build")),
                    help="build directory holding torii and torii-echo (default: ../../build)")
    ap.add_argument("-k", dest="patterns", action="append", default=[],
                    help="only run tests whose id matches (substring or fnmatch pattern); "
                         "may be repeated")
    args = ap.parse_args()

    build = os.path.abspath(args.build)
    os.environ["TORII_BUILD_DIR"] = build
    torii = os.path.join(build, "torii")
    out = sys.stdout
    if not (os.path.isfile(torii) and os.access(torii, os.X_OK)):
        out.write(f"ERROR: {torii} not found (or not executable). Build it first:\n"
                  f"  cmake --preset release && cmake --build build\n")
        out.write("0 passed, 1 failed, 0 skipped\n")
        return 1

    sys.path.insert(0, HERE)
    loader = unittest.TestLoader()
    discovered = loader.discover(HERE, pattern="test_*.py", top_level_dir=HERE)
    # Loader errors (syntax errors, import errors) surface as failing tests.
    selected = [t for t in iter_tests(discovered)
                if matches(t.id(), args.patterns)
                or t.id().startswith("unittest.loader._FailedTest")]
    # Keep class grouping so setUpClass runs once per class.
    suite = unittest.TestSuite(selected)

    result = LineResult(out)
    start = time.monotonic()
    suite.run(result)
    elapsed = time.monotonic() - start

    # Tests that never started because their setUpClass/setUpModule failed (or skipped) are
    # reported one by one, so the counts cover every selected test.
    for t in selected:
        if t in result._start or t.id().startswith("unittest.loader."):
            continue
        cls_name = f"{type(t).__module__}.{type(t).__qualname__}"
        if cls_name in result.skipped_setups or type(t).__module__ in result.skipped_setups:
            result.skipped_count += 1
            out.write(f"SKIP {t.id()}: class setup skipped\n")
        else:
            result.failed_ids.append(t.id())
            out.write(f"FAIL {t.id()} (not run: class or module setup failed)\n")
    # A setUp failure already counted through its tests is not counted twice.
    for holder_id in result.setup_failures:
        if any(i.startswith(holder_id + ".") for i in result.failed_ids):
            result.failed_ids.remove(f"setup:{holder_id}")

    if result.details:
        out.write("\n" + "=" * 70 + "\nFailure details\n" + "=" * 70 + "\n")
        for kind, test, text in result.details:
            name = test.id() if hasattr(test, "id") else str(test)
            out.write(f"\n--- {kind}: {name}\n{text}\n")
    failed = len(result.failed_ids)
    out.write(f"\nran {result.testsRun} tests in {elapsed:.1f}s\n")
    out.write(f"{result.passed} passed, {failed} failed, {result.skipped_count} skipped\n")
    out.flush()
    return 1 if failed else 0


if __name__ == "__main__":
    code = main()
    # The summary must stay the last line: leave without waiting for stray daemon threads,
    # whose late output (or exceptions at interpreter shutdown) could follow it.
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
