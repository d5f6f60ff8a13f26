"""Benchmark: how many more comparisons the fixed pair design (`utilities --design fixed`, the one
`--shard` can split) needs than active selection to reach a Spearman correlation with the truth.

Run: nice -n 10 python bench/bench_fixed_design.py [--seeds 5] [--sizes 200] [--regimes soft decisive]
     [--thresholds 0.95 0.99]
Truth, answers and the active design are bench_active.py's (Thurstonian truth, 10 votes in each option
order, fitted with weight 20; active = ActivePairSelector with rounds of N/16, no early stop). The fixed
design is `fixed_pairs(N, cap, seed)` (seeded random perfect matchings, no answer used), fitted on its
first m pairs every N/16 pairs, as bench_active.py reads the random design. Both designs run interleaved
per seed in one process, on the same truth. Ratios are medians of per-seed ratios fixed / active.
Sanity check of the yardstick: the fixed design's Spearman at the full budget of all N(N-1)/2 pairs
must reach the level the votes allow (printed as "all pairs").
"""

from __future__ import annotations

import argparse
import math
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_active
from bench_active import REGIMES, VOTES, Oracle, crossings, run_active

from valuelens.analysis import ThurstonianModel
from valuelens.analysis._fixed_design import fixed_pairs


def fit_rho(oracle: Oracle, pairs: np.ndarray, p: np.ndarray, n: int) -> float:
    model = ThurstonianModel().fit(pairs, p, n, np.full(len(pairs), VOTES))
    return float(spearmanr(oracle.mu, model.utilities_)[0])


def run_fixed(n: int, oracle: Oracle, seed: int, cap: int) -> tuple[dict[float, int | None], float]:
    """Crossings of the fixed design, and its Spearman at the default budget 2 N log2 N."""
    pairs = fixed_pairs(n, cap, seed)
    p = oracle.ask(pairs)
    default = math.ceil(2 * n * math.log2(n))
    at_default = fit_rho(oracle, pairs[:default], p[:default], n)
    curve: list[tuple[int, float]] = []
    for m in range(n // 16, cap + 1, n // 16):
        curve.append((m, fit_rho(oracle, pairs[:m], p[:m], n)))
        if curve[-1][1] >= max(bench_active.THRESHOLDS):
            break
    return crossings(curve), at_default


def ratio(x: list[int | None], y: list[int | None]) -> str:
    both = [a / b for a, b in zip(x, y, strict=True) if a is not None and b is not None]
    return f"{statistics.median(both):.2f} ({min(both):.2f}-{max(both):.2f})" if both else "n/a"


def median(values: list[int | None], cap: int) -> str:
    done = [v for v in values if v is not None]
    if len(done) < len(values):
        return f"> {cap:,} in {len(values) - len(done)}"
    return f"{statistics.median(done):,.0f}"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200])
    parser.add_argument("--regimes", nargs="+", default=["soft", "decisive"], choices=list(REGIMES))
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.95])
    args = parser.parse_args()
    bench_active.THRESHOLDS = tuple(args.thresholds)  # both designs stop once the highest is reached
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, numpy {np.__version__}, load average {load()}")
    print(f"{'N':>4} {'regime':9} {'rho':>5} {'active':>10} {'fixed':>10} {'fixed/active':>18}")
    for n in args.sizes:
        cap = 16 * n
        default = math.ceil(2 * n * math.log2(n))
        for regime in args.regimes:
            start = time.perf_counter()
            active, fixed, at_default = [], [], []
            for s in range(args.seeds):  # interleaved per seed: load drifts hit both alike
                active.append(run_active(n, Oracle(n, REGIMES[regime], s), s, cap))
                got, rho = run_fixed(n, Oracle(n, REGIMES[regime], s), s, cap)
                fixed.append(got)
                at_default.append(rho)
            for t in bench_active.THRESHOLDS:
                a, f = [x[t] for x in active], [x[t] for x in fixed]
                print(f"{n:4d} {regime:9} {t:5.2f} {median(a, cap):>10} {median(f, cap):>10} {ratio(f, a):>18}")
            oracle = Oracle(n, REGIMES[regime], 0)
            lo, hi = np.triu_indices(n, 1)
            every = np.column_stack([lo, hi])
            print(
                f"     fixed design at the default budget 2N log2 N = {default:,}: Spearman median "
                f"{statistics.median(at_default):.3f} ({min(at_default):.3f}-{max(at_default):.3f}); "
                f"all pairs (seed 0): {fit_rho(oracle, every, oracle.ask(every), n):.3f}; "
                f"{args.seeds} seeds, {time.perf_counter() - start:.0f} s, load average {load()}",
                flush=True,
            )


if __name__ == "__main__":
    main()
