#!/usr/bin/env python3
"""Inference routing benchmark: Torii's endpoint picker vs round-robin vs least-request, in front of
N vLLM simulators (torii-llm-sim), driven open-loop by torii-llm-load.

For each workload (shared-prefix, sharegpt) and each pool policy, the script starts N fresh
simulators on 127.0.2.1..N:8000 with the 8B-on-H100 per-token latency profile, writes a Torii config
(GatewayClass, Gateway, HTTPRoute -> InferencePool `vllm-pool` with annotation
`torii.dev/endpoint-picker: <policy>`, N Pods), starts `torii run --workers 1`, warms up, and runs a
ladder of Poisson arrival rates (each rung 1.25x the previous one) until two rungs in a row miss the
SLO (p90 TTFT <= 1 s), or one misses it by 2x. Per rung it prints p50/p90/p99 TTFT and end-to-end latency, output tokens/s,
429s, errors, the prefix-cache hit ratio reported by the simulators and the spread of requests over
pods; then each policy's capacity (highest rate meeting the SLO) and the ratios the issue asks for.

Besides the pool policies there are two stand-ins that need no InferencePool support: `service`
(Torii round-robins a Service's EndpointSlice endpoints) and `direct` (torii-llm-load round-robins
over the simulators itself, no gateway). When the Torii build does not accept the InferencePool
config and --policies was not given, the script runs those two instead and says so.

Benchmarks are not tests: this prints numbers and MET / NOT MET lines; it exits non-zero only when
the harness cannot run or the ladder produced no data. Python 3 standard library only. Every process
is started by this script, in its own temp dir, and only those pids are signalled.

Workload scaling (2 cores shared by Torii, 4 simulators and the generator). The simulator's model
(tools/llm-sim/README.md, shared/reference/inference.md §5), with the 8B/H100 profile:
    TTFT   = (30 ms + uncached_prompt_tokens * 250 us) * lf
    decode = (output_tokens - 1) * 12 ms * lf,   lf = 1 + (2 - 1) * (running - 1) / (16 - 1)
with 16 slots per simulator. Shared-prefix uses S=2200 system tokens, Q=100 question tokens, O=32
output tokens, G=32 groups x P=256 questions (bench/inference/workloads.py):
  * uncached prefill (S+Q ~ 2310 tokens): 30 + 577 = ~607 ms at lf 1; cached (only the question and
    the partial block after the prefix): 30 + ~28 = ~58 ms. Decode: 31 * 12 = 372 ms. Prefill thus
    dominates a miss (977 ms of slot time at lf 1) and a hit costs less than half (430 ms).
  * KV cache: a group prefix is 138 blocks of 16 tokens; all 32 take 4416 blocks. --kv-cache-size
    is set so this working set is ~70% of the cluster's capacity (the llm-d "KV-cache wins" setup:
    demand ~73% of cluster KV): ceil(4416 / 0.7 / 4) = 1578 blocks per simulator, i.e. one
    simulator holds ~11 of the 32 prefixes, the cluster all of them.
  * Cache-blind policies (round-robin, least-request) send every group everywhere, so each
    simulator cycles 32 prefixes through room for ~11: about one request in three hits. p90 TTFT is
    a miss: 607 ms * lf <= 1 s needs lf <= 1.65, i.e. ~10 running per simulator; by Little's law
    that is ~25 req/s for the cluster (measured: ~25 req/s with client-side round-robin).
  * A prefix-aware picker keeps each group on one simulator (8 prefixes = 1104 blocks fit in 1578),
    so almost every request hits: TTFT ~58 ms * lf until the 16 slots fill, which happens near
    16 / (0.43 s * 2) * 4 = ~74 req/s; past it requests queue and TTFT grows by the wait.
  * Throughput the box must carry: at most 64 slots / 24 ms = ~2700 tokens/s (one SSE chunk each
    through Torii and the generator) and ~90 req/s of ~9 KB bodies; the box sustains ~500 req/s
    and 15k tokens/s through Torii before the generator lags (README, "How much this machine can
    drive").
The ladder starts at 12 req/s and climbs by 1.25x: 12, 15, 18.75, 23.4, 29.3, 36.6, 45.8, 57.2,
71.5, 89.4 — so "1.25x round-robin's capacity" is always the rung after it. ShareGPT-like
(prompts median 160 / mean ~290 tokens, outputs median 40 / mean ~60, no shared prefixes) costs
~0.8 s of slot time per request at lf 1 and saturates the cluster near 40 req/s; same ladder
from 15 req/s.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import math
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "lib"))
from proc import Proc, cpu_ticks, interrupt_on_sigterm  # noqa: E402  (bench/lib)
import workloads  # noqa: E402

POOL_POLICIES = ("scored", "round-robin", "least-request")
STANDINS = ("service", "direct")
ALL_POLICIES = POOL_POLICIES + STANDINS
WORKLOADS = ("shared-prefix", "sharegpt")
LABEL = {"scored": "picker", "round-robin": "round-robin", "least-request": "least-request",
         "service": "service-rr", "direct": "direct-rr"}

SLO_TTFT_P90_MS = 1000.0
MAX_ERROR_FRACTION = 0.01  # a rung with more failed requests than this does not meet the SLO
STEP = 1.25
# First rate and the most rungs; a policy's ladder normally stops earlier, two rungs past its SLO.
LADDER = {"shared-prefix": (12.0, 12), "sharegpt": (15.0, 11)}
MODEL = workloads.MODEL
SIM_PORT = 8000
BLOCK = 16
KV_DEMAND = 0.7  # shared-prefix working set / cluster KV capacity

# llm-d-inference-sim's 8B-on-H100 per-token profile (inference.md §5).
SIM_PROFILE = ["--max-num-seqs", "16", "--latency-calculator", "per-token",
               "--inter-token-latency", "12ms", "--inter-token-latency-std-dev", "2ms",
               "--prefill-overhead", "30ms", "--prefill-time-per-token", "250us",
               "--time-factor-under-load", "2.0", "--enable-kvcache", "--block-size", str(BLOCK),
               "--max-model-len", "16384"]

CLK_TCK = os.sysconf("SC_CLK_TCK")
OTHER_CPUS_WARN = 0.3


class BenchError(Exception):
    pass


# --------------------------------------------------------------------------------------------------
# Processes and probes.


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_status(host: str, port: int, path: str, timeout: float = 1.0) -> int | None:
    c = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        c.request("GET", path)
        r = c.getresponse()
        r.read()
        return r.status
    except (OSError, http.client.HTTPException):
        return None
    finally:
        c.close()


def total_ticks(pids: list[int]) -> int:
    return sum(cpu_ticks(pids).values())


def system_busy_ticks() -> int:
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return v[0] + v[1] + v[2]  # user, nice, system


def wait_until(what: str, cond, timeout: float, procs: list[Proc]):
    deadline = time.monotonic() + timeout
    while not cond():
        for p in procs:
            if not p.alive():
                raise BenchError(f"{what}: {p.name} exited:\n{p.log_tail()}")
        if time.monotonic() > deadline:
            raise BenchError(f"{what}: not ready after {timeout:.0f}s")
        time.sleep(0.05)


# --------------------------------------------------------------------------------------------------
# Simulators and Torii config.


def sim_addr(i: int) -> str:
    return f"127.0.2.{i + 1}"


def kv_cache_blocks(args) -> int:
    """Per-simulator KV blocks so that the shared-prefix working set (every group's system prompt)
    is KV_DEMAND of the cluster's capacity. The rendered system message adds a few tokens
    ("<|system|>\\n", "customer g: ") to S."""
    prefix_blocks = (args.system_tokens + 12) // BLOCK
    return math.ceil(args.groups * prefix_blocks / KV_DEMAND / args.sims)


def start_sims(args, workdir: Path) -> list[Proc]:
    sims = []
    kv = kv_cache_blocks(args)
    try:
        for i in range(args.sims):
            argv = [str(args.sim_bin), "--model", MODEL, "--listen", f"{sim_addr(i)}:{SIM_PORT}",
                    "--kv-cache-size", str(kv), "--seed", str(1000 + i)] + SIM_PROFILE
            sims.append(Proc(f"sim-{i + 1}", argv, workdir, {"POD_NAME": f"sim-{i + 1}",
                                                              "POD_NAMESPACE": "default"}))
        wait_until("simulators",
                   lambda: all(http_status(sim_addr(i), SIM_PORT, "/health") == 200
                               for i in range(args.sims)), 15, sims)
    except BaseException:
        for s in sims:
            s.stop()
        raise
    return sims


HEAD = """apiVersion: gateway.networking.k8s.io/v1
kind: GatewayClass
metadata: {{name: torii}}
spec: {{controllerName: torii.dev/gateway-controller}}
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {{name: inference, namespace: default}}
spec:
  gatewayClassName: torii
  addresses: [{{type: IPAddress, value: 127.0.0.1}}]
  listeners: [{{name: http, protocol: HTTP, port: {port}}}]
---
apiVersion: gateway.networking.k8s.io/v1
kind: HTTPRoute
metadata: {{name: llm, namespace: default}}
spec:
  parentRefs: [{{name: inference}}]
  rules:
  - matches: [{{path: {{type: PathPrefix, value: /}}}}]
    timeouts: {{request: 300s}}
    backendRefs: [{backend}]
"""


def pool_config(port: int, n: int, policy: str) -> str:
    y = [HEAD.format(port=port, backend="{group: inference.networking.k8s.io, kind: InferencePool, "
                                        "name: vllm-pool}"),
         f"""---
apiVersion: inference.networking.k8s.io/v1
kind: InferencePool
metadata:
  name: vllm-pool
  namespace: default
  annotations: {{torii.dev/endpoint-picker: {policy}}}
spec:
  selector: {{matchLabels: {{app: vllm-sim}}}}
  targetPorts: [{{number: {SIM_PORT}}}]
"""]
    for i in range(n):
        y.append(f"""---
apiVersion: v1
kind: Pod
metadata: {{name: sim-{i + 1}, namespace: default, labels: {{app: vllm-sim}}}}
status: {{podIP: {sim_addr(i)}, phase: Running}}
""")
    return "".join(y)


def service_config(port: int, n: int) -> str:
    addrs = ", ".join(sim_addr(i) for i in range(n))
    return HEAD.format(port=port, backend="{name: vllm, port: 80}") + f"""---
apiVersion: v1
kind: Service
metadata: {{name: vllm, namespace: default}}
spec: {{ports: [{{name: http, port: 80, targetPort: {SIM_PORT}}}]}}
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {{name: vllm-1, namespace: default, labels: {{kubernetes.io/service-name: vllm}}}}
addressType: IPv4
endpoints:
""" + "".join(f"- addresses: [{sim_addr(i)}]\n  conditions: {{ready: true}}\n"
              for i in range(n)) + f"ports: [{{name: http, port: {SIM_PORT}}}]\n"


def write_config(workdir: Path, policy: str, port: int, n: int) -> Path:
    cfg = workdir / f"config-{policy}"
    cfg.mkdir(exist_ok=True)
    text = service_config(port, n) if policy == "service" else pool_config(port, n, policy)
    (cfg / "inference.yaml").write_text(text)
    return cfg


def validate(args, workdir: Path, policy: str) -> tuple[bool, str]:
    cfg = write_config(workdir, policy, 18080, args.sims)
    try:
        out = subprocess.run([str(args.torii_bin), "validate", "--config", str(cfg)],
                             capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        return False, str(e)
    text = (out.stdout + out.stderr).strip()
    return out.returncode == 0, text


def start_torii(args, workdir: Path, policy: str) -> tuple[Proc, int]:
    port, admin = free_port(), free_port()
    cfg = write_config(workdir, policy, port, args.sims)
    argv = [str(args.torii_bin), "run", "--config", str(cfg), "--admin", f"127.0.0.1:{admin}",
            "--workers", "1", "--log-level", "warn", "--response-timeout", "300s",
            "--idle-timeout", "300s"]
    proc = Proc(f"torii-{policy}", argv, workdir)
    try:
        wait_until("torii", lambda: http_status("127.0.0.1", admin, "/ready") == 200, 30, [proc])
    except BaseException:
        proc.stop()
        raise
    return proc, port


# --------------------------------------------------------------------------------------------------
# Load.


def run_load(args, targets: str, workload_file: Path, rate: float, duration: float, seed: int,
             offset: int, records: Path | None = None) -> dict:
    argv = [str(args.load_bin), "--target", targets, "--workload", str(workload_file),
            "--rate", f"{rate:g}", "--duration", f"{duration:g}", "--seed", str(seed),
            "--offset", str(offset), "--drain", str(args.drain), "--timeout", "120"]
    if records is not None:
        argv += ["--records", str(records)]
    out = subprocess.run(argv, capture_output=True, text=True, timeout=duration + args.drain + 180)
    if out.returncode != 0:
        raise BenchError(f"torii-llm-load failed ({out.returncode}): {out.stderr.strip()[-2000:]}")
    return json.loads(out.stdout)


def rung_meets_slo(r: dict) -> bool:
    sent = max(1, r.get("sent", 0))
    failed = sent - r.get("ok", 0)
    p90 = r.get("ttft_ms", {}).get("p90")
    return r.get("ok", 0) > 0 and p90 is not None and p90 <= SLO_TTFT_P90_MS and \
        failed / sent <= MAX_ERROR_FRACTION


def ladder(workload: str, args) -> list[float]:
    if args.rates:
        return args.rates
    first, n = LADDER[workload]
    return [round(first * STEP ** k, 2) for k in range(n)]


def run_policy(args, workdir: Path, workload: str, wfile: Path, policy: str) -> dict:
    """Fresh simulators (cold caches) and a fresh Torii; warm-up; the ladder."""
    res = {"policy": policy, "workload": workload, "rungs": []}
    sims = start_sims(args, workdir)
    torii = None
    try:
        if policy == "direct":
            targets = ",".join(f"{sim_addr(i)}:{SIM_PORT}" for i in range(args.sims))
        else:
            torii, port = start_torii(args, workdir, policy)
            targets = f"127.0.0.1:{port}"
        pids = [s.pid for s in sims] + ([torii.pid] if torii else [])
        rates = ladder(workload, args)
        offset = 0
        if args.warmup > 0 and workload == "shared-prefix":  # nothing to warm in sharegpt
            w = run_load(args, targets, wfile, rates[0], args.warmup, args.seed * 1000 + 999, offset)
            offset = w["next_offset"]
            res["warmup"] = {"rate": rates[0], "duration_s": args.warmup, "ok": w["ok"],
                             "cache_hit_ratio": w["cache_hit_ratio"]}
        misses = 0
        for k, rate in enumerate(rates):
            t_sys0, t_ours0, t_gw0 = system_busy_ticks(), total_ticks(pids), total_ticks(pids[-1:])
            wall0 = time.monotonic()
            rec = args.records_dir / f"{workload}-{policy}-{rate:g}.jsonl" \
                if args.records_dir else None
            r = run_load(args, targets, wfile, rate, args.duration, args.seed * 1000 + k, offset,
                         rec)
            wall = time.monotonic() - wall0
            offset = r["next_offset"]
            ours = (total_ticks(pids) - t_ours0) / CLK_TCK + r.get("generator_cpu_s", 0)
            busy = (system_busy_ticks() - t_sys0) / CLK_TCK
            r["other_cpus"] = round(max(0.0, busy - ours) / wall, 2)
            r["gateway_cpus"] = round((total_ticks(pids[-1:]) - t_gw0) / CLK_TCK / wall, 2) \
                if torii else None
            r["meets_slo"] = rung_meets_slo(r)
            res["rungs"].append(r)
            print(row(r), flush=True)
            for p in sims + ([torii] if torii else []):
                if not p.alive():
                    raise BenchError(f"{p.name} exited:\n{p.log_tail()}")
            misses = 0 if r["meets_slo"] else misses + 1
            far = (r["ttft_ms"].get("p90") or math.inf) > 2 * SLO_TTFT_P90_MS
            if not args.full_ladder and (misses >= 2 or (misses and far)):
                break
    finally:
        if torii:
            torii.stop()
        for s in sims:
            s.stop()
    return res


# --------------------------------------------------------------------------------------------------
# Report.

COLUMNS = (f"{'rate':>6} {'sent':>5} {'ok':>5} {'429':>4} {'err':>4} | "
           f"{'TTFT p50':>8} {'p90':>6} {'p99':>6} | {'E2E p50':>7} {'p90':>6} {'p99':>6} | "
           f"{'out tok/s':>9} {'hit%':>5} {'gw cpu':>6} {'other':>5} {'lag':>4} | pods")


def fmt_ms(v) -> str:
    return "-" if v is None else f"{v:.0f}"


def row(r: dict) -> str:
    t, e = r.get("ttft_ms", {}), r.get("e2e_ms", {})
    errs = sum(v for k, v in r.get("errors", {}).items())
    pods = "/".join(str(v) for _, v in sorted(r.get("pods", {}).items()))
    gw = "-" if r.get("gateway_cpus") is None else f"{r['gateway_cpus']:.2f}"
    mark = " " if r.get("meets_slo") else "*"
    return (f"{r['rate']:>6.2f} {r['sent']:>5} {r['ok']:>5} {r.get('count_429', 0):>4} {errs:>4} | "
            f"{fmt_ms(t.get('p50')):>8} {fmt_ms(t.get('p90')):>5}{mark} {fmt_ms(t.get('p99')):>6} | "
            f"{fmt_ms(e.get('p50')):>7} {fmt_ms(e.get('p90')):>6} {fmt_ms(e.get('p99')):>6} | "
            f"{r['output_tokens_per_s']:>9.0f} {100 * r.get('cache_hit_ratio', 0):>5.1f} "
            f"{gw:>6} {r.get('other_cpus', 0):>5.2f} {r['send_lag_ms'].get('p99', 0):>4.0f} | {pods}")


def capacity(res: dict) -> float | None:
    ok = [r["rate"] for r in res["rungs"] if r["meets_slo"]]
    return max(ok) if ok else None


def rung_at(res: dict, rate: float) -> dict | None:
    for r in res["rungs"]:
        if abs(r["rate"] - rate) <= 0.01 * rate + 0.01:
            return r
    return None


def ratio(a, b) -> str:
    if a is None or b is None or b == 0:
        return "n/a"
    return f"{a / b:.2f}x"


def compare(workload: str, results: dict[str, dict]) -> tuple[list[str], dict]:
    lines, summary = [], {}
    caps = {p: capacity(r) for p, r in results.items()}
    summary["capacity_req_s"] = caps
    def cap_text(p, c):
        return f"{c:g} req/s" if c is not None else f"below {results[p]['rungs'][0]['rate']:g}"
    lines.append(f"[{workload}] capacity (highest rate with p90 TTFT <= {SLO_TTFT_P90_MS / 1000:g} s "
                 f"and <= {MAX_ERROR_FRACTION:.0%} failed): " +
                 ", ".join(f"{LABEL[p]} {cap_text(p, c)}" for p, c in caps.items()))
    pick, rr, lr = caps.get("scored"), caps.get("round-robin"), caps.get("least-request")
    if "scored" in caps and "round-robin" in caps:
        lines.append(f"[{workload}] picker / round-robin capacity: {ratio(pick, rr)}")
    if "scored" in caps and "least-request" in caps:
        lines.append(f"[{workload}] picker / least-request capacity: {ratio(pick, lr)}")
    # The 1.25x comparison: against round-robin when measured, else the Service stand-in.
    base = "round-robin" if "round-robin" in caps else ("service" if "service" in caps else None)
    other = "scored" if "scored" in caps else None
    targets = []
    if base and caps.get(base):
        at = round(caps[base] * STEP, 2)
        rb = rung_at(results[base], at)
        at = rb["rate"] if rb else at
        summary["at_1_25x_base"] = {"base": base, "rate": at}
        for p, res in results.items():
            r = rung_at(res, at)
            if r:
                summary["at_1_25x_base"][p] = {"ttft_p90_ms": r["ttft_ms"].get("p90"),
                                               "output_tokens_per_s": r["output_tokens_per_s"]}
        lines.append(f"[{workload}] at {at:g} req/s (1.25x {LABEL[base]} capacity): " + "; ".join(
            f"{LABEL[p]} p90 TTFT {fmt_ms(v['ttft_p90_ms'])} ms, {v['output_tokens_per_s']:.0f} "
            f"out tok/s" for p, v in summary["at_1_25x_base"].items() if isinstance(v, dict)))
        if other and rb:
            ro = rung_at(results[other], at)
            if ro:
                tr = rb["ttft_ms"].get("p90", 0) / max(ro["ttft_ms"].get("p90", 1), 1e-9)
                lines.append(f"[{workload}] {LABEL[base]} / picker p90 TTFT at 1.25x: {tr:.2f}x; "
                             f"output tok/s picker / {LABEL[base]}: "
                             f"{ro['output_tokens_per_s'] / max(rb['output_tokens_per_s'], 1e-9):.2f}x")
                if workload == "shared-prefix" and base == "round-robin":
                    targets.append(("p90 TTFT at 1.25x RR capacity >= 3x lower than RR", tr >= 3))
                    targets.append(("output tok/s at 1.25x RR capacity higher than RR",
                                    ro["output_tokens_per_s"] > rb["output_tokens_per_s"]))
    if workload == "shared-prefix":
        if pick is not None and "round-robin" in caps:
            targets.insert(0, ("capacity >= 1.5x round-robin", rr is None or pick >= 1.5 * rr))
        if pick is not None and "least-request" in caps:
            targets.insert(1, ("capacity >= least-request", lr is None or pick >= lr))
        for name, ok in targets:
            lines.append(f"TARGET shared-prefix picker {name}: {'MET' if ok else 'NOT MET'}")
        summary["targets"] = {name: ok for name, ok in targets}
    return lines, summary


# --------------------------------------------------------------------------------------------------
# Main.


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true",
                    help="short rungs (6 s, 4 s warm-up) instead of 20 s (10 s warm-up)")
    ap.add_argument("--workload", choices=WORKLOADS + ("both",), default="both")
    ap.add_argument("--policies", default=None,
                    help=f"comma list from {','.join(ALL_POLICIES)} (default: the three pool "
                         f"policies; service,direct when this Torii build has no InferencePool)")
    ap.add_argument("--build-dir", type=Path, default=REPO / "build",
                    help="where torii and torii-llm-sim are (default build/)")
    ap.add_argument("--load-bin", type=Path, default=None,
                    help="torii-llm-load binary (default BUILD_DIR/torii-llm-load)")
    ap.add_argument("--sims", type=int, default=4, help="simulators (default 4)")
    ap.add_argument("--duration", type=float, default=None, help="seconds per rung")
    ap.add_argument("--warmup", type=float, default=None, help="warm-up seconds (0: none)")
    ap.add_argument("--drain", type=float, default=30, help="max wait for in-flight requests")
    ap.add_argument("--rates", default=None, help="comma list of rates (overrides the ladders)")
    ap.add_argument("--full-ladder", action="store_true",
                    help="do not stop a policy's ladder after two rungs over the SLO")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--groups", type=int, default=workloads.SHARED_PREFIX["groups"])
    ap.add_argument("--questions", type=int, default=workloads.SHARED_PREFIX["questions"])
    ap.add_argument("--system-tokens", type=int, default=workloads.SHARED_PREFIX["system_tokens"])
    ap.add_argument("--question-tokens", type=int,
                    default=workloads.SHARED_PREFIX["question_tokens"])
    ap.add_argument("--output-tokens", type=int, default=workloads.SHARED_PREFIX["output_tokens"])
    ap.add_argument("--json", type=Path, default=None,
                    help="results file (default bench/results/inference-<timestamp>.json)")
    ap.add_argument("--no-json", action="store_true")
    ap.add_argument("--keep-temp", action="store_true", help="keep configs, workloads and logs")
    ap.add_argument("--records-dir", type=Path, default=None,
                    help="write every request of every rung as JSON lines into this directory")
    a = ap.parse_args(argv)
    if a.duration is None:
        a.duration = 6 if a.quick else 20
    if a.warmup is None:
        a.warmup = 4 if a.quick else 10
    if a.rates:
        a.rates = [float(x) for x in a.rates.split(",") if x.strip()]
    a.policies_given = a.policies is not None
    a.policies = [p.strip() for p in (a.policies or ",".join(POOL_POLICIES)).split(",")
                  if p.strip()]
    for p in a.policies:
        if p not in ALL_POLICIES:
            ap.error(f"--policies: unknown policy {p!r}")
    a.torii_bin = a.build_dir / "torii"
    a.sim_bin = a.build_dir / "torii-llm-sim"
    a.load_bin = a.load_bin or a.build_dir / "torii-llm-load"
    return a


def main(argv=None) -> int:
    args = parse_args(argv)
    interrupt_on_sigterm()
    needed = [args.sim_bin, args.load_bin]
    if any(p != "direct" for p in args.policies):
        needed.append(args.torii_bin)
    for b in needed:
        if not os.access(b, os.X_OK):
            print(f"bench/inference: {b} is missing: run `make` (or pass --build-dir)",
                  file=sys.stderr)
            return 2
    root = Path(tempfile.mkdtemp(prefix="torii-bench-inference-"))
    if args.records_dir:
        args.records_dir.mkdir(parents=True, exist_ok=True)
    notes = []
    pool = [p for p in args.policies if p in POOL_POLICIES]
    if pool:
        ok, text = validate(args, root, pool[0])
        if not ok:
            msg = f"this Torii build does not accept the InferencePool config:\n  " + \
                  "\n  ".join(text.splitlines()[-6:])
            if args.policies_given:
                print(f"bench/inference: {msg}", file=sys.stderr)
                return 2
            args.policies = list(STANDINS)
            notes.append(msg + "\n  -> running the stand-ins instead: service (Torii round-robin "
                               "over a Service) and direct (client-side round-robin, no gateway)")
    kinds = list(WORKLOADS) if args.workload == "both" else [args.workload]
    kv = kv_cache_blocks(args)
    print(f"bench/inference: {args.sims} x torii-llm-sim (8B/H100 profile, 16 seqs, kv-cache "
          f"{kv} blocks of {BLOCK}) | policies {','.join(args.policies)} | workloads "
          f"{','.join(kinds)} | {args.duration:g} s per rung, {args.warmup:g} s warm-up | "
          f"{os.cpu_count()} CPUs")
    for n in notes:
        print("NOTE: " + n)
    started = dt.datetime.now()
    results: dict[str, dict[str, dict]] = {}
    interrupted = False
    try:
        for kind in kinds:
            wfile = root / f"{kind}.jsonl"
            if kind == "shared-prefix":
                reqs = workloads.shared_prefix(args.seed, args.groups, args.questions,
                                               args.system_tokens, args.question_tokens,
                                               args.output_tokens)
            else:
                reqs = workloads.sharegpt(args.seed)
            workloads.write_jsonl(reqs, wfile)
            st = workloads.stats(reqs)
            print(f"\n== {kind}: {st['requests']} requests, prompt tokens mean "
                  f"{st['prompt_tokens']['mean']:.0f} (p50 {st['prompt_tokens']['p50']}, max "
                  f"{st['prompt_tokens']['max']}), output tokens mean "
                  f"{st['output_tokens']['mean']:.0f} (p50 {st['output_tokens']['p50']}, max "
                  f"{st['output_tokens']['max']})" +
                  (f"; {args.groups} groups x {args.questions} questions, system "
                   f"{args.system_tokens} + question {args.question_tokens} tokens"
                   if kind == "shared-prefix" else ""))
            results[kind] = {}
            for policy in args.policies:
                print(f"\n-- {kind} / {LABEL[policy]} "
                      f"({'torii-llm-load round-robins over the simulators' if policy == 'direct' else 'Torii --workers 1'}); "
                      f"times in ms; * = p90 TTFT over {SLO_TTFT_P90_MS / 1000:g} s")
                print(COLUMNS, flush=True)
                try:
                    results[kind][policy] = run_policy(args, root, kind, wfile, policy)
                except BenchError as e:
                    print(f"FAILED: {e}", flush=True)
                    results[kind][policy] = {"policy": policy, "workload": kind, "rungs": [],
                                             "error": str(e)}
    except KeyboardInterrupt:
        interrupted = True
        print("\ninterrupted; reporting what was measured", file=sys.stderr)
    finally:
        if args.keep_temp:
            print(f"temp dir kept: {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)

    print()
    summaries = {}
    for kind, res in results.items():
        res = {p: r for p, r in res.items() if r["rungs"]}
        if not res:
            continue
        lines, summaries[kind] = compare(kind, res)
        print("\n".join(lines))
    others = [r["other_cpus"] for res in results.values() for pr in res.values()
              for r in pr["rungs"]]
    if others and max(others) > OTHER_CPUS_WARN:
        print(f"WARNING: other processes used up to {max(others):.2f} CPUs during some rungs "
              f"(column 'other'): the machine was not quiet and those rungs are noisy.")
    lags = [r["send_lag_ms"].get("p99", 0) for res in results.values() for pr in res.values()
            for r in pr["rungs"]]
    if lags and max(lags) > 50:
        print(f"WARNING: the generator sent requests up to {max(lags):.0f} ms late (p99 of a rung): "
              f"the machine could not keep up at the top rates.")

    if not args.no_json:
        path = args.json or REPO / "bench" / "results" / \
            f"inference-{started.strftime('%Y%m%d-%H%M%S')}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        doc = {"benchmark": "inference", "started": started.isoformat(timespec="seconds"),
               "finished": dt.datetime.now().isoformat(timespec="seconds"),
               "interrupted": interrupted, "notes": notes,
               "config": {"sims": args.sims, "kv_cache_blocks": kv, "sim_profile": SIM_PROFILE,
                          "duration_s": args.duration, "warmup_s": args.warmup,
                          "policies": args.policies, "seed": args.seed,
                          "shared_prefix": {"groups": args.groups, "questions": args.questions,
                                            "system_tokens": args.system_tokens,
                                            "question_tokens": args.question_tokens,
                                            "output_tokens": args.output_tokens},
                          "sharegpt": workloads.SHAREGPT, "slo_ttft_p90_ms": SLO_TTFT_P90_MS},
               "results": results, "summary": summaries}
        path.write_text(json.dumps(doc, indent=1) + "\n")
        print(f"results: {path}")
    have_data = any(r["ok"] > 0 for res in results.values() for pr in res.values()
                    for r in pr["rungs"])
    if not have_data:
        print("bench/inference: the ladder produced no data", file=sys.stderr)
        return 1
    return 130 if interrupted else 0


if __name__ == "__main__":
    sys.exit(main())
