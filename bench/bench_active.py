"""Benchmark: comparisons needed to reach a Spearman correlation with the truth, active vs random pairs.

Run: python bench/bench_active.py [--seeds 10]
Truth: mu ~ N(0, 1); per-item variance ~ LogNormal(log v, 0.5) with v = 1 ("soft": many close
calls) or v = 0.1 ("decisive": most random pairs are foregone conclusions); labels are 10 votes
in each option order. Both strategies are refitted (Thurstonian) after every N/8 new pairs;
active selection starts from a random 2-regular graph (ActivePairSelector, initial_degree=2,
round_size=N/8). Target: active needs at most half the comparisons of random at Spearman 0.95.
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
import scipy
from scipy.special import ndtr
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from valuelens.analysis._active import ActivePairSelector, random_pairs
from valuelens.analysis._thurstone import ThurstonianModel

THRESHOLDS = (0.95, 0.99)
REGIMES = {"soft": 0.0, "decisive": math.log(0.1)}


class Oracle:
    """Thurstonian truth answering pairs with K votes per option order."""

    def __init__(self, n: int, log_var: float, seed: int, k: int = 10) -> None:
        rng = np.random.default_rng(10_000 + seed)
        self.mu = rng.normal(size=n)
        self.var = rng.lognormal(log_var, 0.5, size=n)
        self.k, self.rng = k, rng

    def ask(self, pairs: np.ndarray) -> np.ndarray:
        a, b = pairs[:, 0], pairs[:, 1]
        p = ndtr((self.mu[a] - self.mu[b]) / np.sqrt(self.var[a] + self.var[b]))
        votes = self.rng.binomial(self.k, p) + (self.k - self.rng.binomial(self.k, 1.0 - p))
        return votes / (2 * self.k)


def crossings(curve: list[tuple[int, float]]) -> dict[float, int | None]:
    """First comparison count at which the curve reaches each threshold."""
    return {t: next((m for m, r in curve if r >= t), None) for t in THRESHOLDS}


def run_active(n: int, oracle: Oracle, seed: int, cap: int) -> dict[float, int | None]:
    selector = ActivePairSelector(n, budget=cap, seed=seed, round_size=n // 8, initial_degree=2, stable_rank_corr=None)
    curve: list[tuple[int, float]] = []
    while not selector.done:
        pairs = selector.next_pairs()
        selector.observe(pairs, oracle.ask(pairs))
        curve.append((selector.n_asked, spearmanr(oracle.mu, selector.model_.utilities_)[0]))
        if curve[-1][1] >= max(THRESHOLDS):
            break
    return crossings(curve)


def run_random(n: int, oracle: Oracle, seed: int, cap: int) -> dict[float, int | None]:
    pairs = random_pairs(n, cap, seed)
    p = oracle.ask(pairs)
    curve: list[tuple[int, float]] = []
    for m in range(n // 8, cap + 1, n // 8):
        model = ThurstonianModel().fit(pairs[:m], p[:m], n)
        curve.append((m, spearmanr(oracle.mu, model.utilities_)[0]))
        if curve[-1][1] >= max(THRESHOLDS):
            break
    return crossings(curve)


def summary(values: list[int | None], cap: int) -> str:
    """Median (range) of comparisons; a run that never crossed counts as > cap."""
    done = [v for v in values if v is not None]
    if len(done) < len(values):
        return f"> {cap:,} in {len(values) - len(done)} runs"
    return f"{statistics.median(done):7,.0f} ({min(done):,}-{max(done):,})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 510])
    args = parser.parse_args()
    load = " ".join(f"{x:.1f}" for x in os.getloadavg())
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, load average {load}"
    )
    header = f"{'N':>4} {'regime':9} {'rho':>5} {'active':>24} {'random':>24} {'active/random':>14}"
    print(header + "\n" + "-" * len(header))
    for n in args.sizes:
        cap = 16 * n
        for regime, log_var in REGIMES.items():
            start = time.perf_counter()
            act = [run_active(n, Oracle(n, log_var, s), s, cap) for s in range(args.seeds)]
            rnd = [run_random(n, Oracle(n, log_var, s), s, cap) for s in range(args.seeds)]
            for t in THRESHOLDS:
                a, r = [x[t] for x in act], [x[t] for x in rnd]
                ratios = [x / y for x, y in zip(a, r, strict=True) if x is not None and y is not None]
                ratio = f"{statistics.median(ratios):.2f}" if ratios else "n/a"
                print(f"{n:4d} {regime:9} {t:5.2f} {summary(a, cap):>24} {summary(r, cap):>24} {ratio:>14}")
            print(
                f"     ({args.seeds} seeds, {time.perf_counter() - start:.0f} s; default budget 2N log2 N = "
                f"{math.ceil(2 * n * math.log2(n)):,})"
            )


if __name__ == "__main__":
    main()
