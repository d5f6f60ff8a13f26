"""What the AMX protection costs on this CPU: the embedded model with and without extra buffer types.

    python bench/bench_repack.py [--limit 30] [--rounds 5]

Two backends in one process: valuelens's own (use_extra_bufts = False, the protection of issue 12)
and the same GGUF loaded with llama.cpp's defaults (extra buffer types on: REPACK here, AMX on CPUs
that have it; do not run this side on an AMX machine, it is the crash). Each round asks both the same
core-suite prompts (both orders, `--limit` dilemmas), in alternating order, from a fresh prefix cache;
the figure is the median over rounds of the per-round time ratio protected / default, with the
largest difference in P(first) between the two sides as a check that both compute the same thing.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import statistics
import time

from valuelens.backends.llamacpp import LlamaCppBackend, _backend, cpu_flags, has_amx
from valuelens.backends.llamacpp._load import EngineParams
from valuelens.prompts import LABELS, Condition, dilemma_jobs
from valuelens.runner import p_first
from valuelens.suites import load_suite


def _load() -> str:
    la = os.getloadavg()
    return f"load average {la[0]:.2f} {la[1]:.2f} {la[2]:.2f}"


def _ask(backend: LlamaCppBackend, prompts: list) -> tuple[float, list[float]]:
    backend.forget()  # every round computes from scratch
    t = time.perf_counter()
    out = asyncio.run(backend.choice_logprobs(prompts, list(LABELS)))
    seconds = time.perf_counter() - t
    assert out is not None
    return seconds, [p_first({"logprobs": dict(r)}, LABELS) for r in out]  # type: ignore[arg-type]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--limit", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()
    if has_amx(cpu_flags()):
        raise SystemExit("this CPU has AMX: the default side would crash; nothing to compare")
    dilemmas = load_suite("core").dilemmas[: args.limit]
    prompts = [j.prompt for j in dilemma_jobs(dilemmas, Condition())]
    protected = LlamaCppBackend()
    original = _backend.engine_params
    _backend.engine_params = lambda flags: EngineParams()  # llama.cpp's own defaults
    try:
        default = LlamaCppBackend()
    finally:
        _backend.engine_params = original
    print(f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, {protected.n_threads} threads")
    print(f"{len(prompts)} prompts ({args.limit} dilemmas x 2 orders), {args.rounds} rounds; {_load()}")
    ratios, worst = [], 0.0
    for r in range(args.rounds):
        sides = [("protected", protected), ("default", default)]
        if r % 2:
            sides.reverse()
        times: dict[str, float] = {}
        ps: dict[str, list[float]] = {}
        for name, be in sides:
            times[name], ps[name] = _ask(be, prompts)
        worst = max(worst, max(abs(a - b) for a, b in zip(ps["protected"], ps["default"], strict=True)))
        ratios.append(times["protected"] / times["default"])
        print(
            f"round {r + 1}: protected {times['protected']:.2f} s, default {times['default']:.2f} s, "
            f"ratio {ratios[-1]:.3f}; {_load()}"
        )
    print(
        f"median ratio protected/default {statistics.median(ratios):.3f} (min {min(ratios):.3f}, max {max(ratios):.3f})"
    )
    print(f"largest |P(first) difference| between the two sides: {worst:.4f}")
    protected.close()
    default.close()


if __name__ == "__main__":
    main()
