"""Output: one line per test, the per-feature table, and the summary line (always last)."""

PASS, FAIL, SKIP = "PASS", "FAIL", "SKIP"


class Result:
    def __init__(self, test, outcome, message="", seconds=0.0):
        self.test = test
        self.name = test["name"]
        self.features = test.get("features") or []
        self.outcome = outcome
        self.message = message
        self.seconds = seconds


def format_result(r):
    line = "%s %s" % (r.outcome, r.name)
    if r.seconds >= 0.05:
        line += " (%.1fs)" % r.seconds
    if r.message:
        line += ": " + r.message
    return line


def feature_table(results, claimed):
    rows = {}
    for r in results:
        for f in r.features:
            row = rows.setdefault(f, {"tests": 0, PASS: 0, FAIL: 0, SKIP: 0})
            row["tests"] += 1
            row[r.outcome] += 1
    names = sorted(rows)
    w = max([len("feature")] + [len(n) for n in names])
    out = ["%-*s | claimed | tests | passed | failed | skipped" % (w, "feature"),
           "%s-|---------|-------|--------|--------|--------" % ("-" * w)]
    for n in names:
        row = rows[n]
        out.append("%-*s | %-7s | %5d | %6d | %6d | %7d" % (
            w, n, "yes" if n in claimed else "no", row["tests"], row[PASS], row[FAIL], row[SKIP]))
    return "\n".join(out)


def summary_line(results):
    n = {PASS: 0, FAIL: 0, SKIP: 0}
    for r in results:
        n[r.outcome] += 1
    return "%d passed, %d failed, %d skipped" % (n[PASS], n[FAIL], n[SKIP])
