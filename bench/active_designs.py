"""The truths and the pair-selection designs that bench/bench_active.py compares, each run to a Spearman target.

Every ``run_*`` takes the same Oracle (truth and vote draws fixed by the seed), fits the Thurstonian
model every N/16 pairs (a design's own rounds may be larger) and returns the first comparison count at
which the fit reaches each target rank correlation with the truth (None: not within ``cap``).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
from scipy.special import ndtr
from scipy.stats import spearmanr

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from valuelens.analysis import ActivePairSelector, ThurstonianModel, random_pairs
from valuelens.analysis._pair_design import crowding_weights

THRESHOLDS = (0.95, 0.99)
REGIMES = {"soft": 0.0, "decisive": math.log(0.1), "sharp": math.log(0.01)}
VOTES = 20.0  # 10 per option order
UE_ROUND, UE_ITEMS = 500, 510  # Utility Engineering's published config: 500 pairs a round for 510 outcomes

Crossings = dict[float, int | None]


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


class DiagonalSelector(ActivePairSelector):
    """ActivePairSelector with its previous error cost: each item's own variance weighted by its crowding
    (the diagonal of the rank contrast), as valuelens chose pairs before this benchmark's second round."""

    def _error_cost(self, utilities: np.ndarray, full_covariance: bool) -> np.ndarray:
        return crowding_weights(utilities)


class InformedDiagonalSelector(InformedSelector):
    """The informed design with the previous error cost: the yardstick issue 19's 1.25x target was set against."""

    def _error_cost(self, utilities: np.ndarray, full_covariance: bool) -> np.ndarray:
        return crowding_weights(utilities)


def crossings(curve: list[tuple[int, float]]) -> Crossings:
    """First comparison count at which the curve reaches each threshold."""
    return {t: next((m for m, r in curve if r >= t), None) for t in THRESHOLDS}


def run_active(n: int, oracle: Oracle, seed: int, cap: int, kind: type[ActivePairSelector]) -> Crossings:
    """An ActivePairSelector (or a subclass) with its defaults except rounds of N/16 and no early stop."""
    selector = kind(n, budget=cap, seed=seed, round_size=n // 16, stable_rank_corr=None)
    if isinstance(selector, InformedSelector):
        selector.oracle = oracle
    curve: list[tuple[int, float]] = []
    while not selector.done:
        pairs = selector.next_pairs()
        selector.observe(pairs, oracle.ask(pairs), np.full(len(pairs), VOTES))
        curve.append((selector.n_asked, spearmanr(oracle.mu, selector.model_.utilities_)[0]))
        if curve[-1][1] >= max(THRESHOLDS):
            break
    return crossings(curve)


def run_random(n: int, oracle: Oracle, seed: int, cap: int) -> Crossings:
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


def run_heuristic(n: int, oracle: Oracle, seed: int, cap: int, round_size: int) -> Crossings:
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


def run_design(design: str, n: int, regime: str, seed: int) -> Crossings:
    """One design on the truth and votes of (n, regime, seed), capped at 16 N comparisons."""
    oracle, cap = Oracle(n, REGIMES[regime], seed), 16 * n
    if design == "random":
        return run_random(n, oracle, seed, cap)
    if design in ("UE", "UE/16"):
        return run_heuristic(n, oracle, seed, cap, round(UE_ROUND * n / UE_ITEMS) if design == "UE" else n // 16)
    kinds = {
        "active": ActivePairSelector,
        "diagonal": DiagonalSelector,
        "informed": InformedSelector,
        "informed/diagonal": InformedDiagonalSelector,
    }
    return run_active(n, oracle, seed, cap, kinds[design])
