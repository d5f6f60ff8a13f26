"""Does a prompt's P depend on which tokens share its llama_decode? (issue 19, items 1-2)

    python bench/bench_batch_invariance.py [--limit 30] [--threads 1]

The reference is how valuelens evaluates: each prompt alone from an empty cache, chunk by chunk
(the Prompt's pieces). Against it, on the embedded model and the core suite's first --limit dilemmas
in both orders, it measures |P - P_reference| (P = probability of the first label over the two) for:
  run order      the prompts in run order with cached-prefix reuse (what a run does; must be 0),
  one chunk      the whole prompt in one llama_decode,
  tail 2 / 4     the last 2 or 4 tokens in a llama_decode of their own,
  streams x16    16 prompts per llama_decode, one KV stream each (bench/_streams.py): the
                 cross-prompt batching issue 19 asks for, attention exactly per prompt.
Prints the largest and mean difference and how many prompts are bit-identical, with the machine.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _streams import TreeScorer

import valuelens
from valuelens.backends.llamacpp import LlamaCppBackend
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
    args = ap.parse_args()
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
    streams = TreeScorer(backend._llm, 16, 512, 512)
    variants["streams x16"] = streams.score(chunked, ids)
    streams.close()
    la = os.getloadavg()
    print(
        f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"{args.threads} llama.cpp thread(s), load average {la[0]:.2f}; embedded Gemma 3 270M Q4_K_M; "
        f"{len(chunked)} prompts ({len(dilemmas)} core dilemmas x 2 orders)"
    )
    print("| evaluation | largest abs(P - P_alone) | mean | bit-identical log-probabilities |")
    print("|---|---|---|---|")
    for name, lps in variants.items():
        d = np.abs(p_of(lps) - ref)
        same = sum(a == b for a, b in zip(lps, ref_lp, strict=True))
        print(f"| {name} | {d.max():.4f} | {d.mean():.4f} | {same} of {len(lps)} |")
    backend.close()


if __name__ == "__main__":
    main()
