"""Does a prompt's P depend on which tokens share its llama_decode? (issue 19, items 1-2)

    python bench/bench_batch_invariance.py [--limit 30] [--threads 1] [--reps 3] [--tiled-force]

The reference is how valuelens evaluates: each prompt alone from an empty cache, chunk by chunk
(the Prompt's pieces). Against it, on the embedded model and the core suite's first --limit dilemmas
in both orders, it measures |P - P_reference| (P = probability of the first label over the two) for:
  run order      the prompts in run order with cached-prefix reuse (what a run does; must be 0),
  one chunk      the whole prompt in one llama_decode,
  tail 2 / 4     the last 2 or 4 tokens in a llama_decode of their own,
  streams x16    16 prompts per llama_decode, one KV stream each (bench/_streams.py): the
                 cross-prompt batching issue 19 asks for, attention exactly per prompt;
  streams x7     the same with 7 prompts (at most 7 output rows per decode);
  lockstep x6    6 prompts (3 dilemmas, both orders) per decode laid out so that every decode uses the
                 kernels one-at-a-time evaluation uses (bench/_lockstep.py, bench/NUMERICS.md): exact
                 on the default engine (at most 7 output rows per decode);
  lockstep x16   the same with 16 prompts (16 output rows: guaranteed exact only with --tiled-force);
  greedy x16     16 prompts, rounds of the shortest remainder, no stream with 1 row (--tiled-force).
Prints the largest and mean difference and how many prompts are bit-identical, with the machine; then
the speed of one-at-a-time evaluation (run order, prefix reuse) against the lockstep layouts, timed in
turn --reps times in this process. --tiled-force sets GGML_CPU_TILED_MM_FORCE=1 (ggml's tiled K-quant
product for every row count; read once per process), which changes the reference numbers too.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _lockstep import LockstepScorer
from _streams import TreeScorer

import valuelens
from valuelens.backends.llamacpp import LlamaCppBackend
from valuelens.backends.llamacpp._logprobs import Chunks
from valuelens.prompts import LABELS, Condition, dilemma_jobs
from valuelens.runner import p_first


def p_of(lps: list[list[float]]) -> np.ndarray:
    return np.array([p_first({"logprobs": dict(zip(LABELS, lp, strict=True))}, LABELS) for lp in lps])


def alone(backend: LlamaCppBackend, prompts: list[tuple[tuple[int, ...], ...]]) -> list[list[float]]:
    out: list[list[float]] = []
    for c in prompts:
        backend.forget()
        out += backend.score_chunks([c], list(LABELS))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--tiled-force", action="store_true")
    args = ap.parse_args()
    if args.tiled_force:
        os.environ["GGML_CPU_TILED_MM_FORCE"] = "1"  # before the process's first matrix product
    backend = LlamaCppBackend(n_threads=args.threads)
    ids = [backend.label_id(lab) for lab in LABELS]
    dilemmas = valuelens.load_suite("core").dilemmas[: args.limit]
    chunked = [backend.chunks(j.prompt) for j in dilemma_jobs(dilemmas, Condition())]
    ref_lp = alone(backend, chunked)
    ref = p_of(ref_lp)
    flat = [tuple(t for piece in c for t in piece) for c in chunked]
    variants: dict[str, list[list[float]]] = {}
    backend.forget()
    variants["run order"] = backend.score_chunks(chunked, list(LABELS))
    variants["one chunk"] = alone(backend, [(f,) for f in flat])
    for k in (2, 4):
        variants[f"tail {k}"] = alone(backend, [(f[:-k], f[-k:]) for f in flat])
    scorers = {
        "streams x16": TreeScorer(backend._llm, 16, 512, 512),
        "streams x7": TreeScorer(backend._llm, 7, 512, 512),
        "lockstep x6": LockstepScorer(backend._llm, 6, 16),
        "lockstep x16": LockstepScorer(backend._llm, 16, 16),
        "greedy x16": LockstepScorer(backend._llm, 16, greedy=True),
    }
    for name, scorer in scorers.items():
        variants[name] = backend.on_engine(scorer.score, chunked, ids)  # where the backend evaluates
    la = os.getloadavg()
    engine = "GGML_CPU_TILED_MM_FORCE=1" if args.tiled_force else "default engine settings"
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{args.threads} llama.cpp thread(s), load average {la[0]:.2f}; embedded Gemma 3 270M Q4_K_M, "
        f"{engine}; {len(chunked)} prompts ({len(dilemmas)} core dilemmas x 2 orders)"
    )
    print("| evaluation | largest abs(P - P_alone) | mean | bit-identical log-probabilities |")
    print("|---|---|---|---|")
    for name, lps in variants.items():
        d = np.abs(p_of(lps) - ref)
        same = sum(a == b for a, b in zip(lps, ref_lp, strict=True))
        print(f"| {name} | {d.max():.4f} | {d.mean():.4f} | {same} of {len(lps)} |")
    speed(backend, chunked, ids, {k: scorers[k] for k in ("lockstep x6", "lockstep x16", "greedy x16")}, args.reps)
    for scorer in scorers.values():
        scorer.close()
    backend.close()


def speed(
    backend: LlamaCppBackend, chunked: list[Chunks], ids: list[int], scorers: dict[str, LockstepScorer], reps: int
) -> None:
    """Seconds per pass over the prompts, one at a time (a run's path) and per layout, timed in turn."""
    times: dict[str, list[float]] = {"one at a time": [], **{k: [] for k in scorers}}
    tokens: dict[str, int] = {}
    for _ in range(reps):
        backend.forget()
        before, t = backend.usage.tokens_evaluated, time.perf_counter()
        backend.score_chunks(chunked, list(LABELS))
        times["one at a time"].append(time.perf_counter() - t)
        tokens["one at a time"] = backend.usage.tokens_evaluated - before
        for name, scorer in scorers.items():
            scorer.forget()
            before, t = scorer.tokens, time.perf_counter()
            backend.on_engine(scorer.score, chunked, ids)
            times[name].append(time.perf_counter() - t)
            tokens[name] = scorer.tokens - before
    la = os.getloadavg()
    print(f"\nspeed: {reps} passes each, in turn, in this process; load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}")
    print(
        "| evaluation | best s per pass | median s | tokens computed per pass | prompts/s (best) | vs one at a time |"
    )
    print("|---|---|---|---|---|---|")
    base = min(times["one at a time"])
    for name, ts in times.items():
        best, med = min(ts), float(np.median(ts))
        print(f"| {name} | {best:.2f} | {med:.2f} | {tokens[name]} | {len(chunked) / best:.2f} | {base / best:.2f}x |")


if __name__ == "__main__":
    main()
