"""Benchmark a full default run on the embedded model against the ideal set by raw prefill speed.

    python bench/run_embedded.py [--limit N] [--store PATH]

Measures: items/s and prompts/s of `valuelens.run` on the core suite with a fresh store;
tokens_evaluated / tokens_prompt (how much prefix reuse saved); the backend's raw prefill rate on
one long prompt (tokens/s, best of 3); and the ratio of achieved to ideal time, where ideal =
tokens that must be computed / raw prefill rate. Prints the machine it ran on.
"""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
from pathlib import Path

import valuelens
from valuelens.backends.llamacpp import LlamaCppBackend


def raw_prefill_rate(backend: LlamaCppBackend, n_tokens: int = 1500, repeats: int = 3) -> float:
    """Tokens/s of one long prompt evaluated from an empty cache (best of `repeats`)."""
    text = " ".join(d.situation + " " + d.question for d in valuelens.load_suite("core").dilemmas)
    tokens = backend.tokenize(text)[:n_tokens]
    best = 0.0
    for _ in range(repeats):
        backend._llm.reset()
        t0 = time.perf_counter()
        backend.next_token_logits(tokens)
        best = max(best, len(tokens) / (time.perf_counter() - t0))
    backend._llm.reset()
    return best


def machine() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}, load average {load:.2f} at start"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--limit", type=int, default=None, help="only the first N dilemmas (default: all 360)")
    ap.add_argument("--store", type=Path, default=None, help="store path (default: a fresh temporary file)")
    args = ap.parse_args()
    print(f"machine: {machine()}")
    backend = LlamaCppBackend()
    rate = raw_prefill_rate(backend)
    print(f"raw prefill rate: {rate:.0f} tokens/s (one 1500-token prompt, best of 3)")
    with tempfile.TemporaryDirectory() as tmp:
        store = args.store or Path(tmp) / "bench.sqlite"
        t0 = time.perf_counter()
        r = valuelens.run("llamacpp/gemma-3-270m", "core", limit=args.limit, store=store, backend=backend)
        seconds = time.perf_counter() - t0
    inv = r.invocation
    assert inv is not None
    ideal = inv.tokens_evaluated / rate
    print(f"items: {len(r.dilemmas)} dilemmas, {inv.model_calls} prompts in {seconds:.1f} s")
    print(f"throughput: {len(r.dilemmas) / seconds:.2f} items/s, {inv.model_calls / seconds:.2f} prompts/s")
    print(
        f"tokens: prompt {inv.tokens_prompt}, evaluated {inv.tokens_evaluated} "
        f"(ratio {inv.tokens_evaluated / inv.tokens_prompt:.3f}: prefix reuse skipped the rest)"
    )
    print(f"ideal time {ideal:.1f} s (evaluated tokens / raw prefill rate); achieved/ideal = {seconds / ideal:.3f}")
    backend.close()


if __name__ == "__main__":
    main()
