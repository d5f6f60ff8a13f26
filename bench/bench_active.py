"""Benchmark: comparisons needed to reach a Spearman correlation with the truth, active vs random pairs.

Run: python bench/bench_active.py [--seeds 10]
Truth: mu ~ N(0, 1); per-item variance ~ LogNormal(log v, 0.5) with v = 1 ("soft": many close
calls), v = 0.1 ("decisive") or v = 0.01 ("sharp": most random pairs are foregone conclusions);
labels are 10 votes in each option order, fitted with weight 20 (as `valuelens utilities` does).
Both strategies are refitted (Thurstonian) after every N/16 new pairs; active selection is
ActivePairSelector with its defaults except round_size=N/16 (a random matching, then greedy
density-weighted A-optimal rounds). A third design, "informed", runs the same selector but plans
every round from the truth (true utilities and answer noise, covariance from the true Fisher
information) instead of the fit: no practical design knows more, so it shows how much of the
gap to random is left to win. Target: active needs at most half the comparisons of random at
Spearman 0.95.
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
REGIMES = {"soft": 0.0, "decisive": math.log(0.1), "sharp": math.log(0.01)}
VOTES = 20.0  # 10 per option order


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


class TruthModel:
    """What the selector would plan from if it knew the truth: the model interface over true parameters.

    Utilities and answer variances are the truth's, z-scored; the covariance is the inverse of the
    true Fisher information of the observed pairs plus the fit's prior precision.
    """

    def __init__(self, oracle: Oracle, pairs: np.ndarray, weights: np.ndarray, prior_sd: float = 5.0) -> None:
        sd = float(oracle.mu.std())
        self.scale_ = 1.0
        self.utilities_ = self.means_ = (oracle.mu - oracle.mu.mean()) / sd
        self.variances_ = oracle.var / sd**2
        a, b = pairs[:, 0], pairs[:, 1]
        s2 = self.variances_[a] + self.variances_[b]
        z = (self.utilities_[a] - self.utilities_[b]) / np.sqrt(s2)
        prob = np.clip(ndtr(z), 1e-12, 1 - 1e-12)
        info = weights * np.exp(-z * z) / (2 * math.pi) / (prob * (1 - prob) * s2)
        n = len(oracle.mu)
        fisher = np.diag(np.full(n, (sd / prior_sd) ** 2))
        np.add.at(fisher, (a, a), info)
        np.add.at(fisher, (b, b), info)
        np.add.at(fisher, (a, b), -info)
        np.add.at(fisher, (b, a), -info)
        self._cov = np.linalg.inv(fisher)

    def utility_cov_(self) -> np.ndarray:
        return self._cov


class InformedSelector(ActivePairSelector):
    """ActivePairSelector planning from the truth instead of the fit."""

    oracle: Oracle

    def _informative_round(self, model: object, k: int) -> np.ndarray:
        truth = TruthModel(self.oracle, self.pairs_, np.concatenate(self._weights))
        return super()._informative_round(truth, k)


def crossings(curve: list[tuple[int, float]]) -> dict[float, int | None]:
    """First comparison count at which the curve reaches each threshold."""
    return {t: next((m for m, r in curve if r >= t), None) for t in THRESHOLDS}


def run_active(n: int, oracle: Oracle, seed: int, cap: int, informed: bool = False) -> dict[float, int | None]:
    kind = InformedSelector if informed else ActivePairSelector
    selector = kind(n, budget=cap, seed=seed, round_size=n // 16, stable_rank_corr=None)
    selector.oracle = oracle
    curve: list[tuple[int, float]] = []
    while not selector.done:
        pairs = selector.next_pairs()
        selector.observe(pairs, oracle.ask(pairs), np.full(len(pairs), VOTES))
        curve.append((selector.n_asked, spearmanr(oracle.mu, selector.model_.utilities_)[0]))
        if curve[-1][1] >= max(THRESHOLDS):
            break
    return crossings(curve)


def run_random(n: int, oracle: Oracle, seed: int, cap: int) -> dict[float, int | None]:
    pairs = random_pairs(n, cap, seed)
    p = oracle.ask(pairs)
    curve: list[tuple[int, float]] = []
    for m in range(n // 16, cap + 1, n // 16):
        model = ThurstonianModel().fit(pairs[:m], p[:m], n, np.full(m, VOTES))
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


def ratio(x: list[int | None], y: list[int | None]) -> str:
    """Median of the per-seed ratios x / y over seeds where both crossed."""
    both = [a / b for a, b in zip(x, y, strict=True) if a is not None and b is not None]
    return f"{statistics.median(both):.2f}" if both else "n/a"


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
    header = (
        f"{'N':>4} {'regime':9} {'rho':>5} {'active':>22} {'random':>22} {'informed':>22} "
        f"{'active/random':>13} {'informed/random':>15}"
    )
    print(header + "\n" + "-" * len(header))
    for n in args.sizes:
        cap = 16 * n
        for regime, log_var in REGIMES.items():
            start = time.perf_counter()
            act = [run_active(n, Oracle(n, log_var, s), s, cap) for s in range(args.seeds)]
            rnd = [run_random(n, Oracle(n, log_var, s), s, cap) for s in range(args.seeds)]
            inf = [run_active(n, Oracle(n, log_var, s), s, cap, informed=True) for s in range(args.seeds)]
            for t in THRESHOLDS:
                a, r, o = [x[t] for x in act], [x[t] for x in rnd], [x[t] for x in inf]
                print(
                    f"{n:4d} {regime:9} {t:5.2f} {summary(a, cap):>22} {summary(r, cap):>22} {summary(o, cap):>22} "
                    f"{ratio(a, r):>13} {ratio(o, r):>15}"
                )
            print(
                f"     ({args.seeds} seeds, {time.perf_counter() - start:.0f} s; default budget 2N log2 N = "
                f"{math.ceil(2 * n * math.log2(n)):,})",
                flush=True,
            )


if __name__ == "__main__":
    main()
