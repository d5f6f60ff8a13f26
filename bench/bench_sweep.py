"""Benchmark what a sweep spends on opening backends: one backend per (model, condition) against one per model.

    python bench/bench_sweep.py [--limit 3] [--reps 3] [--model llamacpp/gemma-3-270m --model llamacpp/PATH.gguf]

Measures, in one process with the two sides interleaved and a fresh store for every repetition, the
wall time of gathering a 2-model x 3-condition matrix (baseline, persona japan, principle power):
(a) per pair: `valuelens.run` per (model, condition), each opening and closing its own backend (what
`valuelens sweep` did before issue 16); (b) per model: one backend per model shared by its conditions
(what `valuelens sweep` does now). Then one full `valuelens.sweep` with the same settings. Prints the
machine, load average, backend openings, and the median and spread of each side.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path

import valuelens
from valuelens.runner import open_backend
from valuelens.studies._conditions import conditions

DEFAULT_MODELS = ["llamacpp/gemma-3-270m"]


def machine() -> str:
    return (
        f"{platform.platform()}, {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
        f"Python {platform.python_version()}"
    )


def per_pair(models: list[str], limit: int, store: Path) -> int:
    opened = 0
    for m in models:
        for c in conditions(["japan"], ["power"]):
            valuelens.run(m, limit=limit, store=store, **c.run_kwargs())  # opens and closes its backend
            opened += 1
    return opened


def per_model(models: list[str], limit: int, store: Path) -> int:
    opened = 0
    for m in models:
        be = open_backend(m)
        opened += 1
        try:
            for c in conditions(["japan"], ["power"]):
                valuelens.run(m, limit=limit, store=store, backend=be, **c.run_kwargs())
        finally:
            be.close()
    return opened


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", action="append", help="repeat; default: the embedded model and its GGUF by path")
    ap.add_argument("--limit", type=int, default=3)
    ap.add_argument("--reps", type=int, default=3)
    args = ap.parse_args()
    if args.model:
        models = args.model
    else:
        from valuelens.backends.llamacpp import embedded_model_path

        models = [*DEFAULT_MODELS, f"llamacpp/{embedded_model_path()}"]
    print(f"machine: {machine()}; load average {os.getloadavg()[0]:.2f} at start")
    print(f"models: {models}; conditions: baseline, persona:japan, principle:power; --limit {args.limit}")
    times: dict[str, list[float]] = {"per pair": [], "per model": []}
    opened: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for rep in range(args.reps):
            for side, fn in (("per pair", per_pair), ("per model", per_model))[:: 1 if rep % 2 == 0 else -1]:
                store = Path(tmp) / f"{side.replace(' ', '-')}-{rep}.sqlite"
                t0 = time.perf_counter()
                opened[side] = fn(models, args.limit, store)
                times[side].append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        sw = valuelens.sweep(
            models, personas=["japan"], principles=["power"], limit=args.limit, store=Path(tmp) / "sw.sqlite"
        )
        full = time.perf_counter() - t0
    for side, ts in times.items():
        print(
            f"{side:>9}: {opened[side]} backend openings; median {statistics.median(ts):.2f} s "
            f"(min {min(ts):.2f}, max {max(ts):.2f}) over {len(ts)} repetitions: {', '.join(f'{t:.2f}' for t in ts)}"
        )
    ratio = statistics.median(times["per pair"]) / statistics.median(times["per model"])
    print(f"per pair / per model (medians): {ratio:.2f}x")
    calls = sum(r.run.invocation.model_calls for r in sw.runs if r.run.invocation)
    print(
        f"valuelens.sweep (one backend per model, analysis included): {full:.2f} s, {len(sw.runs)} runs, {calls} model calls"
    )
    print(f"load average at end: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
