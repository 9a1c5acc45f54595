#!/usr/bin/env python3
"""Workloads for bench/inference, generated from a fixed seed as JSONL for torii-llm-load.

Each line is one request: {"body": {...chat completion...}} with `stream: true`,
`stream_options.include_usage: true`, `max_tokens` and `ignore_eos: true` (so the simulator returns
exactly `max_tokens` tokens, as inference-perf runs do). Text is words of 1-4 random lowercase
letters separated by single spaces: torii-llm-sim counts one token per word (tools/llm-sim/tokens.cc,
a token is optional leading whitespace plus up to 4 letters), so token counts are exact up to the
few tokens of the chat template (`<|system|>\n...<|assistant|>\n`).

shared-prefix (GIE's inference-perf "prefix-cache high" shape, shared/reference/inference.md §6):
  G groups, each with its own system prompt of S tokens; P questions of Q tokens per group; every
  request asks for O output tokens. The G*P requests are shuffled (fixed seed), so the groups
  interleave the way independent users of G "customers" would.

sharegpt (a ShareGPT-like length mix, no shared prefixes): N single-turn requests whose prompt and
  output lengths are lognormal, clamped (parameters in SHAREGPT below). Every prompt is distinct.

Python 3 standard library only. `python3 workloads.py shared-prefix --out FILE` writes a file and
prints its stats; run.py imports the functions.
"""

from __future__ import annotations

import argparse
import json
import math
import random
import string
import sys
from pathlib import Path

MODEL = "meta-llama/Llama-3.1-8B-Instruct"

# Defaults chosen for a 2-core machine driving 4 simulators (the derivation is in run.py, next to
# the simulator profile). Reference "prefix-cache high": 150 groups x 5 questions, system 6000,
# question 1200, output 1000 tokens.
SHARED_PREFIX = dict(groups=32, questions=256, system_tokens=2200, question_tokens=100,
                     output_tokens=32)

# ShareGPT-like lengths. ShareGPT (as used by vLLM's and inference-perf's benchmarks) has prompts
# with a median of ~100-200 tokens and a long tail into the thousands, and answers with a mean of
# ~200 tokens. The prompt distribution is kept; outputs are scaled down ~3x so that the token
# stream (one SSE chunk per token through the gateway) stays within what two cores can relay:
#   prompt ~ LogNormal(ln 160, 1.1) clamped to [8, 4096]   -> median 160, mean ~290 tokens
#   output ~ LogNormal(ln 40, 0.9)  clamped to [2, 512]    -> median 40,  mean ~60 tokens
SHAREGPT = dict(count=8000, prompt_median=160, prompt_sigma=1.1, prompt_min=8, prompt_max=4096,
                output_median=40, output_sigma=0.9, output_min=2, output_max=512)

_LETTERS = string.ascii_lowercase


def words(rng: random.Random, n: int) -> str:
    """n simulator tokens: words of 1-4 letters separated by spaces."""
    choice = rng.choice
    randint = rng.randint
    return " ".join("".join(choice(_LETTERS) for _ in range(randint(1, 4))) for _ in range(n))


def chat_body(messages: list[dict], output_tokens: int, model: str) -> dict:
    return {
        "model": model,
        "messages": messages,
        "max_tokens": output_tokens,
        "ignore_eos": True,
        "stream": True,
        "stream_options": {"include_usage": True},
    }


def shared_prefix(seed: int = 42, groups: int = SHARED_PREFIX["groups"],
                  questions: int = SHARED_PREFIX["questions"],
                  system_tokens: int = SHARED_PREFIX["system_tokens"],
                  question_tokens: int = SHARED_PREFIX["question_tokens"],
                  output_tokens: int = SHARED_PREFIX["output_tokens"],
                  model: str = MODEL) -> list[dict]:
    rng = random.Random(f"shared-prefix/{seed}")
    systems = [f"customer {g}: " + words(rng, system_tokens) for g in range(groups)]
    reqs = []
    for g in range(groups):
        for p in range(questions):
            messages = [{"role": "system", "content": systems[g]},
                        {"role": "user", "content": words(rng, question_tokens)}]
            reqs.append({"group": g, "body": chat_body(messages, output_tokens, model)})
    rng.shuffle(reqs)
    return reqs


def lognormal_int(rng: random.Random, median: float, sigma: float, lo: int, hi: int) -> int:
    return max(lo, min(hi, int(round(rng.lognormvariate(math.log(median), sigma)))))


def sharegpt(seed: int = 42, count: int = SHAREGPT["count"], model: str = MODEL,
             **overrides) -> list[dict]:
    p = dict(SHAREGPT, **overrides)
    rng = random.Random(f"sharegpt/{seed}")
    reqs = []
    for _ in range(count):
        n_in = lognormal_int(rng, p["prompt_median"], p["prompt_sigma"], p["prompt_min"],
                             p["prompt_max"])
        n_out = lognormal_int(rng, p["output_median"], p["output_sigma"], p["output_min"],
                              p["output_max"])
        messages = [{"role": "user", "content": words(rng, n_in)}]
        reqs.append({"body": chat_body(messages, n_out, model)})
    return reqs


def write_jsonl(reqs: list[dict], path: Path) -> None:
    with open(path, "w") as f:
        for r in reqs:
            f.write(json.dumps({"body": r["body"]}, separators=(",", ":")))
            f.write("\n")


def stats(reqs: list[dict]) -> dict:
    """Token counts as the simulator sees them (words; chat template not included)."""
    def tokens(text: str) -> int:
        return len(text.split())
    prompt = sorted(sum(tokens(m["content"]) for m in r["body"]["messages"]) for r in reqs)
    out = sorted(r["body"]["max_tokens"] for r in reqs)

    def summary(v):
        return {"mean": round(sum(v) / len(v), 1), "p50": v[len(v) // 2],
                "p90": v[int(len(v) * 0.9)], "max": v[-1]}
    return {"requests": len(reqs), "prompt_tokens": summary(prompt),
            "output_tokens": summary(out)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("workload", choices=("shared-prefix", "sharegpt"))
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--model", default=MODEL)
    ap.add_argument("--groups", type=int, default=SHARED_PREFIX["groups"])
    ap.add_argument("--questions", type=int, default=SHARED_PREFIX["questions"])
    ap.add_argument("--system-tokens", type=int, default=SHARED_PREFIX["system_tokens"])
    ap.add_argument("--question-tokens", type=int, default=SHARED_PREFIX["question_tokens"])
    ap.add_argument("--output-tokens", type=int, default=SHARED_PREFIX["output_tokens"])
    ap.add_argument("--count", type=int, default=SHAREGPT["count"])
    a = ap.parse_args(argv)
    if a.workload == "shared-prefix":
        reqs = shared_prefix(a.seed, a.groups, a.questions, a.system_tokens, a.question_tokens,
                             a.output_tokens, a.model)
    else:
        reqs = sharegpt(a.seed, a.count, a.model)
    write_jsonl(reqs, a.out)
    print(json.dumps(stats(reqs)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
