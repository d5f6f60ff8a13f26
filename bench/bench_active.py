"""Benchmark: comparisons needed to reach a Spearman correlation with the truth, per pair-selection design.

Run: python bench/bench_active.py [--seeds 10] [--sizes 200 510] [--regimes soft decisive sharp]
Truth: mu ~ N(0, 1); per-item variance ~ LogNormal(log v, 0.5) with v = 1 ("soft": many close
calls), v = 0.1 ("decisive") or v = 0.01 ("sharp": most random pairs are foregone conclusions);
labels are 10 votes in each option order, fitted with weight 20 (as `valuelens utilities` does).
Every design is fitted (Thurstonian) and scored every N/16 pairs, on the same truths and votes:
- active: ActivePairSelector with its defaults except round_size=N/16 (a random matching, then
  greedy density-weighted A-optimal rounds);
- random: uniformly random pairs;
- UE: Utility Engineering's heuristic (Mazeika et al. 2025, rule read from their published code,
  written anew here): a random 2-regular graph, then rounds drawn from the intersection of the 10%
  smallest |mu_a - mu_b| and the 20% smallest summed degree (both widened x1.5 up to 5 times when
  too few qualify, then random fill), refitted after each round. Their config asks 500 pairs a
  round of 510 outcomes; rounds here are 500 N / 510 pairs;
- UE/16: the same rule with rounds of N/16, as adaptive as active (a stronger peer than published);
- informed: the active selector planning every round from the truth (true utilities and answer
  noise, covariance from the true Fisher information) instead of the fit: no practical design
  knows more, so it shows how much is left to win.
Targets (issue 19): active needs fewer comparisons than UE everywhere, and at most 1.25x informed.
Ratios are medians of per-seed ratios; designs run interleaved per seed in one process.
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

from valuelens.analysis import ActivePairSelector, ThurstonianModel, random_pairs

THRESHOLDS = (0.95, 0.99)
REGIMES = {"soft": 0.0, "decisive": math.log(0.1), "sharp": math.log(0.01)}
VOTES = 20.0  # 10 per option order
UE_ROUND, UE_ITEMS = 500, 510  # Utility Engineering's published config: 500 pairs a round for 510 outcomes


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


def random_regular_graph(n: int, degree: int, rng: np.random.Generator) -> np.ndarray:
    """A uniformly random simple ``degree``-regular graph on n items, (n degree / 2, 2): the configuration
    model (random stub matching), redrawn until it has no self-pair and no repeated pair."""
    while True:
        stubs = rng.permutation(np.repeat(np.arange(n), degree)).reshape(-1, 2)
        keys = np.minimum(stubs[:, 0], stubs[:, 1]) * n + np.maximum(stubs[:, 0], stubs[:, 1])
        if np.all(stubs[:, 0] != stubs[:, 1]) and len(np.unique(keys)) == len(keys):
            return stubs


def heuristic_round(utilities: np.ndarray, asked: np.ndarray, k: int, rng: np.random.Generator) -> np.ndarray:
    """Utility Engineering's selection rule (Mazeika et al. 2025, as published in their code): among
    unasked pairs, those in both the P = 10% smallest |mu_a - mu_b| and the Q = 20% smallest summed
    degree (percentiles over the unasked pairs, ties included); P and Q grow x1.5 (at most 100) up
    to 5 tries until k qualify, then k are drawn at random; if the fifth try still has too few,
    all of them are taken and the rest filled with random unasked pairs. ``asked`` (m,2)."""
    n = len(utilities)
    lo, hi = np.triu_indices(n, 1)
    done = np.zeros((n, n), dtype=bool)
    done[asked[:, 0], asked[:, 1]] = done[asked[:, 1], asked[:, 0]] = True
    left = ~done[lo, hi]
    a, b = lo[left], hi[left]
    degree = np.bincount(asked.ravel(), minlength=n)
    gap = np.abs(utilities[a] - utilities[b])
    load = degree[a] + degree[b]
    p, q = 10.0, 20.0
    for attempt in range(5):
        ok = np.flatnonzero((gap <= np.percentile(gap, p)) & (load <= np.percentile(load, q)))
        if len(ok) >= k:
            pick = rng.choice(ok, k, replace=False)
            break
        if attempt < 4:
            p, q = min(1.5 * p, 100.0), min(1.5 * q, 100.0)
    else:
        rest = np.setdiff1d(np.arange(len(a)), ok)
        pick = np.concatenate([rng.permutation(ok), rng.choice(rest, min(k - len(ok), len(rest)), replace=False)])
    return np.column_stack([a[pick], b[pick]])


def run_heuristic(n: int, oracle: Oracle, seed: int, cap: int, round_size: int) -> dict[float, int | None]:
    """The Utility Engineering design: a random 2-regular graph, then rounds of ``round_size`` pairs
    by heuristic_round, refitted after each round. The curve is read every N/16 pairs, as for the
    other designs (within a round, on the pairs in the order the rule yields them)."""
    rng = np.random.default_rng(20_000 + seed)
    pairs = random_regular_graph(n, 2, rng)
    p = oracle.ask(pairs)
    step, curve = n // 16, []
    m = 0
    while m < cap:
        m = min(m + step, cap)
        while len(pairs) < m:  # the round ended: refit on all answers, plan the next round
            model = ThurstonianModel().fit(pairs, p, n, np.full(len(pairs), VOTES))
            new = heuristic_round(model.utilities_, pairs, min(round_size, cap - len(pairs)), rng)
            pairs, p = np.vstack([pairs, new]), np.concatenate([p, oracle.ask(new)])
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
    return f"{statistics.median(done):,.0f} ({min(done):,}-{max(done):,})"


def ratio(x: list[int | None], y: list[int | None]) -> str:
    """Median of the per-seed ratios x / y over seeds where both crossed."""
    both = [a / b for a, b in zip(x, y, strict=True) if a is not None and b is not None]
    return f"{statistics.median(both):.2f}" if both else "n/a"


def load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


DESIGNS = ("active", "random", "UE", "UE/16", "informed")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 510])
    parser.add_argument("--regimes", nargs="+", default=list(REGIMES), choices=list(REGIMES))
    args = parser.parse_args()
    print(
        f"machine: {platform.platform()}, {os.cpu_count()} CPUs, numpy {np.__version__}, "
        f"scipy {scipy.__version__}, load average {load_average()}"
    )
    header = (
        f"{'N':>4} {'regime':9} {'rho':>5} "
        + " ".join(f"{d:>20}" for d in DESIGNS)
        + f" {'act/UE':>6} {'act/UE16':>8} {'act/inf':>7} {'act/rnd':>7} {'UE/rnd':>6}"
    )
    print(header + "\n" + "-" * len(header))
    for n in args.sizes:
        cap = 16 * n
        ue_round = round(UE_ROUND * n / UE_ITEMS)
        for regime in args.regimes:
            log_var = REGIMES[regime]
            start = time.perf_counter()
            runs: dict[str, list[dict[float, int | None]]] = {d: [] for d in DESIGNS}
            for s in range(args.seeds):  # designs interleaved per seed, so load drifts hit all alike
                runs["active"].append(run_active(n, Oracle(n, log_var, s), s, cap))
                runs["random"].append(run_random(n, Oracle(n, log_var, s), s, cap))
                runs["UE"].append(run_heuristic(n, Oracle(n, log_var, s), s, cap, ue_round))
                runs["UE/16"].append(run_heuristic(n, Oracle(n, log_var, s), s, cap, n // 16))
                runs["informed"].append(run_active(n, Oracle(n, log_var, s), s, cap, informed=True))
                print(
                    f"  N={n} {regime} seed {s} done, {time.perf_counter() - start:.0f} s", file=sys.stderr, flush=True
                )
            for t in THRESHOLDS:
                c = {d: [x[t] for x in runs[d]] for d in DESIGNS}
                act = c["active"]
                print(
                    f"{n:4d} {regime:9} {t:5.2f} "
                    + " ".join(f"{summary(c[d], cap):>20}" for d in DESIGNS)
                    + f" {ratio(act, c['UE']):>6} {ratio(act, c['UE/16']):>8} {ratio(act, c['informed']):>7}"
                    f" {ratio(act, c['random']):>7} {ratio(c['UE'], c['random']):>6}"
                )
            print(
                f"     ({args.seeds} seeds, {time.perf_counter() - start:.0f} s, load average {load_average()}; "
                f"UE rounds {ue_round}; default budget 2N log2 N = {math.ceil(2 * n * math.log2(n)):,})",
                flush=True,
            )


if __name__ == "__main__":
    main()
