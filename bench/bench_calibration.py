"""Calibration of every 95% interval valuelens reports: the share of replications holding the truth.

Each replication simulates a run of 360 fresh dilemmas with the synthetic backend's answer model
(tests/analysis/calibration.py says how, and how each truth is defined), calls the analysis
functions directly and checks every interval against the truth, in four regimes: weak or strong
position bias (0.2 or 1.5 logits), without or with a per-dilemma lean that no value explains
(sd 0 or 0.5 logits). Per-name intervals (utilities, scores, differences) count once per name.
Target: 93-97% each. Prints a markdown table (the one in docs/analysis.md), the machine and load.

    python3 bench/bench_calibration.py [--reps 200] [--jobs 2]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from tests.analysis.calibration import REGIMES, Regime, coverage  # noqa: E402


def _one(args: tuple[Regime, int]) -> tuple[str, dict[str, tuple[int, int]], float]:
    regime, reps = args
    start = time.perf_counter()
    return regime.name, coverage(regime, reps), time.perf_counter() - start


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=200)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"load average at start: {_load()}; {args.reps} replications per regime, {args.jobs} processes")
    start = time.perf_counter()
    with ProcessPoolExecutor(args.jobs) as pool:
        results = list(pool.map(_one, [(r, args.reps) for r in REGIMES]))
    names = list(dict.fromkeys(k for _, cov, _ in results for k in cov))
    print("\n| interval | " + " | ".join(name for name, _, _ in results) + " |")
    print("|---|" + "---|" * len(results))
    for k in names:
        cells = []
        for _, cov, _ in results:
            hits, total = cov.get(k, (0, 0))
            cells.append(f"{100 * hits / total:.1f}% ({total})" if total else "-")
        print(f"| {k} | " + " | ".join(cells) + " |")
    print("\n(share holding the truth; in brackets the number of intervals checked)")
    for name, _, secs in results:
        print(f"{name}: {secs:.0f} s")
    print(f"wall time {time.perf_counter() - start:.0f} s; load average at end: {_load()}")


if __name__ == "__main__":
    main()
